"""The shared test kit: the sample cast, logged-in clients, captured events, a live ASGI server, Chromium."""

import asyncio
import os
import shutil
import socket
import tempfile
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from unittest import mock
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.utils import timezone, translation

from apps.accounts.seed import CAST
from apps.core import clock, events

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-quic",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
SCREENS = ARTIFACTS / "screens"  # phone-width screenshots the browser tests leave for people to look at


def pytest_addoption(parser):
    parser.addoption(
        "--fake-now",
        default=os.environ.get("FAKE_NOW", ""),
        help="Run the whole session with the machine's clock set to this ISO instant (ticking), e.g. "
        "2026-12-31T23:30:00Z: no test may depend on the hour or the zone it runs in. Env: FAKE_NOW.",
    )


_travel = None


def pytest_configure(config):
    global _travel
    # Hashing cost is for attackers, not for a test suite that logs in hundreds of times.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="socialdemo-media-"))
    if fake_now := config.getoption("--fake-now"):
        import time_machine

        _travel = time_machine.travel(datetime.fromisoformat(fake_now.replace("Z", "+00:00")), tick=True)
        _travel.start()


def pytest_unconfigure(config):
    if _travel is not None:
        _travel.stop()


def pytest_report_header(config):
    if fake_now := config.getoption("--fake-now"):
        return f"clock: the session runs from {fake_now} (time-machine)"
    return None


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
    # Browser tests last: Playwright's sync API keeps an event loop running in the main thread from the first
    # browser test to the end of the session, and an async test after it cannot start its own
    # ("Runner.run() cannot be called from a running event loop").
    items.sort(key=lambda item: "/e2e/" in str(item.fspath))


def need_service(reason: str):
    """Skip with a visible reason where a server is missing; in CI that is a failure instead."""
    if IN_CI:
        pytest.fail(f"CI must have this: {reason}")
    pytest.skip(reason)


def session_key_for(user, expiry=None) -> str:
    """A logged-in session for `user` (what the login view makes), by its key (the session cookie's value)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    if expiry is not None:
        session.set_expiry(expiry)
    session.save()
    return session.session_key


def redis_url_or_skip() -> str:
    """The Redis server to test against (REDIS_URL, else the local one), or a visible skip (a failure in CI)."""
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    parts = urlparse(url)
    try:
        socket.create_connection((parts.hostname, parts.port or 6379), timeout=1).close()
    except OSError:
        need_service(f"Redis is not reachable at {url}")
    return url


@contextmanager
def redis_layer(url: str, prefix: str):
    """Serve the live server's websockets through the app's channels-redis layer (as deployed) for the block."""
    from channels.layers import channel_layers

    from apps.core.layers import RedisPubSubChannelLayer

    previous = channel_layers.backends.get("default")
    channel_layers.backends["default"] = RedisPubSubChannelLayer(hosts=[url], prefix=prefix)
    try:
        yield
    finally:
        channel_layers.backends["default"] = previous


def _clear_cache():
    """Empty this run's cache only: on Redis, `cache.clear()` would flush every other run's keys too."""
    from django.core.cache import cache

    if not settings.REDIS_URL:
        cache.clear()
        return
    client = cache._cache.get_client(write=True)
    keys = list(client.scan_iter(match=f"{settings.REDIS_PREFIX}:*", count=1000))
    if keys:
        client.delete(*keys)


@pytest.fixture(autouse=True)
def _fresh_state():
    """Every test starts on real time, in English, with empty rate-limit counters (a request in Chinese leaves
    its language active on the thread)."""
    _clear_cache()
    clock.set_offset(clock.offset() * 0)
    translation.activate(settings.LANGUAGE_CODE)
    yield
    clock.set_offset(clock.offset() * 0)


@pytest.fixture
def clock_at():
    """`clock_at("2026-12-05T23:30:00Z")`: move the app's one clock to that instant (it keeps ticking)."""

    def move(when: str) -> datetime:
        instant = datetime.fromisoformat(when.replace("Z", "+00:00"))
        clock.set_offset(instant - timezone.now())
        return instant

    return move


@pytest.fixture
def window_start():
    """Move the clock to the start of the next whole hour, where every fixed rate-limit window (10 s to 1 h)
    starts: a test's attempts then share one window whatever the wall clock says."""
    now = clock.now()
    clock.advance(now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1, milliseconds=10) - now)


