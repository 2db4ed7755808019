"""Every change of state of meetings, invitations, conclusions and calendar feeds.

Each service is keyword-only with the acting person first, checks the person may act (the same
rules as meetings.permissions, so the API and the CLI cannot go around them), validates meaning,
writes in one transaction and records an audit event in it. Bad input raises ValidationError
keyed by field and leaves nothing half-written.

Invitations: inviting a unit invites its officers and leaders (notify.recipients.people_of),
each as their own Invitation. Each new invitee gets an in-app notification (kind INVITED) and an
e-mail with the meeting as an iCalendar attachment (METHOD:REQUEST). A change of time, place,
title or agenda bumps the meeting's SEQUENCE and sends the update to everyone invited; a
cancellation sends METHOD:CANCEL. E-mails leave after the commit, so a refused change mails
nobody. The in-app notifications of these events are marked as already mailed: the letter with
the .ics is the e-mail, and notify's own would say the same thing twice. A calendar invitation
goes out whatever the person's notification e-mail setting (it is the meeting itself, as in any
mail program's invitations).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from phoihop.core.audit import audit_record, created, diff, snapshot
from phoihop.documents.services import target_key
from phoihop.meetings import invitations as mail
from phoihop.meetings import permissions
from phoihop.meetings.models import CalendarFeed, Conclusion, Invitation, Meeting, MeetingFile, MeetingUnit
from phoihop.notify.models import Kind
from phoihop.notify.recipients import people_of
from phoihop.notify.services import notify
from phoihop.orgs import access
from phoihop.orgs.models import Role, Unit

MEETING_FIELDS = ("title", "kind", "starts_at", "ends_at", "place", "host_unit", "agenda", "plan", "agreement")
EDITABLE_FIELDS = ("title", "kind", "starts_at", "ends_at", "place", "agenda", "plan", "agreement")
# A change of these is news for the invitees' calendars: new SEQUENCE, new REQUEST sent.
CALENDAR_FIELDS = ("title", "starts_at", "ends_at", "place", "agenda")
CONCLUSION_FIELDS = ("order", "text", "lead_unit", "due_date")
# A meeting longer than this is a typing mistake (a conference lasts one or two days).
MAX_MEETING_DAYS = 7
TASK_TITLE_LENGTH = 500


def _require_host_officer(actor: Any, meeting: Meeting) -> None:
    if not permissions.can_change_meeting(actor, meeting):
        raise PermissionDenied


def _aware(value: Any) -> Any:
    # A time without an offset (an API client's "2026-03-10T08:00") is Vietnam's time (settings.TIME_ZONE).
    if isinstance(value, dt.datetime) and timezone.is_naive(value):
        return timezone.make_aware(value)
    return value


def _check_times(starts_at: Any, ends_at: Any) -> None:
    if starts_at is None or ends_at is None:
        return
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("The meeting must end after it starts.")}, code="ends_before_start")
    if ends_at - starts_at > dt.timedelta(days=MAX_MEETING_DAYS):
        raise ValidationError(
            {"ends_at": _("A meeting cannot last more than %(days)s days. Check the end date.")},
            code="too_long",
            params={"days": MAX_MEETING_DAYS},
        )


def _check_open(meeting: Meeting) -> None:
    if meeting.status == Meeting.Status.CANCELLED:
        raise ValidationError(_("This meeting was cancelled; it cannot be changed."), code="cancelled")


def _province_code(unit: Unit) -> str:
    return unit.province_code or unit.code.split("-", 1)[0][:8]


# --- Meetings -----------------------------------------------------------------------------------


@transaction.atomic
def meeting_create(
    *,
    actor: Any,
    title: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    host_unit: Unit,
    kind: str = Meeting.Kind.BRIEFING,
    place: str = "",
    agenda: str = "",
    plan: Any = None,
    agreement: Any = None,
    units: Iterable[Unit] = (),
    people: Iterable[Any] = (),
) -> Meeting:
    """Schedule a meeting hosted by a unit and invite units and people to it.

    The host's officers keep the record; anyone else gets 403 (PermissionDenied).
    """
    if not access.can(actor, host_unit, Role.OFFICER):
        raise PermissionDenied
    if host_unit.is_territory or not host_unit.is_open:
        raise ValidationError(
            {"host_unit": _("A meeting is hosted by an open body (a committee, the Front, a department).")},
            code="not_a_body",
        )
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("Give the meeting a title.")}, code="required")
    starts_at, ends_at = _aware(starts_at), _aware(ends_at)
    _check_times(starts_at, ends_at)
    meeting = Meeting(
        title=title,
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        place=place.strip(),
        host_unit=host_unit,
        agenda=agenda,
        plan=plan,
        agreement=agreement,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        province_code=_province_code(host_unit),
    )
    meeting.full_clean(exclude=["uid", "plan", "agreement", "created_by"])
    meeting.save()
    audit_record(
        actor=actor, verb="meeting.created", target=meeting, unit=host_unit, changes=created(meeting, MEETING_FIELDS)
    )
    _invite(actor=actor, meeting=meeting, units=units, people=people)
    return meeting


@transaction.atomic
def meeting_update(*, actor: Any, meeting: Meeting, **fields: Any) -> Meeting:
    """Change a meeting; when its time, place, title or agenda changes, send the invitees the update.

    The host unit never changes (it owns the record); a cancelled meeting is frozen.
    """
    _require_host_officer(actor, meeting)
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"meeting_update() does not change {', '.join(sorted(unknown))}")
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    _check_open(meeting)
    before = snapshot(meeting, MEETING_FIELDS)
    for name, value in fields.items():
        setattr(
            meeting, name, value.strip() if name in ("title", "place") and isinstance(value, str) else _aware(value)
        )
    if not meeting.title:
        raise ValidationError({"title": _("Give the meeting a title.")}, code="required")
    _check_times(meeting.starts_at, meeting.ends_at)
    changes = diff(before, snapshot(meeting, MEETING_FIELDS))
    if not changes:
        return meeting
    news = any(name in changes for name in CALENDAR_FIELDS)
    if news:
        meeting.sequence += 1
    meeting.full_clean(exclude=["uid", "plan", "agreement", "created_by"])
    meeting.save()
    audit_record(actor=actor, verb="meeting.updated", target=meeting, unit=meeting.host_unit, changes=changes)
    if news and meeting.status == Meeting.Status.PLANNED:
        people = [invitation.user for invitation in meeting.invitations.select_related("user")]
        notify(
            recipients=people,
            kind=Kind.INFO,
            title=format_lazy(gettext_lazy("The meeting “{title}” was changed"), title=meeting.title),
            url=meeting.get_absolute_url(),
            unit=meeting.host_unit,
            target=target_key(meeting),
            key=f"{target_key(meeting)}:sequence:{meeting.sequence}",
            actor=actor,
            already_mailed=True,
        )
        mail.send_after_commit(meeting, [person.pk for person in people], method=mail.REQUEST, update=True)
    return meeting


@transaction.atomic
def meeting_cancel(*, actor: Any, meeting: Meeting, reason: str = "") -> Meeting:
    """Cancel a planned meeting and tell every invitee (METHOD:CANCEL removes it from their calendar)."""
    _require_host_officer(actor, meeting)
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.status != Meeting.Status.PLANNED:
        raise ValidationError(_("Only a planned meeting can be cancelled."), code="not_planned")
    meeting.status = Meeting.Status.CANCELLED
    meeting.sequence += 1
    meeting.save(update_fields=["status", "sequence", "updated_at"])
    audit_record(
        actor=actor,
        verb="meeting.cancelled",
        target=meeting,
        unit=meeting.host_unit,
        changes={"status": [Meeting.Status.PLANNED, Meeting.Status.CANCELLED]},
        note=reason,
    )
    people = [invitation.user for invitation in meeting.invitations.select_related("user")]
    notify(
        recipients=people,
        kind=Kind.INFO,
        title=format_lazy(gettext_lazy("The meeting “{title}” was cancelled"), title=meeting.title),
        body=reason,
        url=meeting.get_absolute_url(),
        unit=meeting.host_unit,
        target=target_key(meeting),
        key=f"{target_key(meeting)}:cancelled",
        actor=actor,
        already_mailed=True,
    )
    mail.send_after_commit(meeting, [p.pk for p in people], method=mail.CANCEL)
    return meeting


@transaction.atomic
def meeting_record_minutes(*, actor: Any, meeting: Meeting, minutes: str) -> Meeting:
    """Record the minutes; a meeting with minutes was held."""
    _require_host_officer(actor, meeting)
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    _check_open(meeting)
    minutes = (minutes or "").strip()
    if not minutes:
        raise ValidationError({"minutes": _("Write the minutes before saving them.")}, code="required")
    if meeting.starts_at > timezone.now():
        raise ValidationError(
            {"minutes": _("The meeting has not started yet; record the minutes after it is held.")}, code="future"
        )
    before = snapshot(meeting, ("minutes", "status"))
    meeting.minutes = minutes
    meeting.status = Meeting.Status.HELD
    meeting.save(update_fields=["minutes", "status", "updated_at"])
    audit_record(
        actor=actor,
        verb="meeting.minutes_recorded",
        target=meeting,
        unit=meeting.host_unit,
        changes=diff(before, snapshot(meeting, ("minutes", "status"))),
    )
    return meeting


@transaction.atomic
def meeting_file_add(*, actor: Any, meeting: Meeting, file: Any, title: str = "") -> MeetingFile:
    """Attach a file (agenda, slides, signed minutes) to a meeting."""
    _require_host_officer(actor, meeting)
    if not file:
        raise ValidationError({"file": _("Choose a file to upload.")}, code="required")
    attached = MeetingFile.objects.create(meeting=meeting, title=(title or "").strip(), file=file, uploaded_by=actor)
    audit_record(
        actor=actor,
        verb="meeting.file_added",
        target=meeting,
        unit=meeting.host_unit,
        changes={"file": [None, attached.file.name]},
    )
    return attached


# --- Invitations --------------------------------------------------------------------------------


def _invite(*, actor: Any, meeting: Meeting, units: Iterable[Unit], people: Iterable[Any]) -> list[Invitation]:
    units = list(dict.fromkeys(units))
    people = list(dict.fromkeys(people))
    if not units and not people:
        return []
    known_units = set(meeting.invited_units.values_list("unit_id", flat=True))
    known_people = set(meeting.invitations.values_list("user_id", flat=True))
    new_units = [unit for unit in units if unit.pk not in known_units]
    MeetingUnit.objects.bulk_create([MeetingUnit(meeting=meeting, unit=unit) for unit in new_units])
    invited: list[Invitation] = []
    for unit in new_units:
        for person in people_of(unit, min_role=Role.OFFICER):
            if person.pk not in known_people:
                known_people.add(person.pk)
                invited.append(Invitation(meeting=meeting, user=person, unit=unit))
    for person in people:
        if not person.is_active:
            raise ValidationError(
                {"people": _("%(name)s no longer has an active account.")}, code="inactive", params={"name": person}
            )
        if person.pk not in known_people:
            known_people.add(person.pk)
            invited.append(Invitation(meeting=meeting, user=person))
    Invitation.objects.bulk_create(invited)
    if not new_units and not invited:
        return []
    audit_record(
        actor=actor,
        verb="meeting.invited",
        target=meeting,
        unit=meeting.host_unit,
        changes={
            "units": [None, [unit.code for unit in new_units]],
            "people": [None, [invitation.user.get_username() for invitation in invited]],
        },
    )
    if meeting.status == Meeting.Status.PLANNED and invited:
        notify(
            recipients=[invitation.user for invitation in invited],
            kind=Kind.INVITED,
            title=format_lazy(gettext_lazy("You are invited to “{title}”"), title=meeting.title),
            body=format_lazy(
                gettext_lazy("{host} invites you. Place: {place}."),
                host=meeting.host_unit.name,
                place=meeting.place or "—",
            ),
            url=meeting.get_absolute_url(),
            unit=meeting.host_unit,
            target=target_key(meeting),
            key=f"{target_key(meeting)}:invited",
            actor=actor,
            already_mailed=True,
        )
        mail.send_after_commit(meeting, [invitation.user_id for invitation in invited], method=mail.REQUEST)
    return invited


@transaction.atomic
def meeting_invite(
    *, actor: Any, meeting: Meeting, units: Iterable[Unit] = (), people: Iterable[Any] = ()
) -> list[Invitation]:
    """Invite more units (their officers and leaders) and people; return the new invitations.

    Who is already invited is left alone: inviting twice sends nothing twice.
    """
    _require_host_officer(actor, meeting)
    meeting = Meeting.objects.select_for_update().select_related("host_unit").get(pk=meeting.pk)
    _check_open(meeting)
    return _invite(actor=actor, meeting=meeting, units=units, people=people)


@transaction.atomic
def invitation_respond(*, actor: Any, meeting: Meeting, response: str, note: str = "") -> Invitation:
    """Record the actor's own answer to their invitation (accepted or declined)."""
    if response not in (Invitation.Response.ACCEPTED, Invitation.Response.DECLINED):
        raise ValidationError({"response": _("Answer with accept or decline.")}, code="invalid")
    invitation = Invitation.objects.select_for_update().filter(meeting=meeting, user=actor).first()
    if invitation is None:
        raise PermissionDenied
    _check_open(meeting)
    before = invitation.response
    invitation.response = response
    invitation.note = (note or "").strip()[:255]
    invitation.responded_at = timezone.now()
    invitation.save(update_fields=["response", "note", "responded_at", "updated_at"])
    audit_record(
        actor=actor,
        verb="meeting.answered",
        target=meeting,
        unit=meeting.host_unit,
        changes={"response": [before, response]},
        note=invitation.note,
    )
    return invitation


