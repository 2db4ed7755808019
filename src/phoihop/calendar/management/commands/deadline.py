from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from phoihop.calendar import workdays
from phoihop.calendar.management.commands._arguments import parse_date, parse_int
from phoihop.core.dates import vn_date


class Command(BaseCommand):
    help = (
        "Print the deadline N days (or N working days) after START, as the Civil Code counts it: "
        "the ISO date on the first line, the Vietnamese form on the second. A negative N counts back."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("start", help="the day of the event: YYYY-MM-DD, DD/MM/YYYY or 'today'")
        parser.add_argument("n", help="how many days; negative for a deadline before the event")
        parser.add_argument("--working", action="store_true", help="count working days only")
        parser.add_argument("--province", default="", help="also apply this province's announcements (e.g. 22)")

    def handle(self, *args: Any, **options: Any) -> None:
        start = parse_date(options["start"])
        n = parse_int(options["n"], "N")
        try:
            deadline = workdays.add_days(start, n, working=options["working"], province_code=options["province"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(deadline.isoformat())
        with translation.override("vi"):
            self.stdout.write(vn_date(deadline))
