"""The Django admin shows reporting records and changes none of them (the services do)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from phoihop.reporting.tests import factories
from phoihop.reporting.tests.factories import report

indicators = factories.indicators
monthly_form = factories.monthly_form


@pytest.fixture
def superuser_web(client, province_admin):
    """The system admin as a Django superuser, second factor passed (as after the TOTP page)."""
    province_admin.is_staff = province_admin.is_superuser = True
    province_admin.save(update_fields=["is_staff", "is_superuser"])
    device = TOTPDevice.objects.create(user=province_admin, name="phone", confirmed=True)
    client.force_login(province_admin)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def submitted(tree, monthly_form, commune_officer):
    return report(
        form=monthly_form,
        unit=tree["commune_ubnd"],
        period="202603",
        actor=commune_officer,
        values={("PEOPLE", "men"): "1", ("PEOPLE", "women"): "2"},
        submit_on=dt.date(2026, 3, 16),
    )


@pytest.mark.parametrize("model", ["indicator", "reportform", "formfield", "submission", "datavalue"])
def test_the_admin_lists_reporting_records(superuser_web, submitted, model):
    assert superuser_web.get(reverse(f"admin:reporting_{model}_changelist")).status_code == 200


def test_the_admin_shows_a_report_but_cannot_change_or_add_one(superuser_web, submitted):
    url = reverse("admin:reporting_submission_change", args=[submitted.pk])
    assert superuser_web.get(url).status_code == 200
    superuser_web.post(url, {"status": "approved"})
    submitted.refresh_from_db()
    assert submitted.status == "submitted"
    assert superuser_web.get(reverse("admin:reporting_submission_add")).status_code == 403
