"""Report periods of Decree 09/2019/NĐ-CP (Điều 12) with their data cut-off windows.

Each period's window runs from the 15th of the month before it to the 14th of its last month:

| type          | id         | window                                   |
|---------------|------------|------------------------------------------|
| monthly       | 202603     | 15/02/2026 → 14/03/2026                  |
| quarterly     | 2026Q1     | 15/12/2025 → 14/03/2026                  |
| six-monthly   | 2026S1     | 15/12/2025 → 14/06/2026                  |
|               | 2026S2     | 15/06/2026 → 14/12/2026                  |
| nine-monthly  | 2026N9     | 15/12/2025 → 14/09/2026                  |
| yearly        | 2026       | 15/12/2025 → 14/12/2026                  |

Ids follow DHIS2 (`2026`, `2026S1`, `2026Q1`, `202603`), so report data can be exchanged as
dataValueSets. Two additions and why:

- `2026S2`: Decree 09 names only the six-month report (the first half); the second half is
  normally covered by the yearly report. S2 exists so the six-monthly type tiles the year like
  DHIS2's SixMonthly does, and every date falls in exactly one six-monthly period.
- `2026N9`: the nine-month report is provincial practice, not Decree 09, and DHIS2 has no
  nine-month type; `N9` is our own suffix. There is one per year, so the dates from 15/09 to
  14/12 belong to no nine-month period (period_containing returns None for them).

Because windows are cut-offs, a date belongs to the period whose window holds it, not to its
calendar month: 20/03/2026 is in 202604 (15/03 → 14/04).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

from phoihop.calendar import workdays

CUTOFF_DAY = 14  # the window ends on the 14th; the next one starts on the 15th


class PeriodType(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    SIX_MONTHLY = "six_monthly", _("Six-monthly")
    NINE_MONTHLY = "nine_monthly", _("Nine-monthly")
    YEARLY = "yearly", _("Yearly")


# The last month of each period of a type, in order: a window ends on the 14th of its last
# month and the next one starts on the 15th; the first of a year starts on 15/12 before.
_LAST_MONTHS = {
    PeriodType.MONTHLY: tuple(range(1, 13)),
    PeriodType.QUARTERLY: (3, 6, 9, 12),
    PeriodType.SIX_MONTHLY: (6, 12),
    PeriodType.NINE_MONTHLY: (9,),
    PeriodType.YEARLY: (12,),
}
_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}

_ID_PATTERNS = (
    (re.compile(r"(\d{4})"), PeriodType.YEARLY),
    (re.compile(r"(\d{4})S([12])", re.IGNORECASE), PeriodType.SIX_MONTHLY),
    (re.compile(r"(\d{4})N9", re.IGNORECASE), PeriodType.NINE_MONTHLY),
    (re.compile(r"(\d{4})Q([1-4])", re.IGNORECASE), PeriodType.QUARTERLY),
    (re.compile(r"(\d{4})-?(0[1-9]|1[0-2])"), PeriodType.MONTHLY),
)


@dataclass(frozen=True)
class Period:
    """One report period: its id, type, and data cut-off window [start, end] (both inclusive)."""

    id: str
    type: PeriodType
    year: int
    # Month 1-12, quarter 1-4, half 1-2; 1 for nine-monthly and yearly periods.
    number: int
    start: dt.date
    end: dt.date

    def __str__(self) -> str:
        return self.id

    @property
    def label(self) -> str:
        """The period as people write it: "Quý I năm 2026", "Tháng 3 năm 2026"."""
        year = self.year
        if self.type == PeriodType.MONTHLY:
            # Translators: a monthly report period, Vietnamese "Tháng %(month)s năm %(year)s".
            return pgettext("report period", "Month %(month)s, %(year)s") % {"month": self.number, "year": year}
        if self.type == PeriodType.QUARTERLY:
            # Translators: a quarterly report period; the quarter is a Roman numeral ("Quý I năm 2026").
            return pgettext("report period", "Quarter %(quarter)s, %(year)s") % {
                "quarter": _ROMAN[self.number],
                "year": year,
            }
        if self.type == PeriodType.SIX_MONTHLY:
            if self.number == 1:
                # Translators: the six-month report period, Vietnamese "6 tháng đầu năm %(year)s".
                return pgettext("report period", "First six months of %(year)s") % {"year": year}
            # Translators: the second half-year report period, Vietnamese "6 tháng cuối năm %(year)s".
            return pgettext("report period", "Last six months of %(year)s") % {"year": year}
        if self.type == PeriodType.NINE_MONTHLY:
            # Translators: the nine-month report period, Vietnamese "9 tháng năm %(year)s".
            return pgettext("report period", "Nine months of %(year)s") % {"year": year}
        # Translators: the yearly report period, Vietnamese "Năm %(year)s".
        return pgettext("report period", "Year %(year)s") % {"year": year}

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def next(self) -> Period:
        """Return the period of the same type that follows this one."""
        if self.number < len(_LAST_MONTHS[self.type]):
            return make_period(self.type, self.year, self.number + 1)
        return make_period(self.type, self.year + 1, 1)

    def previous(self) -> Period:
        """Return the period of the same type before this one."""
        if self.number > 1:
            return make_period(self.type, self.year, self.number - 1)
        return make_period(self.type, self.year - 1, len(_LAST_MONTHS[self.type]))


def _period_id(kind: PeriodType, year: int, number: int) -> str:
    if kind == PeriodType.MONTHLY:
        return f"{year}{number:02d}"
    if kind == PeriodType.QUARTERLY:
        return f"{year}Q{number}"
    if kind == PeriodType.SIX_MONTHLY:
        return f"{year}S{number}"
    if kind == PeriodType.NINE_MONTHLY:
        return f"{year}N9"
    return str(year)


def make_period(kind: PeriodType | str, year: int, number: int = 1) -> Period:
    """Return the period of a type, year and number (month, quarter or half; 1 otherwise)."""
    kind = PeriodType(kind)
    last_months = _LAST_MONTHS[kind]
    if not 1 <= number <= len(last_months):
        raise ValueError(f"{kind} periods are numbered 1 to {len(last_months)}, not {number}")
    start = (
        dt.date(year, last_months[number - 2], CUTOFF_DAY + 1) if number > 1 else dt.date(year - 1, 12, CUTOFF_DAY + 1)
    )
    return Period(
        id=_period_id(kind, year, number),
        type=kind,
        year=year,
        number=number,
        start=start,
        end=dt.date(year, last_months[number - 1], CUTOFF_DAY),
    )


def parse_period(value: str) -> Period:
    """Return the period an id names: "2026", "2026S1", "2026N9", "2026Q1", "202603" (or "2026-03")."""
    text = (value or "").strip()
    for pattern, kind in _ID_PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            year = int(match.group(1))
            number = (
                int(match.group(2)) if kind in (PeriodType.MONTHLY, PeriodType.QUARTERLY, PeriodType.SIX_MONTHLY) else 1
            )
            if year < 1000:
                break
            return make_period(kind, year, number)
    raise ValueError(
        gettext("“%(value)s” is not a report period. Write it as 2026, 2026S1, 2026N9, 2026Q1 or 202603.")
        % {"value": value}
    )


def period_containing(day: dt.date, kind: PeriodType | str) -> Period | None:
    """Return the period of `kind` whose cut-off window holds `day`.

    From the 15th on, a day belongs to the next month's window. None only for a nine-month
    period and a day from 15/09 to 14/12, which no nine-month window covers.
    """
    kind = PeriodType(kind)
    year, month = day.year, day.month
    if day.day > CUTOFF_DAY:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    last_months = _LAST_MONTHS[kind]
    number = next((n for n, last in enumerate(last_months, start=1) if month <= last), None)
    return None if number is None else make_period(kind, year, number)


def periods_of_year(kind: PeriodType | str, year: int) -> list[Period]:
    """Return every period of `kind` whose id carries `year`, in order."""
    kind = PeriodType(kind)
    return [make_period(kind, year, number) for number in range(1, len(_LAST_MONTHS[kind]) + 1)]


def submission_deadline(period: Period, working_days: int, *, province_code: str = "") -> dt.date:
    """Return the last day to submit the period's report: `working_days` working days after the cut-off.

    Decree 09/2019 leaves the number to each report form (Khánh Hòa uses 2); it is counted from
    the day after the window's last day, like every working-day period (workdays.add_days).
    """
    return workdays.add_days(period.end, working_days, working=True, province_code=province_code)
