"""Calendar feeds: the address works without a login, validates as iCalendar, carries each kind
of item (tasks, meetings, duties, report deadlines) of the owner's units and nothing of another
unit's, follows the owner's memberships, answers 404 once revoked, and costs a bounded number of
queries however many items it holds.

"Opens in a calendar program": no second iCalendar reader is installed here (vobject is not a
dependency and LibreOffice does not read .ics), so besides the icalendar parser the tests check
what calendar programs trip over: CRLF line ends and lines folded at 75 octets (RFC 5545 §3.1).
"""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from phoihop.agreements.tests.factories import commune_agreement, make_obligation  # noqa: F401 - fixture
from phoihop.meetings import services
from phoihop.meetings.tests.conftest import at
from phoihop.orgs import services as org_services
from phoihop.reporting.tests.factories import indicators, monthly_form  # noqa: F401 - fixtures
from phoihop.tasks import services as task_services

pytestmark = pytest.mark.django_db


def _task(actor, unit, title, due):
    return task_services.task_create(actor=actor, title=title, lead_unit=unit, due_date=due)


@pytest.fixture
def world(tree, commune_officer, officer_other_commune, commune_agreement, monthly_form, meeting):  # noqa: F811
    """Items of commune 07090 (xa's) and of commune 07093 (xa2's)."""
    own_task = _task(commune_officer, tree["commune_ubnd"], "Rà soát hộ nghèo phường An Sinh", dt.date(2026, 3, 20))
    other_task = _task(officer_other_commune, tree["other_ubnd"], "Việc của phường Đông Triều", dt.date(2026, 3, 21))
    duty = make_obligation(agreement=commune_agreement, owing=[tree["commune_ubnd"]])
    commune_meeting = services.meeting_create(
        actor=commune_officer,
        title="Giao ban UBND - MTTQ phường An Sinh",
        starts_at=at(12, 14),
        ends_at=at(12, 16),
        host_unit=tree["commune_ubnd"],
    )
    other_meeting = services.meeting_create(
        actor=officer_other_commune,
        title="Họp riêng của phường Đông Triều",
        starts_at=at(13, 14),
        ends_at=at(13, 16),
        host_unit=tree["other_ubnd"],
    )
    return {
        "own_task": own_task,
        "other_task": other_task,
        "duty": duty,
        "commune_meeting": commune_meeting,
        "other_meeting": other_meeting,
    }


def _get(client, token):
    return client.get(reverse("meetings:feed-ics", args=[token]))


def _summaries(cal):
    return [str(component["SUMMARY"]) for component in cal.walk("VEVENT")]


def test_my_feed_holds_each_kind_of_item_and_validates(client, world, commune_officer, meeting):
    _feed, token = services.feed_create(actor=commune_officer)
    response = _get(client, token)  # no login: the token is the credential
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    cal = icalendar.Calendar.from_ical(response.content)
    events = list(cal.walk("VEVENT"))
    for event in events:
        assert {"UID", "DTSTAMP", "DTSTART"} <= set(event.keys())
    uids = [str(e["UID"]) for e in events]
    assert len(uids) == len(set(uids))
    summaries = " | ".join(_summaries(cal))
    assert "Rà soát hộ nghèo phường An Sinh" in summaries  # a task of xa's unit
    assert meeting.title in summaries  # invited by name
    assert "Giao ban UBND - MTTQ phường An Sinh" in summaries  # hosted by xa's unit
    assert world["duty"].title in summaries  # an occurrence 07090-UBND owes
    assert "Báo cáo tháng của UBND cấp xã" in summaries  # a report deadline of 07090-UBND
    # Nothing of the other commune.
    assert "Đông Triều" not in summaries
    task_event = next(e for e in events if "Rà soát hộ nghèo" in str(e["SUMMARY"]))
    assert task_event.decoded("DTSTART") == dt.date(2026, 3, 20)  # all day, on the due date


def test_the_feed_keeps_rfc_5545_line_rules(client, world, commune_officer):
    _feed, token = services.feed_create(actor=commune_officer)
    body = _get(client, token).content
    assert body.endswith(b"\r\n")
    lines = body.split(b"\r\n")[:-1]
    assert all(b"\n" not in line and b"\r" not in line for line in lines)  # no bare LF anywhere
    assert max(len(line) for line in lines) <= 75
    # Vietnamese summaries are long: at least one was folded, and unfolding gives it back whole.
    assert any(line.startswith(b" ") for line in lines)
    assert lines[0] == b"BEGIN:VCALENDAR" and lines[-1] == b"END:VCALENDAR"


def test_a_unit_feed_shows_that_unit_only(client, world, commune_officer, meeting):
    from phoihop.orgs.models import Unit

    unit = Unit.objects.get(code="07090-UBND")
    _feed, token = services.feed_create(actor=commune_officer, unit=unit)
    summaries = " | ".join(_summaries(icalendar.Calendar.from_ical(_get(client, token).content)))
    assert "Giao ban UBND - MTTQ phường An Sinh" in summaries
    assert "Rà soát hộ nghèo phường An Sinh" in summaries
    # Invited to the provincial briefing by name, not as the unit: not in the unit's feed.
    assert meeting.title not in summaries


def test_a_feed_shrinks_when_the_membership_ends(client, world, commune_officer, meeting):
    _feed, token = services.feed_create(actor=commune_officer)
    membership = commune_officer.memberships.get()
    org_services.membership_end(actor=None, membership=membership, on=dt.date(2026, 3, 1))
    summaries = " | ".join(_summaries(icalendar.Calendar.from_ical(_get(client, token).content)))
    assert "Rà soát hộ nghèo phường An Sinh" not in summaries
    assert "Giao ban UBND - MTTQ phường An Sinh" not in summaries
    assert world["duty"].title not in summaries


def test_a_revoked_or_unknown_feed_answers_404(client, world, commune_officer):
    feed, token = services.feed_create(actor=commune_officer)
    assert _get(client, token).status_code == 200
    services.feed_revoke(actor=commune_officer, feed=feed)
    assert _get(client, token).status_code == 404
    assert _get(client, "A" * 43).status_code == 404


def test_reading_a_feed_notes_when_it_was_used(client, commune_officer):
    feed, token = services.feed_create(actor=commune_officer)
    _get(client, token)
    feed.refresh_from_db()
    assert feed.last_used_at is not None


def test_the_feed_costs_the_same_queries_with_more_items(client, world, commune_officer, tree):
    _feed, token = services.feed_create(actor=commune_officer)
    _get(client, token)  # warm: last_used_at is written once
    with CaptureQueriesContext(connection) as few:
        _get(client, token)
    for n in range(6):
        _task(commune_officer, tree["commune_ubnd"], f"Việc thêm {n}", dt.date(2026, 4, 1 + n))
        services.meeting_create(
            actor=commune_officer,
            title=f"Họp thêm {n}",
            starts_at=at(16 + n, 8),
            ends_at=at(16 + n, 9),
            host_unit=tree["commune_ubnd"],
        )
    with CaptureQueriesContext(connection) as many:
        response = _get(client, token)
    assert len(_summaries(icalendar.Calendar.from_ical(response.content))) >= 12
    assert len(many) == len(few)
    assert len(many) <= 30
