"""Dates in the form Decree 30/2020 prescribes ("ngày 05 tháng 01 năm 2026").

Days below 10 and the months January and February are written with a leading zero; the other
months are not (Decree 30/2020, Phụ lục I, mục II.5).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import pgettext


def _as_date(value: dt.date | dt.datetime) -> dt.date:
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.date()
    return value


def decree30_parts(value: dt.date | dt.datetime) -> tuple[str, str, str]:
    day = _as_date(value)
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"{day.day:02d}", month, str(day.year)


def vn_date(value: dt.date | dt.datetime | None) -> str:
    """Return "ngày 05 tháng 01 năm 2026" (or its English form when English is active)."""
    if value is None:
        return ""
    day, month, year = decree30_parts(value)
    # Translators: a full date in the Decree 30 form: "ngày %(day)s tháng %(month)s năm %(year)s".
    return pgettext("long date", "%(day)s/%(month)s/%(year)s") % {"day": day, "month": month, "year": year}


def vn_place_date(place: str, value: dt.date | dt.datetime) -> str:
    """Return "Quảng Ninh, ngày 30 tháng 11 năm 2021", the line under the national motto."""
    return f"{place}, {vn_date(value)}"


def short_date(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return ""
    return _as_date(value).strftime("%d/%m/%Y")
