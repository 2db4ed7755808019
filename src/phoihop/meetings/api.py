"""Joint meetings and calendar feeds in /api/v1/meetings, scoped exactly like the web.

Reads go through meetings.permissions and meetings.selectors; writes through meetings.services,
the functions the web calls, so the rules, the 422 field messages, the invitations sent and the
audit trail are the same whichever door is used. Units are named by their official code,
people by their user name. Times are ISO 8601 with an offset ("2026-03-10T08:00:00+07:00").
"""

# No `from __future__ import annotations`: ninja builds its models from these annotations at import.
import datetime as dt
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from phoihop.api.pagination import Page
from phoihop.meetings import permissions, selectors, services
from phoihop.meetings.models import CalendarFeed, Conclusion, Invitation, Meeting
from phoihop.orgs import access
from phoihop.orgs.models import Role, User

router = Router(tags=["meetings"])


# Schemas --------------------------------------------------------------------------------------


class MeetingOut(Schema):
    id: int
    title: str
    kind: str
    kind_label: str
    status: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    place: str
    host_unit: str = Field(..., alias="host_unit.code", description="Code of the host unit.")
    plan_id: int | None
    agreement_id: int | None
    sequence: int = Field(..., description="iCalendar SEQUENCE: grows with each change sent to the invitees.")
    url: str

    @staticmethod
    def resolve_kind_label(obj: Meeting) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_starts_at(obj: Meeting) -> dt.datetime:
        return timezone.localtime(obj.starts_at)

    @staticmethod
    def resolve_ends_at(obj: Meeting) -> dt.datetime:
        return timezone.localtime(obj.ends_at)

    @staticmethod
    def resolve_url(obj: Meeting) -> str:
        return obj.get_absolute_url()


class InvitationOut(Schema):
    username: str = Field(..., alias="user.username")
    name: str
    unit: str | None = Field(..., description="Code of the invited unit the person came through.")
    response: str
    responded_at: dt.datetime | None

    @staticmethod
    def resolve_name(obj: Invitation) -> str:
        return obj.user.get_full_name()

    @staticmethod
    def resolve_unit(obj: Invitation) -> str | None:
        return obj.unit.code if obj.unit_id else None


class ConclusionOut(Schema):
    id: int
    order: int
    text: str
    lead_unit: str | None
    due_date: dt.date | None
    task_id: int | None

    @staticmethod
    def resolve_lead_unit(obj: Conclusion) -> str | None:
        return obj.lead_unit.code if obj.lead_unit_id else None


class MeetingDetailOut(MeetingOut):
    agenda: str
    minutes: str
    invited_units: list[str] = Field(..., description="Codes of the invited units.")
    invitations: list[InvitationOut]
    conclusions: list[ConclusionOut]

    @staticmethod
    def resolve_invited_units(obj: Meeting) -> list[str]:
        return [row.unit.code for row in obj.detail_parts["invited_units"]]

    @staticmethod
    def resolve_invitations(obj: Meeting) -> list[Invitation]:
        return obj.detail_parts["invitations"]

    @staticmethod
    def resolve_conclusions(obj: Meeting) -> list[Conclusion]:
        return obj.detail_parts["conclusions"]


class MeetingFilter(Schema):
    when: Literal["upcoming", "past"] | None = None
    host: str = Field("", description="Code of the host unit.")
    q: str = ""


class MeetingIn(Schema):
    title: str
    kind: Meeting.Kind = Meeting.Kind.BRIEFING
    host_unit: str = Field(..., description="Code of the host unit (officer there).")
    starts_at: dt.datetime = Field(..., description="With its offset, e.g. 2026-03-10T08:00:00+07:00.")
    ends_at: dt.datetime
    place: str = ""
    agenda: str = ""
    plan_id: int | None = None
    units: list[str] = Field([], description="Codes of the invited units (their officers and leaders).")
    people: list[str] = Field([], description="User names of people invited by name.")


class MeetingPatch(Schema):
    title: str | None = None
    kind: Meeting.Kind | None = None
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    place: str | None = None
    agenda: str | None = None


class InviteIn(Schema):
    units: list[str] = []
    people: list[str] = []


