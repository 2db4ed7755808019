"""Entering and deleting calendar announcements: checks, the audit trail, the calendar itself."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from phoihop.calendar import services, workdays
from phoihop.calendar.models import CalendarAnnouncement
from phoihop.core.models import AuditEvent

D = dt.date
OFF = CalendarAnnouncement.Kind.DAY_OFF
WORK = CalendarAnnouncement.Kind.WORKING_DAY

pytestmark = pytest.mark.django_db


def create(actor, **overrides):
    fields = {
        "date": D(2026, 1, 2),
        "kind": OFF,
        "name": "Nghỉ hoán đổi Tết Dương lịch",
        "basis": "Thông báo của Bộ Nội vụ ngày 25/12/2025",
    }
    return services.announcement_create(actor=actor, **(fields | overrides))


def test_creating_an_announcement_is_audited_and_changes_the_calendar(province_admin):
    announcement = create(province_admin)
    event = AuditEvent.objects.get(verb="calendar_announcement.created")
    assert event.actor == province_admin
    assert event.target_id == str(announcement.pk)
    assert event.changes["date"] == [None, "2026-01-02"]
    assert event.changes["basis"] == [None, "Thông báo của Bộ Nội vụ ngày 25/12/2025"]
    assert event.unit is None  # nationwide
    assert not workdays.is_working_day(D(2026, 1, 2))


def test_a_province_announcement_is_audited_under_the_province(province_admin, tree):
    create(province_admin, date=D(2026, 4, 28), province_code="22")
    assert AuditEvent.objects.get(verb="calendar_announcement.created").unit == tree["province"]


def test_deleting_an_announcement_is_audited_and_restores_the_package_calendar(province_admin):
    announcement = create(province_admin)
    pk = announcement.pk
    services.announcement_delete(actor=province_admin, announcement=announcement)
    assert not CalendarAnnouncement.objects.filter(pk=pk).exists()
    event = AuditEvent.objects.get(verb="calendar_announcement.deleted")
    assert event.target_id == str(pk)
    assert event.changes["kind"] == ["day_off", None]
    assert workdays.is_working_day(D(2026, 1, 2))


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"date": D(2026, 2, 17)}, "date", "already_day_off"),  # Tết
        ({"date": D(2026, 3, 7)}, "date", "already_day_off"),  # a Saturday
        ({"date": D(2026, 3, 6), "kind": WORK}, "date", "already_working_day"),  # a Friday
        ({"date": D(2026, 8, 22), "kind": WORK}, "date", "already_working_day"),  # the package's make-up day
        ({"date": D(2150, 1, 2)}, "date", "year_out_of_range"),
        ({"province_code": "QN"}, "province_code", "province_code"),
        ({"basis": "  "}, "basis", "blank"),
        ({"name": ""}, "name", "blank"),
        ({"kind": "holiday"}, "kind", "invalid_choice"),
    ],
)
def test_a_wrong_announcement_is_refused_beside_its_field_and_nothing_is_saved(province_admin, overrides, field, code):
    with pytest.raises(ValidationError) as caught:
        create(province_admin, **overrides)
    assert [error.code for error in caught.value.error_dict[field]] == [code]
    assert not CalendarAnnouncement.objects.exists()
    assert not AuditEvent.objects.filter(verb__startswith="calendar_announcement").exists()


def test_a_second_announcement_for_the_same_day_and_scope_is_refused(province_admin):
    create(province_admin)
    with pytest.raises(ValidationError) as caught:
        # Now a day off, so "make it a working day" would change something: the clash is the error.
        create(province_admin, kind=WORK, name="Làm việc")
    assert [error.code for error in caught.value.error_dict["date"]] == ["duplicate"]
    assert CalendarAnnouncement.objects.count() == 1


def test_the_year_error_names_the_years_the_calendar_covers(province_admin):
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        create(province_admin, date=D(2150, 1, 2))
    assert str(caught.value.error_dict["date"][0].message) == "The calendar covers the years 1990 to 2100."


def test_the_same_day_may_be_announced_for_a_province_and_nationwide(province_admin):
    create(province_admin)
    create(province_admin, kind=WORK, name="Tỉnh vẫn làm việc", province_code="22")
    assert CalendarAnnouncement.objects.count() == 2
