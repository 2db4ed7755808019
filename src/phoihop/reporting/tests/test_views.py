"""The reporting screens: who may use each (200/403/404), what they write, and what htmx gets back.

Time is frozen on 20/03/2026: the monthly period 202603 (data 15/02–14/03) had its deadline on
Tuesday 17/03 (two working days after the cut-off), so it is overdue; 202604 is the current one.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import docx
import openpyxl
import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from phoihop.core.models import AuditEvent
from phoihop.orgs import services as org_services
from phoihop.orgs.views import UserLanguageMiddleware
from phoihop.reporting import services
from phoihop.reporting.models import DataValue, FormField, ReportForm, Submission, ValidationRule
from phoihop.reporting.tests import factories
from phoihop.reporting.tests.factories import make_form, report

indicators = factories.indicators
monthly_form = factories.monthly_form

NOW = dt.datetime(2026, 3, 20, 9, 0, tzinfo=dt.UTC)
S = Submission.Status


@pytest.fixture(autouse=True)
def _frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def login(client):
    """Log a persona in with the English interface (assertions read the English source text)."""

    def _login(user):
        client.force_login(user)
        session = client.session
        session[UserLanguageMiddleware.session_key] = "en"
        session.save()
        return client

    return _login


@pytest.fixture
def admin_client(login, province_admin, settings):
    # The TOTP step is tested with the account pages; here it would only stand in the way.
    settings.PHOIHOP_REQUIRE_ADMIN_2FA = False
    return login(province_admin)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def draft(tree, monthly_form, commune_officer):
    """07090-UBND's report for March 2026 (202603), opened, nothing entered."""
    return services.submission_open(
        actor=commune_officer, form=monthly_form, unit=tree["commune_ubnd"], period_id="202603"
    )


@pytest.fixture
def submitted(tree, monthly_form, commune_officer):
    return report(
        form=monthly_form,
        unit=tree["commune_ubnd"],
        period="202603",
        actor=commune_officer,
        values={("PEOPLE", "men"): "40", ("PEOPLE", "women"): "60", ("STARTED", ""): "12", ("HANDED", ""): "5"},
        submit_on=dt.date(2026, 3, 16),
    )


def _fresh(submission: Submission) -> Submission:
    return Submission.objects.get(pk=submission.pk)


def _field_id(form: ReportForm, code: str) -> int:
    return FormField.objects.get(section__form=form, indicator__code=code).pk


HTMX = {"HTTP_HX_REQUEST": "true"}


# --- who may see what: 404 for another commune, 403 for too low a role ----------------------------

SUBMISSION_GETS = [
    "reporting:submission-detail",
    "reporting:submission-template-xlsx",
    "reporting:submission-docx",
    "reporting:submission-pdf",
]
SUBMISSION_POSTS = [
    "reporting:values-save",
    "reporting:submission-submit",
    "reporting:submission-approve",
    "reporting:submission-return",
    "reporting:submission-accept",
    "reporting:submission-unlock",
    "reporting:submission-comment",
    "reporting:submission-upload-xlsx",
]


@pytest.mark.parametrize("name", SUBMISSION_GETS)
def test_officer_from_other_commune_gets_404_on_commune_07090s_report(login, officer_other_commune, submitted, name):
    response = login(officer_other_commune).get(reverse(name, args=[submitted.pk]))
    assert response.status_code == 404


@pytest.mark.parametrize("name", SUBMISSION_POSTS)
def test_officer_from_other_commune_gets_404_posting_to_commune_07090s_report(
    login, officer_other_commune, submitted, name
):
    response = login(officer_other_commune).post(reverse(name, args=[submitted.pk]), {"v|STARTED|": "1"})
    assert response.status_code == 404
    assert _fresh(submitted).status == S.SUBMITTED


def test_officer_from_other_commune_gets_404_on_the_entry_of_commune_07090(
    login, tree, monthly_form, officer_other_commune
):
    url = reverse("reporting:entry", args=[monthly_form.pk, tree["commune_ubnd"].pk, "202603"])
    client = login(officer_other_commune)
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert not Submission.objects.exists()


def test_a_draft_is_hidden_from_the_level_above(admin_client, draft):
    # Drafts are the unit's own business (DESIGN §4), system administrators included.
    assert admin_client.get(draft.get_absolute_url()).status_code == 404


@pytest.mark.parametrize(
    "name", ["reporting:submission-approve", "reporting:submission-return", "reporting:submission-unlock"]
)
def test_officer_gets_403_on_the_leaders_decisions(login, commune_officer, submitted, name):
    response = login(commune_officer).post(reverse(name, args=[submitted.pk]), {"return-reason": "x"})
    assert response.status_code == 403
    assert _fresh(submitted).status == S.SUBMITTED


