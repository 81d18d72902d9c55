"""Server time of the shell pages, against a baseline page that does nothing (/healthz), in the same run.

Contacts is measured for a person with the sample friends and again with 500 friends, to show it scales with
one query per list rather than one per friend.
"""

import time

from _django import setup, summary, table

setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from apps.accounts.models import Friendship, User  # noqa: E402
from apps.core import clock  # noqa: E402

ROUNDS = 60


def measure(client: Client, path: str) -> list:
    client.get(path)  # warm
    queries = []
    with connection.execute_wrapper(lambda execute, sql, *a: queries.append(sql) or execute(sql, *a)):
        client.get(path)
    samples = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        response = client.get(path)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    p50, p95, _mean = summary(samples)
    return [path, f"{p50:.2f}", f"{p95:.2f}", len(queries)]


liwei = User.objects.get(username="liwei")
client = Client(HTTP_HOST="127.0.0.1")
client.force_login(liwei)
pages = [
    "/healthz",
    "/",
    "/accounts/contacts/",
    "/accounts/contacts/new/",
    "/accounts/me/",
    "/accounts/u/wangfang/",
]
rows = [measure(client, path) for path in pages]

crowd = [User(username=f"fan{n}", display_name=f"粉丝{n}号", public_id=f"fan_{n:05d}") for n in range(500)]
User.objects.bulk_create(crowd)
crowd = list(User.objects.filter(username__startswith="fan"))
Friendship.objects.bulk_create(
    [Friendship(owner=liwei, friend=f, created_at=clock.now()) for f in crowd]
    + [Friendship(owner=f, friend=liwei, created_at=clock.now()) for f in crowd]
)
row = measure(client, "/accounts/contacts/")
row[0] = "/accounts/contacts/ (505 friends)"
rows.append(row)

table(
    f"Server time per page, Django test client, {ROUNDS} requests each (ms)",
    ["page", "p50", "p95", "queries"],
    rows,
)
base = float(rows[0][1])
print(f"  baseline /healthz p50 {base:.2f} ms: the shell pages cost the rest.")
