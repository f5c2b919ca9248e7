from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory

from accounts.roles import CUSTOMERS, TRANSLATORS

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_the_three_roles_and_can_run_again(django_user_model, capsys, settings):
    settings.DEBUG = True  # as `make run` has it
    call_command("seed_demo")
    call_command("seed_demo")

    out = capsys.readouterr().out
    assert django_user_model.objects.count() == 3
    # Through the sign-in's own path: the backends (django-axes first) want the request.
    request = RequestFactory().post("/accounts/login/")
    customer = authenticate(request, username="customer", password="customer-demo")
    translator = authenticate(request, username="translator", password="translator-demo")
    staff = authenticate(request, username="staff", password="staff-demo")
    assert [g.name for g in customer.groups.all()] == [CUSTOMERS]
    assert not customer.is_staff
    assert [g.name for g in translator.groups.all()] == [TRANSLATORS]
    assert staff.is_staff and staff.is_superuser
    assert "customer / customer-demo" in out


def test_there_are_no_demo_users_outside_development(django_user_model, settings):
    from django.core.management import CommandError

    settings.DEBUG = False
    with pytest.raises(CommandError, match="demo users are for development only"):
        call_command("seed_demo")
    assert not django_user_model.objects.exists()
