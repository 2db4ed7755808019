"""`phoihop run-schedules`: give the reminders due now and enqueue the daily digests (cron, every 5–15 min).

Idempotent: every reminder has a unique key per person and every digest a unique (person, day)
row, so running it twice, or on two machines at once, sends each thing once.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from phoihop.notify.schedules import run_schedules


class Command(BaseCommand):
    help = "Send the reminders, overdue notices and escalations due now; enqueue the daily digests. Run by cron."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--today", help="act as if today were YYYY-MM-DD (testing, catching up)")
        parser.add_argument("--no-digests", action="store_true", help="do not enqueue the daily digests")

    def handle(self, *args: Any, **options: Any) -> None:
        today = None
        if options["today"]:
            try:
                today = dt.date.fromisoformat(options["today"])
            except ValueError as exc:
                raise CommandError(f"--today must be a date as YYYY-MM-DD, not {options['today']!r}") from exc
        report = run_schedules(today=today, send_digests=not options["no_digests"])
        self.stdout.write(str(report))
        if report.errors:
            raise CommandError(f"{len(report.errors)} provider(s) failed; the others' reminders were given")