def test_leader_of_the_unit_may_not_accept_its_own_report(login, commune_leader, submitted):
    # Acceptance belongs to the level above, not to the unit itself.
    response = login(commune_leader).post(reverse("reporting:submission-accept", args=[submitted.pk]))
    assert response.status_code == 403


def test_a_viewer_reads_a_submitted_report_but_cannot_enter_values(login, tree, submitted):
    viewer = org_services.user_create(actor=None, username="xem", password="x-y-z-pass-123", audit=False)
    org_services.membership_grant(actor=None, user=viewer, unit=tree["commune"], role="viewer", audit=False)
    client = login(viewer)
    page = client.get(submitted.get_absolute_url())
    assert page.status_code == 200
    assert 'name="v|STARTED|"' not in page.content.decode()
    assert client.post(reverse("reporting:values-save", args=[submitted.pk]), {"v|STARTED|": "1"}).status_code == 403


# --- form designer ------------------------------------------------------------------------------


def test_form_list_pages_with_few_queries(login, tree, indicators, commune_officer, django_assert_max_num_queries):
    for n in range(12):
        make_form(owner=tree["ubnd"], code=f"F{n:02d}", assigned_unit_kinds=["people_committee"])
    client = login(commune_officer)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("reporting:form-list"))
    assert response.status_code == 200
    assert "F11" in response.content.decode()


def test_officer_of_the_owner_unit_creates_a_form(login, tree, ubnd_officer):
    response = login(ubnd_officer).post(
        reverse("reporting:form-create"),
        {
            "owner_unit": tree["ubnd"].pk,
            "code": "QUY",
            "name": "Báo cáo quý",
            "period_type": "quarterly",
            "deadline_working_days": "3",
            "assigned_unit_kinds": ["department"],
            "assigned_units": [tree["hlhpn"].pk],
            "approval_required": "on",
        },
    )
    form = ReportForm.objects.get(code="QUY")
    assert response.status_code == 302
    assert response.url == form.get_absolute_url()
    assert form.deadline_working_days == 3 and form.assigned_unit_kinds == ["department"]
    assert list(form.assigned_units.all()) == [tree["hlhpn"]]
    assert AuditEvent.objects.filter(verb="form.created", target_id=str(form.pk), actor=ubnd_officer).exists()


def test_form_page_states_the_decree_09_basis_of_the_deadline(login, monthly_form, commune_officer):
    page = login(commune_officer).get(monthly_form.get_absolute_url()).content.decode()
    assert "Decree 09/2019: data cut-off on the 14th; deadline set per form." in page
    assert "2 working days after the data cut-off" in page


def test_commune_officer_gets_403_designing_a_province_form(login, monthly_form, commune_officer):
    client = login(commune_officer)
    assert client.get(reverse("reporting:form-edit", args=[monthly_form.pk])).status_code == 403
    assert client.post(reverse("reporting:section-add", args=[monthly_form.pk]), {"title": "X"}).status_code == 403
    page = client.get(monthly_form.get_absolute_url()).content.decode()
    assert reverse("reporting:field-add", args=[monthly_form.pk]) not in page


def test_a_user_with_no_role_gets_403_creating_a_form(login, tree):
    nobody = org_services.user_create(actor=None, username="ai", password="x-y-z-pass-123", audit=False)
    assert login(nobody).get(reverse("reporting:form-create")).status_code == 403


def test_designer_adds_a_section_and_an_indicator_through_htmx(login, tree, indicators, ubnd_officer):
    form = make_form(owner=tree["ubnd"], code="MOI", assigned_unit_kinds=["people_committee"])
    client = login(ubnd_officer)
    response = client.post(reverse("reporting:section-add", args=[form.pk]), {"title": "Kết quả", "order": "1"}, **HTMX)
    assert response.status_code == 200
    assert response.templates[0].name == "reporting/partials/_designer.html"
    section = form.sections.get()
    response = client.post(
        reverse("reporting:field-add", args=[form.pk]),
        {
            "section": section.pk,
            "indicator": "STARTED — Nhà Đại đoàn kết khởi công",
            "required": "on",
            "min_value": "0",
        },
        **HTMX,
    )
    assert response.status_code == 200
    field = FormField.objects.get(section=section)
    assert field.indicator.code == "STARTED" and field.required and field.min_value == 0
    assert "<html" not in response.content.decode()


def test_an_unknown_indicator_code_is_named_beside_the_field(login, tree, indicators, ubnd_officer):
    form = make_form(owner=tree["ubnd"], code="MOI", assigned_unit_kinds=["people_committee"])
    section = services.section_add(actor=None, form=form, title="A")
    response = login(ubnd_officer).post(
        reverse("reporting:field-add", args=[form.pk]), {"section": section.pk, "indicator": "NOPE"}
    )
    assert response.status_code == 200
    assert response.context["field_form"].errors["indicator"] == ["No indicator in use has the code “NOPE”."]
    assert not FormField.objects.filter(section=section).exists()


