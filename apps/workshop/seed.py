"""Workshop mode's sample data: the presenter (James, who runs social media workshops in Shanghai) is a demo host."""

from apps.accounts.models import User

from . import access

PRESENTER = "james"


def seed() -> None:
    presenter = User.objects.filter(username=PRESENTER).first()
    if presenter is not None:
        access.host_add(presenter)


def summary() -> list[str]:
    return [
        f"Workshop console (DEMO_MODE only): /workshop/, log in as {PRESENTER} (a demo host)",
        "Phones side by side (DEMO_MODE only, demo hosts): /workshop/phones/",
    ]
