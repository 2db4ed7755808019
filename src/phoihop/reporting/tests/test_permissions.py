"""Who sees and does what with reports, forms and indicators (permissions.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from phoihop.orgs import services as org_services
from phoihop.reporting import permissions, services
from phoihop.reporting.tests import factories
from phoihop.reporting.tests.factories import report

indicators = factories.indicators
monthly_form = factories.monthly_form

VALUES = {("PEOPLE", "men"): "1", ("PEOPLE", "women"): "2"}


@pytest.fixture
def draft(tree, monthly_form, commune_officer):
    return report(form=monthly_form, unit=tree["commune_ubnd"], period="202603", actor=commune_officer, values=VALUES)


@pytest.fixture
def submitted(draft, commune_officer):
    return services.submission_submit(actor=commune_officer, submission=draft, on=dt.date(2026, 3, 16))


def test_a_draft_is_seen_only_by_its_own_unit(draft, commune_officer, commune_leader, commune_admin, province_admin):
    assert permissions.access_submission(commune_officer, draft.pk) == draft
    assert permissions.access_submission(commune_leader, draft.pk) == draft
    # The commune's admin and the province's system admin are the levels above: not yet.
    for outsider in (commune_admin, province_admin):
        with pytest.raises(Http404):
            permissions.access_submission(outsider, draft.pk)


def test_once_submitted_the_levels_above_see_it(submitted, commune_admin, province_admin, front_officer):
    assert permissions.access_submission(commune_admin, submitted.pk) == submitted
    assert permissions.access_submission(province_admin, submitted.pk) == submitted
    with pytest.raises(Http404):
        permissions.access_submission(front_officer, submitted.pk)  # the Front's subtree does not hold it


def test_officer_from_other_commune_gets_404(submitted, officer_other_commune):
    for action in permissions.ACTIONS:
        with pytest.raises(Http404):
            permissions.access_submission(officer_other_commune, submitted.pk, action=action)


def test_a_missing_or_malformed_id_is_404(db, commune_officer):
    for pk in (999_999, "abc", None):
        with pytest.raises(Http404):
            permissions.access_submission(commune_officer, pk)


def test_entering_is_for_officers_of_the_unit_itself(submitted, tree, commune_officer, commune_admin, password):
    assert permissions.access_submission(commune_officer, submitted.pk, action="enter")
    # A unit admin of the commune reaches the committee from above: reads, does not write its report.
    with pytest.raises(PermissionDenied):
        permissions.access_submission(commune_admin, submitted.pk, action="enter")
    viewer = org_services.user_create(actor=None, username="viewer", password=password, audit=False)
    org_services.membership_grant(actor=None, user=viewer, unit=tree["commune_ubnd"], role="viewer", audit=False)
    with pytest.raises(PermissionDenied):
        permissions.access_submission(viewer, submitted.pk, action="enter")


def test_approving_needs_a_leader(submitted, commune_officer, commune_leader):
    with pytest.raises(PermissionDenied):
        permissions.access_submission(commune_officer, submitted.pk, action="approve")
    assert permissions.access_submission(commune_leader, submitted.pk, action="approve")
    assert permissions.access_submission(commune_leader, submitted.pk, action="return")


def test_accepting_is_for_the_level_above_not_the_unit_itself(submitted, commune_leader, commune_admin, province_admin):
    with pytest.raises(PermissionDenied):
        permissions.access_submission(commune_leader, submitted.pk, action="accept")
    assert permissions.access_submission(commune_admin, submitted.pk, action="accept")
    assert permissions.access_submission(province_admin, submitted.pk, action="accept")


def test_the_accepting_level_may_return_an_approved_report_waiting_for_it(
    tree, submitted, monthly_form, commune_leader, password
):
    above = org_services.user_create(actor=None, username="xa.canbo", password=password, audit=False)
    org_services.membership_grant(actor=None, user=above, unit=tree["commune"], role="officer", audit=False)
    with pytest.raises(PermissionDenied):
        permissions.access_submission(above, submitted.pk, action="return")  # an officer, not a leader
    services.form_update(actor=None, form=monthly_form, acceptance_required=True)
    services.submission_approve(actor=commune_leader, submission=submitted)
    assert permissions.access_submission(above, submitted.pk, action="return")


def test_unlocking_needs_a_leader_or_a_system_admin(submitted, commune_officer, commune_leader, province_admin):
    with pytest.raises(PermissionDenied):
        permissions.access_submission(commune_officer, submitted.pk, action="unlock")
    assert permissions.access_submission(commune_leader, submitted.pk, action="unlock")
    assert permissions.access_submission(province_admin, submitted.pk, action="unlock")


def test_forms_are_read_by_everyone_and_designed_by_the_owner(
    monthly_form, commune_officer, ubnd_officer, officer_other_commune
):
    assert permissions.access_form(officer_other_commune, monthly_form.pk) == monthly_form
    assert permissions.access_form(ubnd_officer, monthly_form.pk, for_write=True) == monthly_form
    with pytest.raises(PermissionDenied):
        permissions.access_form(commune_officer, monthly_form.pk, for_write=True)
    with pytest.raises(Http404):
        permissions.access_form(commune_officer, 999_999)


def test_indicators_are_designed_by_system_admins_and_province_unit_admins(
    tree, indicators, province_admin, commune_admin, ubnd_officer, password
):
    assert permissions.can_design_indicators(province_admin)
    assert not permissions.can_design_indicators(commune_admin)  # a commune's admin
    assert not permissions.can_design_indicators(ubnd_officer)
    province_unit_admin = org_services.user_create(actor=None, username="qt.tinh", password=password, audit=False)
    org_services.membership_grant(
        actor=None, user=province_unit_admin, unit=tree["province"], role="unit_admin", audit=False
    )
    assert permissions.can_design_indicators(province_unit_admin)
    with pytest.raises(PermissionDenied):
        permissions.access_indicator(ubnd_officer, indicators["PEOPLE"].pk, for_write=True)
    assert permissions.access_indicator(ubnd_officer, indicators["PEOPLE"].pk) == indicators["PEOPLE"]


def test_anonymous_people_see_nothing(monthly_form, submitted):
    from django.contrib.auth.models import AnonymousUser

    nobody = AnonymousUser()
    assert not permissions.submissions_visible(nobody).exists()
    with pytest.raises(Http404):
        permissions.access_form(nobody, monthly_form.pk)
