"""Services of the reporting module: each change of state, each refusal, each audit event."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from phoihop.agreements.models import Evidence, Occurrence
from phoihop.agreements.tests import factories as agreement_factories
from phoihop.core.models import AuditEvent
from phoihop.orgs import services as org_services
from phoihop.orgs.models import Unit
from phoihop.reporting import services
from phoihop.reporting.models import (
    Aggregation,
    DataValue,
    FormField,
    Indicator,
    ReportForm,
    Submission,
    SubmissionComment,
    ValidationRule,
    ValueType,
)
from phoihop.reporting.tests import factories
from phoihop.reporting.tests.factories import make_form, make_indicator, report

indicators = factories.indicators
monthly_form = factories.monthly_form
regulation = agreement_factories.regulation

S = Submission.Status
K = Unit.Kind
D = Decimal
FULL = {("PEOPLE", "men"): "10", ("PEOPLE", "women"): "12", ("STARTED", ""): "5", ("HANDED", ""): "3"}


def events(verb):
    return list(AuditEvent.objects.filter(verb=verb).order_by("id"))


def message_keys(error):
    return set(error.value.message_dict)


def code(error):
    """The refusal's code: stable, whatever the language the message is in."""
    [only] = error.value.error_list
    return only.code


# Indicators ---------------------------------------------------------------------------------------


def test_indicator_create_stores_it_and_records_who(province_admin):
    indicator = services.indicator_create(
        actor=province_admin,
        code="PEOPLE",
        name="Số người",
        value_type=ValueType.INTEGER,
        disaggregation=["men", {"code": "women", "name": "Nữ"}],
        area="thong-tin-bao-cao-hoi-hop",
    )
    assert indicator.disaggregation == [{"code": "men", "name": "men"}, {"code": "women", "name": "Nữ"}]
    assert indicator.area.code == "thong-tin-bao-cao-hoi-hop"
    [event] = events("indicator.created")
    assert event.actor == province_admin
    assert event.changes["code"] == [None, "PEOPLE"]


@pytest.mark.parametrize(
    ("fields", "key"),
    [
        ({"code": "has space"}, "code"),
        ({"code": ""}, "code"),
        ({"name": "  "}, "name"),
        ({"value_type": "money"}, "value_type"),
        ({"aggregation": "median"}, "aggregation"),
        ({"value_type": ValueType.TEXT}, "aggregation"),  # text with the default "sum"
        ({"value_type": ValueType.OPTION, "aggregation": "none", "period_aggregation": "none"}, "options"),
        ({"options": ["a", "b"]}, "options"),  # options on a number
        ({"disaggregation": ["men", "MEN"]}, "disaggregation"),
        ({"disaggregation": ["có dấu"]}, "disaggregation"),
        (
            {
                "value_type": ValueType.DATE,
                "aggregation": "none",
                "period_aggregation": "none",
                "disaggregation": ["a"],
            },
            "disaggregation",
        ),
        ({"area": "no-such-area"}, "area"),
    ],
)
def test_indicator_create_refuses_bad_definitions(db, fields, key):
    values = {"code": "X1", "name": "X", "value_type": ValueType.INTEGER, **fields}
    with pytest.raises(ValidationError) as error:
        services.indicator_create(actor=None, **values)
    assert key in message_keys(error)
    assert not Indicator.objects.exists()


def test_indicator_codes_are_unique_whatever_the_case(db):
    make_indicator("PEOPLE")
    with pytest.raises(ValidationError) as error:
        make_indicator("people")
    assert message_keys(error) == {"code"}


def test_indicator_update_records_the_change(indicators, province_admin):
    services.indicator_update(actor=province_admin, indicator=indicators["STARTED"], name="Nhà khởi công")
    [event] = events("indicator.updated")
    assert event.changes == {"name": ["Nhà Đại đoàn kết khởi công", "Nhà khởi công"]}


def test_indicator_type_and_used_options_stay_once_values_exist(tree, indicators, monthly_form, commune_officer):
    report(form=monthly_form, unit=tree["commune_ubnd"], period="202603", actor=commune_officer, values=FULL)
    with pytest.raises(ValidationError) as error:
        services.indicator_update(actor=None, indicator=indicators["STARTED"], value_type=ValueType.DECIMAL)
    assert message_keys(error) == {"value_type"}
    with pytest.raises(ValidationError) as error:
        services.indicator_update(actor=None, indicator=indicators["PEOPLE"], disaggregation=["men"])
    assert "women" in error.value.message_dict["disaggregation"][0]
    with pytest.raises(ValidationError):
        services.indicator_update(actor=None, indicator=indicators["STARTED"], code="STARTED2")


