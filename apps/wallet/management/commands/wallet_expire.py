from django.core.management.base import BaseCommand

from apps.wallet.services import wallet_expire_due


class Command(BaseCommand):
    help = "Refund transfers and red packets whose 24 hours are over (the app also does this every 30 s)."

    def handle(self, *args, **options):
        done = wallet_expire_due()
        self.stdout.write(f"expired {done['transfers']} transfer(s), {done['packets']} red packet(s)")