def test_a_rule_that_does_not_parse_shows_the_services_error_beside_its_side(login, monthly_form, ubnd_officer):
    response = login(ubnd_officer).post(
        reverse("reporting:rule-add", args=[monthly_form.pk]),
        {
            "name": "Sai",
            "left": "HANDED +",
            "operator": "<=",
            "right": "STARTED",
            "severity": "error",
            "message": "m",
        },
        **HTMX,
    )
    assert response.status_code == 200
    errors = response.context["rule_form"].errors
    assert "left" in errors and "ends with an operator" in errors["left"][0]
    assert 'id="designer"' in response.content.decode()
    assert monthly_form.rules.count() == 2


def test_designer_removes_a_rule_then_the_field_it_used(login, monthly_form, ubnd_officer):
    client = login(ubnd_officer)
    rule = monthly_form.rules.get(left="HANDED")
    field_pk = _field_id(monthly_form, "HANDED")
    # The rule still names HANDED: the service refuses, the page says why.
    client.post(reverse("reporting:field-remove", args=[monthly_form.pk, field_pk]))
    assert FormField.objects.filter(pk=field_pk).exists()
    client.post(reverse("reporting:rule-remove", args=[monthly_form.pk, rule.pk]))
    response = client.post(reverse("reporting:field-remove", args=[monthly_form.pk, field_pk]))
    assert response.status_code == 302
    assert not FormField.objects.filter(pk=field_pk).exists()
    assert AuditEvent.objects.filter(verb="form.rule_removed").exists()


def test_removing_a_field_of_another_form_answers_404(login, tree, monthly_form, indicators, ubnd_officer):
    other = make_form(owner=tree["ubnd"], code="KHAC", fields=[(indicators["NOTE"], {})])
    field_pk = _field_id(monthly_form, "NOTE")
    response = login(ubnd_officer).post(reverse("reporting:field-remove", args=[other.pk, field_pk]))
    assert response.status_code == 404


# --- indicators ---------------------------------------------------------------------------------


def test_system_admin_creates_an_indicator_with_a_disaggregation(admin_client):
    response = admin_client.post(
        reverse("reporting:indicator-create"),
        {
            "code": "REACHED",
            "name": "Người được tiếp cận",
            "value_type": "integer",
            "aggregation": "sum",
            "period_aggregation": "sum",
            "disaggregation": "men = Nam\nwomen = Nữ",
        },
    )
    assert response.status_code == 302
    indicator = services.Indicator.objects.get(code="REACHED")
    assert indicator.disaggregation == [{"code": "men", "name": "Nam"}, {"code": "women", "name": "Nữ"}]
    assert AuditEvent.objects.filter(verb="indicator.created", target_id=str(indicator.pk)).exists()


def test_a_repeated_option_code_is_refused_beside_the_field(admin_client):
    response = admin_client.post(
        reverse("reporting:indicator-create"),
        {
            "code": "X",
            "name": "X",
            "value_type": "integer",
            "aggregation": "sum",
            "period_aggregation": "sum",
            "disaggregation": "men = Nam\nmen = Nữ",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["disaggregation"] == ["Line 2: the code “men” is already in the list."]


def test_officer_gets_403_creating_or_editing_indicators(login, indicators, ubnd_officer):
    client = login(ubnd_officer)
    assert client.get(reverse("reporting:indicator-create")).status_code == 403
    assert client.post(reverse("reporting:indicator-edit", args=[indicators["NOTE"].pk]), {}).status_code == 403


def test_indicator_search_answers_htmx_with_the_rows_only(
    login, indicators, commune_officer, django_assert_max_num_queries
):
    client = login(commune_officer)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("reporting:indicator-list"), {"q": "khởi công"}, **HTMX)
    body = response.content.decode()
    assert body.startswith('<div id="indicator-rows">')
    assert "STARTED" in body and "HANDED" not in body


# --- my reports due -----------------------------------------------------------------------------


def test_my_reports_lists_the_overdue_and_the_current_period_with_their_deadlines(
    login, monthly_form, commune_officer, django_assert_max_num_queries
):
    client = login(commune_officer)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("reporting:my-reports"))
    page = response.content.decode()
    rows = [(row.item.period.id, row.status, row.days_late, row.days_left) for row in response.context["page"]]
    # 202603 was due on Tuesday 17/03: three calendar days late; 202604 is due 16/04.
    assert ("202603", "not_started", 3, None) in rows
    assert any(period == "202604" and left and left > 10 for period, _s, _l, left in rows)
    assert "late by 3 days" in page
    assert "working days left" in page


