"""Announcements as the tests need them: real 2026 facts the holidays package does not know."""

from __future__ import annotations

import datetime as dt
from typing import Any

from phoihop.calendar import services
from phoihop.calendar.models import CalendarAnnouncement

# On 25/12/2025 the Government swapped Friday 02/01/2026 for Saturday 10/01/2026, making the New
# Year break four days (1-4/01/2026); holidays 0.108 does not have it. A real case of an
# announcement an administrator must enter.
NEW_YEAR_2026_DAY_OFF = dt.date(2026, 1, 2)
NEW_YEAR_2026_MAKEUP = dt.date(2026, 1, 10)
NEW_YEAR_2026_BASIS = "Thông báo của Bộ Nội vụ ngày 25/12/2025"


def announce(*, actor: Any = None, date: dt.date, kind: str, **fields: Any) -> CalendarAnnouncement:
    fields.setdefault("name", "Ngày nghỉ" if kind == CalendarAnnouncement.Kind.DAY_OFF else "Ngày làm bù")
    fields.setdefault("basis", NEW_YEAR_2026_BASIS)
    return services.announcement_create(actor=actor, date=date, kind=kind, **fields)


def announce_new_year_2026_swap(actor: Any = None) -> None:
    announce(
        actor=actor,
        date=NEW_YEAR_2026_DAY_OFF,
        kind=CalendarAnnouncement.Kind.DAY_OFF,
        name="Nghỉ hoán đổi Tết Dương lịch (làm bù thứ Bảy 10/01/2026)",
    )
    announce(
        actor=actor,
        date=NEW_YEAR_2026_MAKEUP,
        kind=CalendarAnnouncement.Kind.WORKING_DAY,
        name="Làm bù cho thứ Sáu 02/01/2026",
    )