# --- The sample cast (the same people `make demo` creates) ------------------------------------------


@pytest.fixture
def cast(db):
    """All sample people by username, with their friendships and pending requests."""
    from apps.accounts.seed import seed

    return seed(with_avatars=False)


def _person(username: str):
    @pytest.fixture
    def person(cast):
        return cast[username]

    person.__name__ = username
    person.__doc__ = f"The sample person {username}."
    return person


for _p in CAST:
    globals()[_p.username] = _person(_p.username)


@pytest.fixture
def postgresql():
    """For a race only row locks can show: skipped (saying so) outside `make test`'s PostgreSQL pass."""
    from tests.concurrency import require_postgresql

    require_postgresql("a lock race")


@pytest.fixture
def client_as(client):
    """`client_as(user)`: the test client, logged in as `user`."""

    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def published_events(monkeypatch, django_capture_on_commit_callbacks):
    """`with published_events() as sent:` collects what services publish once their transaction commits."""
    sent: list[dict] = []
    monkeypatch.setattr(
        events, "deliver", lambda user_ids, event: sent.append({**event, "user_ids": user_ids})
    )
    # Events to a live page (apps.core.realtime.page / object_pages) carry the page instead of people.
    monkeypatch.setattr(events, "deliver_page", lambda page, event: sent.append({**event, "page": page}))

    @contextmanager
    def capture():
        with django_capture_on_commit_callbacks(execute=True):
            yield sent

    return capture


# --- A live ASGI server (Uvicorn, as in production) for websocket and browser tests ------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def asgi_server(django_db_setup, django_db_blocker):
    """The whole app served by Uvicorn in a thread of this process, on the test database."""
    import uvicorn

    from socialdemo.asgi import application

    port = _free_port()
    config = uvicorn.Config(
        application, host="127.0.0.1", port=port, log_level="warning", ws="websockets-sansio", lifespan="off"
    )
    server = uvicorn.Server(config)
    with django_db_blocker.unblock():
        thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
        thread.start()
        deadline = time.monotonic() + 15
        while not server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("The test ASGI server did not start")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
        server.should_exit = True
        thread.join(timeout=5)


@pytest.fixture
def live_url(asgi_server, transactional_db):
    """The live server's base URL, with a database the server thread can see (committed data)."""
    from apps.core import consumers

    already_open = consumers.open_sockets()
    yield asgi_server
    # Let this test's sockets finish their disconnect (presence writes) before the database is emptied under
    # them: a flush racing with those writes deadlocks on PostgreSQL. One still open after 10 s is reported and
    # not waited for again by later tests.
    deadline = time.monotonic() + 10
    while (consumers.open_sockets() - already_open) and time.monotonic() < deadline:
        time.sleep(0.02)
    if left := consumers.open_sockets() - already_open:
        warnings.warn(
            f"{len(left)} websocket(s) still open 10 s after the test: {sorted(left)}", stacklevel=1
        )


