"""DHIS2 interchange: metadata and values in, figures out, against hand counts; every bad input."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from phoihop.calendar.periods import parse_period
from phoihop.core.models import AuditEvent
from phoihop.orgs import services as org_services
from phoihop.orgs.models import Unit
from phoihop.reporting import interchange, selectors, services
from phoihop.reporting.models import Aggregation, DataValue, ImportJob, Indicator, ReportForm, Submission, ValueType
from phoihop.reporting.tests.factories import add_unit

K = Unit.Kind
S = Submission.Status


@pytest.fixture(autouse=True)
def _english():
    # Assertions read the English source text.
    with translation.override("en"):
        yield


METADATA = {
    "categoryCombos": [
        {
            "code": "SEX",
            "name": "Giới tính",
            "categoryOptionCombos": [{"code": "men", "name": "Nam"}, {"code": "women", "name": "Nữ"}],
        }
    ],
    "optionSets": [{"code": "LEVEL", "options": [{"code": "good", "name": "Tốt"}, {"code": "fair", "name": "Khá"}]}],
    "dataElements": [
        {
            "code": "PEOPLE",
            "name": "Số người được tuyên truyền",
            "shortName": "Người được tuyên truyền",
            "valueType": "INTEGER_ZERO_OR_POSITIVE",
            "aggregationType": "SUM",
            "domainType": "AGGREGATE",
            "categoryCombo": {"code": "SEX"},
        },
        {"code": "HOUSES", "name": "Nhà Đại đoàn kết bàn giao", "valueType": "INTEGER", "aggregationType": "SUM"},
        {"code": "POOR_RATE", "name": "Tỷ lệ hộ nghèo", "valueType": "PERCENTAGE", "aggregationType": "AVERAGE"},
        {"code": "HOUSEHOLDS", "name": "Số hộ dân", "valueType": "INTEGER", "aggregationType": "LAST"},
        {"code": "NOTE", "name": "Ghi chú", "valueType": "LONG_TEXT", "aggregationType": "NONE"},
        {"code": "LEVEL", "name": "Xếp loại", "valueType": "TEXT", "optionSet": {"code": "LEVEL"}},
    ],
    "dataSets": [
        {
            "code": "XA-THANG",
            "name": "Báo cáo tháng của UBND cấp xã",
            "periodType": "Monthly",
            "timelyDays": 3,
            "dataSetElements": [
                {"dataElement": {"code": c}} for c in ("PEOPLE", "HOUSES", "POOR_RATE", "HOUSEHOLDS", "NOTE", "LEVEL")
            ],
            "organisationUnits": [{"code": "07090-UBND"}, {"code": "07093-UBND"}, {"code": "07096-UBND"}],
        },
        {
            "code": "QUY",
            "name": "Báo cáo quý",
            "periodType": "Quarterly",
            "timelyDays": 7,
            "dataSetElements": [{"dataElement": {"code": "NOTE"}}],
            "organisationUnits": [{"code": "22-MTTQ"}],
        },
    ],
}


@pytest.fixture
def closing_commune(tree):
    """Commune 07096 with its People's Committee; the committee closes on 20/02/2026, in period 202603."""
    commune = add_unit(tree["province"], "07096", K.COMMUNE, valid_from=dt.date(2025, 7, 1))
    return add_unit(commune, "07096-UBND", K.PEOPLE_COMMITTEE)


@pytest.fixture
def metadata(tree, closing_commune):
    report = interchange.import_metadata(json.loads(json.dumps(METADATA)), actor=None, owner_unit=tree["ubnd"])
    assert report.committed, report.errors
    return report


def value_set(rows, **header):
    return interchange.read_value_set_json(json.dumps({**header, "dataValues": rows}))


def row(element, unit, period, value, category=None):
    item = {"dataElement": element, "orgUnit": unit, "period": period, "value": value}
    if category:
        item["categoryOptionCombo"] = category
    return item


def import_rows(rows, *, skip_invalid=False, user=None, **header):
    return interchange.import_values(
        value_set(rows, **header), actor=user, user=user, skip_invalid=skip_invalid, source="test.json"
    )


