import pytest

from apps.workshop import seed as workshop_seed


@pytest.fixture
def host(cast):
    """The presenter, James: a demo host (as `seed_demo` makes him)."""
    workshop_seed.seed()
    return cast["james"]


@pytest.fixture
def demo(settings):
    """DEMO_MODE on, as `make demo` runs."""
    settings.DEMO_MODE = True
    return settings
