"""`phoihop rollup` and `phoihop reporting-rates`: last-line formats and clear refusals."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from phoihop import cli
from phoihop.orgs import services as org_services
from phoihop.orgs.models import Unit
from phoihop.reporting import services
from phoihop.reporting.tests import factories
from phoihop.reporting.tests.factories import add_unit, put_value, report

indicators = factories.indicators
monthly_form = factories.monthly_form
K = Unit.Kind


def run(*args: str) -> list[str]:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().splitlines()


@pytest.fixture
def values(tree, indicators):
    a, b = tree["commune_ubnd"], tree["other_ubnd"]
    put_value(indicators["PEOPLE"], a, "202601", 1200, "men")
    put_value(indicators["PEOPLE"], a, "202601", 1300, "women")
    put_value(indicators["PEOPLE"], b, "202602", 7, "men")
    put_value(indicators["POOR_RATE"], a, "202601", 4.5)
    put_value(indicators["POOR_RATE"], b, "202601", 5)
    put_value(indicators["POOR_RATE"], b, "202602", 6.1)


def test_rollup_prints_the_number_alone_on_the_last_line(values):
    lines = run("rollup", "--indicator", "PEOPLE", "--period", "2026Q1", "--unit", "22")
    assert lines[-1] == "2507"  # no thousands separator, no ".0"
    assert any("contributors: 2" in line for line in lines)


def test_rollup_prints_decimals_plainly(values):
    # 07090-UBND: 4.5; 07093-UBND: (5 + 6.1) / 2 = 5.55; average of the two: 5.025.
    assert run("rollup", "--indicator", "POOR_RATE", "--period", "2026Q1", "--unit", "22")[-1] == "5.025"


def test_rollup_of_one_option_and_of_nothing(values):
    assert (
        run("rollup", "--indicator", "PEOPLE", "--period", "2026Q1", "--unit", "22", "--category", "women")[-1]
        == "1300"
    )
    assert run("rollup", "--indicator", "PEOPLE", "--period", "2025Q1", "--unit", "22")[-1] == "none"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--indicator", "NOPE", "--period", "2026Q1", "--unit", "22"], "no indicator has the code 'NOPE'"),
        (["--indicator", "PEOPLE", "--period", "2026Q5", "--unit", "22"], "'2026Q5' is not a report period"),
        (["--indicator", "PEOPLE", "--period", "2026Q1", "--unit", "99"], "no unit has the code '99'"),
        (["--indicator", "PEOPLE", "--period", "2026Q1", "--unit", "22", "--category", "kids"], "no disaggregation"),
    ],
)
def test_rollup_refuses_bad_input(values, args, message):
    with pytest.raises(CommandError, match=message):
        run("rollup", *args)


@pytest.fixture
def rates(tree, monthly_form, commune_officer, officer_other_commune):
    """202603: 07090-UBND on time, 07093-UBND late, 07094-UBND (closed 01/03/2026) missing."""
    closing = add_unit(tree["province"], "07094", K.COMMUNE, valid_from=dt.date(2025, 7, 1))
    add_unit(closing, "07094-UBND", K.PEOPLE_COMMITTEE)
    org_services.unit_close(actor=None, unit=closing, on=dt.date(2026, 3, 1))
    filled = {("PEOPLE", "men"): "1", ("PEOPLE", "women"): "1"}
    for unit, actor, day in [
        (tree["commune_ubnd"], commune_officer, dt.date(2026, 3, 17)),
        (tree["other_ubnd"], officer_other_commune, dt.date(2026, 3, 18)),
    ]:
        report(form=monthly_form, unit=unit, period="202603", actor=actor, values=filled, submit_on=day)


def test_reporting_rates_last_line(rates):
    lines = run("reporting-rates", "--form", "XA-THANG", "--period", "202603", "--unit", "22")
    assert lines[-1] == "expected=3 submitted=2 on_time=1 completeness=66.7 timeliness=33.3"
    assert "  missing 07094-UBND Đơn vị 07094-UBND, closed 01/03/2026" in lines


def test_reporting_rates_for_a_quarter_of_a_monthly_form(rates):
    # January and February: the two committees plus 07094-UBND (open until 01/03); March: three.
    lines = run("reporting-rates", "--form", "XA-THANG", "--period", "2026Q1", "--unit", "22")
    assert lines[-1] == "expected=9 submitted=2 on_time=1 completeness=22.2 timeliness=11.1"


def test_reporting_rates_refuse_a_month_of_a_quarterly_form(tree):
    factories.make_form(owner=tree["ubnd"], code="SO-QUY", period_type="quarterly", assigned_units=[tree["sonv"]])
    with pytest.raises(CommandError, match="202603 is not a period of this form"):
        run("reporting-rates", "--form", "SO-QUY", "--period", "202603", "--unit", "22")


def test_reporting_rates_with_nothing_expected(rates, tree):
    lines = run("reporting-rates", "--form", "XA-THANG", "--period", "202603", "--unit", "22-MTTQ")
    assert lines[-1] == "expected=0 submitted=0 on_time=0 completeness=n/a timeliness=n/a"


def test_a_returned_report_is_not_counted_on_the_command_line(rates, tree, commune_leader):
    submission = tree["commune_ubnd"].submissions.get()
    services.submission_return(actor=commune_leader, submission=submission, reason="Sai")
    lines = run("reporting-rates", "--form", "XA-THANG", "--period", "2026-03", "--unit", "22")
    assert lines[-1] == "expected=3 submitted=1 on_time=0 completeness=33.3 timeliness=0.0"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--form", "NOPE", "--period", "202603", "--unit", "22"], "no report form has the code 'NOPE'"),
        (["--form", "XA-THANG", "--period", "2026Q9", "--unit", "22"], "'2026Q9' is not a report period"),
        (["--form", "XA-THANG", "--period", "march", "--unit", "22"], "'march' is not a report period"),
        (["--form", "XA-THANG", "--period", "202603", "--unit", "nowhere"], "no unit has the code 'nowhere'"),
    ],
)
def test_reporting_rates_refuses_bad_input(monthly_form, args, message):
    with pytest.raises(CommandError, match=message):
        run("reporting-rates", *args)


def test_the_phoihop_command_exits_non_zero_on_a_bad_code(monthly_form, capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["phoihop", "reporting-rates", "--form", "NOPE", "--period", "202603", "--unit", "22"])
    assert exit_.value.code != 0
    assert "no report form has the code 'NOPE'" in capsys.readouterr().err
