"""Roles are Django groups, so staff can assign them in the admin."""

from __future__ import annotations

CUSTOMERS = "customers"
TRANSLATORS = "translators"
