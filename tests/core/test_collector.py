"""A serving process's garbage collector (apps/core/collector.py): start-up's objects are frozen out of collections
and the youngest generation is collected less often, so a full collection does not pause a room's fan-out.
Checked in a process of its own, as a server starts: freezing this test run's heap would outlive the test."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# The server's start as Uvicorn drives it: import the ASGI application, then the lifespan's startup.
SERVE = """
import asyncio, gc, json
from socialdemo.asgi import application

async def start():
    inbox, sent = asyncio.Queue(), []
    await inbox.put({"type": "lifespan.startup"})

    async def send(message):
        sent.append(message["type"])
        if message["type"] == "lifespan.startup.complete":
            await inbox.put({"type": "lifespan.shutdown"})

    await application({"type": "lifespan"}, inbox.get, send)
    return sent

sent = asyncio.run(start())
print(json.dumps({"sent": sent, "frozen": gc.get_freeze_count(), "threshold": gc.get_threshold()}))
"""


def serve_and_read(tmp_path, **env) -> dict:
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "socialdemo.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path}/collector.sqlite3",
        **env,
    }
    out = subprocess.run(
        [sys.executable, "-c", SERVE], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("threshold", ["10000", "2500"])
def test_a_starting_server_freezes_what_start_up_built_and_collects_its_youngest_less_often(
    tmp_path, threshold
):
    state = serve_and_read(tmp_path, GC_GEN0_THRESHOLD=threshold)
    assert state["sent"] == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert state["frozen"] > 50_000  # Django, the URL conf, the app's modules
    assert state["threshold"][0] == int(threshold)


def test_freezing_can_be_switched_off(tmp_path):
    state = serve_and_read(tmp_path, GC_FREEZE_AT_START="0")
    assert state["frozen"] == 0
    assert state["threshold"][0] == 10_000