# Forms --------------------------------------------------------------------------------------------


def test_form_create_records_the_event_on_its_owner_unit(tree, ubnd_officer):
    form = services.form_create(
        actor=ubnd_officer,
        owner_unit=tree["ubnd"],
        code="QUY",
        name="Báo cáo quý",
        period_type="quarterly",
        assigned_units=[tree["sonv"]],
    )
    [event] = events("form.created")
    assert event.unit == tree["ubnd"]
    assert event.changes["assigned_units"] == [None, ["22-SONV"]]
    assert list(form.assigned_units.all()) == [tree["sonv"]]


@pytest.mark.parametrize(
    ("fields", "key"),
    [
        ({"code": "a b"}, "code"),
        ({"period_type": "weekly"}, "period_type"),
        ({"deadline_working_days": 61}, "deadline_working_days"),
        ({"deadline_working_days": -1}, "deadline_working_days"),
        ({"assigned_unit_kinds": ["planet"]}, "assigned_unit_kinds"),
        ({"assigned_territory_kinds": [K.DEPARTMENT], "assigned_unit_kinds": [K.MASS_ORG]}, "assigned_territory_kinds"),
        ({"assigned_territory_kinds": [K.COMMUNE]}, "assigned_unit_kinds"),
        ({"name": ""}, "name"),
    ],
)
def test_form_create_refuses_bad_settings(tree, fields, key):
    values = {"code": "F1", "name": "F", "period_type": "monthly", **fields}
    with pytest.raises(ValidationError) as error:
        services.form_create(actor=None, owner_unit=tree["ubnd"], **values)
    assert key in message_keys(error)
    assert not ReportForm.objects.exists()


def test_form_codes_are_unique(tree, monthly_form):
    with pytest.raises(ValidationError) as error:
        make_form(owner=tree["ubnd"], code="xa-thang")
    assert message_keys(error) == {"code"}


def test_form_period_type_stays_once_reports_exist(tree, monthly_form, commune_officer):
    services.form_update(actor=None, form=monthly_form, period_type="quarterly")  # no reports yet: fine
    services.form_update(actor=None, form=monthly_form, period_type="monthly")
    report(form=monthly_form, unit=tree["commune_ubnd"], period="202603", actor=commune_officer)
    with pytest.raises(ValidationError) as error:
        services.form_update(actor=None, form=monthly_form, period_type="quarterly")
    assert message_keys(error) == {"period_type"}


def test_form_update_records_changed_settings_and_units(tree, monthly_form, ubnd_officer):
    services.form_update(actor=ubnd_officer, form=monthly_form, deadline_working_days=5, assigned_units=[tree["hlhpn"]])
    event = events("form.updated")[-1]
    assert event.changes["deadline_working_days"] == [2, 5]
    assert event.changes["assigned_units"] == [[], ["22-HLHPN"]]


def test_an_indicator_goes_on_a_form_once(monthly_form, indicators):
    section = monthly_form.sections.get()
    with pytest.raises(ValidationError) as error:
        services.field_add(actor=None, section=section, indicator=indicators["PEOPLE"])
    assert message_keys(error) == {"indicator"}


@pytest.mark.parametrize(
    ("options", "key"),
    [({"min_value": 5, "max_value": 1}, "max_value"), ({"min_value": "abc"}, "min_value")],
)
def test_field_limits_must_make_sense(tree, db, options, key):
    form = make_form(owner=tree["ubnd"], code="F2")
    section = services.section_add(actor=None, form=form, title="A")
    with pytest.raises(ValidationError) as error:
        services.field_add(actor=None, section=section, indicator=make_indicator("X"), **options)
    assert message_keys(error) == {key}


def test_text_fields_have_no_limits(tree, db):
    form = make_form(owner=tree["ubnd"], code="F2")
    section = services.section_add(actor=None, form=form, title="A")
    with pytest.raises(ValidationError) as error:
        services.field_add(actor=None, section=section, indicator=make_indicator("T", ValueType.TEXT), min_value=1)
    assert message_keys(error) == {"min_value"}


def test_a_section_needs_a_title(monthly_form):
    with pytest.raises(ValidationError) as error:
        services.section_add(actor=None, form=monthly_form, title=" ")
    assert message_keys(error) == {"title"}


