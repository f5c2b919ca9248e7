from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.services import demo_accounts_seed


class Command(BaseCommand):
    help = "Create the demo customer, translator and staff users (idempotent) and print them."

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG:
            # Their passwords are in the README: never in a deployment.
            raise CommandError(
                "demo users are for development only (DJANGO_DEBUG=true, as `make run` sets); "
                "create real users with `manage.py createsuperuser` and the admin"
            )
        self.stdout.write("Demo accounts (sign in at /accounts/login/ or /admin/):")
        for account in demo_accounts_seed():
            self.stdout.write(f"  {account.role:<12} {account.username} / {account.password}")
