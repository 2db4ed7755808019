"""Meeting invitations as e-mail with an iCalendar attachment (RFC 5545 / iTIP RFC 5546).

One .ics describes the meeting for everyone: UID = the meeting's uid, SEQUENCE = its sequence,
ORGANIZER = the host unit, one ATTENDEE per invited person with their answer. METHOD:REQUEST
adds or updates the event in the invitee's calendar; METHOD:CANCEL (with STATUS:CANCELLED and
a higher SEQUENCE) removes it. Each person's e-mail is written in their own language.

Sending happens after the transaction commits (`send_after_commit`), so a change that fails
mails nobody; one person's mail server refusing does not stop the others.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from email.mime.text import MIMEText
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from phoihop.meetings import ical
from phoihop.meetings.models import Invitation, Meeting

log = logging.getLogger(__name__)

REQUEST = "REQUEST"
CANCEL = "CANCEL"
PUBLISH = "PUBLISH"

PARTSTAT = {
    Invitation.Response.INVITED: "NEEDS-ACTION",
    Invitation.Response.ACCEPTED: "ACCEPTED",
    Invitation.Response.DECLINED: "DECLINED",
}


def base_url() -> str:
    return getattr(settings, "PHOIHOP_BASE_URL", "http://127.0.0.1:8000").rstrip("/")


def meeting_uid(meeting: Meeting) -> str:
    return f"meeting-{meeting.uid}@phoihop"


def _organizer(meeting: Meeting) -> Any:
    email = meeting.host_unit.email or (meeting.created_by.email if meeting.created_by else "")
    if not email:
        email = parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or "no-reply@localhost"
    return ical.address(email, meeting.host_unit.name)


def meeting_calendar(meeting: Meeting, *, method: str, invitations: Iterable[Invitation] | None = None) -> bytes:
    """Return the meeting as a VCALENDAR with one VEVENT (and its attendees when given)."""
    if invitations is None:
        invitations = meeting.invitations.select_related("user")
    attendees = [
        ical.address(
            invitation.user.email,
            invitation.user.get_full_name(),
            role="REQ-PARTICIPANT",
            partstat=PARTSTAT[Invitation.Response(invitation.response)],
            rsvp="TRUE",
        )
        for invitation in invitations
        if invitation.user.email
    ]
    cancelled = method == CANCEL or meeting.status == Meeting.Status.CANCELLED
    cal = ical.calendar(method=method)
    cal.add_component(
        ical.timed_event(
            uid=meeting_uid(meeting),
            summary=meeting.title,
            starts_at=meeting.starts_at,
            ends_at=meeting.ends_at,
            sequence=meeting.sequence,
            location=meeting.place,
            description=meeting.agenda,
            url=base_url() + meeting.get_absolute_url(),
            status="CANCELLED" if cancelled else "CONFIRMED",
            organizer=_organizer(meeting),
            attendees=attendees,
            stamp=meeting.updated_at,
        )
    )
    return ical.to_bytes(cal)


def _attachment(data: bytes, method: str) -> MIMEText:
    # A text/calendar part with its method parameter is what makes mail programs (Outlook,
    # Gmail, Thunderbird) offer Accept/Decline instead of showing a plain file.
    part = MIMEText(data.decode("utf-8"), "calendar", "utf-8")
    part.set_param("method", method)
    part.add_header("Content-Disposition", "attachment", filename="invite.ics")
    return part


def _message(meeting: Meeting, person: Any, *, method: str, update: bool, ics: bytes) -> EmailMessage:
    with translation.override(getattr(person, "language", "") or settings.LANGUAGE_CODE):
        context = {
            "meeting": meeting,
            "person": person,
            "update": update,
            "cancelled": method == CANCEL,
            "starts_at": timezone.localtime(meeting.starts_at),
            "ends_at": timezone.localtime(meeting.ends_at),
            "url": base_url() + meeting.get_absolute_url(),
        }
        subject = render_to_string("meetings/email/invitation_subject.txt", context).strip()
        body = render_to_string("meetings/email/invitation_body.txt", context)
    message = EmailMessage(subject=" ".join(subject.split()), body=body, to=[person.email])
    message.attach(_attachment(ics, method))
    return message


def send(meeting_id: int, user_ids: Iterable[int], *, method: str, update: bool = False) -> int:
    """Mail the meeting to these invitees now; return how many messages went out."""
    meeting = Meeting.objects.select_related("host_unit", "created_by").get(pk=meeting_id)
    invitations = list(meeting.invitations.select_related("user"))
    ics = meeting_calendar(meeting, method=method, invitations=invitations)
    wanted = set(user_ids)
    sent = 0
    for invitation in invitations:
        person = invitation.user
        if person.pk not in wanted or not person.email or not person.is_active:
            continue
        try:
            sent += _message(meeting, person, method=method, update=update, ics=ics).send()
        except OSError:
            # One refused address must not keep the others from their invitation.
            log.exception("meeting %s: invitation to %s not sent", meeting.pk, person.pk)
    return sent


def send_after_commit(meeting: Meeting, user_ids: Iterable[int], *, method: str, update: bool = False) -> None:
    ids = list(user_ids)
    if ids:
        transaction.on_commit(lambda: send(meeting.pk, ids, method=method, update=update))