def complete_march(houses, *, on):
    """07090-UBND's March report (202603) with one value, completed on `on`."""
    return import_rows(
        [row("HOUSES", "07090-UBND", "202603", houses)],
        dataSet="XA-THANG",
        orgUnit="07090-UBND",
        period="202603",
        completeDate=on,
    )


def last_line(*args):
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().splitlines()[-1]


CSV_MONTHS = """dataelement,period,orgunit,catoptcombo,attroptcombo,value,storedby,lastupdated,comment,followup
HOUSES,202601,07090-UBND,,,3,,,,false
HOUSES,202602,07090-UBND,,,4,,,,false
HOUSES,202601,07093-UBND,,,2,,,,false
HOUSES,202602,07093-UBND,,,0,,,,false
HOUSES,202601,07096-UBND,,,1,,,,false
HOUSES,202602,07096-UBND,,,1,,,,false
POOR_RATE,202601,07090-UBND,,,"4,5",,,,false
POOR_RATE,202602,07090-UBND,,,4,,,,false
POOR_RATE,202601,07093-UBND,,,2,,,,false
POOR_RATE,202602,07093-UBND,,,3,,,,false
HOUSEHOLDS,202601,07090-UBND,,,1000,,,,false
HOUSEHOLDS,202602,07093-UBND,,,800,,,,false
"""


def test_metadata_and_values_imported_in_dhis2_formats_give_the_figures_counted_by_hand(tree, metadata):
    # January and February as CSV, without completion: the values count at once.
    csv_report = interchange.import_values(interchange.read_value_set_csv(CSV_MONTHS), actor=None, source="months.csv")
    assert csv_report.committed and csv_report.written == 12
    # March: 07090-UBND completes on 16/03 (deadline 17/03: two working days after Saturday 14/03)...
    on_time = import_rows(
        [
            row("HOUSES", "07090-UBND", "202603", "5"),
            row("POOR_RATE", "07090-UBND", "202603", "3.5"),
            row("HOUSEHOLDS", "07090-UBND", "202603", "1010"),
            row("PEOPLE", "07090-UBND", "202603", "40", "men"),
            row("PEOPLE", "07090-UBND", "202603", "60", "women"),
        ],
        dataSet="XA-THANG",
        orgUnit="07090-UBND",
        period="202603",
        completeDate="2026-03-16",
    )
    # ...and 07096-UBND, closed on 20/02 (in the middle of 202603's window 15/02-14/03), on 25/03: late.
    org_services.unit_close(actor=None, unit=Unit.objects.get(code="07096-UBND"), on=dt.date(2026, 2, 20))
    late = import_rows(
        [
            {"dataElement": "HOUSES", "value": "2"},
            {"dataElement": "POOR_RATE", "value": 6},
            {"dataElement": "PEOPLE", "categoryOptionCombo": "women", "value": "9"},
        ],
        dataSet="XA-THANG",
        orgUnit="07096-UBND",
        period="202603",
        completeDate="2026-03-25T10:00:00",
    )
    assert on_time.committed and late.committed, (on_time.errors, late.errors)
    assert on_time.submissions[0]["late"] is False and on_time.submissions[0]["deadline"] == "2026-03-17"
    assert late.submissions[0]["late"] is True
    # 07093-UBND never reports March.

    province = tree["province"]
    houses = Indicator.objects.get(code="HOUSES")
    # 3+4+5 (07090) + 2+0 (07093) + 1+1+2 (07096) = 18
    assert selectors.rollup(indicator=houses, period_id="2026Q1", unit=province).value == Decimal(18)
    # Averages per unit over the months, then over units: (4 + 2.5 + 6) / 3 = 4.1667
    poor = Indicator.objects.get(code="POOR_RATE")
    assert selectors.rollup(indicator=poor, period_id="2026Q1", unit=province).value == Decimal("4.1667")
    # Last value of each unit, added up: 1010 (07090, March) + 800 (07093, February)
    households = Indicator.objects.get(code="HOUSEHOLDS")
    assert selectors.rollup(indicator=households, period_id="2026Q1", unit=province).value == Decimal(1810)
    # March: 07093-UBND is expected and sent nothing.
    march = selectors.rollup(indicator=houses, period_id="202603", unit=province)
    assert march.value == Decimal(7)
    assert [u.code for u in march.missing] == ["07093-UBND"]
    people = Indicator.objects.get(code="PEOPLE")
    assert selectors.rollup(indicator=people, period_id="202603", unit=province).value == Decimal(109)

    form = ReportForm.objects.get(code="XA-THANG")
    rates = selectors.reporting_rates(form=form, period_id="202603", unit=province)
    assert (rates.expected, rates.submitted, rates.on_time, rates.late) == (3, 2, 1, 1)
    assert [u.code for u in rates.missing] == ["07093-UBND"]
    # After its closing month, 07096-UBND is no longer expected.
    assert selectors.reporting_rates(form=form, period_id="202604", unit=province).expected == 2

    # The same figures through the commands people and scripts use.
    assert last_line("rollup", "--indicator", "HOUSES", "--period", "2026Q1", "--unit", "22") == "18"
    assert last_line("rollup", "--indicator", "POOR_RATE", "--period", "2026Q1", "--unit", "22") == "4.1667"
    assert (
        last_line("reporting-rates", "--form", "XA-THANG", "--period", "202603", "--unit", "22")
        == "expected=3 submitted=2 on_time=1 completeness=66.7 timeliness=33.3"
    )


