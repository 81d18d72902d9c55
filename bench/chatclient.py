"""The chat client of bench/ and the tests: apps.core.clients.ChatClient (one client, shared with the
rehearsal bots)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from apps.core.clients import ChatClient  # noqa: F401
