from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from phoihop.core.audit import audit_verify


class Command(BaseCommand):
    help = "Audit trail tools. `phoihop audit verify` checks the hash chain end to end."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args: Any, **options: Any) -> None:
        report = audit_verify()
        if not report.ok:
            raise CommandError(
                f"audit chain broken at event {report.broken_id} after {report.checked} intact events: {report.reason}"
            )
        self.stdout.write(f"audit chain intact: {report.checked} events")
