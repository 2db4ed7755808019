"""Expected units, completeness and timeliness, and roll-up — against figures computed by hand."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from phoihop.calendar.periods import parse_period
from phoihop.orgs import services as org_services
from phoihop.orgs.models import Unit
from phoihop.reporting import selectors, services
from phoihop.reporting.models import Aggregation, DataValue, Submission
from phoihop.reporting.tests import factories
from phoihop.reporting.tests.factories import add_unit, make_form, make_indicator, put_value, report

indicators = factories.indicators
monthly_form = factories.monthly_form

K = Unit.Kind
D = Decimal


def codes(units):
    return [u.code for u in units]


# Expected units ------------------------------------------------------------------------------------


def test_expected_units_are_the_people_committees_of_communes(tree, monthly_form):
    # 22-UBND is a people's committee too, but of the province: not in a commune.
    assert codes(selectors.expected_units(form=monthly_form, period="202603").order_by("path")) == [
        "07090-UBND",
        "07093-UBND",
    ]


def test_a_department_below_the_provincial_committee_has_the_province_as_territory(tree):
    form = make_form(
        owner=tree["ubnd"],
        code="SO-QUY",
        period_type="quarterly",
        assigned_unit_kinds=[K.DEPARTMENT],
        assigned_territory_kinds=[K.PROVINCE],
    )
    assert codes(selectors.expected_units(form=form, period="2026Q1")) == ["22-SONV"]


def test_units_picked_one_by_one_are_expected_besides_the_kinds(tree, monthly_form):
    services.form_update(actor=None, form=monthly_form, assigned_units=[tree["hlhpn"]])
    assert set(codes(selectors.expected_units(form=monthly_form, period="202603"))) == {
        "07090-UBND",
        "07093-UBND",
        "22-HLHPN",
    }


def test_a_unit_closed_in_the_middle_of_the_period_is_expected_for_it(tree, monthly_form):
    # 202603 runs 15/02/2026 → 14/03/2026; the committee closes on 01/03/2026.
    org_services.unit_close(actor=None, unit=tree["other_commune"], on=dt.date(2026, 3, 1))
    assert "07093-UBND" in codes(selectors.expected_units(form=monthly_form, period="202603"))
    assert "07093-UBND" not in codes(selectors.expected_units(form=monthly_form, period="202604"))


def test_a_unit_closed_on_the_day_before_the_period_is_not_expected(tree, monthly_form):
    org_services.unit_close(actor=None, unit=tree["other_commune"], on=dt.date(2026, 2, 14))
    assert codes(selectors.expected_units(form=monthly_form, period="202603")) == ["07090-UBND"]


def test_a_unit_merged_before_the_period_is_not_expected_and_its_successor_is(tree, monthly_form):
    old = add_unit(tree["province"], "07100", K.COMMUNE, valid_from=dt.date(2025, 7, 1))
    add_unit(old, "07100-UBND", K.PEOPLE_COMMITTEE)
    new = org_services.unit_merge(
        actor=None,
        sources=[old],
        on=dt.date(2026, 1, 1),
        parent=tree["province"],
        new_fields={"code": "07101", "name": "Phường Mới", "kind": K.COMMUNE},
        audit=False,
    )
    add_unit(new, "07101-UBND", K.PEOPLE_COMMITTEE, valid_from=dt.date(2026, 1, 1))
    # The merge took effect on 01/01/2026: before 202602 (15/01 → 14/02) began.
    expected = codes(selectors.expected_units(form=monthly_form, period="202602"))
    assert "07100-UBND" not in expected
    assert "07101-UBND" in expected
    # In 202601 (15/12/2025 → 14/01/2026) both existed for part of the window.
    both = codes(selectors.expected_units(form=monthly_form, period="202601"))
    assert {"07100-UBND", "07101-UBND"} <= set(both)


def test_a_unit_opened_after_the_period_is_not_expected(tree, monthly_form):
    # The tree's communes were established on 01/07/2025 (the 2025 reform).
    assert codes(selectors.expected_units(form=monthly_form, period="202506")) == []
    assert len(codes(selectors.expected_units(form=monthly_form, period="202507"))) == 2


def test_a_period_of_the_wrong_type_is_refused(monthly_form):
    with pytest.raises(ValidationError) as error:
        selectors.expected_units(form=monthly_form, period="2026Q1")
    assert "period_id" in error.value.message_dict


# Completeness and timeliness ---------------------------------------------------------------------


@pytest.fixture
def four_communes(tree, monthly_form, commune_officer, officer_other_commune):
    """202603 (deadline 17/03/2026, two working days after Saturday 14/03):

    - 07090-UBND submits on 16/03: on time;
    - 07093-UBND submits on 20/03: late;
    - 07094-UBND (commune closed on 01/03/2026, mid-period): expected, never reports;
    - 07095-UBND submits on time, then its leader returns it: counted as missing;
    - 07096-UBND (commune merged into 07090 on 01/02/2026, before the period): not expected.
    """
    closing = add_unit(tree["province"], "07094", K.COMMUNE, valid_from=dt.date(2025, 7, 1))
    add_unit(closing, "07094-UBND", K.PEOPLE_COMMITTEE)
    org_services.unit_close(actor=None, unit=closing, on=dt.date(2026, 3, 1))
    returning = add_unit(tree["province"], "07095", K.COMMUNE, valid_from=dt.date(2025, 7, 1))
    returning_ubnd = add_unit(returning, "07095-UBND", K.PEOPLE_COMMITTEE)
    merged = add_unit(tree["province"], "07096", K.COMMUNE, valid_from=dt.date(2025, 7, 1))
    add_unit(merged, "07096-UBND", K.PEOPLE_COMMITTEE)
    org_services.unit_merge(actor=None, sources=[merged], target=tree["commune"], on=dt.date(2026, 2, 1), audit=False)

    values = {("PEOPLE", "men"): "10", ("PEOPLE", "women"): "12"}
    on_time, late, returned = (
        report(form=monthly_form, unit=unit, period="202603", actor=actor, values=values, submit_on=day)
        for unit, actor, day in [
            (tree["commune_ubnd"], commune_officer, dt.date(2026, 3, 16)),
            (tree["other_ubnd"], officer_other_commune, dt.date(2026, 3, 20)),
            (returning_ubnd, commune_officer, dt.date(2026, 3, 16)),
        ]
    )
    services.submission_return(actor=None, submission=returned, reason="Thiếu số liệu")
    return {"on_time": on_time, "late": late, "returned": returned}


def test_deadline_is_two_working_days_after_the_cut_off(four_communes):
    assert four_communes["on_time"].deadline == dt.date(2026, 3, 17)


def test_rates_for_the_province_match_the_hand_count(tree, monthly_form, four_communes):
    rates = selectors.reporting_rates(form=monthly_form, period_id="202603", unit=tree["province"])
    assert (rates.expected, rates.submitted, rates.on_time, rates.late, rates.returned) == (4, 2, 1, 1, 1)
    assert codes(rates.missing) == ["07094-UBND", "07095-UBND"]
    assert rates.completeness == 50.0
    assert rates.timeliness == 25.0


def test_rates_for_one_commune_count_only_its_subtree(tree, monthly_form, four_communes):
    rates = selectors.reporting_rates(form=monthly_form, period_id="202603", unit=tree["commune"])
    assert (rates.expected, rates.submitted, rates.on_time, rates.missing) == (1, 1, 1, [])
    assert rates.completeness == 100.0


def test_a_resubmitted_report_counts_again_and_keeps_its_first_day(tree, monthly_form, four_communes):
    returned = four_communes["returned"]
    services.submission_submit(actor=None, submission=returned, on=dt.date(2026, 3, 25))
    returned.refresh_from_db()
    assert returned.submitted_on == dt.date(2026, 3, 16)
    rates = selectors.reporting_rates(form=monthly_form, period_id="202603", unit=tree["province"])
    assert (rates.submitted, rates.on_time) == (3, 2)


def test_rates_for_a_quarter_of_a_monthly_form_count_one_report_per_unit_and_month(tree, monthly_form, four_communes):
    rates = selectors.reporting_rates(form=monthly_form, period_id="2026Q1", unit=tree["province"])
    # 202601 and 202602: five committees (07096-UBND closed on 31/01/2026, inside 202602);
    # 202603: four. Only 202603 has reports: two counted, one on time.
    assert (rates.expected, rates.submitted, rates.on_time) == (14, 2, 1)
    assert codes(rates.missing) == ["07090-UBND", "07093-UBND", "07094-UBND", "07095-UBND", "07096-UBND"]
    assert len(rates.missing_reports) == 12
    assert ("07096-UBND", "202603") not in {(u.code, p.id) for u, p in rates.missing_reports}


def test_rates_refuse_a_period_shorter_than_the_forms(tree):
    form = make_form(owner=tree["ubnd"], code="SO-QUY", period_type="quarterly", assigned_units=[tree["sonv"]])
    with pytest.raises(ValidationError) as error:
        selectors.reporting_rates(form=form, period_id="202603", unit=tree["province"])
    assert "period_id" in error.value.message_dict


def test_rates_with_nothing_expected_are_none(tree, monthly_form):
    rates = selectors.reporting_rates(form=monthly_form, period_id="202603", unit=tree["mttq"])
    assert (rates.expected, rates.completeness, rates.timeliness) == (0, None, None)


def jit_switch():
    """PostgreSQL runs one more statement per figure: JIT off (selectors.analytic_read)."""
    return 1 if connection.vendor == "postgresql" else 0


def test_rates_take_a_query_per_period_one_for_the_tree_depth_one_for_the_missing(
    tree, monthly_form, four_communes, django_assert_num_queries
):
    with django_assert_num_queries(3 + jit_switch()):
        selectors.reporting_rates(form=monthly_form, period_id="202603", unit=tree["province"])


def test_a_draft_is_not_submitted(tree, monthly_form, commune_officer):
    report(form=monthly_form, unit=tree["commune_ubnd"], period="202603", actor=commune_officer)
    rates = selectors.reporting_rates(form=monthly_form, period_id="202603", unit=tree["province"])
    assert (rates.expected, rates.submitted) == (2, 0)


# Roll-up -----------------------------------------------------------------------------------------


@pytest.fixture
def quarter(tree, indicators, monthly_form):
    """2026Q1 values of two communes' committees (a = 07090-UBND, b = 07093-UBND)."""
    a, b = tree["commune_ubnd"], tree["other_ubnd"]
    people = indicators["PEOPLE"]
    for unit, period, men, women in [
        (a, "202601", 10, 12),
        (a, "202602", 5, 7),
        (a, "202603", 1, 2),
        (b, "202601", 20, 30),
        (b, "202603", 4, 0),
    ]:
        put_value(people, unit, period, men, "men")
        put_value(people, unit, period, women, "women")
    for unit, period, rate in [
        (a, "202601", 4.5),
        (a, "202602", 4.0),
        (a, "202603", 3.5),
        (b, "202601", 6),
        (b, "202603", 7),
    ]:
        put_value(indicators["POOR_RATE"], unit, period, rate)
    for unit, period, count in [
        (a, "202601", 1000),
        (a, "202602", 1010),
        (a, "202603", 1020),
        (b, "202601", 800),
        (b, "202602", 805),
    ]:
        put_value(indicators["HOUSEHOLDS"], unit, period, count)
    extra = {
        "SCORE_MIN": make_indicator("SCORE_MIN", aggregation=Aggregation.MIN, period_aggregation=Aggregation.SUM),
        "SCORE_MAX": make_indicator("SCORE_MAX", aggregation=Aggregation.MAX, period_aggregation=Aggregation.MIN),
        "SCORE_AVG": make_indicator("SCORE_AVG", aggregation=Aggregation.AVERAGE, period_aggregation=Aggregation.SUM),
    }
    for indicator in extra.values():
        for unit, period, score in [
            (a, "202601", 3),
            (a, "202602", 4),
            (a, "202603", 5),
            (b, "202601", 2),
            (b, "202602", 9),
        ]:
            put_value(indicator, unit, period, score)
    return {**indicators, **extra}


