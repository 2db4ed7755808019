"""The friendly schedule choices become RFC 5545 rules (and read back), the rules read in words,
and the units a person may register for."""

from __future__ import annotations

import datetime as dt

import pytest
from dateutil.rrule import rrulestr
from django.core.exceptions import ValidationError
from django.utils import translation

from phoihop.agreements.forms import (
    ObligationForm,
    acting_units,
    describe_deadline,
    describe_schedule,
    schedule_from_rrule,
    schedule_rrule,
)
from phoihop.agreements.models import Obligation
from phoihop.orgs.models import Unit


@pytest.mark.parametrize(
    ("choice", "rule"),
    [
        ({"every": "months", "interval": 6}, "FREQ=MONTHLY;INTERVAL=6;BYMONTHDAY=1"),
        ({"every": "months", "interval": 1}, "FREQ=MONTHLY;BYMONTHDAY=1"),
        ({"every": "quarters", "interval": 1}, "FREQ=YEARLY;BYMONTH=1,4,7,10;BYMONTHDAY=1"),
        ({"every": "quarters", "interval": 2}, "FREQ=YEARLY;BYMONTH=1,7;BYMONTHDAY=1"),
        ({"every": "quarters", "interval": 3}, "FREQ=MONTHLY;INTERVAL=9;BYMONTHDAY=1"),
        ({"every": "half_years", "interval": 1}, "FREQ=YEARLY;BYMONTH=1,7;BYMONTHDAY=1"),
        ({"every": "half_years", "interval": 2}, "FREQ=YEARLY;BYMONTH=1;BYMONTHDAY=1"),
        ({"every": "years", "interval": 1}, "FREQ=YEARLY;BYMONTH=1;BYMONTHDAY=1"),
        ({"every": "years", "interval": 5}, "FREQ=YEARLY;INTERVAL=5;BYMONTH=1;BYMONTHDAY=1"),
        ({"every": "weeks", "interval": 1}, "FREQ=WEEKLY"),
        ({"every": "weeks", "interval": 2}, "FREQ=WEEKLY;INTERVAL=2"),
        ({"every": "yearly_on", "month": 10, "day": 17}, "FREQ=YEARLY;BYMONTH=10;BYMONTHDAY=17"),
        ({"every": "yearly_on", "month": 2, "day": 29}, "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29"),
        ({"every": "custom", "custom": " rrule:freq=weekly;byday=mo "}, "FREQ=WEEKLY;BYDAY=MO"),
    ],
)
def test_a_friendly_schedule_becomes_an_rfc_5545_rule(choice, rule):
    assert schedule_rrule(**choice) == rule
    # dateutil reads every rule we write (the services plan the dates with it).
    assert rrulestr(rule, dtstart=dt.datetime(2024, 1, 1)).after(dt.datetime(2024, 1, 1)) is not None


def dates(rule, start, n):
    return [d.date() for d in rrulestr(rule, dtstart=start)[:n]]


def test_every_quarter_and_half_year_follow_the_calendar_whatever_the_start():
    signed = dt.datetime(2021, 11, 30)  # Regulation 194 took effect on 30/11/2021
    quarterly = schedule_rrule(every="quarters", interval=1)
    assert dates(quarterly, signed, 3) == [dt.date(2022, 1, 1), dt.date(2022, 4, 1), dt.date(2022, 7, 1)]
    half_yearly = schedule_rrule(every="half_years", interval=1)
    assert dates(half_yearly, signed, 3) == [dt.date(2022, 1, 1), dt.date(2022, 7, 1), dt.date(2023, 1, 1)]


def test_every_n_months_keeps_february_when_the_agreement_starts_on_the_30th():
    # FREQ=MONTHLY;INTERVAL=3 from 30/11 skips 30/02: RFC 5545 drops dates that do not exist.
    signed = dt.datetime(2021, 11, 30)
    assert dates("FREQ=MONTHLY;INTERVAL=3", signed, 2) == [dt.date(2021, 11, 30), dt.date(2022, 5, 30)]
    ours = dates(schedule_rrule(every="months", interval=3), signed, 3)
    assert ours == [dt.date(2022, 2, 1), dt.date(2022, 5, 1), dt.date(2022, 8, 1)]


@pytest.mark.parametrize(
    ("choice", "field"),
    [
        ({"every": "months", "interval": 0}, "interval"),
        ({"every": "yearly_on", "month": 2, "day": 30}, "on_day"),
        ({"every": "yearly_on", "month": None, "day": 17}, "on_day"),
        ({"every": "custom", "custom": "  "}, "custom_rrule"),
        ({"every": "fortnightly", "interval": 1}, "every"),
    ],
)
def test_a_schedule_that_cannot_be_written_is_refused_beside_its_field(choice, field):
    with pytest.raises(ValidationError) as caught:
        schedule_rrule(**choice)
    assert list(caught.value.error_dict) == [field]