def test_dhis2_value_and_aggregation_types_map_to_the_indicators(metadata):
    got = {i.code: i for i in Indicator.objects.all()}
    assert got["PEOPLE"].value_type == ValueType.INTEGER
    assert [o["code"] for o in got["PEOPLE"].disaggregation] == ["men", "women"]
    assert got["PEOPLE"].short_name == "Người được tuyên truyền"
    assert got["POOR_RATE"].value_type == ValueType.PERCENT
    assert (got["POOR_RATE"].aggregation, got["POOR_RATE"].period_aggregation) == (Aggregation.AVERAGE,) * 2
    assert (got["HOUSEHOLDS"].aggregation, got["HOUSEHOLDS"].period_aggregation) == (Aggregation.SUM, Aggregation.LAST)
    assert got["NOTE"].value_type == ValueType.TEXT and got["NOTE"].aggregation == Aggregation.NONE
    assert got["LEVEL"].value_type == ValueType.OPTION
    assert [o["code"] for o in got["LEVEL"].options] == ["good", "fair"]
    form = ReportForm.objects.get(code="XA-THANG")
    # 3 calendar days at five working days a week: 2 working days.
    assert (form.period_type, form.deadline_working_days) == ("monthly", 2)
    assert sorted(form.assigned_units.values_list("code", flat=True)) == ["07090-UBND", "07093-UBND", "07096-UBND"]
    assert form.sections.get().fields.count() == 6
    assert ReportForm.objects.get(code="QUY").period_type == "quarterly"


def test_metadata_import_updates_by_code_and_replaces_the_forms_elements(tree, metadata):
    changed = json.loads(json.dumps(METADATA))
    changed["dataElements"][1]["name"] = "Nhà bàn giao (căn)"
    changed["dataSets"][0]["dataSetElements"] = [{"dataElement": {"code": "HOUSES"}}]
    changed["dataSets"][0]["timelyDays"] = 14
    report = interchange.import_metadata(changed, actor=None, owner_unit=tree["ubnd"])
    assert report.committed and report.created == 0 and report.updated == 8
    assert Indicator.objects.get(code="HOUSES").name == "Nhà bàn giao (căn)"
    form = ReportForm.objects.get(code="XA-THANG")
    assert list(form.sections.get().fields.values_list("indicator__code", flat=True)) == ["HOUSES"]
    assert form.deadline_working_days == 10