@pytest.mark.parametrize(
    ("fields", "key"),
    [
        ({"left": "UNKNOWN"}, "left"),
        ({"right": "NOTE"}, "right"),  # text
        ({"left": "HANDED * 2"}, "left"),
        ({"left": "HANDED +"}, "left"),
        ({"right": "STARTED STARTED"}, "right"),
        ({"operator": "=>"}, "operator"),
        ({"severity": "fatal"}, "severity"),
        ({"message": ""}, "message"),
        ({"name": ""}, "name"),
    ],
)
def test_rule_add_refuses_what_it_cannot_check(monthly_form, fields, key):
    values = {
        "name": "R",
        "left": "HANDED",
        "operator": "<=",
        "right": "STARTED + 2",
        "severity": "error",
        "message": "M",
        **fields,
    }
    with pytest.raises(ValidationError) as error:
        services.rule_add(actor=None, form=monthly_form, **values)
    assert message_keys(error) == {key}


def test_field_remove_waits_for_the_rules_that_use_it(monthly_form, indicators, ubnd_officer):
    handed = FormField.objects.get(section__form=monthly_form, indicator=indicators["HANDED"])
    with pytest.raises(ValidationError) as error:
        services.field_remove(actor=ubnd_officer, field=handed)
    assert message_keys(error) == {"field"}
    rule = monthly_form.rules.get(left="HANDED")
    services.rule_remove(actor=ubnd_officer, rule=rule)
    services.field_remove(actor=ubnd_officer, field=handed)
    assert not FormField.objects.filter(pk=handed.pk).exists()
    assert events("form.rule_removed")[0].changes == {"rule": ["HANDED <= STARTED", None]}
    assert events("form.field_removed")[0].changes == {"field": ["HANDED", None]}


# Opening a report ---------------------------------------------------------------------------------


def test_submission_open_creates_one_draft_with_its_deadline(tree, monthly_form, commune_officer):
    first = services.submission_open(
        actor=commune_officer, form=monthly_form, unit=tree["commune_ubnd"], period_id="2026-03"
    )
    again = services.submission_open(
        actor=commune_officer, form=monthly_form, unit=tree["commune_ubnd"], period_id="202603"
    )
    assert first == again
    assert (first.status, first.period_id, first.period_start, first.period_end) == (
        S.DRAFT,
        "202603",
        dt.date(2026, 2, 15),
        dt.date(2026, 3, 14),
    )
    # Saturday 14/03/2026 is the cut-off; two working days later is Tuesday 17/03.
    assert first.deadline == dt.date(2026, 3, 17)
    assert first.province_code == "22"
    [event] = events("submission.opened")
    assert event.changes["status"] == [None, "draft"]


@pytest.mark.parametrize(
    ("unit", "period", "key"),
    [
        ("commune_ubnd", "2026Q1", "period_id"),  # the form is monthly
        ("commune_ubnd", "2026-13", "period_id"),
        ("ubnd", "202603", "unit"),  # a provincial committee: not assigned
        ("commune_ubnd", "202506", "unit"),  # the commune did not exist yet
    ],
)
def test_submission_open_refuses(tree, monthly_form, unit, period, key):
    with pytest.raises(ValidationError) as error:
        services.submission_open(actor=None, form=monthly_form, unit=tree[unit], period_id=period)
    assert message_keys(error) == {key}
    assert not Submission.objects.exists()


def test_an_inactive_form_opens_no_new_report(tree, monthly_form):
    services.form_update(actor=None, form=monthly_form, is_active=False)
    with pytest.raises(ValidationError) as error:
        services.submission_open(actor=None, form=monthly_form, unit=tree["commune_ubnd"], period_id="202603")
    assert code(error) == "inactive"


# Saving values ------------------------------------------------------------------------------------


@pytest.fixture
def draft(tree, monthly_form, commune_officer):
    return services.submission_open(
        actor=commune_officer, form=monthly_form, unit=tree["commune_ubnd"], period_id="202603"
    )


def stored(draft):
    rows = DataValue.objects.filter(unit=draft.unit, period_id=draft.period_id).select_related("indicator")
    return {
        (v.indicator.code, v.category): (v.value_number if v.value_number is not None else v.value_text) for v in rows
    }


