from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser, no_translations

from phoihop.reporting import selectors
from phoihop.reporting.management.commands._common import (
    describe,
    indicator_by_code,
    period_by_id,
    unit_by_code,
    window,
)
from phoihop.reporting.validation import format_number


class Command(BaseCommand):
    help = (
        "Print an indicator's value for a unit's subtree and a period, aggregated over units and over "
        "periods as the indicator says, live from the data. The number alone is on the last line "
        "(plain decimal, no thousands separators; 'none' when nothing was reported)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--indicator", required=True, help="the indicator's code")
        parser.add_argument("--period", required=True, help="a period id: 2026, 2026S1, 2026N9, 2026Q1, 202603")
        parser.add_argument("--unit", required=True, help="the code of the unit at the top of the subtree")
        parser.add_argument("--category", default=None, help="one disaggregation option (default: the total)")

    @no_translations  # operator output stays English (STYLE §6), also the services' messages
    def handle(self, *args: Any, **options: Any) -> None:
        indicator = indicator_by_code(options["indicator"])
        period = period_by_id(options["period"])
        unit = unit_by_code(options["unit"])
        category = options["category"]
        if category is not None and category not in [o["code"] for o in indicator.disaggregation or []]:
            raise CommandError(f"{indicator.code} has no disaggregation option {category!r}")
        try:
            result = selectors.rollup(indicator=indicator, period_id=period, unit=unit, category=category)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(
            f"indicator {indicator.code} {indicator.name} (over units: {indicator.aggregation}, "
            f"over periods: {indicator.period_aggregation})"
        )
        self.stdout.write(f"unit {describe(unit)}; period {window(period)}")
        if category is not None:
            self.stdout.write(f"option {category}")
        self.stdout.write(f"contributors: {len(result.contributors)}; missing: {len(result.missing)}")
        for missing in result.missing:
            self.stdout.write(f"  missing {describe(missing)}")
        self.stdout.write("none" if result.value is None else format_number(result.value))
