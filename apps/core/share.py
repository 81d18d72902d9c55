"""Places a page can share a line of text to (Weibo's composer, when that app is installed): a feature adds its
own target from `ready()`, and a page that offers sharing (a check-in) links to each, importing no other app."""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import reverse

MAX_SHARED = 200  # characters of text carried in a share link


@dataclass(frozen=True)
class Target:
    key: str
    label: object  # lazy translation
    url_name: str  # a page that opens prefilled from ?<param>=, and posts nothing until its person says so
    param: str = "text"


_targets: list[Target] = []


def register(target: Target) -> None:
    if all(t.key != target.key for t in _targets):
        _targets.append(target)


def links(text: str) -> list[tuple[object, str]]:
    """(label, URL) of every target, carrying `text`."""
    text = str(text)[:MAX_SHARED]
    return [(t.label, f"{reverse(t.url_name)}?{urlencode({t.param: text})}") for t in _targets]
