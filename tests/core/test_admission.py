"""HTTP admission control: a burst waits in the event loop instead of becoming hundreds of threads."""

import asyncio

from apps.core.admission import BoundedHTTP


async def test_a_burst_runs_at_most_the_limit_at_once_and_every_request_is_answered():
    running, most, answered = 0, 0, 0

    async def app(scope, receive, send):
        nonlocal running, most, answered
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.01)
        running -= 1
        answered += 1

    bounded = BoundedHTTP(app, limit=2)
    await asyncio.gather(*(bounded({"type": "http"}, None, None) for _ in range(20)))
    assert (most, answered) == (2, 20)


async def test_websockets_are_not_held_in_line():
    holding = asyncio.Event()

    async def app(scope, receive, send):
        if scope["type"] == "http":
            await holding.wait()  # a slow page that keeps its slot

    bounded = BoundedHTTP(app, limit=1)
    page = asyncio.ensure_future(bounded({"type": "http"}, None, None))
    await asyncio.wait_for(bounded({"type": "websocket"}, None, None), timeout=5)
    holding.set()
    await page


def test_the_served_application_bounds_http(settings):
    from socialdemo.asgi import application

    http = application.application_mapping["http"]
    assert isinstance(http, BoundedHTTP) and http.limit == settings.HTTP_REQUESTS_AT_ONCE
