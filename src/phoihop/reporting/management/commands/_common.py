"""What the reporting commands share: reading codes and periods into records, with a clear CommandError.

These are operator commands: no person's scope applies (like `phoihop migrate`), and their
messages stay English (STYLE §6).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.core.management.base import CommandError

from phoihop.calendar.periods import Period, parse_period
from phoihop.orgs.models import Unit
from phoihop.reporting.models import Indicator, ReportForm


def indicator_by_code(code: str) -> Indicator:
    indicator = Indicator.objects.filter(code=code.strip()).first()
    if indicator is None:
        raise CommandError(f"no indicator has the code {code!r}")
    return indicator


def form_by_code(code: str) -> ReportForm:
    form = ReportForm.objects.filter(code=code.strip()).first()
    if form is None:
        raise CommandError(f"no report form has the code {code!r}")
    return form


def unit_by_code(code: str) -> Unit:
    """The open unit with the code, or else the one closed last (codes are reused after merges)."""
    units = Unit.objects.filter(code=code.strip())
    unit = units.filter(valid_to__isnull=True).first() or units.order_by("-valid_to").first()
    if unit is None:
        raise CommandError(f"no unit has the code {code!r}")
    return unit


def period_by_id(value: str) -> Period:
    try:
        return parse_period(value)
    except ValueError:
        raise CommandError(
            f"{value!r} is not a report period: write it as 2026, 2026S1, 2026N9, 2026Q1 or 202603"
        ) from None


def percent(part: int, whole: int) -> str:
    """part/whole as a percentage with one decimal, rounded half up from the exact fraction; n/a for 0/0."""
    if whole == 0:
        return "n/a"
    return str((Decimal(part * 100) / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def describe(unit: Unit) -> str:
    closed = f", closed {unit.valid_to:%d/%m/%Y}" if unit.valid_to else ""
    return f"{unit.code} {unit.name}{closed}"


def window(period: Period) -> str:
    return f"{period.id} ({period.start:%d/%m/%Y} - {period.end:%d/%m/%Y})"