def value(indicator, period, unit, **kwargs):
    return selectors.rollup(indicator=indicator, period_id=period, unit=unit, **kwargs).value


def test_sum_over_units_and_months(tree, quarter):
    # a: 10+12+5+7+1+2 = 37; b: 20+30+4+0 = 54.
    assert value(quarter["PEOPLE"], "2026Q1", tree["province"]) == D("91")
    assert value(quarter["PEOPLE"], "2026Q1", tree["commune"]) == D("37")
    assert value(quarter["PEOPLE"], "202602", tree["province"]) == D("12")
    assert value(quarter["PEOPLE"], "2026", tree["province"]) == D("91")


def test_one_disaggregation_option(tree, quarter):
    assert value(quarter["PEOPLE"], "2026Q1", tree["province"], category="men") == D("40")
    assert value(quarter["PEOPLE"], "2026Q1", tree["province"], category="women") == D("51")


def test_average_over_months_then_over_units(tree, quarter):
    # a: (4.5+4.0+3.5)/3 = 4.0; b: (6+7)/2 = 6.5; province: (4.0+6.5)/2 = 5.25.
    # (The plain average of the five values would be 5.0: the two levels matter.)
    assert value(quarter["POOR_RATE"], "2026Q1", tree["province"]) == D("5.25")