def test_bad_metadata_entries_are_each_named_and_nothing_is_written(tree, closing_commune):
    bad = json.loads(json.dumps(METADATA))
    bad["dataElements"][0]["valueType"] = "FILE_RESOURCE"
    bad["dataElements"][1]["aggregationType"] = "STDDEV"
    bad["dataElements"].append({"name": "no code"})
    bad["dataSets"][0]["periodType"] = "Weekly"
    bad["dataSets"][1]["organisationUnits"] = [{"code": "99-NOWHERE"}]
    report = interchange.import_metadata(bad, actor=None, owner_unit=tree["ubnd"])
    assert not report.committed
    named = {(e.row, e.field) for e in report.errors}
    assert {
        (1, "dataElements PEOPLE"),
        (2, "dataElements HOUSES"),
        (7, "dataElements"),
        (1, "dataSets XA-THANG"),
        (2, "dataSets QUY"),
    } <= named
    assert "FILE_RESOURCE" in str(report.errors[0])
    assert "99-NOWHERE" in str(report.errors[-1])
    assert not Indicator.objects.exists() and not ReportForm.objects.exists()


def test_metadata_export_is_read_back_into_the_same_indicators_and_forms(tree, metadata):
    exported = interchange.export_metadata()
    assert {e["code"]: e["aggregationType"] for e in exported["dataElements"]}["HOUSEHOLDS"] == "LAST"
    month = next(d for d in exported["dataSets"] if d["code"] == "XA-THANG")
    assert month["periodType"] == "Monthly" and month["timelyDays"] == 3
    assert {u["code"] for u in month["organisationUnits"]} == {"07090-UBND", "07093-UBND", "07096-UBND"}
    before = {
        i.code: (i.value_type, i.aggregation, i.period_aggregation, i.options, i.disaggregation)
        for i in Indicator.objects.all()
    }
    again = interchange.import_metadata(exported, actor=None, owner_unit=tree["ubnd"])
    assert again.committed and again.created == 0
    after = {
        i.code: (i.value_type, i.aggregation, i.period_aggregation, i.options, i.disaggregation)
        for i in Indicator.objects.all()
    }
    assert after == before
    assert ReportForm.objects.get(code="XA-THANG").deadline_working_days == 2


# Bad values ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bad", "field", "words"),
    [
        (row("NOPE", "07090-UBND", "202603", "1"), "dataElement", "Unknown data element code NOPE"),
        (row("HOUSES", "99999-UBND", "202603", "1"), "orgUnit", "99999-UBND"),
        (row("HOUSES", "07090-UBND", "2026-13", "1"), "period", "not a report period"),
        (row("HOUSES", "07090-UBND", "202603", "2,5"), "value", "whole number"),
        (row("POOR_RATE", "07090-UBND", "202603", "140"), "value", "between 0 and 100"),
        (row("LEVEL", "07090-UBND", "202603", "excellent"), "value", "good, fair"),
        (row("HOUSES", "22-MTTQ", "202603", "1"), "orgUnit", "22-MTTQ does not report XA-THANG"),
        (row("HOUSES", "07090-UBND", "2026Q1", "1"), "period", "2026Q1 is not a period of XA-THANG"),
        (row("PEOPLE", "07090-UBND", "202603", "1"), "categoryOptionCombo", "men, women"),
        (row("HOUSES", "07090-UBND", "202603", "1", "men"), "categoryOptionCombo", "no breakdown"),
        (
            {**row("HOUSES", "07090-UBND", "202603", "1"), "attributeOptionCombo": "X"},
            "attributeOptionCombo",
            "not used",
        ),
    ],
)
def test_a_bad_row_is_named_and_nothing_is_written(metadata, bad, field, words):
    report = import_rows([row("HOUSES", "07093-UBND", "202603", "4"), bad])
    assert not report.committed
    assert [(e.row, e.field) for e in report.errors] == [(2, field)]
    assert words in report.errors[0].message
    assert "Row 2" in str(report.errors[0])
    assert not DataValue.objects.exists()


def test_a_duplicate_row_names_the_row_it_repeats(metadata):
    report = import_rows(
        [
            row("HOUSES", "07093-UBND", "202603", "4"),
            row("HOUSES", "07090-UBND", "202603", "1"),
            row("HOUSES", "07093-UBND", "202603", "5"),
        ]
    )
    assert [(e.row, e.field) for e in report.errors] == [(3, "dataElement")]
    assert "repeats row 1" in report.errors[0].message


