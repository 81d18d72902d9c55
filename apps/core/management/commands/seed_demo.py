"""Load the sample cast and every feature's sample data (idempotent; --reset starts over)."""

from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction


def seed_modules():
    """Each app's optional `seed` module, in INSTALLED_APPS order (accounts first: others need people)."""
    for config in apps.get_app_configs():
        if config.name.startswith("apps.") and find_spec(f"{config.name}.seed"):
            yield import_module(f"{config.name}.seed")


class Command(BaseCommand):
    help = "Create the sample users and their data. Safe to run again: nothing is duplicated."

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset", action="store_true", help="Delete the sample data first, then recreate it."
        )

    def handle(self, *args, reset=False, **options):
        modules = list(seed_modules())
        with transaction.atomic():
            if reset:
                for module in reversed(modules):
                    if hasattr(module, "unseed"):
                        module.unseed()
            for module in modules:
                module.seed()
        # Each feature says what a presenter needs to know of its sample data (the cast: who, and the password).
        for module in modules:
            for number, line in enumerate(module.summary() if hasattr(module, "summary") else []):
                self.stdout.write(self.style.SUCCESS(line) if number == 0 else f"  {line}")
