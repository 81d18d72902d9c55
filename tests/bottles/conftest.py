import random
from datetime import timedelta

import pytest

from apps.accounts.models import User
from apps.bottles import services
from apps.core import clock


@pytest.fixture(autouse=True)
def _no_starfish(settings):
    """Nets always bring up a bottle unless a test asks for starfish (their rate has its own tests)."""
    settings.BOTTLE_STARFISH_RATE = 0


@pytest.fixture
def seasoned(cast):
    """The cast as people who joined a month ago (the new-account limit has its own tests)."""
    User.objects.filter(pk__in=[u.pk for u in cast.values()]).update(
        date_joined=clock.now() - timedelta(days=30)
    )
    for user in cast.values():
        user.refresh_from_db()
    return cast


@pytest.fixture
def rng():
    return random.Random(2026)


@pytest.fixture
def throw(seasoned):
    def make(who: str, text: str = "Hello, stranger!", **kwargs):
        return services.bottle_throw(actor=seasoned[who], text=text, **kwargs)

    return make