# --- Conclusions --------------------------------------------------------------------------------


@transaction.atomic
def conclusion_add(
    *,
    actor: Any,
    meeting: Meeting,
    text: str,
    lead_unit: Unit | None = None,
    due_date: dt.date | None = None,
    order: int | None = None,
) -> Conclusion:
    """Add a conclusion to a meeting, with the unit that should lead it and by when."""
    _require_host_officer(actor, meeting)
    _check_open(meeting)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write the conclusion.")}, code="required")
    if lead_unit is not None and lead_unit.is_territory:
        raise ValidationError(
            {"lead_unit": _("A territory cannot lead a task; choose one of its bodies.")}, code="territory"
        )
    if order is None:
        order = (meeting.conclusions.order_by("-order").values_list("order", flat=True).first() or 0) + 1
    conclusion = Conclusion.objects.create(
        meeting=meeting, order=order, text=text, lead_unit=lead_unit, due_date=due_date
    )
    audit_record(
        actor=actor,
        verb="meeting.conclusion_added",
        target=conclusion,
        unit=meeting.host_unit,
        changes=created(conclusion, CONCLUSION_FIELDS),
    )
    return conclusion


@transaction.atomic
def conclusion_remove(*, actor: Any, conclusion: Conclusion) -> None:
    """Remove a conclusion that has not become a task (a task keeps its source)."""
    meeting = conclusion.meeting
    _require_host_officer(actor, meeting)
    if conclusion.task_id is not None:
        raise ValidationError(_("This conclusion already became a task; it stays on the record."), code="has_task")
    audit_record(
        actor=actor,
        verb="meeting.conclusion_removed",
        target=conclusion,
        unit=meeting.host_unit,
        changes={field: [value, None] for field, value in snapshot(conclusion, CONCLUSION_FIELDS).items()},
    )
    conclusion.delete()


