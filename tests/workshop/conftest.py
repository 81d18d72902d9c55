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


@pytest.fixture(autouse=True)
def _machine_forgotten():
    """The time machine's copy in this process is dropped after each test (its row and cache key go anyway)."""
    from apps.core import clock

    clock.machine_forget()
    yield
    clock.machine_forget()
