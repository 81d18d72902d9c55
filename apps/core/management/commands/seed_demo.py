"""Load the sample cast and every feature's sample data (idempotent; --reset starts over)."""

from django.core.management.base import BaseCommand

from apps.core import seeding


class Command(BaseCommand):
    help = "Create the sample users and their data. Safe to run again: nothing is duplicated."

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset", action="store_true", help="Delete the sample data first, then recreate it."
        )
        parser.add_argument(
            "--keep-attendees",
            action="store_true",
            help="With --reset: keep the quick accounts workshop attendees made by joining (else removed).",
        )

    def handle(self, *args, reset=False, keep_attendees=False, **options):
        def progress(step):
            if reset:  # a reset says how far it is; a plain seed stays quiet (make demo's output)
                self.stdout.write(f"[{step.number}/{step.of}] {step.label} ({step.seconds:.1f} s)")

        seconds = seeding.run(reset=reset, keep_attendees=keep_attendees, progress=progress)
        if reset:
            self.stdout.write(self.style.SUCCESS(f"Sample data restored in {seconds:.1f} s."))
        # Each feature says what a presenter needs to know of its sample data (the cast: who, and the password).
        for lines in seeding.summaries():
            for number, line in enumerate(lines):
                self.stdout.write(self.style.SUCCESS(line) if number == 0 else f"  {line}")