def _task_title(text: str) -> str:
    first_line = text.strip().splitlines()[0].strip()
    if len(first_line) <= TASK_TITLE_LENGTH:
        return first_line
    return first_line[: TASK_TITLE_LENGTH - 1].rstrip() + "…"


@transaction.atomic
def conclusion_to_task(*, actor: Any, conclusion: Conclusion) -> Any:
    """Make the conclusion a task of its suggested lead unit, in the meeting's plan; return the task.

    One click, one task: the conclusion row is locked and, when it already has a task, that task
    is returned and nothing is made (a double click or a second person's click is harmless).
    The task's `source` ("meetings.conclusion:<pk>") says where it came from.
    """
    from phoihop.tasks.services import task_create

    conclusion = (
        Conclusion.objects.select_for_update(of=("self",))
        .select_related("meeting__host_unit", "task")
        .get(pk=conclusion.pk)
    )
    meeting = conclusion.meeting
    _require_host_officer(actor, meeting)
    if conclusion.task_id is not None:
        return conclusion.task
    if meeting.status == Meeting.Status.CANCELLED:
        raise ValidationError(_("This meeting was cancelled; it cannot be changed."), code="cancelled")
    errors = {}
    if conclusion.lead_unit_id is None:
        errors["lead_unit"] = _("Choose the unit that leads this conclusion before making it a task.")
    if conclusion.due_date is None:
        errors["due_date"] = _("Set the due date of this conclusion before making it a task.")
    if errors:
        raise ValidationError(errors, code="incomplete")
    description = _("Conclusion %(order)s of the meeting “%(meeting)s” on %(date)s:") % {
        "order": conclusion.order,
        "meeting": meeting.title,
        "date": timezone.localtime(meeting.starts_at).strftime("%d/%m/%Y"),
    }
    task = task_create(
        actor=actor,
        title=_task_title(conclusion.text),
        lead_unit=conclusion.lead_unit,
        due_date=conclusion.due_date,
        plan=meeting.plan,
        description=f"{description}\n\n{conclusion.text}",
        source=f"meetings.conclusion:{conclusion.pk}",
    )
    conclusion.task = task
    conclusion.save(update_fields=["task", "updated_at"])
    audit_record(
        actor=actor,
        verb="meeting.conclusion_to_task",
        target=conclusion,
        unit=meeting.host_unit,
        changes={"task": [None, task.pk]},
    )
    return task


