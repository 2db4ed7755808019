"""`phoihop reporting-rates`: the module name carries the dash, so the command does too.

Django lists commands with pkgutil and loads them with importlib.import_module, neither of
which requires the module name to be a Python identifier.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser, no_translations

from phoihop.reporting import selectors
from phoihop.reporting.management.commands._common import (
    describe,
    form_by_code,
    percent,
    period_by_id,
    unit_by_code,
    window,
)


class Command(BaseCommand):
    help = (
        "Print the completeness and timeliness of a report form for a unit's subtree and a period, with "
        "the missing units. The last line is: expected=N submitted=N on_time=N completeness=P "
        "timeliness=P (percentages with one decimal; n/a when nothing is expected)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--form", required=True, help="the report form's code")
        parser.add_argument(
            "--period",
            required=True,
            help="a period of the form's type, or a longer one (2026Q1 of a monthly form: three reports each)",
        )
        parser.add_argument("--unit", required=True, help="the code of the unit at the top of the subtree")

    @no_translations  # operator output stays English (STYLE §6), also the services' messages
    def handle(self, *args: Any, **options: Any) -> None:
        form = form_by_code(options["form"])
        period = period_by_id(options["period"])
        unit = unit_by_code(options["unit"])
        try:
            rates = selectors.reporting_rates(form=form, period_id=period, unit=unit)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(f"form {form.code} {form.name} ({form.period_type})")
        self.stdout.write(f"unit {describe(unit)}; period {window(period)}")
        self.stdout.write(f"late: {rates.late}; returned, awaiting resubmission: {rates.returned}")
        several = rates.period is not None and rates.period.type != form.period_type
        self.stdout.write(f"missing reports: {len(rates.missing_reports)}")
        for missing, period in rates.missing_reports:
            self.stdout.write(f"  missing {describe(missing)}" + (f" for {period.id}" if several else ""))
        self.stdout.write(
            f"expected={rates.expected} submitted={rates.submitted} on_time={rates.on_time} "
            f"completeness={percent(rates.submitted, rates.expected)} "
            f"timeliness={percent(rates.on_time, rates.expected)}"
        )