@pytest.mark.parametrize(
    "choice",
    [
        {"every": "months", "interval": 6},
        {"every": "quarters", "interval": 1},
        {"every": "years", "interval": 2},
        {"every": "weeks", "interval": 1},
        {"every": "yearly_on", "month": 11, "day": 18},
    ],
)
def test_a_stored_rule_reads_back_into_the_same_choice(choice):
    back = schedule_from_rrule(schedule_rrule(**choice))
    again = schedule_rrule(
        every=back["every"], interval=back.get("interval", 1), month=back.get("on_month"), day=back.get("on_day")
    )
    assert again == schedule_rrule(**choice)


def test_rules_read_back_only_when_the_choice_writes_them_exactly():
    assert schedule_from_rrule("FREQ=YEARLY;BYMONTH=1,4,7,10;BYMONTHDAY=1") == {"every": "quarters", "interval": 1}
    assert schedule_from_rrule("FREQ=MONTHLY;INTERVAL=6;BYMONTHDAY=1") == {"every": "months", "interval": 6}
    assert schedule_from_rrule("FREQ=YEARLY;BYMONTH=11;BYMONTHDAY=18") == {
        "every": "yearly_on",
        "on_month": 11,
        "on_day": 18,
    }
    # Written another way, a rule stays as it is: saving the form must not change the schedule.
    for rule in ("FREQ=MONTHLY;INTERVAL=6", "FREQ=YEARLY;BYMONTHDAY=1;BYMONTH=1,7", "FREQ=WEEKLY;BYDAY=MO"):
        assert schedule_from_rrule(rule) == {"every": "custom", "custom_rrule": rule}


@translation.override("en")
def test_the_schedule_and_deadline_read_in_words():
    half_yearly = Obligation(
        schedule_kind="recurring",
        rrule="FREQ=YEARLY;BYMONTH=1,7;BYMONTHDAY=1",
        deadline_rule="after_period_end",
        deadline_days=10,
        deadline_working_days=True,
    )
    assert describe_schedule(half_yearly) == "Every half-year"
    assert describe_deadline(half_yearly) == "10 working days after the period ends"
    drive = Obligation(
        schedule_kind="recurring",
        rrule="FREQ=YEARLY;BYMONTH=10;BYMONTHDAY=17",
        deadline_rule="fixed_date",
    )
    assert describe_schedule(drive) == "Every year on 17/10"
    topics = Obligation(
        schedule_kind="recurring",
        rrule="FREQ=YEARLY",
        deadline_rule="date_of_previous_year",
        deadline_date=dt.date(2000, 3, 1),
    )
    assert describe_deadline(topics) == "By 01/03 of the year before"
    session = Obligation(schedule_kind="event", event_kind="council_regular_session", deadline_rule="before_event")
    assert describe_schedule(session).startswith("For each event: ")
    assert describe_deadline(session) == "By the day of the event"


@pytest.mark.django_db
def test_the_obligation_form_turns_its_schedule_fields_into_the_rule(tree):
    units = Unit.objects.filter(pk=tree["commune_ubnd"].pk)
    from phoihop.agreements.models import Area

    form = ObligationForm(
        {
            "title": "Thông báo tình hình",
            "owing_units": [tree["commune_ubnd"].pk],
            "area": Area.objects.first().pk,
            "schedule_kind": "recurring",
            "every": "quarters",
            "interval": "2",
            "deadline_rule": "after_period_end",
            "deadline_days": "5",
            "evidence_kinds": ["note"],
        },
        units=units,
    )
    assert form.is_valid(), form.errors
    assert form.service_fields()["rrule"] == "FREQ=YEARLY;BYMONTH=1,7;BYMONTHDAY=1"  # 2 quarters = a half-year
    once = ObligationForm(
        {
            "title": "Kế hoạch",
            "owing_units": [tree["commune_ubnd"].pk],
            "area": Area.objects.first().pk,
            "schedule_kind": "once",
            "every": "months",
            "interval": "0",  # ignored: a one-off duty has no rule
            "deadline_rule": "fixed_date",
            "deadline_date": "20/03/2026",
            "evidence_kinds": ["note"],
        },
        units=units,
    )
    assert once.is_valid(), once.errors
    assert once.service_fields()["rrule"] == "" and once.service_fields()["deadline_date"] == dt.date(2026, 3, 20)


@pytest.mark.django_db
def test_a_person_registers_for_their_bodies_but_not_for_the_communes_below(tree, province_admin, commune_admin):
    codes = set(acting_units(province_admin).values_list("code", flat=True))
    assert {"22-UBND", "22-SONV", "22-MTTQ", "22-HLHPN"} <= codes
    assert not codes & {"22", "07090", "07090-UBND", "07090-MTTQ"}
    assert set(acting_units(commune_admin).values_list("code", flat=True)) == {"07090-UBND", "07090-MTTQ"}
