"""Roles are Django groups, so staff can assign them in the admin."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser

CUSTOMERS = "customers"
TRANSLATORS = "translators"


def in_group(user: AbstractBaseUser, group: str) -> bool:
    return user.is_authenticated and user.groups.filter(name=group).exists()


def is_customer(user: AbstractBaseUser) -> bool:
    return in_group(user, CUSTOMERS)


def is_translator(user: AbstractBaseUser) -> bool:
    return in_group(user, TRANSLATORS)


def is_staff_member(user: AbstractBaseUser) -> bool:
    """Staff who see everything; translators are staff only to work in the admin."""
    return (
        user.is_authenticated and user.is_staff and (user.is_superuser or not is_translator(user))
    )
