"""/api/v1/reporting: the same services and rules as the web, scoped, paginated, 404 for outsiders."""

from __future__ import annotations

import datetime as dt

import pytest

from phoihop.api.services import token_issue
from phoihop.api.tests.helpers import send
from phoihop.core.models import AuditEvent
from phoihop.reporting import services
from phoihop.reporting.models import Indicator, ReportForm, Submission
from phoihop.reporting.tests import factories
from phoihop.reporting.tests.factories import report

indicators = factories.indicators
monthly_form = factories.monthly_form

FULL = {("PEOPLE", "men"): "10", ("PEOPLE", "women"): "12", ("STARTED", ""): "5", ("HANDED", ""): "3"}


@pytest.fixture
def as_user(client):
    """Call the API as a person, with a bearer token."""

    tokens = {}

    def call(user, method, path, body=None):
        # One token per person, issued at the first call, so query counts measure the request only.
        if user.pk not in tokens:
            tokens[user.pk] = token_issue(user=user, name="tests")[1]
        return send(client, method, "/reporting" + path, body, headers={"Authorization": f"Bearer {tokens[user.pk]}"})

    return call


@pytest.fixture
def draft(tree, monthly_form, commune_officer):
    return report(form=monthly_form, unit=tree["commune_ubnd"], period="202603", actor=commune_officer)


@pytest.fixture
def submitted(tree, monthly_form, commune_officer):
    return report(
        form=monthly_form,
        unit=tree["commune_ubnd"],
        period="202603",
        actor=commune_officer,
        values=FULL,
        submit_on=dt.date(2026, 3, 16),
    )


# Metadata ---------------------------------------------------------------------------------------


def test_indicators_are_listed_for_everyone_logged_in(indicators, as_user, officer_other_commune):
    body = as_user(officer_other_commune, "get", "/indicators?limit=2").json()
    assert body["count"] == 6
    assert [i["code"] for i in body["items"]] == ["HANDED", "HOUSEHOLDS"]
    people = as_user(officer_other_commune, "get", "/indicators/PEOPLE").json()
    assert people["disaggregation"] == [{"code": "men", "name": "Nam"}, {"code": "women", "name": "Nữ"}]


def test_an_unknown_indicator_is_404(indicators, as_user, commune_officer):
    assert as_user(commune_officer, "get", "/indicators/NOPE").status_code == 404


def test_only_indicator_designers_create_indicators(db, as_user, commune_officer, province_admin):
    body = {"code": "NEW", "name": "Mới", "value_type": "integer"}
    assert as_user(commune_officer, "post", "/indicators", body).status_code == 403
    response = as_user(province_admin, "post", "/indicators", body)
    assert response.status_code == 201, response.content
    assert Indicator.objects.get(code="NEW").name == "Mới"
    bad = as_user(province_admin, "post", "/indicators", {**body, "code": "T", "value_type": "text"})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["body", "aggregation"]


def test_form_detail_lists_sections_fields_and_rules(
    monthly_form, as_user, commune_officer, django_assert_max_num_queries
):
    as_user(commune_officer, "get", "/forms")
    with django_assert_max_num_queries(8):  # token (2), form, units, sections, fields, indicators, rules
        body = as_user(commune_officer, "get", "/forms/XA-THANG").json()
    assert body["period_type"] == "monthly"
    assert body["owner_unit"] == "22-UBND"
    [section] = body["sections"]
    assert [f["indicator"] for f in section["fields"]][:3] == ["PEOPLE", "STARTED", "HANDED"]
    assert section["fields"][2]["max_value"] == "500"
    assert [r["left"] for r in body["rules"]] == ["HANDED", "PEOPLE"]


def test_forms_are_created_whole_by_officers_of_the_owner_unit(
    tree, indicators, as_user, ubnd_officer, commune_officer
):
    body = {
        "owner_unit": "22-UBND",
        "code": "SO-QUY",
        "name": "Báo cáo quý của các sở",
        "period_type": "quarterly",
        "assigned_units": ["22-SONV", "07090-UBND"],
        "sections": [{"title": "Nhà ở", "fields": [{"indicator": "STARTED"}, {"indicator": "HANDED", "min_value": 0}]}],
        "rules": [{"name": "R", "left": "HANDED", "operator": "<=", "right": "STARTED", "message": "Sai"}],
    }
    assert as_user(commune_officer, "post", "/forms", body).status_code == 404  # 22-UBND is outside their scope
    response = as_user(ubnd_officer, "post", "/forms", body)
    assert response.status_code == 201, response.content
    assert response.json()["assigned_units"] == ["07090-UBND", "22-SONV"]
    assert len(response.json()["sections"][0]["fields"]) == 2


def test_a_form_with_a_bad_rule_is_not_half_created(indicators, as_user, ubnd_officer):
    body = {
        "owner_unit": "22-UBND",
        "code": "SO-QUY",
        "name": "Báo cáo quý",
        "period_type": "quarterly",
        "sections": [{"title": "Nhà ở", "fields": [{"indicator": "STARTED"}]}],
        "rules": [{"name": "R", "left": "HANDED", "operator": "<=", "right": "STARTED", "message": "Sai"}],
    }
    response = as_user(ubnd_officer, "post", "/forms", body)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "left"]
    assert not ReportForm.objects.filter(code="SO-QUY").exists()


