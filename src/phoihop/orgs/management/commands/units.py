"""`phoihop units export|import`: the same import and export as the web pages, for operators."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import Http404
from django.utils import translation

from phoihop.orgs import access, importexport
from phoihop.orgs.models import Unit, User


class Command(BaseCommand):
    help = (
        "Export units to XLSX or CSV, or import them from such a file. "
        "`phoihop units export --format xlsx --out units.xlsx [--root CODE] [--include-closed] [--as USERNAME]`; "
        "`phoihop units import FILE --as USERNAME [--dry-run]` (writes nothing when any row is wrong)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        export = actions.add_parser("export", help="write units to a file")
        export.add_argument("--format", choices=importexport.FORMATS, required=True)
        export.add_argument("--out", required=True, help="the file to write")
        export.add_argument("--root", help="only this unit (by code) and the units within it")
        export.add_argument("--include-closed", action="store_true", help="also closed units (history)")
        export.add_argument("--as", dest="username", help="export only what this person can see (default: every unit)")
        load = actions.add_parser("import", help="create and update units from a file")
        load.add_argument("file", help="an .xlsx or .csv file with the export's columns")
        load.add_argument("--as", dest="username", required=True, help="the person the changes are made as")
        load.add_argument("--dry-run", action="store_true", help="check and report, write nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "export":
            self._export(options)
        else:
            self._import(options)

    def _user(self, username: str | None) -> User | None:
        if username is None:
            return None
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"no active person with the username {username!r}")
        return user

    def _export(self, options: dict[str, Any]) -> None:
        user = self._user(options["username"])
        root = None
        if options["root"]:
            try:
                root = (
                    access.access_unit_by_code(user, options["root"])
                    if user is not None
                    else Unit.objects.filter(code=options["root"], valid_to__isnull=True).first()
                    or Unit.objects.filter(code=options["root"]).order_by("-valid_to").first()
                )
            except Http404:
                root = None
            if root is None:
                raise CommandError(f"no unit with the code {options['root']!r}")
        # The file is for people, in the installation's language (Vietnamese headers).
        content = importexport.export_file(
            user=user, fmt=options["format"], root=root, include_closed=options["include_closed"]
        )
        Path(options["out"]).write_bytes(content)
        self.stdout.write(f"wrote {options['out']} ({len(content)} bytes)")

    def _import(self, options: dict[str, Any]) -> None:
        user = self._user(options["username"])
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        # Operator output stays English (the row report included).
        with translation.override("en"):
            report = importexport.import_units(
                actor=user, content=path.read_bytes(), filename=path.name, dry_run=options["dry_run"]
            )
            text = report.as_text()
        if not report.ok:
            raise CommandError(f"nothing was written; {len(report.errors)} problem(s):\n{text}")
        prefix = "dry run, nothing written: " if report.dry_run else ""
        self.stdout.write(prefix + text)
