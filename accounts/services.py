from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from accounts.roles import CUSTOMERS, TRANSLATORS


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    role: str


DEMO_ACCOUNTS = [
    DemoAccount("customer", "customer-demo", CUSTOMERS),
    DemoAccount("translator", "translator-demo", TRANSLATORS),
    DemoAccount("staff", "staff-demo", "staff"),
]


@transaction.atomic
def demo_accounts_seed() -> list[DemoAccount]:
    """Create (or reset) the demo users and the role groups; safe to run again."""
    groups = {name: Group.objects.get_or_create(name=name)[0] for name in (CUSTOMERS, TRANSLATORS)}
    users = get_user_model().objects
    for account in DEMO_ACCOUNTS:
        user, _ = users.get_or_create(username=account.username)
        user.set_password(account.password)
        user.is_staff = account.role in ("staff", TRANSLATORS)  # translators work in the admin
        user.is_superuser = account.role == "staff"
        user.save()
        if account.role in groups:
            user.groups.set([groups[account.role]])
    return DEMO_ACCOUNTS
