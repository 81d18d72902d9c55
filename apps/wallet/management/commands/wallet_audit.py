from django.core.management.base import BaseCommand, CommandError

from apps.wallet.ledger import audit


class Command(BaseCommand):
    help = "Check the books: cached balances equal entries, every transaction balances, money is conserved."

    def handle(self, *args, **options):
        problems = audit()
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            raise CommandError(f"wallet audit failed: {len(problems)} problem(s)")
        self.stdout.write("wallet audit: OK")
