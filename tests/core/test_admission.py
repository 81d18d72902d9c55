"""HTTP admission control: a burst waits in the event loop instead of becoming hundreds of threads."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

from apps.core.admission import BoundedHTTP


def run(scenario):
    """Run `scenario()` on an event loop of its own thread (the suite's browser tests keep one running here)."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, scenario()).result()


def test_a_burst_runs_at_most_the_limit_at_once_and_every_request_is_answered():
    running, most, answered = 0, 0, 0

    async def app(scope, receive, send):
        nonlocal running, most, answered
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.01)
        running -= 1
        answered += 1

    bounded = BoundedHTTP(app, limit=2)

    async def burst():
        await asyncio.gather(*(bounded({"type": "http"}, None, None) for _ in range(20)))

    run(burst)
    assert (most, answered) == (2, 20)


def test_websockets_are_not_held_in_line():
    async def scenario():
        holding = asyncio.Event()

        async def app(scope, receive, send):
            if scope["type"] == "http":
                await holding.wait()  # a slow page that keeps its slot

        bounded = BoundedHTTP(app, limit=1)
        page = asyncio.ensure_future(bounded({"type": "http"}, None, None))
        await asyncio.wait_for(bounded({"type": "websocket"}, None, None), timeout=5)
        holding.set()
        await page

    run(scenario)


def test_the_served_application_bounds_http(settings):
    from socialdemo.asgi import application

    http = application.application_mapping["http"]
    assert isinstance(http, BoundedHTTP) and http.limit == settings.HTTP_REQUESTS_AT_ONCE