# --- Chromium through Playwright ---------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    if not (shutil.which(CHROMIUM) or os.path.exists(CHROMIUM)):
        need_service(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; the ORM calls the tests make
    # here are still plain synchronous calls, so Django's async-safety guard does not apply.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


# Let finite animations end first (a kiosk's new avatar popping in, a bottle unfolding): axe reads colours
# mid-transition wrong.
ANIMATIONS_ENDED = """Promise.all(document.getAnimations()
    .filter(a => a.effect && a.effect.getComputedTiming().iterations !== Infinity)
    .map(a => a.finished.catch(() => null)))"""


# Counts the page's fetches in flight (the app's JS uses fetch only), so a sweep can wait for them to end.
COUNT_FETCHES = """
(() => {
  const fetch = window.fetch;
  window.__fetching = 0;
  window.fetch = (...args) => {
    window.__fetching += 1;
    return fetch(...args).finally(() => { window.__fetching -= 1; });
  };
})();
"""
SETTLED = """() => document.readyState === 'complete' && !window.__fetching
  && Array.from(document.images).every((img) => img.complete || img.loading === 'lazy')"""


def watched_page(context):
    """A page of `context` whose fetches are counted (COUNT_FETCHES) from its next navigation on, for settle()."""
    context.add_init_script(COUNT_FETCHES)
    return context.new_page()


def settle(page) -> None:
    """Wait until a watched_page is loaded, has no fetch in flight, every image and font in and its finite
    animations ended: what Playwright's "networkidle" stands for here, without its 500 ms of silence a page
    (half of a sweep of ~50 pages)."""
    page.wait_for_function(SETTLED)
    page.evaluate("document.fonts.ready.then(() => true)")
    page.evaluate(ANIMATIONS_ENDED)


def look_at(page, name: str, *, width: int = 390, full_page: bool = True) -> None:
    """What every page a browser test opens must be: no sideways scroll at the phone's width, no axe violation;
    and its screenshot, to look at (artifacts/screens/<name>-<width>.png)."""
    from axe_playwright_python.sync_playwright import Axe

    assert page.evaluate("document.documentElement.scrollWidth") <= width, name
    page.evaluate(ANIMATIONS_ENDED)
    found = Axe().run(page).response["violations"]
    assert not found, [(v["id"], [n["target"] for n in v["nodes"]]) for v in found]
    page.screenshot(path=str(SCREENS / f"{name}-{width}.png"), full_page=full_page)


def open_with_the_socket_held(page, path):
    """Load `path` with realtime.js held back (so no socket yet); returns a function that lets it go."""
    from playwright.sync_api import expect

    held = []

    def hold(route):
        held.append(route)

    page.route("**/realtime*.js", hold)
    page.goto(path, wait_until="commit")  # the server has rendered the page: what it shows is fixed
    while not held:
        page.wait_for_timeout(20)

    def release():
        held[0].continue_()
        page.unroute("**/realtime*.js")
        expect(page.locator("html[data-realtime=open]")).to_have_count(1)

    return release


def in_thread(fn, *args, **kwargs):
    """Call a service from a browser test: one that publishes needs a thread away from Playwright's event loop,
    which runs in the test's own."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(fn, *args, **kwargs).result()


def serve_lifespan_until(done: threading.Event, *, timeout: float = 20) -> list[str]:
    """Start the server's lifespan (its periodic work), wait until `done` is set, shut it down; the lifespan's
    answers. On an event loop of its own thread (the suite's browser tests keep one running in this one)."""
    from apps.core import periodic

    async def scenario():
        inbox, sent = asyncio.Queue(), []

        async def send(message):
            sent.append(message["type"])

        await inbox.put({"type": "lifespan.startup"})
        task = asyncio.create_task(periodic.lifespan({"type": "lifespan"}, inbox.get, send))
        await asyncio.to_thread(done.wait, timeout)
        await inbox.put({"type": "lifespan.shutdown"})
        await task
        return sent

    # This process is a test run, not a server: its heap is not frozen (tests/core/test_collector.py does that
    # in a process of its own).
    with mock.patch("apps.core.collector.tune_for_serving"), ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, scenario()).result()


@pytest.fixture
def new_context(browser, live_url, request):
    """`new_context(user=None, locale="en", timezone_id=None, width=390)`: a phone-sized browser context (in
    that IANA zone, else the machine's; 320 px wide for a small phone), logged in as `user` if given."""
    contexts = []

    def make(user=None, locale="en", timezone_id=None, width=390):
        viewport = {"width": width, "height": 844 if width >= 390 else 640}
        context = browser.new_context(
            base_url=live_url, locale=locale, timezone_id=timezone_id, **{**PHONE, "viewport": viewport}
        )
        context.set_default_timeout(10_000)
        if user is not None:
            context.add_cookies(
                [{"name": settings.SESSION_COOKIE_NAME, "value": session_key_for(user), "url": live_url}]
            )
        contexts.append(context)
        return context

    yield make
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    for index, context in enumerate(contexts):
        if failed:
            ARTIFACTS.mkdir(exist_ok=True)
            for n, page in enumerate(context.pages):
                page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-{index}-{n}.png"))
        context.close()


@pytest.fixture
def page_as(new_context):
    """`page_as(user, path="/", locale="en")`: a new phone page, logged in as `user`, opened at `path`."""

    def open_page(user, path="/", locale="en"):
        page = new_context(user, locale).new_page()
        page.goto(path)
        return page

    return open_page


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)
