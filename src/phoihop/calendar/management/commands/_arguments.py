"""Argument readers shared by the calendar's commands: a clear CommandError for bad input."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import CommandError
from django.utils import timezone


def parse_date(value: str) -> dt.date:
    text = value.strip()
    if text.lower() == "today":
        return timezone.localdate()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise CommandError(f"{value!r} is not a date: write it as YYYY-MM-DD (2026-02-13), DD/MM/YYYY or 'today'")


def parse_int(value: str, what: str) -> int:
    try:
        return int(value.strip())
    except ValueError:
        raise CommandError(f"{what} must be a whole number, not {value!r}") from None