# Submissions -------------------------------------------------------------------------------------


def test_officer_opens_saves_and_submits_a_report(tree, monthly_form, as_user, commune_officer):
    opened = as_user(
        commune_officer, "post", "/submissions", {"form": "XA-THANG", "unit": "07090-UBND", "period": "202603"}
    )
    assert opened.status_code == 201, opened.content
    submission_id = opened.json()["id"]
    again = as_user(
        commune_officer, "post", "/submissions", {"form": "XA-THANG", "unit": "07090-UBND", "period": "2026-03"}
    )
    assert (again.status_code, again.json()["id"]) == (200, submission_id)

    saved = as_user(
        commune_officer,
        "put",
        f"/submissions/{submission_id}/values",
        {
            "values": [
                {"indicator": "PEOPLE", "category": "men", "value": "10"},
                {"indicator": "PEOPLE", "category": "women", "value": "mười"},
                {"indicator": "STARTED", "value": "5"},
            ]
        },
    )
    assert saved.status_code == 200
    assert [e["field"] for e in saved.json()["errors"]] == ["PEOPLE__women"]

    refused = as_user(commune_officer, "post", f"/submissions/{submission_id}/submit", {})
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "PEOPLE__women"]

    as_user(
        commune_officer,
        "put",
        f"/submissions/{submission_id}/values",
        {"values": [{"indicator": "PEOPLE", "category": "women", "value": "12"}]},
    )
    done = as_user(commune_officer, "post", f"/submissions/{submission_id}/submit", {})
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "submitted"
    assert {"indicator": "PEOPLE", "category": "women", "value": "12"} in done.json()["values"]
    assert AuditEvent.objects.filter(verb="submission.submitted", actor=commune_officer).exists()


def test_a_warning_is_answered_with_a_comment(tree, monthly_form, draft, as_user, commune_officer):
    services.values_save(actor=commune_officer, submission=draft, values={**FULL, ("PEOPLE", "men"): "20000"})
    detail = as_user(commune_officer, "get", f"/submissions/{draft.pk}").json()
    [warning] = detail["warnings"]
    rule_id = warning["field"].removeprefix("rule_")
    assert as_user(commune_officer, "post", f"/submissions/{draft.pk}/submit", {}).status_code == 422
    response = as_user(
        commune_officer, "post", f"/submissions/{draft.pk}/submit", {"warning_comments": {rule_id: "Lễ hội"}}
    )
    assert response.status_code == 200
    assert response.json()["warning_comments"] == {rule_id: "Lễ hội"}


def test_opening_for_another_units_report_is_refused(tree, monthly_form, as_user, commune_officer, commune_admin):
    body = {"form": "XA-THANG", "unit": "07093-UBND", "period": "202603"}
    assert as_user(commune_officer, "post", "/submissions", body).status_code == 404
    # The commune's admin sees 07090-UBND from above but does not write its report.
    body["unit"] = "07090-UBND"
    assert as_user(commune_admin, "post", "/submissions", body).status_code == 403
    assert not Submission.objects.exists()


def test_opening_a_period_of_the_wrong_type_is_422(monthly_form, as_user, commune_officer):
    body = {"form": "XA-THANG", "unit": "07090-UBND", "period": "2026Q1"}
    response = as_user(commune_officer, "post", "/submissions", body)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "period_id"]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "", None),
        ("put", "/values", {"values": [{"indicator": "STARTED", "value": "1"}]}),
        ("post", "/submit", {}),
        ("post", "/approve", None),
        ("post", "/return", {"reason": "x"}),
        ("post", "/accept", None),
        ("post", "/unlock", {"reason": "x"}),
    ],
)
def test_officer_from_other_commune_gets_404(submitted, as_user, officer_other_commune, method, path, body):
    response = as_user(officer_other_commune, method, f"/submissions/{submitted.pk}{path}", body)
    assert response.status_code == 404


def test_the_level_above_does_not_see_a_draft(draft, as_user, province_admin, commune_admin):
    for person in (province_admin, commune_admin):
        assert as_user(person, "get", f"/submissions/{draft.pk}").status_code == 404
        assert as_user(person, "get", "/submissions").json()["count"] == 0


def test_approving_needs_a_leader_and_returning_a_reason(submitted, as_user, commune_officer, commune_leader):
    assert as_user(commune_officer, "post", f"/submissions/{submitted.pk}/approve").status_code == 403
    empty = as_user(commune_leader, "post", f"/submissions/{submitted.pk}/return", {"reason": " "})
    assert (empty.status_code, empty.json()["detail"][0]["loc"]) == (422, ["body", "reason"])
    returned = as_user(commune_leader, "post", f"/submissions/{submitted.pk}/return", {"reason": "Thiếu"})
    assert returned.json()["status"] == "returned"
    # A returned report keeps everything entered.
    assert {"indicator": "STARTED", "category": "", "value": "5"} in returned.json()["values"]


