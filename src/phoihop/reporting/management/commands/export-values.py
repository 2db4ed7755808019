"""`phoihop export-values --form CODE --period ID [--unit CODE] [--format json|csv] [--out FILE]`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser, no_translations

from phoihop.reporting import interchange
from phoihop.reporting.management.commands._common import form_by_code, period_by_id, unit_by_code


class Command(BaseCommand):
    help = (
        "Write a form's values for a period (optionally a unit's subtree) as DHIS2 dataValueSets JSON or CSV, "
        "by codes; only values that count in totals (imported, or of reports sent up)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--form", required=True, help="the report form's code")
        parser.add_argument("--period", required=True, help="a period id of the form's type: 2026Q1, 202603, ...")
        parser.add_argument("--unit", default=None, help="only this unit's subtree")
        parser.add_argument("--format", choices=("json", "csv"), default=None, help="default: by --out, else json")
        parser.add_argument("--out", default=None, help="file to write (default: standard output)")

    @no_translations
    def handle(self, *args: Any, **options: Any) -> None:
        form = form_by_code(options["form"])
        period = period_by_id(options["period"])
        if period.type != form.period_type:
            raise CommandError(f"{period.id} is not a period of {form.code}, which is reported {form.period_type}")
        unit = unit_by_code(options["unit"]) if options["unit"] else None
        out = options["out"]
        fmt = options["format"] or ("csv" if out and out.lower().endswith(".csv") else "json")
        export = interchange.export_values_csv if fmt == "csv" else interchange.export_values_json
        content = export(form=form, period=period, unit=unit)
        if out:
            Path(out).write_text(content, encoding="utf-8")
            self.stderr.write(f"wrote {out}")
        else:
            self.stdout.write(content, ending="" if content.endswith("\n") else "\n")
