"""`phoihop import-values FILE`: DHIS2 dataValueSets JSON or CSV (by the file's extension), by codes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser, no_translations

from phoihop.orgs.models import User
from phoihop.reporting import interchange
from phoihop.reporting.management.commands._progress import ProgressBar


def user_by_username(username: str | None) -> User | None:
    if not username:
        return None
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"no active person has the username {username!r}")
    return user


def print_report(command: BaseCommand, report: interchange.ImportReport) -> None:
    for error in report.errors:
        command.stderr.write(str(error))
    for note in report.notes:
        command.stdout.write(note)
    for submission in report.submissions:
        late = " (late)" if submission["late"] else ""
        command.stdout.write(
            f"report of {submission['unit']} on {submission['form']} for {submission['period']} "
            f"submitted on {submission['submitted_on']}{late}, deadline {submission['deadline']}"
        )


class Command(BaseCommand):
    help = (
        "Import values from a DHIS2 dataValueSets file (.json or .csv), identified by codes. Every row is "
        "checked first; with any error nothing is written, unless --skip-invalid imports the valid rows. "
        "A JSON file naming dataSet, orgUnit, period and completeDate also records that report as submitted."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="a .json or .csv file")
        parser.add_argument("--skip-invalid", action="store_true", help="import the valid rows, report the others")
        parser.add_argument(
            "--as",
            dest="as_user",
            default=None,
            help="the username the import is made as: recorded in the audit trail, and only units this person "
            "may report for are accepted (default: the operator, any unit)",
        )

    @no_translations  # operator output stays English (STYLE §6), also the engine's messages
    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        user = user_by_username(options["as_user"])
        try:
            value_set = interchange.read_value_set(path.read_bytes(), name=path.name)
        except interchange.ImportFileError as exc:
            raise CommandError(str(exc)) from exc
        bar = ProgressBar(self.stderr)
        report = interchange.import_values(
            value_set,
            actor=user or "phoihop import-values",
            user=user,
            skip_invalid=options["skip_invalid"],
            source=path.name,
            progress=bar,
        )
        bar.close()
        print_report(self, report)
        if not report.committed:
            raise CommandError(f"{len(report.errors)} bad rows of {report.total}: nothing was imported")
        skipped = f", skipped {report.skipped} bad rows" if report.skipped else ""
        self.stdout.write(f"imported {report.written} values, cleared {report.cleared}{skipped} (rows: {report.total})")