def test_last_month_then_sum_over_units(tree, quarter):
    # a's latest month is 202603 (1020); b has nothing in 202603, its latest is 202602 (805).
    assert value(quarter["HOUSEHOLDS"], "2026Q1", tree["province"]) == D("1825")


def test_min_max_and_average_of_unit_totals(tree, quarter):
    # Per-unit sums over the months: a 3+4+5 = 12, b 2+9 = 11.
    assert value(quarter["SCORE_MIN"], "2026Q1", tree["province"]) == D("11")
    assert value(quarter["SCORE_AVG"], "2026Q1", tree["province"]) == D("11.5")
    # Per-unit minimum over the months: a 3, b 2; the larger is 3.
    assert value(quarter["SCORE_MAX"], "2026Q1", tree["province"]) == D("3")


@pytest.mark.parametrize(("over_periods", "expected"), [(Aggregation.AVERAGE, "9"), (Aggregation.LAST, "10")])
def test_options_are_added_up_before_the_periods_are_aggregated(tree, db, over_periods, expected):
    # a: 202601 2+4 = 6, 202602 3+5 = 8; b: 202601 1+1 = 2.
    # Average: a (6+8)/2 = 7, b 2, summed 9 (averaging the raw rows would give 3.5 + 1).
    # Last: a 8 (202602), b 2 (202601), summed 10.
    helpers = make_indicator(
        "HELPERS", disaggregation=["men", "women"], aggregation=Aggregation.SUM, period_aggregation=over_periods
    )
    a, b = tree["commune_ubnd"], tree["other_ubnd"]
    for unit, period, men, women in [(a, "202601", 2, 4), (a, "202602", 3, 5), (b, "202601", 1, 1)]:
        put_value(helpers, unit, period, men, "men")
        put_value(helpers, unit, period, women, "women")
    assert value(helpers, "2026Q1", tree["province"]) == D(expected)
    result = selectors.rollup(indicator=helpers, period_id="2026Q1", unit=tree["province"], category="women")
    assert result.value == D("6" if over_periods == Aggregation.LAST else "5.5")  # a: 5 or 4.5; b: 1


