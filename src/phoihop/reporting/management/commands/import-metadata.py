"""`phoihop import-metadata FILE`: DHIS2 metadata JSON (dataElements, dataSets) into indicators and forms."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser, no_translations

from phoihop.orgs.models import Unit
from phoihop.reporting import interchange
from phoihop.reporting.management.commands._common import unit_by_code


class Command(BaseCommand):
    help = (
        "Create or update indicators (dataElements) and report forms (dataSets) from DHIS2 metadata JSON, by "
        "code; all of it or nothing, with every bad entry named."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="a DHIS2 metadata .json file")
        parser.add_argument(
            "--owner",
            default=None,
            help="code of the unit that designs the forms created (default: the top unit, when there is one)",
        )

    @no_translations  # operator output stays English (STYLE §6), also the engine's messages
    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        try:
            payload = interchange.read_metadata(path.read_bytes())
        except interchange.ImportFileError as exc:
            raise CommandError(str(exc)) from exc
        if options["owner"]:
            owner = unit_by_code(options["owner"])
        else:
            roots = list(Unit.get_root_nodes()[:2])
            owner = roots[0] if len(roots) == 1 else None
        report = interchange.import_metadata(payload, actor="phoihop import-metadata", owner_unit=owner)
        for error in report.errors:
            self.stderr.write(str(error))
        if not report.committed:
            raise CommandError(f"{len(report.errors)} bad entries: nothing was imported")
        self.stdout.write(f"created {report.created}, updated {report.updated} (entries: {report.total})")
