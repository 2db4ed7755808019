"""Meetings services: invitations by e-mail with a parseable .ics, updates, cancellation,
answers, conclusions that become a task once, the audit trail, and the bad-input rules."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from phoihop.core.models import AuditEvent
from phoihop.meetings import services
from phoihop.meetings.models import Conclusion, Invitation, Meeting
from phoihop.meetings.tests.conftest import at
from phoihop.notify.models import Notification

pytestmark = pytest.mark.django_db


def _calendar(message):
    """The text/calendar part of an e-mail, parsed by the icalendar library."""
    parts = [a for a in message.attachments if getattr(a, "get_content_type", lambda: "")() == "text/calendar"]
    assert len(parts) == 1, message.attachments
    part = parts[0]
    return part, icalendar.Calendar.from_ical(part.get_payload(decode=True))


def _event(cal):
    events = list(cal.walk("VEVENT"))
    assert len(events) == 1
    return events[0]


def test_invitation_mails_every_invitee_with_a_request_ics(
    meeting, mailoutbox, front_officer, front_chair, commune_officer
):
    # The unit 22-MTTQ brings its officer and its leader; xa is invited by name; the host is not mailed.
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        [front_officer.email, front_chair.email, commune_officer.email]
    )
    part, cal = _calendar(mailoutbox[0])
    assert part.get_param("method") == "REQUEST"
    assert cal["METHOD"] == "REQUEST"
    event = _event(cal)
    assert str(event["UID"]) == f"meeting-{meeting.uid}@phoihop"
    assert int(event["SEQUENCE"]) == 0
    # 08:00 in Vietnam is 01:00 UTC.
    assert event.decoded("DTSTART") == dt.datetime(2026, 3, 10, 1, 0, tzinfo=dt.UTC)
    assert event.decoded("DTEND") == dt.datetime(2026, 3, 10, 4, 0, tzinfo=dt.UTC)
    assert str(event["LOCATION"]) == "Hội trường UBND tỉnh, Hạ Long"
    assert str(event["ORGANIZER"]).startswith("mailto:")
    attendees = sorted(str(a) for a in event["ATTENDEE"])
    assert attendees == sorted(f"mailto:{p.email}" for p in (front_officer, front_chair, commune_officer))
    assert all(a.params["PARTSTAT"] == "NEEDS-ACTION" for a in event["ATTENDEE"])


def test_the_invitation_names_the_meeting_its_time_and_link(meeting, mailoutbox, front_chair):
    message = next(m for m in mailoutbox if m.to == [front_chair.email])
    assert meeting.title in message.subject
    assert "08:00 10/03/2026" in message.body  # local time, as people read it
    assert meeting.get_absolute_url() in message.body


def test_invitees_get_an_invited_notification(meeting, front_officer, front_chair, commune_officer, ubnd_officer):
    invited = Notification.objects.filter(kind="invited", target=f"meetings.meeting:{meeting.pk}")
    assert sorted(invited.values_list("recipient__username", flat=True)) == sorted(
        [front_officer.username, front_chair.username, commune_officer.username]
    )
    assert not Notification.objects.filter(recipient=ubnd_officer).exists()


def test_invitations_record_the_unit_they_came_through(meeting, tree, front_officer, commune_officer):
    assert Invitation.objects.get(meeting=meeting, user=front_officer).unit == tree["mttq"]
    assert Invitation.objects.get(meeting=meeting, user=commune_officer).unit is None
    event = AuditEvent.objects.filter(verb="meeting.invited", target_id=str(meeting.pk)).get()
    assert event.changes["units"][1] == ["22-MTTQ"]


def test_inviting_again_sends_nothing_twice(
    meeting, tree, ubnd_officer, mailoutbox, django_capture_on_commit_callbacks
):
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        made = services.meeting_invite(actor=ubnd_officer, meeting=meeting, units=[tree["mttq"]])
    assert made == []
    assert mailoutbox == []


def test_a_change_of_time_bumps_the_sequence_and_sends_the_update(
    meeting, ubnd_officer, mailoutbox, django_capture_on_commit_callbacks
):
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_update(actor=ubnd_officer, meeting=meeting, starts_at=at(11, 14), ends_at=at(11, 16))
    meeting.refresh_from_db()
    assert meeting.sequence == 1
    assert len(mailoutbox) == 3
    _part, cal = _calendar(mailoutbox[0])
    event = _event(cal)
    assert int(event["SEQUENCE"]) == 1
    assert str(event["UID"]) == f"meeting-{meeting.uid}@phoihop"
    assert event.decoded("DTSTART") == dt.datetime(2026, 3, 11, 7, 0, tzinfo=dt.UTC)
    audit = AuditEvent.objects.filter(verb="meeting.updated", target_id=str(meeting.pk)).get()
    assert "starts_at" in audit.changes


def test_a_change_of_the_plan_alone_sends_nothing(
    meeting, ubnd_officer, plan, mailoutbox, django_capture_on_commit_callbacks
):
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_update(actor=ubnd_officer, meeting=meeting, plan=plan)
    meeting.refresh_from_db()
    assert meeting.sequence == 0
    assert meeting.plan == plan
    assert mailoutbox == []


def test_cancelling_sends_a_cancel_ics_with_a_higher_sequence(
    meeting, ubnd_officer, mailoutbox, django_capture_on_commit_callbacks
):
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_cancel(actor=ubnd_officer, meeting=meeting, reason="Trùng lịch họp của Tỉnh ủy")
    assert len(mailoutbox) == 3
    part, cal = _calendar(mailoutbox[0])
    assert part.get_param("method") == "CANCEL"
    assert cal["METHOD"] == "CANCEL"
    event = _event(cal)
    assert str(event["STATUS"]) == "CANCELLED"
    assert int(event["SEQUENCE"]) == 1
    assert str(event["UID"]) == f"meeting-{meeting.uid}@phoihop"
    assert AuditEvent.objects.filter(verb="meeting.cancelled", note="Trùng lịch họp của Tỉnh ủy").exists()
    with pytest.raises(ValidationError):
        services.meeting_update(actor=ubnd_officer, meeting=meeting, place="Khác")


def test_a_failed_change_mails_nobody(meeting, ubnd_officer, mailoutbox, django_capture_on_commit_callbacks):
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError) as caught:
        services.meeting_update(actor=ubnd_officer, meeting=meeting, starts_at=at(10, 12), ends_at=at(10, 9))
    assert "ends_at" in caught.value.message_dict
    assert mailoutbox == []
    meeting.refresh_from_db()
    assert meeting.sequence == 0


def test_an_end_before_the_start_is_refused_on_create(tree, ubnd_officer):
    with pytest.raises(ValidationError) as caught:
        services.meeting_create(
            actor=ubnd_officer, title="Họp", starts_at=at(10, 10), ends_at=at(10, 8), host_unit=tree["ubnd"]
        )
    assert "ends_at" in caught.value.message_dict
    assert not Meeting.objects.exists()


def test_a_territory_cannot_host(tree, province_admin):
    with pytest.raises(ValidationError) as caught:
        services.meeting_create(
            actor=province_admin, title="Họp", starts_at=at(10, 8), ends_at=at(10, 9), host_unit=tree["province"]
        )
    assert "host_unit" in caught.value.message_dict


def test_only_the_hosts_officers_may_schedule_or_change(tree, front_officer, meeting):
    with pytest.raises(PermissionDenied):
        services.meeting_create(
            actor=front_officer, title="Họp", starts_at=at(10, 8), ends_at=at(10, 9), host_unit=tree["ubnd"]
        )
    with pytest.raises(PermissionDenied):
        services.meeting_update(actor=front_officer, meeting=meeting, place="Khác")


def test_an_invitee_answers_their_own_invitation(meeting, front_officer, officer_other_commune):
    invitation = services.invitation_respond(actor=front_officer, meeting=meeting, response="accepted", note="Dự")
    assert invitation.response == Invitation.Response.ACCEPTED
    assert invitation.responded_at is not None
    assert AuditEvent.objects.filter(verb="meeting.answered", actor=front_officer).exists()
    with pytest.raises(PermissionDenied):
        services.invitation_respond(actor=officer_other_commune, meeting=meeting, response="accepted")
    with pytest.raises(ValidationError):
        services.invitation_respond(actor=front_officer, meeting=meeting, response="maybe")


def test_the_ics_shows_each_answer(meeting, front_officer):
    from phoihop.meetings.invitations import REQUEST, meeting_calendar

    services.invitation_respond(actor=front_officer, meeting=meeting, response="declined")
    event = _event(icalendar.Calendar.from_ical(meeting_calendar(meeting, method=REQUEST)))
    partstat = {str(a): a.params["PARTSTAT"] for a in event["ATTENDEE"]}
    assert partstat[f"mailto:{front_officer.email}"] == "DECLINED"


def test_minutes_only_after_the_meeting_started(meeting, ubnd_officer):
    with pytest.raises(ValidationError) as caught:
        services.meeting_record_minutes(actor=ubnd_officer, meeting=meeting, minutes="Biên bản")
    assert "minutes" in caught.value.message_dict


def test_recording_minutes_marks_the_meeting_held(meeting, ubnd_officer, time_machine):
    time_machine.move_to(at(10, 12))
    services.meeting_record_minutes(actor=ubnd_officer, meeting=meeting, minutes="Biên bản hội nghị")
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.HELD
    assert AuditEvent.objects.filter(verb="meeting.minutes_recorded", target_id=str(meeting.pk)).exists()


# --- Conclusions ----------------------------------------------------------------------------------


@pytest.fixture
def conclusion(meeting, ubnd_officer, tree):
    return services.conclusion_add(
        actor=ubnd_officer,
        meeting=meeting,
        text="Sở Nội vụ chủ trì rà soát quy chế phối hợp, báo cáo trước 30/4/2026.",
        lead_unit=tree["sonv"],
        due_date=dt.date(2026, 4, 30),
    )


def test_a_conclusion_becomes_a_task_once(conclusion, ubnd_officer, meeting, plan, tree):
    services.meeting_update(actor=ubnd_officer, meeting=meeting, plan=plan)
    conclusion.refresh_from_db()
    task = services.conclusion_to_task(actor=ubnd_officer, conclusion=conclusion)
    assert task.lead_unit == tree["sonv"]
    assert task.due_date == dt.date(2026, 4, 30)
    assert task.plan == plan
    assert task.source == f"meetings.conclusion:{conclusion.pk}"
    assert task.title.startswith("Sở Nội vụ chủ trì")
    again = services.conclusion_to_task(actor=ubnd_officer, conclusion=conclusion)
    assert again.pk == task.pk
    from phoihop.tasks.models import Task

    assert Task.objects.filter(source=f"meetings.conclusion:{conclusion.pk}").count() == 1
    conclusion.refresh_from_db()
    assert conclusion.task_id == task.pk
    assert AuditEvent.objects.filter(verb="meeting.conclusion_to_task", target_id=str(conclusion.pk)).count() == 1


def test_a_conclusion_without_lead_unit_or_due_date_is_not_a_task_yet(meeting, ubnd_officer):
    bare = services.conclusion_add(actor=ubnd_officer, meeting=meeting, text="Tăng cường phối hợp.")
    with pytest.raises(ValidationError) as caught:
        services.conclusion_to_task(actor=ubnd_officer, conclusion=bare)
    assert set(caught.value.message_dict) == {"lead_unit", "due_date"}
    bare.refresh_from_db()
    assert bare.task is None


def test_only_the_host_makes_a_task_of_a_conclusion(conclusion, front_officer):
    with pytest.raises(PermissionDenied):
        services.conclusion_to_task(actor=front_officer, conclusion=conclusion)


def test_a_conclusion_that_became_a_task_stays(conclusion, ubnd_officer):
    services.conclusion_to_task(actor=ubnd_officer, conclusion=conclusion)
    conclusion.refresh_from_db()
    with pytest.raises(ValidationError):
        services.conclusion_remove(actor=ubnd_officer, conclusion=conclusion)
    assert Conclusion.objects.filter(pk=conclusion.pk).exists()


def test_conclusions_are_numbered_in_order(meeting, ubnd_officer, conclusion):
    second = services.conclusion_add(actor=ubnd_officer, meeting=meeting, text="Kết luận thứ hai.")
    assert (conclusion.order, second.order) == (1, 2)


def test_a_territory_cannot_lead_a_conclusion(meeting, ubnd_officer, tree):
    with pytest.raises(ValidationError) as caught:
        services.conclusion_add(actor=ubnd_officer, meeting=meeting, text="X", lead_unit=tree["commune"])
    assert "lead_unit" in caught.value.message_dict


# --- Feeds ------------------------------------------------------------------------------------------


def test_a_feed_keeps_only_the_hash_of_its_token(commune_officer, tree):
    feed, token = services.feed_create(actor=commune_officer, unit=tree["commune_ubnd"], name="Điện thoại")
    assert token not in (feed.token_hash, feed.token_hint)
    assert len(token) >= 43
    assert services.feed_by_token(token) == feed
    assert services.feed_by_token(token + "x") is None
    assert AuditEvent.objects.filter(verb="meeting.feed_created", actor=commune_officer).exists()


def test_a_unit_feed_needs_a_membership_of_that_unit(commune_officer, tree):
    with pytest.raises(ValidationError) as caught:
        services.feed_create(actor=commune_officer, unit=tree["other_ubnd"])
    assert "unit" in caught.value.message_dict


def test_a_revoked_feed_is_unknown(commune_officer):
    feed, token = services.feed_create(actor=commune_officer)
    services.feed_revoke(actor=commune_officer, feed=feed)
    assert services.feed_by_token(token) is None
    assert AuditEvent.objects.filter(verb="meeting.feed_revoked").count() == 1


def test_nobody_else_revokes_a_feed(commune_officer, province_admin):
    feed, _token = services.feed_create(actor=commune_officer)
    with pytest.raises(PermissionDenied):
        services.feed_revoke(actor=province_admin, feed=feed)


def test_an_invitee_who_wants_immediate_mail_gets_one_letter_not_two(
    tree, ubnd_officer, front_officer, mailoutbox, django_capture_on_commit_callbacks
):
    from phoihop.notify.models import EmailMode, Preference

    Preference.objects.create(user=front_officer, email_mode=EmailMode.IMMEDIATE)
    with django_capture_on_commit_callbacks(execute=True):
        meeting = services.meeting_create(
            actor=ubnd_officer,
            title="Họp bàn công tác",
            starts_at=at(12, 8),
            ends_at=at(12, 9),
            host_unit=tree["ubnd"],
            people=[front_officer],
        )
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [front_officer.email]
    notification = Notification.objects.get(recipient=front_officer, kind="invited")
    assert notification.emailed_at is not None  # the .ics letter was its e-mail
    assert notification.url == meeting.get_absolute_url()
