"""Indicators, forms and reports as the tests need them, made through the services.

Fixtures build on the root conftest's `tree`; a test module imports the ones it uses:

    from phoihop.reporting.tests.factories import indicators, monthly_form  # noqa: F401

- `indicators`: PEOPLE (whole number, men/women), STARTED and HANDED (houses, whole numbers),
  POOR_RATE (percent, averaged over units and periods), HOUSEHOLDS (a stock: last value over
  periods, summed over units), NOTE (text).
- `monthly_form` ("XA-THANG"): monthly, reported by the people's committees of communes
  (07090-UBND and 07093-UBND in the tree), deadline 2 working days after the cut-off, approved by
  the unit's leader; PEOPLE is required; rules "HANDED <= STARTED" (error) and
  "PEOPLE <= 10000" (warning).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from phoihop.calendar.periods import parse_period
from phoihop.orgs import services as org_services
from phoihop.orgs.models import Unit
from phoihop.reporting import services
from phoihop.reporting.models import (
    Aggregation,
    DataValue,
    Indicator,
    ReportForm,
    Submission,
    ValidationRule,
    ValueType,
)

K = Unit.Kind


def make_indicator(code: str, value_type: str = ValueType.INTEGER, **fields: Any) -> Indicator:
    fields.setdefault("name", f"Chỉ tiêu {code}")
    if value_type not in (ValueType.INTEGER, ValueType.DECIMAL, ValueType.PERCENT, ValueType.BOOLEAN):
        fields.setdefault("aggregation", Aggregation.NONE)
        fields.setdefault("period_aggregation", Aggregation.NONE)
    return services.indicator_create(actor=None, code=code, value_type=value_type, **fields)


def make_form(
    *,
    owner: Unit,
    code: str,
    fields: list[tuple[Indicator, dict[str, Any]]] = (),
    **settings: Any,
) -> ReportForm:
    """A form with one section holding `fields` ((indicator, field options) pairs)."""
    settings.setdefault("name", f"Báo cáo {code}")
    settings.setdefault("period_type", "monthly")
    form = services.form_create(actor=None, owner_unit=owner, code=code, **settings)
    if fields:
        section = services.section_add(actor=None, form=form, title="Kết quả")
        for order, (indicator, options) in enumerate(fields):
            services.field_add(actor=None, section=section, indicator=indicator, order=order, **options)
    return form


def add_unit(parent: Unit, code: str, kind: str, **fields: Any) -> Unit:
    fields.setdefault("name", f"Đơn vị {code}")
    return org_services.unit_create(actor=None, parent=parent, code=code, kind=kind, audit=False, **fields)


def report(
    *,
    form: ReportForm,
    unit: Unit,
    period: str,
    actor: Any,
    values: dict[tuple[str, str], Any] | None = None,
    submit_on: dt.date | None = None,
    warning_comments: dict[Any, str] | None = None,
) -> Submission:
    """Open the report, save `values`, and submit it on `submit_on` when given."""
    submission = services.submission_open(actor=actor, form=form, unit=unit, period_id=period)
    if values:
        errors = services.values_save(actor=actor, submission=submission, values=values)
        assert errors == [], errors
    if submit_on is not None:
        services.submission_submit(actor=actor, submission=submission, on=submit_on, warning_comments=warning_comments)
    return submission


def put_value(indicator: Indicator, unit: Unit, period_id: str, value: Any, category: str = "") -> DataValue:
    """A value stored as an import without completion stores it (no submission): totals count it."""
    period = parse_period(period_id)
    return DataValue.objects.create(
        indicator=indicator,
        unit=unit,
        period_id=period.id,
        period_start=period.start,
        period_end=period.end,
        category=category,
        value_number=Decimal(str(value)),
    )


@pytest.fixture
def indicators(db) -> dict[str, Indicator]:
    return {
        "PEOPLE": make_indicator(
            "PEOPLE",
            name="Số người được tuyên truyền",
            unit_of_measure="người",
            disaggregation=[{"code": "men", "name": "Nam"}, {"code": "women", "name": "Nữ"}],
        ),
        "STARTED": make_indicator("STARTED", name="Nhà Đại đoàn kết khởi công", unit_of_measure="căn"),
        "HANDED": make_indicator("HANDED", name="Nhà Đại đoàn kết bàn giao", unit_of_measure="căn"),
        "POOR_RATE": make_indicator(
            "POOR_RATE",
            ValueType.PERCENT,
            name="Tỷ lệ hộ nghèo",
            aggregation=Aggregation.AVERAGE,
            period_aggregation=Aggregation.AVERAGE,
        ),
        "HOUSEHOLDS": make_indicator(
            "HOUSEHOLDS", name="Số hộ dân", aggregation=Aggregation.SUM, period_aggregation=Aggregation.LAST
        ),
        "NOTE": make_indicator("NOTE", ValueType.TEXT, name="Ghi chú"),
    }


@pytest.fixture
def monthly_form(tree, indicators) -> ReportForm:
    form = make_form(
        owner=tree["ubnd"],
        code="XA-THANG",
        name="Báo cáo tháng của UBND cấp xã",
        assigned_unit_kinds=[K.PEOPLE_COMMITTEE],
        assigned_territory_kinds=[K.COMMUNE],
        fields=[
            (indicators["PEOPLE"], {"required": True}),
            (indicators["STARTED"], {"min_value": 0}),
            (indicators["HANDED"], {"min_value": 0, "max_value": 500}),
            (indicators["POOR_RATE"], {}),
            (indicators["HOUSEHOLDS"], {}),
            (indicators["NOTE"], {}),
        ],
    )
    services.rule_add(
        actor=None,
        form=form,
        name="Bàn giao không vượt khởi công",
        left="HANDED",
        operator="<=",
        right="STARTED",
        severity=ValidationRule.Severity.ERROR,
        message="Số nhà bàn giao không thể nhiều hơn số nhà khởi công.",
    )
    services.rule_add(
        actor=None,
        form=form,
        name="Số người bất thường",
        left="PEOPLE",
        operator="<=",
        right="10000",
        severity=ValidationRule.Severity.WARNING,
        message="Số người được tuyên truyền cao bất thường.",
    )
    return form


@pytest.fixture
def other_leader(tree):
    """Leader of 07093-UBND (the other commune's people's committee)."""
    user = org_services.user_create(actor=None, username="xa2.lanhdao", password="x-y-z-pass-123", audit=False)
    org_services.membership_grant(actor=None, user=user, unit=tree["other_ubnd"], role="leader", audit=False)
    return user