def test_my_reports_shows_a_returned_report_as_returned(login, submitted, commune_officer, commune_leader):
    services.submission_return(actor=commune_leader, submission=submitted, reason="Thiếu số liệu")
    response = login(commune_officer).get(reverse("reporting:my-reports"))
    statuses = {row.item.period.id: row.status for row in response.context["page"]}
    assert statuses["202603"] == "returned"


def test_opening_an_entry_by_get_writes_nothing_and_post_opens_one_draft(login, tree, monthly_form, commune_officer):
    url = reverse("reporting:entry", args=[monthly_form.pk, tree["commune_ubnd"].pk, "202603"])
    client = login(commune_officer)
    page = client.get(url)
    assert page.status_code == 200 and "Start entering" in page.content.decode()
    assert not Submission.objects.exists()
    first = client.post(url)
    second = client.post(url)
    submission = Submission.objects.get()
    assert first.url == second.url == submission.get_absolute_url()
    assert client.get(url).url == submission.get_absolute_url()


def test_a_period_of_the_wrong_type_answers_404(login, tree, monthly_form, commune_officer):
    url = reverse("reporting:entry", args=[monthly_form.pk, tree["commune_ubnd"].pk, "2026Q1"])
    assert login(commune_officer).get(url).status_code == 404


def test_a_unit_not_assigned_the_form_gets_the_services_reason(login, tree, monthly_form):
    officer = org_services.user_create(actor=None, username="sonv", password="x-y-z-pass-123", audit=False)
    org_services.membership_grant(actor=None, user=officer, unit=tree["sonv"], role="officer", audit=False)
    url = reverse("reporting:entry", args=[monthly_form.pk, tree["sonv"].pk, "202603"])
    response = login(officer).post(url)
    assert response.status_code == 400
    assert "not assigned" in response.content.decode()
    assert not Submission.objects.exists()


# --- entry: autosave, last period, checks -------------------------------------------------------


def test_entry_shows_last_periods_value_beside_each_field(login, tree, monthly_form, commune_officer, draft):
    report(
        form=monthly_form,
        unit=tree["commune_ubnd"],
        period="202602",
        actor=commune_officer,
        values={("STARTED", ""): "7", ("PEOPLE", "women"): "31"},
    )
    response = login(commune_officer).get(draft.get_absolute_url())
    rows = {row.indicator.code: row for block in response.context["sections"] for row in block.rows}
    assert rows["STARTED"].cells[0].previous == "7"
    assert [c.previous for c in rows["PEOPLE"].cells] == ["", "31"]
    assert "Last period: 7" in response.content.decode()


def test_autosave_stores_the_value_and_answers_with_the_fields_status_only(login, monthly_form, commune_officer, draft):
    response = login(commune_officer).post(
        reverse("reporting:values-save", args=[draft.pk]), {"v|STARTED|": "12"}, **HTMX
    )
    body = response.content.decode()
    field_pk = _field_id(monthly_form, "STARTED")
    assert response.status_code == 200
    assert "<html" not in body
    assert f'id="st-f{field_pk}-total"' in body and "Saved" in body
    assert 'id="checks"' in body and 'hx-swap-oob="true"' in body
    assert DataValue.objects.get(unit=draft.unit, period_id="202603", indicator__code="STARTED").value_number == 12
    assert AuditEvent.objects.filter(verb="submission.values_saved", target_id=str(draft.pk)).exists()


def test_autosave_shows_a_type_error_beside_the_field_and_stores_nothing(login, monthly_form, commune_officer, draft):
    response = login(commune_officer).post(
        reverse("reporting:values-save", args=[draft.pk]), {"v|STARTED|": "12,5"}, **HTMX
    )
    body = response.content.decode()
    assert "Enter a whole number." in body
    assert "Saved" not in body
    assert not DataValue.objects.exists()


def test_autosave_reports_a_broken_rule_in_the_checks_as_one_types(login, commune_officer, draft):
    client = login(commune_officer)
    url = reverse("reporting:values-save", args=[draft.pk])
    client.post(url, {"v|STARTED|": "3"}, **HTMX)
    body = client.post(url, {"v|HANDED|": "5"}, **HTMX).content.decode()
    assert "Số nhà bàn giao không thể nhiều hơn số nhà khởi công." in body


def test_autosave_of_an_option_updates_the_total_of_the_grid(login, monthly_form, commune_officer, draft):
    client = login(commune_officer)
    url = reverse("reporting:values-save", args=[draft.pk])
    client.post(url, {"v|PEOPLE|men": "30"}, **HTMX)
    body = client.post(url, {"v|PEOPLE|women": "45"}, **HTMX).content.decode()
    field_pk = _field_id(monthly_form, "PEOPLE")
    assert f'<span id="total-{field_pk}" hx-swap-oob="true">75</span>' in body