def test_values_save_stores_the_good_values_and_names_the_bad(draft, commune_officer):
    errors = services.values_save(
        actor=commune_officer,
        submission=draft,
        values={
            ("PEOPLE", "men"): "1.234",  # Vietnamese thousands
            ("PEOPLE", "women"): "12,5",  # not whole
            ("POOR_RATE", ""): "4,5",
            ("STARTED", ""): "ba",
            ("NOTE", ""): "  Đã họp dân  ",
            ("UNKNOWN", ""): "1",
            ("PEOPLE", "children"): "1",
            ("STARTED", "men"): "1",
        },
    )
    assert {e.key for e in errors} == {"PEOPLE__women", "STARTED", "UNKNOWN", "PEOPLE__children", "STARTED__men"}
    assert stored(draft) == {("PEOPLE", "men"): D("1234"), ("POOR_RATE", ""): D("4.5"), ("NOTE", ""): "Đã họp dân"}
    value = DataValue.objects.get(indicator__code="PEOPLE", category="men")
    assert (value.submission, value.updated_by, value.province_code) == (draft, commune_officer, "22")


def test_values_save_records_old_and_new_values_once_per_save(draft, commune_officer):
    services.values_save(actor=commune_officer, submission=draft, values={("STARTED", ""): "5", ("HANDED", ""): "2"})
    services.values_save(actor=commune_officer, submission=draft, values={("STARTED", ""): "6", ("HANDED", ""): "2"})
    services.values_save(actor=commune_officer, submission=draft, values={("HANDED", ""): "2"})  # no change
    saved = events("submission.values_saved")
    assert [e.changes for e in saved] == [
        {"STARTED": [None, "5"], "HANDED": [None, "2"]},
        {"STARTED": ["5", "6"]},
    ]


def test_an_empty_value_clears_the_field(draft, commune_officer):
    services.values_save(actor=commune_officer, submission=draft, values={("STARTED", ""): "5"})
    services.values_save(actor=commune_officer, submission=draft, values={("STARTED", ""): ""})
    assert stored(draft) == {}
    assert events("submission.values_saved")[-1].changes == {"STARTED": ["5", None]}


def test_a_submitted_report_takes_no_values(draft, commune_officer):
    services.values_save(actor=commune_officer, submission=draft, values=FULL)
    services.submission_submit(actor=commune_officer, submission=draft, on=dt.date(2026, 3, 16))
    with pytest.raises(ValidationError) as error:
        services.values_save(actor=commune_officer, submission=draft, values={("STARTED", ""): "9"})
    assert code(error) == "locked"
    assert stored(draft)[("STARTED", "")] == D("5")


def test_a_value_locked_in_another_forms_report_is_refused(tree, monthly_form, indicators, commune_officer):
    other = make_form(
        owner=tree["ubnd"],
        code="XA-THANG-2",
        assigned_unit_kinds=[K.PEOPLE_COMMITTEE],
        assigned_territory_kinds=[K.COMMUNE],
        fields=[(indicators["STARTED"], {})],
    )
    report(
        form=monthly_form,
        unit=tree["commune_ubnd"],
        period="202603",
        actor=commune_officer,
        values=FULL,
        submit_on=dt.date(2026, 3, 16),
    )
    second = services.submission_open(actor=commune_officer, form=other, unit=tree["commune_ubnd"], period_id="202603")
    [error] = services.values_save(actor=commune_officer, submission=second, values={("STARTED", ""): "9"})
    assert error.key == "STARTED"
    assert DataValue.objects.get(indicator__code="STARTED").value_number == D("5")


# Checks -------------------------------------------------------------------------------------------


def check(draft, commune_officer, values):
    services.values_save(actor=commune_officer, submission=draft, values=values)
    result = services.submission_check(submission=draft)
    return [i.key for i in result.errors], [i.key for i in result.warnings]


def test_required_fields_need_every_option(draft, commune_officer):
    errors, _warnings = check(draft, commune_officer, {("PEOPLE", "men"): "3"})
    assert errors == ["PEOPLE__women"]


def test_minimum_and_maximum_are_errors(draft, commune_officer):
    errors, _warnings = check(draft, commune_officer, {**FULL, ("STARTED", ""): "-1", ("HANDED", ""): "501"})
    assert errors == ["STARTED", "HANDED", f"rule_{draft.form.rules.get(left='HANDED').pk}"]