# --- Calendar feeds -----------------------------------------------------------------------------


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@transaction.atomic
def feed_create(*, actor: Any, unit: Unit | None = None, name: str = "") -> tuple[CalendarFeed, str]:
    """Make a calendar feed and return it with its token (shown once: only its hash is kept).

    A unit feed is for a unit the person belongs to now; "my feed" (no unit) follows the person.
    """
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied
    if unit is not None and not permissions.member_units(actor).filter(pk=unit.pk).exists():
        raise ValidationError({"unit": _("You can make a feed only for a unit you belong to.")}, code="not_member")
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed.objects.create(
        owner=actor,
        unit=unit,
        name=(name or "").strip()[:100],
        token_hash=token_hash(token),
        token_hint=token[:6],
    )
    audit_record(
        actor=actor,
        verb="meeting.feed_created",
        target=feed,
        unit=unit,
        changes={"unit": [None, unit.code if unit else None], "name": [None, feed.name]},
    )
    return feed, token


@transaction.atomic
def feed_revoke(*, actor: Any, feed: CalendarFeed) -> CalendarFeed:
    """Revoke a feed: its address answers 404 from now on. Revoking twice changes nothing."""
    if feed.owner_id != getattr(actor, "pk", None):
        raise PermissionDenied
    if feed.revoked_at is not None:
        return feed
    feed.revoked_at = timezone.now()
    feed.save(update_fields=["revoked_at", "updated_at"])
    audit_record(
        actor=actor, verb="meeting.feed_revoked", target=feed, unit=feed.unit, changes={"revoked": [False, True]}
    )
    return feed


