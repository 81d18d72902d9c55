"""Django's SQLite backend, with the process's write transactions taking turns on a lock of their own.

SQLite has one writer. A second writer asks, is told "busy", and its busy handler sleeps before asking again:
1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100 ms and on. In the embedded setup every writer is a thread of one
process (HTTP lanes, websocket actions, periodic jobs), so a chat message sent while a payment held the
database slept up to tens of milliseconds after the payment had committed: the room's p99 beside ten payers
was 2.8× its p99 alone (`make bench ONLY=room`). Here a write transaction (`BEGIN IMMEDIATE`, settings.py)
first takes a process lock, handed to the threads waiting for it in the order they came, the moment the holder
commits or rolls back (a plain lock let a busy payer take it again before the woken chat thread ran). Other
processes (a `manage.py` command beside the server) still meet SQLite's own lock and busy timeout.
"""

import threading
from collections import deque

from django.db import OperationalError
from django.db.backends.sqlite3 import base


class TurnLock:
    """A lock handed over first come, first served."""

    def __init__(self):
        self._mutex = threading.Lock()
        self._waiting: deque = deque()
        self._held = False

    def acquire(self, timeout: float) -> bool:
        with self._mutex:
            if not self._held:
                self._held = True
                return True
            turn = threading.Lock()
            turn.acquire()
            self._waiting.append(turn)
        if turn.acquire(timeout=timeout):
            return True  # handed over by release()
        with self._mutex:
            try:
                self._waiting.remove(turn)
            except ValueError:
                return True  # handed over just as the wait ran out
            return False

    def release(self) -> None:
        with self._mutex:
            if self._waiting:
                self._waiting.popleft().release()  # still held: now by the next in line
            else:
                self._held = False


_writer = TurnLock()


class DatabaseWrapper(base.DatabaseWrapper):
    _holds_writer = False

    def _start_transaction_under_autocommit(self):
        if not _writer.acquire(timeout=self.settings_dict["OPTIONS"].get("timeout", 5)):
            raise OperationalError("database is locked")  # as SQLite says after its busy timeout
        self._holds_writer = True
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._release_writer()
            raise

    def _set_autocommit(self, autocommit):
        super()._set_autocommit(autocommit)
        if autocommit:  # the transaction is over: committed or rolled back
            self._release_writer()

    def _close(self):
        try:
            super()._close()
        finally:
            self._release_writer()

    def _release_writer(self):
        if self._holds_writer:
            self._holds_writer = False
            _writer.release()
