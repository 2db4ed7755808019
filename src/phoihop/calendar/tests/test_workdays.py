"""Working days and deadlines on the real calendars of 2024-2027, with and without announcements."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import translation

from phoihop.calendar import workdays
from phoihop.calendar.models import CalendarAnnouncement
from phoihop.calendar.tests.factories import (
    NEW_YEAR_2026_DAY_OFF,
    NEW_YEAR_2026_MAKEUP,
    announce,
    announce_new_year_2026_swap,
)

D = dt.date
OFF = CalendarAnnouncement.Kind.DAY_OFF
WORK = CalendarAnnouncement.Kind.WORKING_DAY

pytestmark = pytest.mark.django_db


# Days off and working days, as the official announcements of each year set them -------------

DAYS_OFF = [
    # 2024: Tết 08-14/02; 29/04 swapped for Saturday 04/05; 2/9 with Tuesday 03/09.
    *(D(2024, 2, day) for day in range(8, 15)),
    D(2024, 4, 18),
    D(2024, 4, 29),
    D(2024, 4, 30),
    D(2024, 5, 1),
    D(2024, 9, 2),
    D(2024, 9, 3),
    # 2025 (Thông báo 6150/TB-BLĐTBXH): Tết 25/01-02/02 with Monday 27/01 off in place of
    # Saturday 01/02; Friday 02/05 swapped for Saturday 26/04; 2/9 with Monday 01/09.
    *(D(2025, 1, day) for day in range(25, 32)),
    D(2025, 2, 1),
    D(2025, 2, 2),
    D(2025, 4, 7),
    D(2025, 4, 30),
    D(2025, 5, 1),
    D(2025, 5, 2),
    D(2025, 9, 1),
    D(2025, 9, 2),
    # 2026: Tết 14-22/02 (16-20/02 on weekdays); Hùng Kings day on Sunday 26/04, off on Monday
    # 27/04; 30/04-01/05; Monday 31/08 swapped for Saturday 22/08; 01-02/09; Culture Day 24/11.
    D(2026, 1, 1),
    *(D(2026, 2, day) for day in range(14, 23)),
    D(2026, 4, 27),
    D(2026, 4, 30),
    D(2026, 5, 1),
    D(2026, 8, 31),
    D(2026, 9, 1),
    D(2026, 9, 2),
    D(2026, 11, 24),
    # 2027: Tết 04-10/02; 01/05 on a Saturday, off on Monday 03/05; 02-03/09; 24/11.
    *(D(2027, 2, day) for day in range(4, 11)),
    D(2027, 5, 3),
    D(2027, 9, 2),
    D(2027, 9, 3),
    D(2027, 11, 24),
]

WORKING_DAYS = [
    D(2024, 2, 7),  # the day before Tết 2024
    D(2024, 2, 15),  # back after Tết
    D(2024, 5, 2),
    D(2024, 5, 4),  # make-up Saturday for 29/04
    D(2024, 9, 4),
    D(2025, 1, 24),
    D(2025, 2, 3),
    D(2025, 4, 26),  # make-up Saturday for 02/05
    D(2025, 8, 29),
    D(2025, 9, 3),  # 2/9 2025 fell on a Tuesday; its adjacent day was Monday 01/09, not 03/09
    D(2026, 1, 2),  # working in the package; the 2026 swap is an announcement (see below)
    D(2026, 2, 13),
    D(2026, 2, 23),
    D(2026, 4, 28),
    D(2026, 5, 4),
    D(2026, 8, 22),  # make-up Saturday for 31/08
    D(2026, 9, 3),
    D(2026, 11, 23),
    D(2027, 2, 11),
    D(2027, 5, 4),
]


@pytest.mark.parametrize("day", DAYS_OFF, ids=str)
def test_official_days_off_are_not_working_days(day):
    assert not workdays.is_working_day(day)


@pytest.mark.parametrize("day", WORKING_DAYS, ids=str)
def test_official_working_days_are_working_days(day):
    assert workdays.is_working_day(day)


@pytest.mark.parametrize("day", [D(2026, 3, 7), D(2026, 3, 8), D(2025, 12, 27), D(2025, 12, 28)], ids=str)
def test_ordinary_weekends_are_days_off(day):
    assert not workdays.is_working_day(day)


def test_a_datetime_counts_as_its_date():
    assert not workdays.is_working_day(dt.datetime(2026, 2, 17, 9, 30))


# Civil Code counting -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "n", "working", "expected"),
    [
        # Điều 147: the period starts the day after the event.
        (D(2026, 3, 2), 5, False, D(2026, 3, 7 + 2)),  # ends Saturday 07/03 → Monday 09/03
        (D(2026, 3, 3), 5, False, D(2026, 3, 9)),
        (D(2026, 3, 4), 1, False, D(2026, 3, 5)),
        # Điều 148.5: a last day in Tết moves to the end of the next working day.
        (D(2026, 2, 13), 5, False, D(2026, 2, 23)),
        (D(2026, 2, 13), 1, False, D(2026, 2, 23)),
        (D(2025, 1, 20), 10, False, D(2025, 2, 3)),
        # ... and in the 30/4-1/5 and 2/9 breaks.
        (D(2026, 4, 24), 3, False, D(2026, 4, 28)),  # Monday 27/04 is Hùng Kings day off (observed)
        (D(2024, 8, 30), 3, False, D(2024, 9, 4)),
        (D(2026, 8, 26), 5, False, D(2026, 9, 3)),  # 31/08 swapped off, 01-02/09 holiday
        # A make-up Saturday is a working day: the deadline stays on it.
        (D(2025, 4, 25), 1, False, D(2025, 4, 26)),
        (D(2024, 5, 3), 1, False, D(2024, 5, 4)),
        # Working days: counted from the day after, skipping every day off.
        (D(2026, 2, 13), 5, True, D(2026, 2, 27)),
        (D(2026, 2, 12), 1, True, D(2026, 2, 13)),
        (D(2025, 4, 25), 1, True, D(2025, 4, 26)),
        (D(2025, 4, 29), 2, True, D(2025, 5, 6)),
        (D(2026, 8, 28), 1, True, D(2026, 9, 3)),
        (D(2026, 11, 23), 1, True, D(2026, 11, 25)),  # Culture Day 24/11 from 2026
        (D(2026, 2, 17), 1, True, D(2026, 2, 23)),  # an event on a day off
        # Citizen reception (Luật Tiếp công dân Đ28): 10 working days across the Tết of 2025.
        (D(2025, 1, 20), 10, True, D(2025, 2, 10)),
        # Across a year end.
        (D(2025, 12, 31), 1, False, D(2026, 1, 2)),
        (D(2026, 12, 30), 2, True, D(2027, 1, 4)),
        # Zero: the day itself when working, else the next working day.
        (D(2026, 2, 23), 0, False, D(2026, 2, 23)),
        (D(2026, 2, 17), 0, False, D(2026, 2, 23)),
        (D(2026, 2, 17), 0, True, D(2026, 2, 23)),
    ],
)
def test_add_days_counts_as_the_civil_code_says(start, n, working, expected):
    assert workdays.add_days(start, n, working=working) == expected


@pytest.mark.parametrize(
    ("start", "n", "working", "expected"),
    [
        # Before an event: the day n days before, moved EARLIER when it is a day off.
        (D(2026, 2, 25), -7, False, D(2026, 2, 13)),  # 18/02 is Tết → Friday 13/02
        (D(2026, 5, 4), -3, False, D(2026, 4, 29)),  # 01/05 off, 30/04 off → 29/04
        (D(2026, 3, 20), -5, False, D(2026, 3, 13)),  # Sunday 15/03 → Friday 13/03
        (D(2026, 3, 20), -4, False, D(2026, 3, 16)),
        (D(2025, 5, 5), -10, False, D(2025, 4, 25)),
        (D(2025, 5, 5), -9, False, D(2025, 4, 26)),  # the make-up Saturday counts as working
        # Working days before: the n-th working day before the event.
        (D(2026, 2, 23), -1, True, D(2026, 2, 13)),
        (D(2026, 9, 3), -1, True, D(2026, 8, 28)),
        (D(2026, 9, 3), -2, True, D(2026, 8, 27)),
        (D(2025, 4, 28), -1, True, D(2025, 4, 26)),
    ],
)
def test_deadlines_before_an_event_count_back_and_move_earlier(start, n, working, expected):
    assert workdays.add_days(start, n, working=working) == expected


def test_a_deadline_before_an_event_is_never_after_the_day_counted():
    # The decision of add_days' docstring, over a whole year: never later than start - n.
    start = D(2026, 1, 1)
    for offset in range(365):
        event = start + dt.timedelta(days=offset)
        deadline = workdays.add_days(event, -10)
        assert deadline <= event - dt.timedelta(days=10)
        assert workdays.is_working_day(deadline)


def test_every_calendar_deadline_is_a_working_day_on_or_after_the_last_day():
    start = D(2025, 1, 1)
    for offset in range(730):
        event = start + dt.timedelta(days=offset)
        for n in (1, 5, 15, 30):
            deadline = workdays.add_days(event, n)
            assert deadline >= event + dt.timedelta(days=n)
            assert workdays.is_working_day(deadline)
            # Moved only over days off: nothing between the last day and the deadline works.
            assert not any(
                workdays.is_working_day(event + dt.timedelta(days=k)) for k in range(n, (deadline - event).days)
            )


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (D(2026, 2, 13), D(2026, 2, 27), 5),
        (D(2026, 2, 27), D(2026, 2, 13), -5),
        (D(2026, 2, 13), D(2026, 2, 13), 0),
        (D(2026, 2, 13), D(2026, 2, 22), 0),  # only Tết and a weekend in between
        (D(2025, 4, 25), D(2025, 4, 28), 2),  # Saturday 26/04 worked, Monday 28/04
        (D(2025, 12, 31), D(2026, 1, 5), 2),
        # 261 weekdays, minus 13 weekday holidays, plus Saturday 22/08.
        (D(2026, 1, 1), D(2026, 12, 31), 249),
    ],
)
def test_working_days_between_counts_b_and_not_a(a, b, expected):
    assert workdays.working_days_between(a, b) == expected


def test_working_days_between_and_add_days_agree_both_ways():
    anchors = [D(2025, 1, 22), D(2025, 4, 24), D(2026, 2, 12), D(2026, 8, 20), D(2026, 12, 28)]
    for a in anchors:
        for n in range(-25, 26):
            b = workdays.add_days(a, n, working=True)
            assert workdays.working_days_between(a, b) == n, (a, n, b)


def test_next_and_previous_working_day_skip_tet():
    assert workdays.next_working_day(D(2026, 2, 13)) == D(2026, 2, 23)
    assert workdays.previous_working_day(D(2026, 2, 23)) == D(2026, 2, 13)
    assert workdays.next_working_day(D(2026, 3, 2)) == D(2026, 3, 3)


def test_years_outside_the_calendar_are_refused():
    with pytest.raises(ValueError, match="2101"):
        workdays.add_days(D(2101, 3, 1), 1)
    with pytest.raises(ValueError, match="1989"):
        workdays.days_off(1989)


# Named days ---------------------------------------------------------------------------------


def test_days_off_of_2026_name_each_day_as_the_package_does():
    with translation.override("vi"):
        days = {day.date: day.name for day in workdays.days_off(2026)}
    assert days[D(2026, 2, 17)] == "Tết Nguyên Đán"
    assert days[D(2026, 4, 27)] == "Ngày Giỗ Tổ Hùng Vương (nghỉ bù)"
    assert days[D(2026, 8, 31)] == "Ngày nghỉ (thay cho ngày 22/08/2026)"
    assert days[D(2026, 11, 24)] == "Ngày Văn hóa Việt Nam"
    assert D(2026, 3, 7) not in days  # plain weekends are not listed
    assert len(days) == 14


def test_day_names_follow_the_active_language():
    with translation.override("en"):
        names = {day.date: day.name for day in workdays.days_off(2026)}
    assert names[D(2026, 2, 17)] == "Lunar New Year"


def test_makeup_days_name_the_day_off_they_pay_for():
    with translation.override("en"):
        days = workdays.makeup_days(2025)
    assert [(d.date, d.name) for d in days] == [(D(2025, 4, 26), "Make-up working day for the day off on 02/05/2025")]
    assert workdays.makeup_days(2027) == []


# Announcements ------------------------------------------------------------------------------


def test_the_2026_new_year_swap_moves_deadlines_once_announced():
    assert workdays.add_days(D(2025, 12, 31), 1) == D(2026, 1, 2)
    announce_new_year_2026_swap()
    assert not workdays.is_working_day(NEW_YEAR_2026_DAY_OFF)
    assert workdays.is_working_day(NEW_YEAR_2026_MAKEUP)
    # The extra day off moves a deadline ...
    assert workdays.add_days(D(2025, 12, 31), 1) == D(2026, 1, 5)
    assert workdays.add_days(D(2025, 12, 31), 1, working=True) == D(2026, 1, 5)
    # ... and the make-up Saturday counts as a working day.
    assert workdays.add_days(D(2026, 1, 9), 1, working=True) == D(2026, 1, 10)
    assert workdays.add_days(D(2026, 1, 9), 1) == D(2026, 1, 10)
    assert workdays.working_days_between(D(2026, 1, 9), D(2026, 1, 12)) == 2


def test_announced_days_are_listed_with_their_basis():
    announce_new_year_2026_swap()
    day_off = next(d for d in workdays.days_off(2026) if d.date == NEW_YEAR_2026_DAY_OFF)
    assert day_off.announced and day_off.basis == "Thông báo của Bộ Nội vụ ngày 25/12/2025"
    makeup = [d.date for d in workdays.makeup_days(2026)]
    assert makeup == [NEW_YEAR_2026_MAKEUP, D(2026, 8, 22)]


def test_an_announcement_overrides_a_package_holiday():
    # Say the 31/08 swap were cancelled: the announcement wins over the package.
    announce(date=D(2026, 8, 31), kind=WORK, name="Đi làm bình thường")
    assert workdays.is_working_day(D(2026, 8, 31))
    assert D(2026, 8, 31) not in [d.date for d in workdays.days_off(2026)]
    assert workdays.add_days(D(2026, 8, 28), 1, working=True) == D(2026, 8, 31)


def test_a_province_announcement_applies_to_that_province_only():
    announce(date=D(2026, 4, 28), kind=OFF, name="Nghỉ lễ của tỉnh", province_code="22")
    assert workdays.is_working_day(D(2026, 4, 28))
    assert not workdays.is_working_day(D(2026, 4, 28), province_code="22")
    assert workdays.is_working_day(D(2026, 4, 28), province_code="01")
    assert workdays.add_days(D(2026, 4, 26), 1, working=True, province_code="22") == D(2026, 4, 29)


def test_a_province_announcement_wins_over_a_nationwide_one():
    announce_new_year_2026_swap()
    announce(date=NEW_YEAR_2026_DAY_OFF, kind=WORK, name="Tỉnh làm việc", province_code="22")
    assert not workdays.is_working_day(NEW_YEAR_2026_DAY_OFF)
    assert workdays.is_working_day(NEW_YEAR_2026_DAY_OFF, province_code="22")


# The cache ----------------------------------------------------------------------------------


def test_ten_thousand_deadlines_cost_at_most_two_queries(django_assert_max_num_queries):
    announce_new_year_2026_swap()
    workdays.forget()
    events = [D(2024, 1, 1) + dt.timedelta(days=i % 1400) for i in range(10_000)]
    # One query for the fingerprint, one to re-read the announcements it says changed.
    with django_assert_max_num_queries(2):
        deadlines = [workdays.add_days(event, 1 + i % 30, working=bool(i % 2)) for i, event in enumerate(events)]
    assert len(deadlines) == 10_000


def test_an_announcement_from_another_process_counts_from_the_next_request(client):
    assert workdays.is_working_day(D(2026, 4, 28))
    # Written behind the services' back, as another process's transaction would look here.
    CalendarAnnouncement.objects.create(date=D(2026, 4, 28), kind=OFF, name="Nghỉ", basis="Thông báo")
    assert workdays.is_working_day(D(2026, 4, 28))  # still the cached view
    client.get(reverse("healthz"))  # any request (it sends request_started)
    assert not workdays.is_working_day(D(2026, 4, 28))


def test_a_worker_sees_a_new_announcement_after_the_recheck_interval(monkeypatch):
    assert workdays.is_working_day(D(2026, 4, 28))
    CalendarAnnouncement.objects.create(date=D(2026, 4, 28), kind=OFF, name="Nghỉ", basis="Thông báo")
    monkeypatch.setattr(workdays, "RECHECK_SECONDS", 0.0)
    assert not workdays.is_working_day(D(2026, 4, 28))


def test_a_deleted_announcement_stops_counting():
    announcement = announce(date=D(2026, 4, 28), kind=OFF, name="Nghỉ")
    assert not workdays.is_working_day(D(2026, 4, 28))
    from phoihop.calendar import services

    services.announcement_delete(actor=None, announcement=announcement)
    assert workdays.is_working_day(D(2026, 4, 28))