def test_values_of_a_unit_closed_before_the_period_are_refused(metadata):
    org_services.unit_close(actor=None, unit=Unit.objects.get(code="07096-UBND"), on=dt.date(2026, 2, 20))
    report = import_rows([row("HOUSES", "07096-UBND", "202604", "1")])
    assert report.errors[0].field == "orgUnit" and "was not open then" in report.errors[0].message


def test_values_of_a_report_sent_up_are_refused_and_a_second_completion_too(metadata):
    first = complete_march("5", on="2026-03-16")
    assert first.committed
    again = complete_march("6", on="2026-03-17")
    assert not again.committed
    assert {e.field for e in again.errors} == {"completeDate", "period"}
    assert "not submitted twice" in str(again.errors[0])
    assert "must be returned or unlocked" in str(again.errors[1])
    assert DataValue.objects.get().value_number == 5


def test_an_approved_report_refuses_imported_values_until_unlocked(metadata, tree):
    complete_march("5", on="2026-03-16")
    submission = Submission.objects.get()
    services.submission_approve(actor=None, submission=submission)
    assert not import_rows([row("HOUSES", "07090-UBND", "202603", "6")]).committed
    services.submission_unlock(actor=None, submission=submission, reason="Sửa số liệu")
    assert import_rows([row("HOUSES", "07090-UBND", "202603", "6")]).committed
    assert DataValue.objects.get().value_number == 6


def test_a_completion_refused_by_the_forms_rules_writes_nothing(metadata, tree):
    form = ReportForm.objects.get(code="XA-THANG")
    services.rule_add(
        actor=None,
        form=form,
        name="Tối đa",
        left="HOUSES",
        operator="<=",
        right="10",
        severity="error",
        message="Quá nhiều nhà.",
    )
    report = complete_march("50", on="2026-03-16")
    assert not report.committed
    assert "Quá nhiều nhà." in str(report.errors[0])
    assert not DataValue.objects.exists() and not Submission.objects.exists()


def test_a_completion_answers_warnings_with_an_import_note(metadata, tree):
    form = ReportForm.objects.get(code="XA-THANG")
    rule = services.rule_add(
        actor=None, form=form, name="Cao", left="HOUSES", operator="<=", right="10", severity="warning", message="Cao."
    )
    report = complete_march("50", on="2026-03-16")
    assert report.committed
    assert "Imported from test.json" in Submission.objects.get().warning_comments[str(rule.pk)]


def test_completion_fields_must_name_a_report_the_unit_owes(metadata):
    report = import_rows(
        [row("HOUSES", "07090-UBND", "202603", "5")],
        dataSet="XA-THANG",
        orgUnit="07090-UBND",
        completeDate="16/03/2026",
    )
    assert {(e.row, e.field) for e in report.errors} >= {(0, "completeDate"), (0, "period")}
    unknown = import_rows([row("HOUSES", "07090-UBND", "202603", "5")], dataSet="NOPE")
    assert [(e.row, e.field) for e in unknown.errors] == [(0, "dataSet")]
    other_form = import_rows([row("HOUSES", "22-MTTQ", "2026Q1", "5")], dataSet="QUY")
    assert "is not on the data set QUY" in other_form.errors[0].message


def test_skip_invalid_writes_the_valid_rows_and_reports_the_skipped(metadata):
    report = import_rows(
        [
            row("HOUSES", "07090-UBND", "202603", "5"),
            row("HOUSES", "07090-UBND", "202603", "five"),
            row("NOPE", "07090-UBND", "202603", "1"),
            row("HOUSES", "07093-UBND", "202603", "2"),
        ],
        skip_invalid=True,
    )
    assert report.committed and report.written == 2 and report.skipped == 2
    assert [e.row for e in report.errors] == [2, 3]
    assert sorted(DataValue.objects.values_list("value_number", flat=True)) == [2, 5]


def test_an_empty_value_clears_the_stored_one(metadata):
    import_rows([row("HOUSES", "07090-UBND", "202603", "5"), row("HOUSES", "07093-UBND", "202603", "2")])
    report = import_rows([row("HOUSES", "07090-UBND", "202603", "")])
    assert report.committed and report.cleared == 1
    assert list(DataValue.objects.values_list("unit__code", flat=True)) == ["07093-UBND"]


