""" "About this feature" cards: how the real WeChat, QQ or Weibo feature works and why it mattered in China.

An app adds `apps/<app>/explainer.py`, which registers its cards; they are found on first use, so a feature page
shows its card with `{% load explainers %}{% explainer "chat" %}` and the workshop console lists them all (one
full-screen). Facts come from the workshop's context articles, figures as the articles state them, each with
the article it comes from (SOURCES).
"""

from dataclasses import dataclass
from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.utils.translation import gettext_lazy as _

# The context articles (the workshop's reading), named as a reader would recognise them.
SOURCES = {
    "village": _("an article on a British anthropologist's four years in a Chinese village"),
    "diversity": _("“The diversity of the social network in China”"),
    "workshop": _("“Is social media in China the same as anywhere else?” (a 2010 workshop in Shanghai)"),
    "anshan": _("an article on how people in China, Anshan among them, use the internet"),
    "csm": _("the CSM China Social Media blog"),
}


@dataclass(frozen=True)
class Fact:
    text: object  # lazy translation
    source: str  # a key of SOURCES

    @property
    def source_name(self):
        return SOURCES[self.source]


@dataclass(frozen=True)
class Explainer:
    key: str
    title: object
    how: object  # how the real feature works, in a sentence or two
    facts: tuple[Fact, ...]  # why it mattered, from the articles
    order: int = 100
    short: object = None  # the feature's name alone, for a row of buttons (the console's)

    @property
    def name(self):
        return self.short or self.title


_explainers: dict[str, Explainer] = {}
_discovered = False


def register(explainer: Explainer) -> None:
    _explainers[explainer.key] = explainer


def _discover() -> None:
    global _discovered
    if not _discovered:
        _discovered = True
        for config in apps.get_app_configs():
            if config.name.startswith("apps.") and find_spec(f"{config.name}.explainer"):
                import_module(f"{config.name}.explainer")


def get(key: str) -> Explainer | None:
    _discover()
    return _explainers.get(key)


def every() -> list[Explainer]:
    _discover()
    return sorted(_explainers.values(), key=lambda e: e.order)