def test_an_error_rule_fails_when_more_houses_are_handed_over_than_started(draft, commune_officer):
    rule = draft.form.rules.get(left="HANDED")
    errors, _warnings = check(draft, commune_officer, {**FULL, ("HANDED", ""): "6"})
    assert errors == [f"rule_{rule.pk}"]


def test_an_empty_optional_value_counts_as_zero_in_a_rule(draft, commune_officer):
    # STARTED is optional and empty: HANDED (3) <= 0 fails.
    values = {("PEOPLE", "men"): "1", ("PEOPLE", "women"): "1", ("HANDED", ""): "3"}
    errors, _warnings = check(draft, commune_officer, values)
    assert errors == [f"rule_{draft.form.rules.get(left='HANDED').pk}"]


def test_a_rule_waits_while_nothing_it_names_is_entered(draft, commune_officer):
    errors, warnings = check(draft, commune_officer, {("PEOPLE", "men"): "1", ("PEOPLE", "women"): "1"})
    assert (errors, warnings) == ([], [])


def test_a_rule_on_an_empty_required_field_is_left_to_the_required_error(draft, commune_officer):
    # The warning rule names PEOPLE (required): only "required" is reported, no misleading warning.
    errors, warnings = check(draft, commune_officer, {("STARTED", ""): "5"})
    assert errors == ["PEOPLE__men", "PEOPLE__women"]
    assert warnings == []


def test_a_disaggregated_indicator_counts_as_its_total_in_a_rule(draft, commune_officer):
    rule = draft.form.rules.get(left="PEOPLE")  # PEOPLE <= 10000, a warning
    _errors, warnings = check(draft, commune_officer, {("PEOPLE", "men"): "6000", ("PEOPLE", "women"): "5000"})
    assert warnings == [f"rule_{rule.pk}"]


# Submitting ---------------------------------------------------------------------------------------


def test_errors_block_submission_and_nothing_changes(draft, commune_officer):
    services.values_save(actor=commune_officer, submission=draft, values={**FULL, ("HANDED", ""): "9"})
    with pytest.raises(ValidationError) as error:
        services.submission_submit(actor=commune_officer, submission=draft)
    assert message_keys(error) == {f"rule_{draft.form.rules.get(left='HANDED').pk}"}
    draft.refresh_from_db()
    assert (draft.status, draft.submitted_on) == (S.DRAFT, None)
    assert events("submission.submitted") == []


def test_a_warning_needs_a_comment(draft, commune_officer):
    rule = draft.form.rules.get(left="PEOPLE")
    services.values_save(actor=commune_officer, submission=draft, values={**FULL, ("PEOPLE", "men"): "20000"})
    with pytest.raises(ValidationError) as error:
        services.submission_submit(actor=commune_officer, submission=draft, warning_comments={rule.pk: "  "})
    assert message_keys(error) == {f"warning_{rule.pk}"}
    services.submission_submit(
        actor=commune_officer, submission=draft, warning_comments={rule.pk: "Có lễ hội lớn trong tháng"}
    )
    draft.refresh_from_db()
    assert draft.warning_comments == {str(rule.pk): "Có lễ hội lớn trong tháng"}


def test_submit_records_the_day_and_the_status_change(draft, commune_officer):
    services.values_save(actor=commune_officer, submission=draft, values=FULL)
    services.submission_submit(actor=commune_officer, submission=draft, on=dt.date(2026, 3, 17))
    draft.refresh_from_db()
    assert (draft.status, draft.submitted_on, draft.submitted_by, draft.is_late) == (
        S.SUBMITTED,
        dt.date(2026, 3, 17),
        commune_officer,
        False,
    )
    [event] = events("submission.submitted")
    assert event.changes["status"] == ["draft", "submitted"]
    assert event.changes["submitted_on"] == [None, "2026-03-17"]
    assert event.unit == draft.unit


def test_a_late_report_is_taken_and_marked_late(draft, commune_officer):
    services.values_save(actor=commune_officer, submission=draft, values=FULL)
    services.submission_submit(actor=commune_officer, submission=draft, on=dt.date(2026, 3, 18))
    draft.refresh_from_db()
    assert (draft.status, draft.is_late) == (S.SUBMITTED, True)


def test_submitting_twice_is_refused(draft, commune_officer):
    services.values_save(actor=commune_officer, submission=draft, values=FULL)
    services.submission_submit(actor=commune_officer, submission=draft)
    with pytest.raises(ValidationError) as error:
        services.submission_submit(actor=commune_officer, submission=draft)
    assert code(error) == "not_submittable"