def test_save_draft_without_javascript_keeps_what_was_typed_beside_the_error(login, commune_officer, draft):
    response = login(commune_officer).post(
        reverse("reporting:values-save", args=[draft.pk]), {"v|STARTED|": "4", "v|HANDED|": "abc"}
    )
    assert response.status_code == 400
    rows = {row.indicator.code: row for block in response.context["sections"] for row in block.rows}
    assert rows["HANDED"].cells[0].value == "abc"
    assert rows["HANDED"].cells[0].error == "“abc” is not a number."
    # The valid one is kept (autosave never loses what was typed).
    assert DataValue.objects.get(indicator__code="STARTED").value_number == 4


def test_saving_a_submitted_report_is_refused(login, commune_officer, submitted):
    response = login(commune_officer).post(
        reverse("reporting:values-save", args=[submitted.pk]), {"v|STARTED|": "99"}, **HTMX
    )
    body = response.content.decode()
    assert '<p class="message error">' in body and "changed" in body
    assert DataValue.objects.get(indicator__code="STARTED").value_number == 12


# --- submit, approve, return, accept, unlock, comments ------------------------------------------


def test_submit_needs_a_comment_on_each_warning(login, commune_officer, draft):
    services.values_save(
        actor=commune_officer, submission=draft, values={("PEOPLE", "men"): "9000", ("PEOPLE", "women"): "9000"}
    )
    rule = ValidationRule.objects.get(severity="warning")
    client = login(commune_officer)
    url = reverse("reporting:submission-submit", args=[draft.pk])
    response = client.post(url, {})
    assert response.status_code == 400
    assert response.context["submit_form"].errors[f"warning_{rule.pk}"]
    assert _fresh(draft).status == S.DRAFT
    response = client.post(url, {f"warning_{rule.pk}": "Đợt tuyên truyền lớn cả phường."})
    assert response.status_code == 302
    submission = _fresh(draft)
    assert submission.status == S.SUBMITTED and submission.is_late  # due 17/03, sent 20/03: taken, marked late
    assert submission.warning_comments == {str(rule.pk): "Đợt tuyên truyền lớn cả phường."}


def test_submit_with_an_error_is_refused(login, commune_officer, draft):
    response = login(commune_officer).post(reverse("reporting:submission-submit", args=[draft.pk]), {})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert _fresh(draft).status == S.DRAFT


def test_leader_approves_and_the_report_is_locked(login, commune_leader, submitted):
    response = login(commune_leader).post(reverse("reporting:submission-approve", args=[submitted.pk]))
    assert response.status_code == 302
    assert _fresh(submitted).status == S.APPROVED
    assert AuditEvent.objects.filter(verb="submission.approved", actor=commune_leader).exists()


def test_returning_needs_a_reason_shown_beside_the_box(login, commune_leader, submitted):
    client = login(commune_leader)
    url = reverse("reporting:submission-return", args=[submitted.pk])
    response = client.post(url, {"return-reason": ""})
    assert response.status_code == 400
    assert response.context["return_form"].errors["reason"]
    response = client.post(url, {"return-reason": "Số nhà chưa khớp"})
    assert response.status_code == 302
    submission = _fresh(submitted)
    assert submission.status == S.RETURNED and submission.returned_reason == "Số nhà chưa khớp"
    # A returned report keeps everything entered, and shows the reason.
    assert DataValue.objects.filter(submission=submission).count() == 4
    assert "Số nhà chưa khớp" in client.get(submission.get_absolute_url()).content.decode()


def test_the_level_above_accepts_when_the_form_asks(
    login, tree, monthly_form, commune_leader, commune_admin, submitted
):
    services.form_update(actor=None, form=monthly_form, acceptance_required=True)
    services.submission_approve(actor=commune_leader, submission=submitted)
    client = login(commune_admin)  # unit admin of the commune: the level above 07090-UBND
    page = client.get(submitted.get_absolute_url()).content.decode()
    assert reverse("reporting:submission-accept", args=[submitted.pk]) in page
    response = client.post(reverse("reporting:submission-accept", args=[submitted.pk]))
    assert response.status_code == 302
    assert _fresh(submitted).status == S.ACCEPTED


def test_unlocking_an_approved_report_is_audited_with_its_reason(login, commune_leader, submitted):
    services.submission_approve(actor=commune_leader, submission=submitted)
    response = login(commune_leader).post(
        reverse("reporting:submission-unlock", args=[submitted.pk]), {"unlock-reason": "Sửa số liệu tháng 3"}
    )
    assert response.status_code == 302
    assert _fresh(submitted).status == S.RETURNED
    event = AuditEvent.objects.get(verb="submission.unlocked")
    assert event.actor == commune_leader and event.note == "Sửa số liệu tháng 3"


