"""Report periods of Decree 09/2019: ids, cut-off windows, the period of a date, next and previous."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from phoihop.calendar.periods import (
    PeriodType,
    make_period,
    parse_period,
    period_containing,
    periods_of_year,
    submission_deadline,
)

D = dt.date
T = PeriodType


@pytest.mark.parametrize(
    ("period_id", "kind", "start", "end"),
    [
        ("202603", T.MONTHLY, D(2026, 2, 15), D(2026, 3, 14)),
        ("202601", T.MONTHLY, D(2025, 12, 15), D(2026, 1, 14)),
        ("202612", T.MONTHLY, D(2026, 11, 15), D(2026, 12, 14)),
        ("2026Q1", T.QUARTERLY, D(2025, 12, 15), D(2026, 3, 14)),
        ("2026Q2", T.QUARTERLY, D(2026, 3, 15), D(2026, 6, 14)),
        ("2026Q4", T.QUARTERLY, D(2026, 9, 15), D(2026, 12, 14)),
        ("2026S1", T.SIX_MONTHLY, D(2025, 12, 15), D(2026, 6, 14)),
        ("2026S2", T.SIX_MONTHLY, D(2026, 6, 15), D(2026, 12, 14)),
        ("2026N9", T.NINE_MONTHLY, D(2025, 12, 15), D(2026, 9, 14)),
        ("2026", T.YEARLY, D(2025, 12, 15), D(2026, 12, 14)),
    ],
)
def test_each_id_names_its_decree_09_window(period_id, kind, start, end):
    period = parse_period(period_id)
    assert (period.id, period.type, period.start, period.end) == (period_id, kind, start, end)
    assert str(period) == period_id


@pytest.mark.parametrize(
    ("written", "canonical"),
    [("2026-03", "202603"), ("2026q1", "2026Q1"), (" 2026s1 ", "2026S1"), ("2026n9", "2026N9")],
)
def test_other_spellings_parse_to_the_canonical_id(written, canonical):
    assert parse_period(written).id == canonical


@pytest.mark.parametrize(
    "bad", ["", "26Q1", "2026Q5", "2026Q0", "202613", "202600", "2026S3", "2026N8", "2026M3", "0000"]
)
def test_a_malformed_id_is_refused_with_the_accepted_forms(bad):
    with pytest.raises(ValueError, match="2026S1"):
        parse_period(bad)


@pytest.mark.parametrize("kind", list(T))
def test_ids_round_trip_over_three_years(kind):
    for year in (2025, 2026, 2027):
        for period in periods_of_year(kind, year):
            assert parse_period(period.id) == period


@pytest.mark.parametrize(
    ("day", "kind", "expected"),
    [
        # The 14th closes a window, the 15th opens the next.
        (D(2026, 3, 14), T.MONTHLY, "202603"),
        (D(2026, 3, 15), T.MONTHLY, "202604"),
        (D(2026, 3, 20), T.MONTHLY, "202604"),  # a March date in April's window
        (D(2026, 3, 1), T.MONTHLY, "202603"),
        (D(2025, 12, 15), T.MONTHLY, "202601"),
        (D(2026, 12, 31), T.MONTHLY, "202701"),
        (D(2025, 12, 15), T.QUARTERLY, "2026Q1"),
        (D(2026, 3, 14), T.QUARTERLY, "2026Q1"),
        (D(2026, 3, 15), T.QUARTERLY, "2026Q2"),
        (D(2026, 12, 14), T.QUARTERLY, "2026Q4"),
        (D(2026, 6, 14), T.SIX_MONTHLY, "2026S1"),
        (D(2026, 6, 15), T.SIX_MONTHLY, "2026S2"),
        (D(2026, 12, 15), T.SIX_MONTHLY, "2027S1"),
        (D(2026, 9, 14), T.NINE_MONTHLY, "2026N9"),
        (D(2025, 12, 15), T.NINE_MONTHLY, "2026N9"),
        (D(2026, 12, 15), T.NINE_MONTHLY, "2027N9"),
        (D(2026, 12, 14), T.YEARLY, "2026"),
        (D(2026, 12, 15), T.YEARLY, "2027"),
        (D(2026, 1, 1), T.YEARLY, "2026"),
    ],
)
def test_period_containing_follows_the_cut_off_not_the_calendar_month(day, kind, expected):
    assert period_containing(day, kind).id == expected


@pytest.mark.parametrize("day", [D(2026, 9, 15), D(2026, 10, 31), D(2026, 12, 14)])
def test_no_nine_month_period_covers_the_autumn(day):
    assert period_containing(day, T.NINE_MONTHLY) is None


@pytest.mark.parametrize("kind", [T.MONTHLY, T.QUARTERLY, T.SIX_MONTHLY, T.YEARLY])
def test_periods_of_a_type_tile_the_days_without_gap_or_overlap(kind):
    period = period_containing(D(2024, 12, 1), kind)
    day = period.start
    while day < D(2028, 1, 1):
        containing = period_containing(day, kind)
        assert containing == period and period.contains(day), day
        day += dt.timedelta(days=1)
        if day > period.end:
            following = period.next()
            assert following.start == day
            assert following.previous() == period
            period = following


@pytest.mark.parametrize(
    ("period_id", "following", "preceding"),
    [
        ("202612", "202701", "202611"),
        ("202601", "202602", "202512"),
        ("2026Q4", "2027Q1", "2026Q3"),
        ("2026Q1", "2026Q2", "2025Q4"),
        ("2026S1", "2026S2", "2025S2"),
        ("2026S2", "2027S1", "2026S1"),
        ("2026N9", "2027N9", "2025N9"),
        ("2026", "2027", "2025"),
    ],
)
def test_next_and_previous_cross_years(period_id, following, preceding):
    period = parse_period(period_id)
    assert period.next().id == following
    assert period.previous().id == preceding


@pytest.mark.parametrize(
    ("period_id", "label"),
    [
        ("202603", "Month 3, 2026"),
        ("2026Q1", "Quarter I, 2026"),
        ("2026Q4", "Quarter IV, 2026"),
        ("2026S1", "First six months of 2026"),
        ("2026S2", "Last six months of 2026"),
        ("2026N9", "Nine months of 2026"),
        ("2026", "Year 2026"),
    ],
)
def test_labels_are_translatable_sentences(period_id, label):
    with translation.override("en"):
        assert parse_period(period_id).label == label


def test_a_period_number_out_of_range_is_a_programming_error():
    with pytest.raises(ValueError, match="1 to 4"):
        make_period(T.QUARTERLY, 2026, 5)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("period_id", "working_days", "expected"),
    [
        # Cut-off Saturday 14/02/2026, then Tết 16-20/02: the 2nd working day is Tuesday 24/02.
        ("202602", 2, D(2026, 2, 24)),
        # Cut-off Saturday 14/03/2026: Monday 16/03 and Tuesday 17/03.
        ("2026Q1", 2, D(2026, 3, 17)),
        # Cut-off Monday 14/09/2026 (after the 2/9 break): Wednesday 16/09.
        ("2026N9", 2, D(2026, 9, 16)),
        # Cut-off Monday 14/12/2026, five working days.
        ("2026", 5, D(2026, 12, 21)),
        # Zero days: the cut-off itself when it is a working day.
        ("2026", 0, D(2026, 12, 14)),
    ],
)
def test_submission_deadline_counts_working_days_after_the_cut_off(period_id, working_days, expected):
    assert submission_deadline(parse_period(period_id), working_days) == expected