def test_contributors_and_missing(tree, quarter):
    result = selectors.rollup(indicator=quarter["PEOPLE"], period_id="202602", unit=tree["province"])
    assert [(u.code, v) for u, v in result.contributors] == [("07090-UBND", D("12"))]
    # 07093-UBND is expected to report the monthly form carrying PEOPLE, and sent nothing for 202602.
    assert codes(result.missing) == ["07093-UBND"]


def test_contributors_carry_each_units_value_over_the_periods(tree, quarter):
    result = selectors.rollup(indicator=quarter["HOUSEHOLDS"], period_id="2026Q1", unit=tree["province"])
    assert [(u.code, v) for u, v in result.contributors] == [("07090-UBND", D("1020")), ("07093-UBND", D("805"))]
    assert result.missing == []


def test_nothing_reported_is_none_not_zero(tree, quarter):
    assert value(quarter["PEOPLE"], "2025Q1", tree["province"]) is None


def test_a_month_asked_of_quarterly_values_has_no_value(tree, indicators):
    put_value(indicators["STARTED"], tree["commune_ubnd"], "2026Q1", 5)
    assert value(indicators["STARTED"], "2026Q1", tree["province"]) == D("5")
    assert value(indicators["STARTED"], "202603", tree["province"]) is None


def test_no_aggregation_gives_only_the_units_own_value_for_the_period_asked(tree):
    beds = make_indicator("BEDS", aggregation=Aggregation.NONE, period_aggregation=Aggregation.NONE)
    put_value(beds, tree["commune_ubnd"], "202603", 40)
    put_value(beds, tree["other_ubnd"], "202603", 30)
    assert value(beds, "202603", tree["commune_ubnd"]) == D("40")
    assert value(beds, "202603", tree["province"]) is None
    assert value(beds, "2026Q1", tree["commune_ubnd"]) is None