# Approving, returning, accepting, unlocking ------------------------------------------------------


@pytest.fixture
def submitted(draft, commune_officer):
    services.values_save(actor=commune_officer, submission=draft, values={**FULL, ("NOTE", ""): "Ghi chú"})
    return services.submission_submit(actor=commune_officer, submission=draft, on=dt.date(2026, 3, 16))


def test_approve_locks_the_report(submitted, commune_leader):
    services.submission_approve(actor=commune_leader, submission=submitted)
    submitted.refresh_from_db()
    assert (submitted.status, submitted.approved_by, submitted.is_locked) == (S.APPROVED, commune_leader, True)
    [event] = events("submission.approved")
    assert event.changes["status"] == ["submitted", "approved"]
    assert event.actor == commune_leader


def test_an_approved_report_is_issued_with_its_units_next_number_once(submitted, commune_leader, commune_officer):
    from phoihop.documents.selectors import issued_number_get_for_target

    # Decree 30: a report gets its number when it is issued, not while it is a draft.
    assert issued_number_get_for_target(issuing_unit=submitted.unit, target=submitted) is None
    services.submission_approve(actor=commune_leader, submission=submitted)
    issued = issued_number_get_for_target(issuing_unit=submitted.unit, target=submitted)
    assert (issued.sequence, issued.symbol, issued.issuing_unit) == (1, "BC-UBND", submitted.unit)
    # Unlocked, corrected and approved again, it keeps its number instead of using up another.
    services.submission_unlock(actor=commune_leader, submission=submitted, reason="Sửa số liệu")
    services.submission_submit(actor=commune_officer, submission=submitted)
    services.submission_approve(actor=commune_leader, submission=submitted)
    assert issued_number_get_for_target(issuing_unit=submitted.unit, target=submitted).sequence == 1


def test_only_a_submitted_report_is_approved(draft, commune_leader):
    with pytest.raises(ValidationError) as error:
        services.submission_approve(actor=commune_leader, submission=draft)
    assert code(error) == "not_approvable"


def test_a_form_without_approval_refuses_it(submitted, commune_leader):
    services.form_update(actor=None, form=submitted.form, approval_required=False)
    with pytest.raises(ValidationError) as error:
        services.submission_approve(actor=commune_leader, submission=submitted)
    assert code(error) == "no_approval"


def test_return_needs_a_reason(submitted, commune_leader):
    with pytest.raises(ValidationError) as error:
        services.submission_return(actor=commune_leader, submission=submitted, reason="  ")
    assert message_keys(error) == {"reason"}


def test_a_returned_report_keeps_everything_entered_and_is_editable_again(submitted, commune_leader, commune_officer):
    before = stored(submitted)
    services.submission_return(actor=commune_leader, submission=submitted, reason="Số nhà bàn giao chưa đúng")
    submitted.refresh_from_db()
    assert (submitted.status, submitted.returned_reason) == (S.RETURNED, "Số nhà bàn giao chưa đúng")
    assert submitted.submitted_on == dt.date(2026, 3, 16)
    assert stored(submitted) == before
    [event] = events("submission.returned")
    assert (event.changes["status"], event.note) == (["submitted", "returned"], "Số nhà bàn giao chưa đúng")

    assert services.values_save(actor=commune_officer, submission=submitted, values={("HANDED", ""): "4"}) == []
    services.submission_submit(actor=commune_officer, submission=submitted, on=dt.date(2026, 3, 30))
    submitted.refresh_from_db()
    # Resubmitted after the deadline, but judged on the first submission: still on time.
    assert (submitted.status, submitted.submitted_on, submitted.is_late) == (S.SUBMITTED, dt.date(2026, 3, 16), False)
    assert submitted.returned_reason == ""
    assert events("submission.resubmitted")[0].changes["status"] == ["returned", "submitted"]


def test_a_draft_cannot_be_returned(draft, commune_leader):
    with pytest.raises(ValidationError) as error:
        services.submission_return(actor=commune_leader, submission=draft, reason="x")
    assert code(error) == "not_returnable"


def test_accept_needs_the_form_to_ask_for_it(submitted, commune_leader, commune_admin):
    services.submission_approve(actor=commune_leader, submission=submitted)
    with pytest.raises(ValidationError) as error:
        services.submission_accept(actor=commune_admin, submission=submitted)
    assert code(error) == "no_acceptance"


