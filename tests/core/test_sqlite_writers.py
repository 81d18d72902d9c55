"""The embedded default's SQLite writers take turns in the order they came (apps/core/sqlite3): a chat message
written while payments stream in waits for the transactions ahead of it, not for SQLite's busy handler to wake
(which let the payers take the database again and again, until "database is locked")."""

import threading

import pytest
from django.db import OperationalError, connection, connections, transaction

from apps.core.sqlite3.base import TurnLock

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="the embedded default's SQLite backend")


def test_the_lock_is_handed_over_in_the_order_the_threads_asked():
    lock = TurnLock()
    assert lock.acquire(timeout=1)
    order, threads = [], []
    for n in range(5):
        t = threading.Thread(target=lambda n=n: (lock.acquire(timeout=10), order.append(n), lock.release()))
        t.start()
        threads.append(t)
        while len(lock._waiting) < n + 1:  # in line before the next one asks
            pass
    lock.release()
    for t in threads:
        t.join(10)
    assert order == [0, 1, 2, 3, 4]
    assert lock.acquire(timeout=0.01)  # and free again at the end


def test_a_wait_that_runs_out_leaves_the_line_and_the_lock_still_works():
    lock = TurnLock()
    assert lock.acquire(timeout=1)
    assert lock.acquire(timeout=0.01) is False  # as SQLite says "database is locked" after its timeout
    assert not lock._waiting
    lock.release()
    assert lock.acquire(timeout=0.01)


@pytest.mark.django_db(transaction=True)
def test_a_chat_write_waits_only_for_the_transactions_already_in_line():
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS t_writers (v INTEGER)")
    committed = [0]
    stop = threading.Event()

    def payer():
        try:
            while not stop.is_set():
                with transaction.atomic(), connection.cursor() as cursor:
                    for _ in range(20):
                        cursor.execute("INSERT INTO t_writers (v) VALUES (1)")
                committed[0] += 1
        finally:
            connections.close_all()

    went_ahead, errors = [], []

    def chatter():
        try:
            connection.ensure_connection()  # open, as a server thread's stays (opening one meets SQLite's own lock)
            for _ in range(30):
                before = committed[0]
                with transaction.atomic(), connection.cursor() as cursor:
                    went_ahead.append(committed[0] - before)
                    cursor.execute("INSERT INTO t_writers (v) VALUES (2)")
        except OperationalError as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    payers = [threading.Thread(target=payer) for _ in range(3)]
    for t in payers:
        t.start()
    chat = threading.Thread(target=chatter)
    chat.start()
    chat.join(60)
    stop.set()
    for t in payers:
        t.join(60)
    assert errors == []
    # Three payers can each be ahead once (plus one committing as the chat thread asked); SQLite's busy handler
    # let dozens go first.
    assert max(went_ahead) <= 4, went_ahead


@pytest.mark.django_db(transaction=True)
def test_a_transaction_that_fails_or_a_connection_closed_inside_one_hands_the_turn_on():
    from apps.core.sqlite3 import base

    with pytest.raises(ValueError), transaction.atomic():
        raise ValueError
    assert base._writer.acquire(timeout=0.01)
    base._writer.release()

    connection.set_autocommit(
        False, force_begin_transaction_with_broken_autocommit=True
    )  # as atomic() begins
    connection.close()  # the connection goes, and its transaction with it
    assert base._writer.acquire(timeout=0.01)
    base._writer.release()