class ReasonIn(Schema):
    reason: str = ""


class AnswerIn(Schema):
    response: Literal["accepted", "declined"]
    note: str = ""


class ConclusionIn(Schema):
    text: str
    lead_unit: str | None = Field(None, description="Code of the unit that should lead it.")
    due_date: dt.date | None = None


class TaskRef(Schema):
    task_id: int
    url: str


class FeedOut(Schema):
    id: int
    name: str
    unit: str | None
    token_hint: str = Field(..., description="The first characters of the token, to tell feeds apart.")
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None

    @staticmethod
    def resolve_unit(obj: CalendarFeed) -> str | None:
        return obj.unit.code if obj.unit_id else None


class FeedCreatedOut(FeedOut):
    address: str = Field(..., description="The secret address; shown only in this answer.")


class FeedIn(Schema):
    unit: str | None = Field(None, description="Code of a unit you belong to; empty for your own feed.")
    name: str = ""


# Helpers --------------------------------------------------------------------------------------


def _people(usernames: list[str]) -> list[User]:
    found = {u.username: u for u in User.objects.filter(username__in=usernames, is_active=True)}
    unknown = [name for name in usernames if name not in found]
    if unknown:
        raise ValidationError(
            {"people": _("No active person has the user name %(names)s.") % {"names": ", ".join(unknown)}}
        )
    return [found[name] for name in usernames]


def _detail(meeting: Meeting) -> Meeting:
    # The detail's lists come from one selector call (a fixed number of queries), kept on the object.
    meeting.detail_parts = selectors.meeting_detail(meeting)
    return meeting


def _conclusion(user: Any, conclusion_id: int) -> Conclusion:
    conclusion = Conclusion.objects.filter(pk=conclusion_id).only("meeting_id").first()
    if conclusion is None:
        raise Http404
    meeting = permissions.access_meeting(user, conclusion.meeting_id, action="edit")
    conclusion = meeting.conclusions.get(pk=conclusion_id)
    conclusion.meeting = meeting
    return conclusion


def _plan(user: Any, plan_id: int | None) -> Any:
    if plan_id is None:
        return None
    from phoihop.tasks.permissions import access_plan

    return access_plan(user, plan_id)


# Meetings -------------------------------------------------------------------------------------


@router.get("", response=list[MeetingOut], summary="Meetings I may see (upcoming: soonest first)")
@paginate(Page)
def meeting_list(request: HttpRequest, filters: Query[MeetingFilter]) -> QuerySet[Meeting]:
    user = request.auth
    host = access.access_unit_by_code(user, filters.host.strip()) if filters.host.strip() else None
    return selectors.meeting_list(user=user, when=filters.when or "", host=host, q=filters.q)


@router.get("/feeds", response=list[FeedOut], summary="My calendar feeds (addresses are not shown again)")
@paginate(Page)
def feed_list(request: HttpRequest) -> QuerySet[CalendarFeed]:
    return selectors.feeds_of(request.auth)


@router.post("/feeds", response={201: FeedCreatedOut}, summary="Make a calendar feed; the answer holds its address")
def feed_create(request: HttpRequest, payload: FeedIn) -> Status[CalendarFeed]:
    actor = request.auth
    unit = access.access_unit_by_code(actor, payload.unit) if payload.unit else None
    feed, token = services.feed_create(actor=actor, unit=unit, name=payload.name)
    feed.address = request.build_absolute_uri(reverse("meetings:feed-ics", args=[token]))
    return Status(201, feed)


@router.post(
    "/feeds/{int:feed_id}/revoke", response=FeedOut, summary="Revoke one of my feeds (its address answers 404)"
)
def feed_revoke(request: HttpRequest, feed_id: int) -> CalendarFeed:
    feed = permissions.access_feed(request.auth, feed_id)
    return services.feed_revoke(actor=request.auth, feed=feed)


@router.get("/{int:meeting_id}", response=MeetingDetailOut, summary="One meeting with its invitations and conclusions")
def meeting_detail(request: HttpRequest, meeting_id: int) -> Meeting:
    return _detail(permissions.access_meeting(request.auth, meeting_id))


