from django.core.management.base import BaseCommand

from accounts.services import demo_accounts_seed


class Command(BaseCommand):
    help = "Create the demo customer, translator and staff users (idempotent) and print them."

    def handle(self, *args, **options) -> None:
        self.stdout.write("Demo accounts (sign in at /accounts/login/ or /admin/):")
        for account in demo_accounts_seed():
            self.stdout.write(f"  {account.role:<12} {account.username} / {account.password}")
