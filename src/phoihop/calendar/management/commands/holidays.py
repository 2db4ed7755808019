from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone, translation

from phoihop.calendar import workdays
from phoihop.calendar.management.commands._arguments import parse_int


class Command(BaseCommand):
    help = (
        "Print a year's days off (ISO date and name, one per line), then its make-up working days. "
        "Names are the official Vietnamese ones."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("year", nargs="?", help="the year (default: this year)")
        parser.add_argument("--province", default="", help="also apply this province's announcements (e.g. 22)")

    def handle(self, *args: Any, **options: Any) -> None:
        year = parse_int(options["year"], "YEAR") if options["year"] else timezone.localdate().year
        province = options["province"]
        try:
            # Holiday names are data, printed as the announcements write them: in Vietnamese.
            with translation.override("vi"):
                days_off = workdays.days_off(year, province_code=province)
                makeup_days = workdays.makeup_days(year, province_code=province)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        for day in days_off:
            self.stdout.write(f"{day.date.isoformat()} {day.name}")
        self.stdout.write("")
        self.stdout.write("Make-up working days:" if makeup_days else "Make-up working days: none")
        for day in makeup_days:
            self.stdout.write(f"{day.date.isoformat()} {day.name}")