def test_a_comment_with_a_file_is_added_and_audited(login, commune_officer, submitted, media):
    upload = SimpleUploadedFile("bien-ban.txt", b"noi dung", content_type="text/plain")
    response = login(commune_officer).post(
        reverse("reporting:submission-comment", args=[submitted.pk]), {"text": "Kèm biên bản", "file": upload}
    )
    assert response.status_code == 302
    comment = submitted.comments.get()
    assert comment.text == "Kèm biên bản" and comment.file.name.endswith(".txt")
    assert AuditEvent.objects.filter(verb="submission.commented", target_id=str(submitted.pk)).exists()
    file_url = reverse("reporting:submission-comment-file", args=[submitted.pk, comment.pk])
    download = login(commune_officer).get(file_url)
    assert b"".join(download.streaming_content) == b"noi dung"
    download.close()


def test_a_comments_file_answers_404_to_another_commune(
    login, commune_officer, officer_other_commune, submitted, media
):
    comment = services.comment_add(
        actor=commune_officer, submission=submitted, file=SimpleUploadedFile("a.txt", b"bi mat")
    )
    url = reverse("reporting:submission-comment-file", args=[submitted.pk, comment.pk])
    assert login(officer_other_commune).get(url).status_code == 404


def test_an_empty_comment_is_refused_beside_the_form(login, commune_officer, submitted):
    response = login(commune_officer).post(reverse("reporting:submission-comment", args=[submitted.pk]), {"text": ""})
    assert response.status_code == 400
    assert response.context["comment_form"].non_field_errors() == ["Write a comment or attach a file."]


# --- XLSX template and upload -------------------------------------------------------------------