def test_an_upsert_updates_the_value_and_keeps_the_draft_it_belongs_to(metadata, tree):
    form = ReportForm.objects.get(code="XA-THANG")
    unit = Unit.objects.get(code="07090-UBND")
    draft = services.submission_open(actor=None, form=form, unit=unit, period_id="202603")
    services.values_save(actor=None, submission=draft, values={("HOUSES", ""): "3"})
    assert import_rows([row("HOUSES", "07090-UBND", "202603", "8")]).committed
    value = DataValue.objects.get()
    assert value.value_number == 8 and value.submission_id == draft.pk


def test_one_audit_event_records_an_import_with_its_counts(metadata):
    before = AuditEvent.objects.count()
    import_rows([row("HOUSES", "07090-UBND", "202603", "5"), row("HOUSES", "07093-UBND", "202603", "2")])
    events = list(AuditEvent.objects.order_by("pk")[before:])
    assert [e.verb for e in events] == ["reporting.values_imported"]
    assert events[0].changes["written"] == [None, 2] and events[0].note == "test.json"


def test_a_person_imports_only_for_the_units_they_report_for(metadata, commune_officer):
    report = import_rows(
        [row("HOUSES", "07090-UBND", "202603", "5"), row("HOUSES", "07093-UBND", "202603", "2")], user=commune_officer
    )
    assert [(e.row, e.field) for e in report.errors] == [(2, "orgUnit")]
    # Outside one's scope reads like an unknown code: nothing tells the unit exists.
    assert report.errors[0].message == "No unit you may report for has the code 07093-UBND."


def test_a_unit_administrator_imports_for_the_units_below(metadata, commune_admin):
    assert import_rows([row("HOUSES", "07090-UBND", "202603", "5")], user=commune_admin).committed


def test_csv_header_is_read_by_name_or_else_by_position(metadata):
    by_name = "orgunit,period,dataelement,value\n07090-UBND,202603,HOUSES,7\n"
    assert interchange.import_values(interchange.read_value_set_csv(by_name), actor=None).written == 1
    positional = '"de","pe","ou","co","ao","v"\n"HOUSES","202603","07093-UBND","","","4"\n'
    report = interchange.import_values(interchange.read_value_set_csv(positional), actor=None)
    assert report.committed
    assert sorted(DataValue.objects.values_list("value_number", flat=True)) == [4, 7]
    bad = interchange.import_values(
        interchange.read_value_set_csv(by_name + "07093-UBND,202603,HOUSES,x\n"), actor=None
    )
    assert [(e.row, e.field) for e in bad.errors] == [(3, "value")]  # line 3 of the file


@pytest.mark.parametrize(
    ("content", "name", "words"),
    [
        (b"{not json", "a.json", "not valid JSON"),
        (b'{"values": []}', "a.json", "no \u201cdataValues\u201d"),
        (b"", "a.csv", "empty"),
        (b"x", "a.xlsx", ".json or .csv"),
    ],
)
def test_a_file_that_cannot_be_read_says_why(content, name, words):
    with pytest.raises(interchange.ImportFileError, match=words):
        interchange.read_value_set(content, name=name)


def test_values_exported_as_json_and_csv_are_imported_back_unchanged(metadata):
    import_rows(
        [
            row("PEOPLE", "07090-UBND", "202603", "40", "men"),
            row("PEOPLE", "07090-UBND", "202603", "60", "women"),
            row("POOR_RATE", "07090-UBND", "202603", "3,25"),
            row("NOTE", "07093-UBND", "202603", "Tuyên truyền tại 3 thôn"),
            row("LEVEL", "07093-UBND", "202603", "GOOD"),
        ]
    )
    form = ReportForm.objects.get(code="XA-THANG")
    period = parse_period("202603")

    def stored():
        return sorted(
            DataValue.objects.values_list("indicator__code", "unit__code", "category", "value_number", "value_text")
        )

    before = stored()
    as_json = interchange.export_values_json(form=form, period=period)
    as_csv = interchange.export_values_csv(form=form, period=period)
    assert json.loads(as_json)["dataValues"][0]["orgUnit"] == "07090-UBND"
    assert as_csv.splitlines()[0] == ",".join(interchange.CSV_COLUMNS)
    for content, name in ((as_json, "x.json"), (as_csv, "x.csv")):
        DataValue.objects.all().delete()
        report = interchange.import_values(interchange.read_value_set(content.encode(), name=name), actor=None)
        assert report.committed and report.written == 5
        assert stored() == before
    one_unit = json.loads(
        interchange.export_values_json(form=form, period=period, unit=Unit.objects.get(code="07093-UBND"))
    )
    assert {r["orgUnit"] for r in one_unit["dataValues"]} == {"07093-UBND"}