def test_approve_accept_and_unlock(submitted, monthly_form, as_user, commune_leader, commune_admin, commune_officer):
    services.form_update(actor=None, form=monthly_form, acceptance_required=True)
    assert as_user(commune_leader, "post", f"/submissions/{submitted.pk}/approve").json()["status"] == "approved"
    assert as_user(commune_leader, "post", f"/submissions/{submitted.pk}/accept").status_code == 403
    assert as_user(commune_admin, "post", f"/submissions/{submitted.pk}/accept").json()["status"] == "accepted"
    again = as_user(commune_admin, "post", f"/submissions/{submitted.pk}/accept")
    assert again.status_code == 422
    assert as_user(commune_officer, "post", f"/submissions/{submitted.pk}/unlock", {"reason": "x"}).status_code == 403
    unlocked = as_user(commune_leader, "post", f"/submissions/{submitted.pk}/unlock", {"reason": "Sửa"})
    assert unlocked.json()["status"] == "returned"


def test_submission_list_is_scoped_filtered_and_counted(
    tree, monthly_form, submitted, as_user, province_admin, officer_other_commune, django_assert_max_num_queries
):
    for period in ("202604", "202605"):
        report(
            form=monthly_form,
            unit=tree["other_ubnd"],
            period=period,
            actor=officer_other_commune,
            values=FULL,
            submit_on=dt.date(2026, 6, 1),
        )
    as_user(province_admin, "get", "/forms")
    with django_assert_max_num_queries(6):  # token (2), memberships, count, page
        body = as_user(province_admin, "get", "/submissions?limit=2").json()
    assert body["count"] == 3
    assert [(s["unit"], s["period_id"]) for s in body["items"]] == [("07093-UBND", "202605"), ("07093-UBND", "202604")]
    only = as_user(province_admin, "get", "/submissions?unit=07090&period=2026-03&status=submitted").json()
    assert [s["id"] for s in only["items"]] == [submitted.pk]
    mine = as_user(officer_other_commune, "get", "/submissions").json()
    assert {s["unit"] for s in mine["items"]} == {"07093-UBND"}


def test_a_filter_on_a_unit_outside_the_scope_is_404(submitted, as_user, officer_other_commune):
    assert as_user(officer_other_commune, "get", "/submissions?unit=07090-UBND").status_code == 404


# Figures and queues ------------------------------------------------------------------------------


def test_rollup_and_rates(tree, submitted, as_user, commune_leader, province_admin):
    services.submission_approve(actor=commune_leader, submission=submitted)
    body = as_user(province_admin, "get", "/rollup?indicator=PEOPLE&period=2026Q1&unit=22").json()
    assert body["value"] == "22"
    assert body["contributors"] == [{"unit": "07090-UBND", "name": "UBND phường An Sinh", "value": "22"}]
    assert body["missing"] == [{"code": "07093-UBND", "name": "UBND phường Đông Triều"}]
    women = as_user(province_admin, "get", "/rollup?indicator=PEOPLE&period=202603&unit=22&category=women").json()
    assert women["value"] == "12"

    rates = as_user(province_admin, "get", "/reporting-rates?form=XA-THANG&period=202603&unit=22").json()
    assert (rates["expected"], rates["submitted"], rates["on_time"], rates["completeness"]) == (2, 1, 1, 50.0)
    assert rates["missing"] == [{"code": "07093-UBND", "name": "UBND phường Đông Triều"}]


def test_figures_of_a_unit_outside_the_scope_are_404(submitted, as_user, officer_other_commune):
    assert as_user(officer_other_commune, "get", "/rollup?indicator=PEOPLE&period=2026Q1&unit=22").status_code == 404
    path = "/reporting-rates?form=XA-THANG&period=202603&unit=07090"
    assert as_user(officer_other_commune, "get", path).status_code == 404


def test_figures_refuse_unknown_codes_and_periods(submitted, as_user, province_admin):
    assert as_user(province_admin, "get", "/rollup?indicator=NOPE&period=2026Q1&unit=22").status_code == 422
    assert as_user(province_admin, "get", "/rollup?indicator=PEOPLE&period=2026Q9&unit=22").status_code == 422
    assert as_user(province_admin, "get", "/reporting-rates?form=XA-THANG&period=2026-3&unit=22").status_code == 422


def test_my_reports_and_review_queue(tree, submitted, as_user, commune_officer, commune_leader):
    due = as_user(commune_officer, "get", "/my-reports?limit=200").json()
    assert due["count"] > 0
    assert all(item["unit"] == "07090-UBND" for item in due["items"])
    assert "202603" not in {item["period"] for item in due["items"]}  # submitted: done
    queue = as_user(commune_leader, "get", "/review-queue").json()
    assert [s["id"] for s in queue["items"]] == [submitted.pk]
    assert as_user(commune_officer, "get", "/review-queue").json()["count"] == 0


def test_anonymous_callers_get_401(monthly_form, client):
    assert send(client, "get", "/reporting/forms").status_code == 401