def _workbook_bytes(rows):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["code", "name", "category", "value"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _upload(client, submission, rows):
    data = _workbook_bytes(rows)
    return client.post(
        reverse("reporting:submission-upload-xlsx", args=[submission.pk]),
        {"file": SimpleUploadedFile("bao-cao.xlsx", data)},
    )


def test_the_template_has_one_row_per_figure_with_the_values_entered(login, commune_officer, draft):
    services.values_save(actor=commune_officer, submission=draft, values={("STARTED", ""): "12"})
    response = login(commune_officer).get(reverse("reporting:submission-template-xlsx", args=[draft.pk]))
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
    rows = [tuple(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == ("code", "name", "category", "value")
    assert ("PEOPLE", "Số người được tuyên truyền", "men", None) in rows
    assert ("PEOPLE", "Số người được tuyên truyền", "women", None) in rows
    assert any(r[0] == "STARTED" and str(r[3]) == "12" for r in rows)
    assert len(rows) == 1 + 7  # PEOPLE twice (men, women) and five other indicators


def test_an_upload_with_bad_rows_writes_nothing_and_names_each_row(login, commune_officer, draft):
    response = _upload(
        login(commune_officer),
        draft,
        [
            ["STARTED", "", "", 12],  # row 2: fine
            ["HANDED", "", "", "mười"],  # row 3: not a number
            ["UNKNOWN", "", "", 1],  # row 4: not on the form
            ["PEOPLE", "", "children", 3],  # row 5: no such option
            ["STARTED", "", "", 13],  # row 6: repeats row 2
        ],
    )
    assert response.status_code == 400
    problems = dict(response.context["upload_errors"])
    assert set(problems) == {4, 5, 6}
    assert "UNKNOWN" in problems[4] and "men, women" in problems[5] and "row 2" in problems[6]
    assert not DataValue.objects.exists()
    # With the layout right, a value of the wrong type still blocks the whole file, by its row.
    response = _upload(login(commune_officer), draft, [["STARTED", "", "", 12], ["HANDED", "", "", "mười"]])
    assert response.status_code == 400
    assert [row for row, _m in response.context["upload_errors"]] == [3]
    assert "The file was not saved: 1 row needs correcting." in response.content.decode()
    assert not DataValue.objects.exists()


def test_a_valid_upload_saves_every_row(login, commune_officer, draft):
    response = _upload(
        login(commune_officer),
        draft,
        [["STARTED", "", "", 12], ["HANDED", "", "", 5], ["PEOPLE", "", "men", 40], ["people", "", "women", "1.234"]],
    )
    assert response.status_code == 302
    stored = {(v.indicator.code, v.category): v.value_number for v in DataValue.objects.select_related("indicator")}
    assert stored == {
        ("STARTED", ""): Decimal(12),
        ("HANDED", ""): Decimal(5),
        ("PEOPLE", "men"): Decimal(40),
        ("PEOPLE", "women"): Decimal(1234),
    }


def test_a_file_that_is_not_a_workbook_is_refused_beside_the_field(login, commune_officer, draft):
    response = login(commune_officer).post(
        reverse("reporting:submission-upload-xlsx", args=[draft.pk]),
        {"file": SimpleUploadedFile("bao-cao.xlsx", b"not a zip")},
    )
    assert response.status_code == 400
    assert response.context["upload_form"].errors["file"] == ["This file cannot be read as an Excel workbook."]


# --- the report as an official document ---------------------------------------------------------


def test_the_report_downloads_as_a_docx_with_title_unit_and_values(login, commune_officer, submitted):
    response = login(commune_officer).get(reverse("reporting:submission-docx", args=[submitted.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.docx"')
    document = docx.Document(io.BytesIO(b"".join(response.streaming_content)))
    texts = [p.text for p in document.paragraphs]
    cells = [c.text.strip() for t in document.tables for row in t.rows for c in row.cells]
    assert "BÁO CÁO" in texts
    assert "UBND PHƯỜNG AN SINH" in cells  # the issuing body, upper case in the header block
    assert any(t.startswith("An Sinh, ngày 16 tháng 3 năm 2026") for t in cells)
    body_rows = [[c.text for c in row.cells] for t in document.tables[1:] for row in t.rows]
    assert ["1", "Số người được tuyên truyền", "người", "100", ""] in body_rows
    assert any(r[1] == "Nhà Đại đoàn kết khởi công" and r[3] == "12" for r in body_rows)


def test_an_approved_commune_report_is_signed_for_the_committee_by_its_vice_chair(
    login, commune_officer, commune_leader, submitted
):
    from phoihop.orgs.models import Membership
    from phoihop.reporting import services

    Membership.objects.filter(user=commune_leader).update(title="Phó Chủ tịch UBND phường")
    services.submission_approve(actor=commune_leader, submission=submitted)
    response = login(commune_officer).get(reverse("reporting:submission-docx", args=[submitted.pk]))
    document = docx.Document(io.BytesIO(b"".join(response.streaming_content)))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    signature = next(c for c in cells if "TM. ỦY BAN NHÂN DÂN" in c)
    # Decree 30: on behalf of the collective body, the deputy signing for the chair, then the title.
    assert signature.index("TM. ỦY BAN NHÂN DÂN") < signature.index("KT. CHỦ TỊCH") < signature.index("PHÓ CHỦ TỊCH")
    assert commune_leader.full_name in signature


def test_the_report_downloads_as_a_pdf(login, commune_officer, submitted):
    response = login(commune_officer).get(reverse("reporting:submission-pdf", args=[submitted.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")


# --- review queue -------------------------------------------------------------------------------


def test_review_queue_lists_what_waits_for_the_leader(
    login, tree, monthly_form, commune_officer, commune_leader, submitted, django_assert_max_num_queries
):
    report(
        form=monthly_form,
        unit=tree["commune_ubnd"],
        period="202602",
        actor=commune_officer,
        values={("PEOPLE", "men"): "1", ("PEOPLE", "women"): "1"},
        submit_on=dt.date(2026, 2, 17),
    )
    client = login(commune_leader)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("reporting:review-queue"))
    assert [s.period_id for s in response.context["page"]] == ["202602", "202603"]  # oldest deadline first


def test_review_queue_is_empty_for_another_communes_officer(login, officer_other_commune, submitted):
    response = login(officer_other_commune).get(reverse("reporting:review-queue"))
    assert list(response.context["page"]) == []


def test_report_review_is_in_the_menu_of_leaders_only(login, commune_officer, commune_leader):
    url = reverse("reporting:review-queue")
    assert url in login(commune_leader).get(reverse("reporting:my-reports")).content.decode().split("<main")[0]
    assert url not in login(commune_officer).get(reverse("reporting:my-reports")).content.decode().split("<main")[0]


# --- completeness, timeliness and reminders -----------------------------------------------------


def test_rates_default_to_the_last_closed_period_and_list_the_missing_unit(
    admin_client, tree, monthly_form, submitted, django_assert_max_num_queries
):
    # 15: the page's own reads plus the header's count of unread notifications (one query).
    with django_assert_max_num_queries(15):
        response = admin_client.get(reverse("reporting:rates"))
    rates = response.context["rates"]
    assert rates.period.id == "202603"
    assert (rates.expected, rates.submitted, rates.on_time, rates.late) == (2, 1, 1, 0)
    assert rates.completeness == 50.0 and rates.timeliness == 50.0
    assert [u.code for u in rates.missing] == ["07093-UBND"]
    assert "UBND phường Đông Triều" in response.content.decode()


def test_rates_answer_htmx_with_the_result_only(admin_client, tree, monthly_form, submitted):
    response = admin_client.get(
        reverse("reporting:rates"),
        {"form": monthly_form.pk, "period": "202603", "unit": tree["commune"].pk},
        **HTMX,
    )
    body = response.content.decode()
    assert body.startswith('<div id="rates-result">')
    assert response.context["rates"].expected == 1


def test_a_period_of_the_wrong_type_is_refused_beside_the_field(admin_client, tree, monthly_form):
    response = admin_client.get(
        reverse("reporting:rates"), {"form": monthly_form.pk, "period": "2026Q1", "unit": tree["province"].pk}
    )
    assert response.context["rates"] is None
    assert "period" in response.context["form"].errors


def test_a_reminder_mails_the_missing_unit_and_is_recorded(
    admin_client, tree, monthly_form, submitted, officer_other_commune, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("reporting:rates-remind"),
            {
                "form": monthly_form.pk,
                "period": "202603",
                "unit": tree["province"].pk,
                "target": tree["other_ubnd"].pk,
            },
            **HTMX,
        )
    assert response.status_code == 200
    assert "Reminder sent" in response.content.decode()
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["xa2@example.vn"]
    assert "/reporting/forms/" in mailoutbox[0].body and "202603" in mailoutbox[0].body
    event = AuditEvent.objects.get(verb="reporting.reminder_sent")
    assert event.unit_id == tree["other_ubnd"].pk and event.changes["period"] == "202603"


def test_remind_all_reaches_every_missing_unit(
    admin_client,
    tree,
    monthly_form,
    officer_other_commune,
    commune_officer,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("reporting:rates-remind"),
            {"form": monthly_form.pk, "period": "202603", "unit": tree["province"].pk, "all": "1"},
        )
    assert response.status_code == 302
    assert sorted(m.to[0] for m in mailoutbox) == ["xa2@example.vn", "xa@example.vn"]
    assert AuditEvent.objects.filter(verb="reporting.reminder_sent").count() == 2


def test_reminding_a_unit_outside_ones_scope_answers_404(login, tree, monthly_form, commune_officer, mailoutbox):
    response = login(commune_officer).post(
        reverse("reporting:rates-remind"),
        {"form": monthly_form.pk, "period": "202603", "unit": tree["commune_ubnd"].pk, "target": tree["other_ubnd"].pk},
    )
    assert response.status_code == 404
    assert mailoutbox == []
    assert not AuditEvent.objects.filter(verb="reporting.reminder_sent").exists()


def test_a_viewer_gets_403_sending_a_reminder(login, tree, monthly_form, mailoutbox):
    viewer = org_services.user_create(actor=None, username="xem", password="x-y-z-pass-123", audit=False)
    org_services.membership_grant(actor=None, user=viewer, unit=tree["commune"], role="viewer", audit=False)
    response = login(viewer).post(
        reverse("reporting:rates-remind"),
        {"form": monthly_form.pk, "period": "202603", "unit": tree["commune"].pk, "target": tree["commune_ubnd"].pk},
    )
    assert response.status_code == 403
    assert mailoutbox == []


# --- pivot --------------------------------------------------------------------------------------


@pytest.fixture
def two_reports(tree, monthly_form, commune_officer, commune_leader, officer_other_commune, submitted):
    services.submission_approve(actor=commune_leader, submission=submitted)
    return report(
        form=monthly_form,
        unit=tree["other_ubnd"],
        period="202603",
        actor=officer_other_commune,
        values={("PEOPLE", "men"): "1", ("PEOPLE", "women"): "2", ("STARTED", ""): "8"},
        submit_on=dt.date(2026, 3, 17),
    )


def _pivot_query(tree, indicators, **extra):
    return {
        "indicators": [indicators["STARTED"].pk, indicators["PEOPLE"].pk],
        "unit": tree["province"].pk,
        "children": "on",
        "periods": "202602, 202603",
        **extra,
    }


def test_pivot_adds_up_the_communes_and_draws_a_chart(admin_client, tree, indicators, two_reports):
    response = admin_client.get(reverse("reporting:pivot"), _pivot_query(tree, indicators))
    table = response.context["table"]
    assert table.value(indicators["STARTED"], tree["province"], table.periods[1]) == 20
    assert table.value(indicators["PEOPLE"], tree["province"], table.periods[1]) == 103
    assert table.value(indicators["STARTED"], tree["other_commune"], table.periods[1]) == 8
    body = response.content.decode()
    assert body.count("<svg") == 2
    assert "Nhà Đại đoàn kết khởi công" in body


def test_pivot_exports_the_table_to_xlsx(admin_client, tree, indicators, two_reports):
    response = admin_client.get(reverse("reporting:pivot"), _pivot_query(tree, indicators, format="xlsx"))
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
    rows = [r for r in sheet.iter_rows(values_only=True) if r and r[0] == "STARTED"]
    by_unit = {r[2]: r[5] for r in rows}
    assert by_unit["22"] == 20 and by_unit["07090"] == 12 and by_unit["07093"] == 8


def test_pivot_offers_only_the_units_one_sees(login, tree, indicators, commune_officer):
    response = login(commune_officer).get(reverse("reporting:pivot"), _pivot_query(tree, indicators))
    assert response.context["table"] is None
    assert "unit" in response.context["form"].errors