def test_export_leaves_out_drafts_and_what_the_person_may_not_see(metadata, tree, commune_officer):
    form = ReportForm.objects.get(code="XA-THANG")
    import_rows([row("HOUSES", "07090-UBND", "202603", "5"), row("HOUSES", "07093-UBND", "202603", "2")])
    draft = services.submission_open(
        actor=None, form=form, unit=Unit.objects.get(code="07096-UBND"), period_id="202603"
    )
    services.values_save(actor=None, submission=draft, values={("HOUSES", ""): "3"})
    period = parse_period("202603")
    everyone = [r["orgUnit"] for r in interchange.values_for_export(form=form, period=period)]
    assert everyone == ["07090-UBND", "07093-UBND"]
    mine = [r["orgUnit"] for r in interchange.values_for_export(form=form, period=period, user=commune_officer)]
    assert mine == ["07090-UBND"]


def test_timely_days_and_working_days_survive_the_round_trip():
    for working_days in range(0, 61):
        assert (
            interchange.working_days_from_timely_days(interchange.timely_days_from_working_days(working_days))
            == working_days
        )
    assert interchange.working_days_from_timely_days(15) == 11


# The web pages and the background job --------------------------------------------------------------


@pytest.fixture
def login(client):
    from phoihop.core.middleware import UserLanguageMiddleware

    def _login(user):
        client.force_login(user)
        session = client.session
        session[UserLanguageMiddleware.session_key] = "en"
        session.save()
        return client

    return _login


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def upload(client, content, name, *, capture, **fields):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = {"kind": "values", "file": SimpleUploadedFile(name, content), **fields}
    with capture(execute=True):
        return client.post(reverse("reporting:import"), data)


def march_file(*rows):
    return json.dumps({"dataValues": [row(*r) for r in rows]}).encode()


def test_an_uploaded_file_runs_as_a_background_job_and_its_page_shows_the_report(
    login, media, metadata, commune_officer, django_capture_on_commit_callbacks
):
    commune_officer.language = "en"  # the job writes its report in its author's language
    commune_officer.save()
    client = login(commune_officer)
    response = upload(
        client,
        march_file(("HOUSES", "07090-UBND", "202603", "5"), ("HOUSES", "07090-UBND", "202602", "x")),
        "march.json",
        capture=django_capture_on_commit_callbacks,
    )
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert job.status == ImportJob.Status.REFUSED and not DataValue.objects.exists()
    page = client.get(job.get_absolute_url())
    assert page.status_code == 200
    assert "Nothing was imported" in page.content.decode() and "is not a number." in page.content.decode()
    # Finished: the fragment stops polling.
    assert (
        'hx-trigger="every 1s"'
        not in client.get(reverse("reporting:import-job-progress", args=[job.pk])).content.decode()
    )
    AuditEvent.objects.get(verb="reporting.import_queued", target_id=str(job.pk))


def test_the_valid_rows_box_imports_the_valid_rows(
    login, media, metadata, commune_officer, django_capture_on_commit_callbacks
):
    client = login(commune_officer)
    upload(
        client,
        march_file(("HOUSES", "07090-UBND", "202603", "5"), ("HOUSES", "07090-UBND", "202602", "x")),
        "march.json",
        capture=django_capture_on_commit_callbacks,
        skip_invalid="on",
    )
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.DONE and job.report["written"] == 1 and job.report["skipped"] == 1
    assert "Rows skipped: 1" in client.get(job.get_absolute_url()).content.decode()