def test_text_indicators_have_no_roll_up(tree, indicators):
    assert value(indicators["NOTE"], "202603", tree["province"]) is None


def test_values_of_drafts_stay_out_until_submitted(tree, monthly_form, indicators, commune_officer):
    draft = report(
        form=monthly_form,
        unit=tree["commune_ubnd"],
        period="202604",
        actor=commune_officer,
        values={("PEOPLE", "men"): "3", ("PEOPLE", "women"): "4"},
    )
    assert value(indicators["PEOPLE"], "202604", tree["province"]) is None
    services.submission_submit(actor=commune_officer, submission=draft, on=dt.date(2026, 4, 15))
    assert value(indicators["PEOPLE"], "202604", tree["province"]) == D("7")
    services.submission_return(actor=None, submission=draft, reason="Sai số")
    assert value(indicators["PEOPLE"], "202604", tree["province"]) is None


def test_the_value_is_one_query(tree, quarter, django_assert_num_queries):
    for code in ("PEOPLE", "POOR_RATE", "HOUSEHOLDS", "SCORE_MIN"):
        with django_assert_num_queries(1 + jit_switch()):
            selectors.rollup(indicator=quarter[code], period_id="2026Q1", unit=tree["province"], detail=False)


def test_rollup_of_ten_thousand_values(tree, indicators, capsys):
    """10,000 values: 200 committees × 50 months. Not a timed test; the time is printed for the record."""
    households = indicators["HOUSEHOLDS"]
    people = indicators["PEOPLE"]
    committees = []
    for n in range(200):
        commune = add_unit(tree["province"], f"9{n:04d}", K.COMMUNE)
        committees.append(add_unit(commune, f"9{n:04d}-UBND", K.PEOPLE_COMMITTEE))
    periods = [parse_period(f"{2022 + m // 12}{m % 12 + 1:02d}") for m in range(50)]
    rows = [
        DataValue(
            indicator=people,
            unit=unit,
            period_id=p.id,
            period_start=p.start,
            period_end=p.end,
            category="men",
            value_number=D(i % 7),
        )
        for i, unit in enumerate(committees)
        for p in periods
    ]
    rows += [
        DataValue(
            indicator=households,
            unit=unit,
            period_id=p.id,
            period_start=p.start,
            period_end=p.end,
            value_number=D(100 + m),
        )
        for unit in committees
        for m, p in enumerate(periods)
    ]
    DataValue.objects.bulk_create(rows, batch_size=2000)
    assert DataValue.objects.count() == 20_000

    started = time.perf_counter()
    summed = selectors.rollup(indicator=people, period_id="2024", unit=tree["province"], detail=False)
    sum_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    last = selectors.rollup(indicator=households, period_id="2024", unit=tree["province"], detail=False)
    last_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    detailed = selectors.rollup(indicator=households, period_id="2024", unit=tree["province"])
    detail_ms = (time.perf_counter() - started) * 1000

    # 2024 holds months 25..36 (0-based 24..35); each committee i adds (i % 7) per month.
    assert summed.value == D(sum(i % 7 for i in range(200)) * 12)
    # Last month of 2024 is index 35: value 135 for each of the 200 committees.
    assert last.value == D(135 * 200)
    assert len(detailed.contributors) == 200
    with capsys.disabled():
        print(f"\nrollup of 10,000 values: sum {sum_ms:.1f} ms, last {last_ms:.1f} ms, detailed {detail_ms:.1f} ms")


