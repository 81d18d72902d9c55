"""manage.py workshop_bots: rehearsal bots join the workshop by the console's code and use the app for a while.

    manage.py workshop_bots --count 50 --minutes 3 --url http://127.0.0.1:8000

They join by the real path (the join URL's page, a name), then chat in the workshop group, grab red packets,
throw and pick bottles, shake and post on the workshop's Weibo topic, at human pace, and stop by themselves
after --minutes (or at Ctrl-C or SIGTERM: the console's Stop). Run it beside the server, with its settings
(the join code is read from the same database). A full join URL as --url is used as it is.
"""

import asyncio
import contextlib
import signal

from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from apps.workshop import bots, joining


class Command(BaseCommand):
    help = "Start simulated attendees (rehearsal bots) that join the workshop and use the app, then stop."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=bots.DEFAULT_COUNT)
        parser.add_argument("--minutes", type=float, default=bots.DEFAULT_MINUTES)
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="the server, or a full join URL")
        parser.add_argument("--join-over", type=float, default=bots.JOIN_SPREAD, help="seconds of arrivals")
        parser.add_argument("--seed", type=int, default=None)
        parser.add_argument("--quiet", action="store_true", help="no summary (the console's runs)")

    def handle(self, *args, count, minutes, url, join_over, seed, quiet, **options):
        if not 1 <= count <= bots.MAX_COUNT or not 0 < minutes <= bots.MAX_MINUTES:
            raise CommandError(f"--count 1..{bots.MAX_COUNT}, --minutes up to {bots.MAX_MINUTES}")
        if not url.startswith("http://"):
            raise CommandError("--url must be http://… (bots speak plain HTTP)")
        base, _sep, path = url.partition("/workshop/join/")
        base = base.rstrip("/")
        join_path = (
            f"/workshop/join/{path}"
            if path
            else reverse("workshop:join", args=[joining.token_for(joining.join_code())])
        )
        if not quiet:
            self.stdout.write(f"{count} bots joining at {base}{join_path} for {minutes:g} min…")
        tally = asyncio.run(self._run(base, join_path, count, minutes * 60, join_over, seed))
        if not quiet:
            self.stdout.write("\n".join(tally.lines()))

    async def _run(self, base, join_path, count, seconds, join_over, seed):
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):  # stopped: every bot closes its connections and leaves
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, stop.set)
        return await bots.run_bots(
            base, join_path, count=count, seconds=seconds, join_over=join_over, seed=seed, stop=stop
        )