def test_accept_follows_approval(submitted, commune_leader, commune_admin):
    services.form_update(actor=None, form=submitted.form, acceptance_required=True)
    with pytest.raises(ValidationError) as error:
        services.submission_accept(actor=commune_admin, submission=submitted)
    assert code(error) == "not_acceptable"
    services.submission_approve(actor=commune_leader, submission=submitted)
    services.submission_accept(actor=commune_admin, submission=submitted)
    submitted.refresh_from_db()
    assert (submitted.status, submitted.accepted_by) == (S.ACCEPTED, commune_admin)
    assert events("submission.accepted")[0].changes["status"] == ["approved", "accepted"]


def test_without_approval_the_level_above_accepts_a_submitted_report(submitted, commune_admin):
    services.form_update(actor=None, form=submitted.form, approval_required=False, acceptance_required=True)
    services.submission_accept(actor=commune_admin, submission=submitted)
    assert submitted.status == S.ACCEPTED


def test_the_level_above_may_return_an_approved_report_instead_of_accepting(submitted, commune_leader, commune_admin):
    services.form_update(actor=None, form=submitted.form, acceptance_required=True)
    services.submission_approve(actor=commune_leader, submission=submitted)
    services.submission_return(actor=commune_admin, submission=submitted, reason="Thiếu phụ lục")
    submitted.refresh_from_db()
    assert (submitted.status, submitted.approved_at) == (S.RETURNED, None)


def test_an_approved_report_is_not_returned_when_nobody_accepts(submitted, commune_leader):
    services.submission_approve(actor=commune_leader, submission=submitted)
    with pytest.raises(ValidationError) as error:
        services.submission_return(actor=commune_leader, submission=submitted, reason="x")
    assert code(error) == "not_returnable"


def test_unlock_opens_an_approved_report_again_with_a_reason(submitted, commune_leader, commune_officer):
    services.submission_approve(actor=commune_leader, submission=submitted)
    with pytest.raises(ValidationError) as error:
        services.submission_unlock(actor=commune_leader, submission=submitted, reason="")
    assert message_keys(error) == {"reason"}
    services.submission_unlock(actor=commune_leader, submission=submitted, reason="Sai số hộ nghèo")
    submitted.refresh_from_db()
    assert (submitted.status, submitted.approved_by, submitted.returned_reason) == (
        S.RETURNED,
        None,
        "Sai số hộ nghèo",
    )
    [event] = events("submission.unlocked")
    assert event.changes["status"] == ["approved", "returned"]
    assert event.note == "Sai số hộ nghèo"
    assert services.values_save(actor=commune_officer, submission=submitted, values={("STARTED", ""): "7"}) == []


def test_only_approved_or_accepted_reports_are_unlocked(submitted, commune_leader):
    with pytest.raises(ValidationError) as error:
        services.submission_unlock(actor=commune_leader, submission=submitted, reason="x")
    assert code(error) == "not_unlockable"


def test_comments_need_text_or_a_file(submitted, commune_leader):
    with pytest.raises(ValidationError) as error:
        services.comment_add(actor=commune_leader, submission=submitted, text=" ")
    assert message_keys(error) == {"text"}
    comment = services.comment_add(actor=commune_leader, submission=submitted, text="Đề nghị bổ sung ảnh")
    assert list(SubmissionComment.objects.all()) == [comment]
    assert events("submission.commented")[0].note == "Đề nghị bổ sung ảnh"