@router.post("", response={201: MeetingDetailOut}, summary="Schedule a meeting and send the invitations")
def meeting_create(request: HttpRequest, payload: MeetingIn) -> Status[Meeting]:
    actor = request.auth
    host = access.access_unit_by_code(actor, payload.host_unit, min_role=Role.OFFICER)
    meeting = services.meeting_create(
        actor=actor,
        title=payload.title,
        kind=payload.kind,
        host_unit=host,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        place=payload.place,
        agenda=payload.agenda,
        plan=_plan(actor, payload.plan_id),
        units=services.units_named(payload.units, "units"),
        people=_people(payload.people),
    )
    return Status(201, _detail(permissions.access_meeting(actor, meeting.pk)))


@router.patch("/{int:meeting_id}", response=MeetingDetailOut, summary="Change a meeting; invitees get the update")
def meeting_update(request: HttpRequest, meeting_id: int, payload: MeetingPatch) -> Meeting:
    actor = request.auth
    meeting = permissions.access_meeting(actor, meeting_id, action="edit")
    services.meeting_update(actor=actor, meeting=meeting, **payload.dict(exclude_unset=True, exclude_none=True))
    return _detail(permissions.access_meeting(actor, meeting_id))


@router.post("/{int:meeting_id}/cancel", response=MeetingDetailOut, summary="Cancel a meeting (invitees get CANCEL)")
def meeting_cancel(request: HttpRequest, meeting_id: int, payload: ReasonIn) -> Meeting:
    actor = request.auth
    meeting = permissions.access_meeting(actor, meeting_id, action="edit")
    services.meeting_cancel(actor=actor, meeting=meeting, reason=payload.reason)
    return _detail(permissions.access_meeting(actor, meeting_id))


@router.post("/{int:meeting_id}/invitations", response=MeetingDetailOut, summary="Invite more units and people")
def meeting_invite(request: HttpRequest, meeting_id: int, payload: InviteIn) -> Meeting:
    actor = request.auth
    meeting = permissions.access_meeting(actor, meeting_id, action="edit")
    services.meeting_invite(
        actor=actor,
        meeting=meeting,
        units=services.units_named(payload.units, "units"),
        people=_people(payload.people),
    )
    return _detail(meeting)


@router.post("/{int:meeting_id}/answer", response=InvitationOut, summary="Answer my invitation")
def meeting_answer(request: HttpRequest, meeting_id: int, payload: AnswerIn) -> Invitation:
    meeting = permissions.access_meeting(request.auth, meeting_id)
    return services.invitation_respond(
        actor=request.auth, meeting=meeting, response=payload.response, note=payload.note
    )


@router.get("/{int:meeting_id}/conclusions", response=list[ConclusionOut], summary="A meeting's conclusions")
def conclusion_list(request: HttpRequest, meeting_id: int) -> list[Conclusion]:
    return selectors.meeting_detail(permissions.access_meeting(request.auth, meeting_id))["conclusions"]


@router.post("/{int:meeting_id}/conclusions", response={201: ConclusionOut}, summary="Add a conclusion")
def conclusion_add(request: HttpRequest, meeting_id: int, payload: ConclusionIn) -> Status[Conclusion]:
    actor = request.auth
    meeting = permissions.access_meeting(actor, meeting_id, action="edit")
    lead = services.units_named([payload.lead_unit], "lead_unit")[0] if payload.lead_unit else None
    conclusion = services.conclusion_add(
        actor=actor, meeting=meeting, text=payload.text, lead_unit=lead, due_date=payload.due_date
    )
    return Status(201, conclusion)


@router.post(
    "/conclusions/{int:conclusion_id}/task",
    response=TaskRef,
    summary="Make the conclusion a task (once: a second call answers the same task)",
)
def conclusion_to_task(request: HttpRequest, conclusion_id: int) -> dict[str, Any]:
    conclusion = _conclusion(request.auth, conclusion_id)
    task = services.conclusion_to_task(actor=request.auth, conclusion=conclusion)
    return {"task_id": task.pk, "url": task.get_absolute_url()}
