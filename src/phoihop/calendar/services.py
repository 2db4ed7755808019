"""Every change of the calendar announcements. Each writes the audit trail."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from phoihop.calendar import workdays
from phoihop.calendar.models import CalendarAnnouncement
from phoihop.core.audit import audit_record, created, snapshot

ANNOUNCEMENT_FIELDS = ("date", "kind", "name", "basis", "province_code")


def _province_unit(province_code: str) -> Any:
    """Return the open province unit with this code, so its admins see the event in their trail."""
    if not province_code:
        return None
    from phoihop.orgs.models import Unit

    return Unit.objects.filter(kind=Unit.Kind.PROVINCE, code=province_code, valid_to__isnull=True).first()


def _duplicate() -> ValidationError:
    message = _("There is already an announcement for this date and scope.")
    return ValidationError({"date": ValidationError(message, code="duplicate")})


def check_announcement(*, date: dt.date, kind: str, province_code: str) -> None:
    """Refuse an announcement that is malformed, a duplicate, or changes nothing."""
    if province_code and not re.fullmatch(r"\d{2}", province_code):
        raise ValidationError(
            {
                "province_code": ValidationError(
                    _("A province code is two digits, for example 22."), code="province_code"
                )
            }
        )
    if not workdays.FIRST_YEAR <= date.year <= workdays.LAST_YEAR:
        message = _("The calendar covers the years %(first)s to %(last)s.") % {
            "first": workdays.FIRST_YEAR,
            "last": workdays.LAST_YEAR,
        }
        raise ValidationError({"date": ValidationError(message, code="year_out_of_range")})
    if CalendarAnnouncement.objects.filter(date=date, province_code=province_code).exists():
        raise _duplicate()
    # An announcement that changes nothing is almost always a wrong date (a Friday typed for a
    # Saturday): refuse it rather than let the calendar look confirmed when it is not.
    working = workdays.is_working_day(date, province_code=province_code)
    if kind == CalendarAnnouncement.Kind.DAY_OFF and not working:
        raise ValidationError({"date": ValidationError(_("This date is already a day off."), code="already_day_off")})
    if kind == CalendarAnnouncement.Kind.WORKING_DAY and working:
        raise ValidationError(
            {"date": ValidationError(_("This date is already a working day."), code="already_working_day")}
        )


@transaction.atomic
def announcement_create(
    *, actor: Any, date: dt.date, kind: str, name: str, basis: str, province_code: str = ""
) -> CalendarAnnouncement:
    """Enter an announced day off or make-up working day, overriding the holidays package.

    Deadlines already computed and stored by other modules are not recomputed: the
    announcement counts for deadlines computed from now on.
    """
    province_code = (province_code or "").strip()
    announcement = CalendarAnnouncement(
        date=date, kind=kind, name=(name or "").strip(), basis=(basis or "").strip(), province_code=province_code
    )
    announcement.full_clean(validate_unique=False, validate_constraints=False)
    check_announcement(date=date, kind=kind, province_code=province_code)
    try:
        with transaction.atomic():
            announcement.save(force_insert=True)
    except IntegrityError as exc:  # two administrators entering the same day at once
        raise _duplicate() from exc
    audit_record(
        actor=actor,
        verb="calendar_announcement.created",
        target=announcement,
        unit=_province_unit(province_code),
        changes=created(announcement, ANNOUNCEMENT_FIELDS),
    )
    _calendar_changed()
    return announcement


@transaction.atomic
def announcement_delete(*, actor: Any, announcement: CalendarAnnouncement) -> None:
    """Delete an announcement; the date goes back to what the holidays package says."""
    before = snapshot(announcement, ANNOUNCEMENT_FIELDS)
    audit_record(
        actor=actor,
        verb="calendar_announcement.deleted",
        target=announcement,
        unit=_province_unit(announcement.province_code),
        changes={field: [value, None] for field, value in before.items() if value not in (None, "")},
    )
    announcement.delete()
    _calendar_changed()


def _calendar_changed() -> None:
    # At once, so the rest of this transaction computes with the change; and after commit, so
    # a calendar call made between the two in this process does not keep an uncommitted view.
    workdays.forget()
    transaction.on_commit(workdays.forget)