def test_a_comment_may_carry_a_file(submitted, commune_officer, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    comment = services.comment_add(
        actor=commune_officer, submission=submitted, file=SimpleUploadedFile("bien-ban.pdf", b"%PDF-1.4")
    )
    assert comment.file.name.endswith("bien-ban.pdf")


# The obligation a form fulfils -------------------------------------------------------------------


@pytest.fixture
def linked_form(tree, regulation, indicators, province_admin):
    """A quarterly form of 22-SONV fulfilling the regulation's quarterly reporting duty (2024–2025)."""
    duty = agreement_factories.make_obligation(
        agreement=regulation, owing=[tree["ubnd"]], evidence_kinds=["submission", "note"]
    )
    return make_form(
        owner=tree["ubnd"],
        code="SO-QUY",
        period_type="quarterly",
        assigned_units=[tree["sonv"]],
        obligation=duty,
        fields=[(indicators["STARTED"], {})],
    )


def approve_2025q1(form, tree, actor):
    submission = report(
        form=form,
        unit=tree["sonv"],
        period="2025Q1",
        actor=actor,
        values={("STARTED", ""): "4"},
        submit_on=dt.date(2025, 3, 16),
    )
    return services.submission_approve(actor=actor, submission=submission)


def test_approval_completes_the_duty_with_the_report_as_evidence(tree, linked_form, province_admin):
    submission = approve_2025q1(linked_form, tree, province_admin)
    # 2025Q1 ends on its cut-off, 14/03/2025: inside the duty's first quarter of 2025.
    occurrence = linked_form.obligation.occurrences.get(period_start=dt.date(2025, 1, 1))
    assert occurrence.state == Occurrence.State.DONE
    [evidence] = occurrence.evidence.all()
    assert (evidence.kind, evidence.linked_record) == (
        Evidence.Kind.SUBMISSION,
        f"reporting.submission:{submission.pk}",
    )
    assert "completed occurrence" in events("submission.approved")[0].note


def test_when_acceptance_is_asked_only_acceptance_completes_the_duty(tree, linked_form, province_admin):
    services.form_update(actor=None, form=linked_form, acceptance_required=True)
    submission = approve_2025q1(linked_form, tree, province_admin)
    occurrence = linked_form.obligation.occurrences.get(period_start=dt.date(2025, 1, 1))
    assert occurrence.state == Occurrence.State.OPEN
    services.submission_accept(actor=province_admin, submission=submission)
    occurrence.refresh_from_db()
    assert occurrence.state == Occurrence.State.DONE


def test_approving_again_after_an_unlock_adds_no_second_evidence(tree, linked_form, province_admin):
    submission = approve_2025q1(linked_form, tree, province_admin)
    services.submission_unlock(actor=province_admin, submission=submission, reason="Sửa số liệu")
    services.submission_submit(actor=province_admin, submission=submission)
    services.submission_approve(actor=province_admin, submission=submission)
    occurrence = linked_form.obligation.occurrences.get(period_start=dt.date(2025, 1, 1))
    assert occurrence.evidence.count() == 1
    assert occurrence.state == Occurrence.State.DONE


def test_a_duty_that_refuses_report_evidence_does_not_block_approval(tree, linked_form, province_admin):
    from phoihop.agreements import services as agreement_services

    # Edited after the form was linked (linking refuses such a duty, see below).
    agreement_services.obligation_update(actor=None, obligation=linked_form.obligation, evidence_kinds=["file"])
    submission = approve_2025q1(linked_form, tree, province_admin)
    assert submission.status == S.APPROVED
    occurrence = linked_form.obligation.occurrences.get(period_start=dt.date(2025, 1, 1))
    assert occurrence.state == Occurrence.State.OPEN
    assert "not completed" in events("submission.approved")[0].note


def test_no_link_no_duty_touched(tree, monthly_form, submitted, commune_leader):
    services.submission_approve(actor=commune_leader, submission=submitted)
    assert events("submission.approved")[0].note == ""
    assert not Evidence.objects.exists()


def test_rule_remove_and_field_counts_are_audited_on_the_owner(monthly_form, tree):
    rule = monthly_form.rules.get(left="PEOPLE")
    services.rule_remove(actor=None, rule=rule)
    assert not ValidationRule.objects.filter(pk=rule.pk).exists()
    assert events("form.rule_removed")[0].unit == tree["ubnd"]


def test_an_indicator_with_average_aggregation_is_numeric(db):
    rate = make_indicator("RATE", ValueType.PERCENT, aggregation=Aggregation.AVERAGE)
    assert rate.is_numeric


def test_units_closed_before_the_period_cannot_open_reports(tree, monthly_form):
    org_services.unit_close(actor=None, unit=tree["other_commune"], on=dt.date(2026, 1, 31))
    with pytest.raises(ValidationError):
        services.submission_open(actor=None, form=monthly_form, unit=tree["other_ubnd"], period_id="202603")
    assert services.submission_open(actor=None, form=monthly_form, unit=tree["other_ubnd"], period_id="202601")


def test_a_form_cannot_fulfil_a_duty_that_refuses_reports_as_evidence(tree, regulation):
    duty = agreement_factories.make_obligation(agreement=regulation, owing=[tree["ubnd"]])  # notes and files
    with pytest.raises(ValidationError) as error:
        make_form(owner=tree["ubnd"], code="SO-QUY", period_type="quarterly", obligation=duty)
    assert message_keys(error) == {"obligation"}