def test_a_queued_job_shows_its_progress_and_polls_every_second(login, media, metadata, commune_officer):
    from django.core.files.base import ContentFile

    job = interchange.import_job_create(
        actor=commune_officer,
        file=ContentFile(march_file(("HOUSES", "07090-UBND", "202603", "5")), name="a.json"),
        kind="values",
    )
    ImportJob.objects.filter(pk=job.pk).update(progress_phase="checking", progress_done=40, progress_total=80)
    client = login(commune_officer)
    fragment = client.get(reverse("reporting:import-job-progress", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in fragment and 'value="50"' in fragment and "Checking every row" in fragment
    # The worker's run (the Immediate backend in tests runs it when asked).
    interchange.run_import_job.enqueue(job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and DataValue.objects.get().value_number == 5


def test_officer_from_other_commune_gets_404_on_someone_elses_import(
    login, media, metadata, commune_officer, officer_other_commune
):
    from django.core.files.base import ContentFile

    job = interchange.import_job_create(actor=commune_officer, file=ContentFile(b"{}", name="a.json"), kind="values")
    client = login(officer_other_commune)
    assert client.get(job.get_absolute_url()).status_code == 404
    assert client.get(reverse("reporting:import-job-progress", args=[job.pk])).status_code == 404


def test_a_file_of_the_wrong_kind_is_refused_beside_the_field(
    login, media, commune_officer, django_capture_on_commit_callbacks
):
    client = login(commune_officer)
    response = upload(client, b"x", "values.xlsx", capture=django_capture_on_commit_callbacks)
    assert response.status_code == 200
    assert "Choose a json / csv file." in response.content.decode()
    assert not ImportJob.objects.exists()


def test_metadata_uploaded_by_an_administrator_creates_the_indicators_and_forms(
    login, media, tree, closing_commune, province_admin, settings, django_capture_on_commit_callbacks
):
    settings.PHOIHOP_REQUIRE_ADMIN_2FA = False
    client = login(province_admin)
    upload(
        client,
        json.dumps(METADATA).encode(),
        "metadata.json",
        capture=django_capture_on_commit_callbacks,
        kind="metadata",
        owner_unit="22-UBND",
    )
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.DONE, job.report
    assert ReportForm.objects.get(code="XA-THANG").owner_unit.code == "22-UBND"


def test_an_officer_cannot_change_indicators_by_metadata(
    login, media, tree, commune_officer, django_capture_on_commit_callbacks
):
    commune_officer.language = "en"
    commune_officer.save()
    client = login(commune_officer)
    upload(
        client,
        json.dumps(METADATA).encode(),
        "metadata.json",
        capture=django_capture_on_commit_callbacks,
        kind="metadata",
    )
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.REFUSED and not Indicator.objects.exists()
    assert job.report["errors"][0]["message"] == "You may not change indicators."


def test_the_list_of_imports_is_paginated_and_counts_its_queries(
    login, media, commune_officer, django_assert_max_num_queries
):
    from django.core.files.base import ContentFile

    for n in range(25):
        interchange.import_job_create(actor=commune_officer, file=ContentFile(b"{}", name=f"{n}.json"), kind="values")
    client = login(commune_officer)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("reporting:import"))
    assert response.status_code == 200 and response.context["page"].paginator.num_pages == 2
    assert len(response.context["jobs"]) == 20


def test_export_downloads_the_values_of_units_in_scope_and_404s_outside(login, metadata, commune_officer):
    import_rows([row("HOUSES", "07090-UBND", "202603", "5"), row("HOUSES", "07093-UBND", "202603", "2")])
    client = login(commune_officer)
    form = ReportForm.objects.get(code="XA-THANG")
    url = reverse("reporting:values-export")
    response = client.get(url, {"form": form.pk, "period": "202603", "unit": "07090-UBND", "format": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().splitlines()
    assert len(lines) == 2 and lines[1].startswith("HOUSES,202603,07090-UBND,,,5")
    assert (
        client.get(url, {"form": form.pk, "period": "202603", "unit": "07093-UBND", "format": "json"}).status_code
        == 404
    )
    wrong = client.get(url, {"form": form.pk, "period": "2026Q1", "unit": "07090-UBND", "format": "json"})
    assert wrong.status_code == 400 and "is not a period of this form" in wrong.content.decode()