# How often a feed's "last used" time is written: calendar programs poll every few minutes, and
# a write per poll would only churn the table.
FEED_TOUCH_EVERY = dt.timedelta(minutes=15)


def feed_touch(feed: CalendarFeed) -> None:
    """Note that a calendar program read the feed (not audited: nothing changed)."""
    now = timezone.now()
    if feed.last_used_at is None or now - feed.last_used_at >= FEED_TOUCH_EVERY:
        CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=now)
        feed.last_used_at = now


def feed_by_token(token: str) -> CalendarFeed | None:
    """Return the active feed whose token this is, or None (unknown, revoked, or owner disabled)."""
    if not token:
        return None
    digest = token_hash(token)
    feed = CalendarFeed.objects.select_related("owner", "unit").filter(token_hash=digest).first()
    # The lookup is by hash; compare again in constant time so no timing tells how close a guess was.
    if feed is None or not secrets.compare_digest(feed.token_hash, digest):
        return None
    if feed.revoked_at is not None or not feed.owner.is_active:
        return None
    return feed


def units_named(codes: Sequence[str], field: str) -> list[Unit]:
    """Return the open units with these codes, or a ValidationError on `field` naming the unknown ones."""
    codes = [code.strip() for code in codes if code and code.strip()]
    found = {unit.code: unit for unit in Unit.objects.filter(code__in=codes, valid_to__isnull=True)}
    unknown = [code for code in codes if code not in found]
    if unknown:
        raise ValidationError({field: _("Unknown unit code: %(codes)s.") % {"codes": ", ".join(unknown)}})
    return [found[code] for code in codes]