def test_pivot_drops_units_outside_the_persons_scope(tree, quarter, commune_officer):
    table = selectors.pivot(
        user=commune_officer,
        indicators=["PEOPLE", quarter["HOUSEHOLDS"]],
        units=[tree["commune_ubnd"], tree["other_ubnd"]],
        periods=["202601", "202602"],
    )
    assert codes(table.units) == ["07090-UBND"]
    assert [(i.code, values) for i, _u, values in table.rows()] == [
        ("PEOPLE", [D("22"), D("12")]),
        ("HOUSEHOLDS", [D("1000"), D("1010")]),
    ]


# Lists --------------------------------------------------------------------------------------------


def test_review_queue_holds_submitted_reports_for_the_leader(
    tree, monthly_form, commune_officer, commune_leader, officer_other_commune
):
    mine = report(
        form=monthly_form,
        unit=tree["commune_ubnd"],
        period="202603",
        actor=commune_officer,
        values={("PEOPLE", "men"): "1", ("PEOPLE", "women"): "1"},
        submit_on=dt.date(2026, 3, 16),
    )
    report(
        form=monthly_form,
        unit=tree["other_ubnd"],
        period="202603",
        actor=officer_other_commune,
        values={("PEOPLE", "men"): "1", ("PEOPLE", "women"): "1"},
        submit_on=dt.date(2026, 3, 16),
    )
    assert list(selectors.review_queue(user=commune_leader)) == [mine]
    assert list(selectors.review_queue(user=commune_officer)) == []


def test_acceptance_queue_is_for_the_level_above(tree, monthly_form, commune_officer, commune_leader, commune_admin):
    services.form_update(actor=None, form=monthly_form, acceptance_required=True)
    mine = report(
        form=monthly_form,
        unit=tree["commune_ubnd"],
        period="202603",
        actor=commune_officer,
        values={("PEOPLE", "men"): "1", ("PEOPLE", "women"): "1"},
        submit_on=dt.date(2026, 3, 16),
    )
    services.submission_approve(actor=commune_leader, submission=mine)
    # The commune's unit admin reaches 07090-UBND from above (a membership on 07090).
    assert list(selectors.review_queue(user=commune_admin)) == [mine]
    assert list(selectors.review_queue(user=commune_leader)) == []


def test_my_reports_due_lists_what_my_unit_still_owes(tree, monthly_form, commune_officer):
    report(
        form=monthly_form,
        unit=tree["commune_ubnd"],
        period="202602",
        actor=commune_officer,
        values={("PEOPLE", "men"): "1", ("PEOPLE", "women"): "1"},
        submit_on=dt.date(2026, 2, 16),
    )
    draft = report(form=monthly_form, unit=tree["commune_ubnd"], period="202603", actor=commune_officer)
    due = selectors.my_reports_due(user=commune_officer, today=dt.date(2026, 3, 20))
    by_period = {item.period.id: item for item in due}
    # The communes exist since 01/07/2025: 202507 is the first period they owe; 202602 is done.
    assert "202602" not in by_period
    assert "202506" not in by_period
    assert by_period["202603"].submission == draft
    assert by_period["202603"].overdue is True
    assert by_period["202604"].overdue is False  # the current period, to prepare
    assert by_period["202507"].submission is None
    assert {item.unit.code for item in due} == {"07090-UBND"}
    assert [item.deadline for item in due] == sorted(item.deadline for item in due)


def test_submission_list_hides_other_units_drafts(tree, monthly_form, commune_officer, province_admin):
    draft = report(form=monthly_form, unit=tree["commune_ubnd"], period="202603", actor=commune_officer)
    assert list(selectors.submission_list(user=commune_officer)) == [draft]
    assert list(selectors.submission_list(user=province_admin)) == []
    draft.status = Submission.Status.SUBMITTED
    draft.save()
    assert list(selectors.submission_list(user=province_admin, period_id="2026-03")) == [draft]
    assert list(selectors.submission_list(user=province_admin, unit=tree["other_commune"])) == []
