"""Every change of state of supervisions and recommendations, audited; the web, API and CLI call these.

The rules that matter here:

- the plan and decision reach the supervised agencies at least PHOIHOP_SUPERVISION_NOTICE_DAYS
  calendar days before the supervision starts; a leader may send later with a reason (audited);
- a recommendation's deadline is its sending date + PHOIHOP_RECOMMENDATION_ANSWER_DAYS calendar
  days, counted by calendar.workdays.add_days (Civil Code: a last day that is a day off moves
  to the next working day — so a deadline inside Tết lands after it);
- unanswered PHOIHOP_RECOMMENDATION_ESCALATE_DAYS days past that deadline, it is escalated to the
  Front committee of the level above, once (Escalation's one-to-one key), with a numbered letter.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from phoihop.calendar.workdays import add_days
from phoihop.core.audit import audit_record, created, diff, snapshot
from phoihop.documents.services import document_issue, target_key
from phoihop.notify.models import Kind
from phoihop.notify.recipients import people_of
from phoihop.notify.services import notify
from phoihop.orgs import access
from phoihop.orgs.models import Membership, Role, Unit
from phoihop.oversight.models import (
    Activity,
    Escalation,
    Finding,
    FollowUp,
    ProgrammeItem,
    Recommendation,
    Supervision,
    SupervisionProgramme,
    TeamMember,
)

S = Supervision.Status
R = Recommendation.Status


def _today() -> dt.date:
    return timezone.localdate()


# Deadlines and levels ----------------------------------------------------------------------------


def answer_days(front_unit: Unit) -> int:
    """The answer period for recommendations of this Front: the commune figure for a commune-level Front."""
    if front_unit.territory().kind == Unit.Kind.COMMUNE:
        return settings.PHOIHOP_RECOMMENDATION_ANSWER_DAYS_COMMUNE
    return settings.PHOIHOP_RECOMMENDATION_ANSWER_DAYS


def answer_deadline(front_unit: Unit, sent_on: dt.date) -> dt.date:
    return add_days(sent_on, answer_days(front_unit), province_code=front_unit.province_code)


def escalation_due(recommendation: Recommendation) -> dt.date | None:
    """The day an unanswered recommendation goes up (deadline + PHOIHOP_RECOMMENDATION_ESCALATE_DAYS)."""
    if recommendation.deadline is None:
        return None
    return add_days(
        recommendation.deadline,
        settings.PHOIHOP_RECOMMENDATION_ESCALATE_DAYS,
        province_code=recommendation.front_unit.province_code,
    )


def front_above(front_unit: Unit) -> Unit | None:
    """The Front committee of the next level up: the front committee body of the nearest territory above.

    Front committees sit beside the People's Committee under their territory (07090-MTTQ under
    ward 07090, 22-MTTQ under province 22), so "the level above" is found through the territories.
    """
    own = front_unit.territory()
    territories = [u for u in Unit.objects.get_ancestors(own) if u.kind in Unit.TERRITORY_KINDS]
    for territory in reversed(territories):
        found = (
            Unit.objects.filter(
                path__startswith=territory.path,
                depth=territory.depth + 1,
                kind=Unit.Kind.FRONT_COMMITTEE,
                valid_to__isnull=True,
            )
            .order_by("path")
            .first()
        )
        if found is not None:
            return found
    return None


def abbreviation(unit: Unit) -> str:
    return (unit.short_name or unit.code.rsplit("-", 1)[-1]).replace(" ", "")


# Programmes --------------------------------------------------------------------------------------


def _require_front(actor: Any, front_unit: Unit, min_role: Role = Role.OFFICER) -> None:
    if front_unit.kind != Unit.Kind.FRONT_COMMITTEE:
        raise ValidationError({"front_unit": _("Choose a Fatherland Front committee.")})
    if not access.can(actor, front_unit, min_role):
        raise ValidationError(_("Only the Front committee's officers may do this."))


@transaction.atomic
def programme_create(
    *, actor: Any, front_unit: Unit, year: int, title: str, document_number: str = "", issued: bool = False
) -> SupervisionProgramme:
    """Register the Front's supervision programme of a year (one per Front and year)."""
    _require_front(actor, front_unit)
    if SupervisionProgramme.objects.filter(front_unit=front_unit, year=year).exists():
        raise ValidationError({"year": _("This Front committee already has a programme for that year.")})
    programme = SupervisionProgramme(
        front_unit=front_unit,
        year=year,
        title=title.strip(),
        document_number=document_number.strip(),
        status=SupervisionProgramme.Status.ISSUED if issued else SupervisionProgramme.Status.DRAFT,
    )
    programme.full_clean()
    programme.save()
    audit_record(
        actor=actor,
        verb="oversight.programme.created",
        target=programme,
        unit=front_unit,
        changes=created(programme, ["year", "title", "document_number", "status"]),
    )
    return programme


@transaction.atomic
def programme_item_add(
    *,
    actor: Any,
    programme: SupervisionProgramme,
    topic: str,
    subjects: Iterable[Unit],
    planned_quarter: int,
    form: str,
) -> ProgrammeItem:
    _require_front(actor, programme.front_unit)
    subjects = list(subjects)
    if not subjects:
        raise ValidationError({"subjects": _("Choose at least one agency to supervise.")})
    item = ProgrammeItem(programme=programme, topic=topic.strip(), planned_quarter=planned_quarter, form=form)
    item.full_clean(exclude=["programme"])
    item.save()
    item.subjects.set(subjects)
    audit_record(
        actor=actor,
        verb="oversight.programme.item_added",
        target=programme,
        unit=programme.front_unit,
        changes={"topic": [None, item.topic], "subjects": [None, [u.code for u in subjects]]},
    )
    return item


# Supervisions ------------------------------------------------------------------------------------

SUPERVISION_FIELDS = ["title", "form", "starts_on", "ends_on", "content", "programme_item"]


@transaction.atomic
def supervision_create(
    *,
    actor: Any,
    front_unit: Unit,
    title: str,
    form: str,
    subjects: Iterable[Unit],
    starts_on: dt.date,
    ends_on: dt.date,
    content: str = "",
    programme_item: ProgrammeItem | None = None,
    follows_up: Recommendation | None = None,
) -> Supervision:
    """Plan a supervision of one or more agencies by a Front committee."""
    _require_front(actor, front_unit)
    subjects = list(subjects)
    errors: dict[str, str] = {}
    if not subjects:
        errors["subjects"] = _("Choose at least one agency to supervise.")
    if starts_on and ends_on and ends_on < starts_on:
        errors["ends_on"] = _("The end date is before the start date.")
    if programme_item is not None and programme_item.programme.front_unit_id != front_unit.pk:
        errors["programme_item"] = _("This item belongs to another Front committee's programme.")
    if errors:
        raise ValidationError(errors)
    supervision = Supervision(
        front_unit=front_unit,
        title=title.strip(),
        form=form,
        starts_on=starts_on,
        ends_on=ends_on,
        content=content,
        programme_item=programme_item,
        follows_up=follows_up,
    )
    supervision.full_clean()
    supervision.save()
    supervision.subjects.set(subjects)
    audit_record(
        actor=actor,
        verb="oversight.supervision.created",
        target=supervision,
        unit=front_unit,
        changes={**created(supervision, SUPERVISION_FIELDS), "subjects": [None, [u.code for u in subjects]]},
    )
    return supervision


@transaction.atomic
def supervision_update(
    *, actor: Any, supervision: Supervision, subjects: Iterable[Unit] | None = None, **fields: Any
) -> Supervision:
    """Change the plan while it has not been sent; afterwards the dates are what the agencies were told."""
    _require_front(actor, supervision.front_unit)
    if supervision.status != S.PLANNED and ({"starts_on", "ends_on"} & set(fields)):
        changed = any(getattr(supervision, k) != fields[k] for k in ("starts_on", "ends_on") if k in fields)
        if changed:
            raise ValidationError(_("The plan was already sent to the agencies: its dates can no longer change."))
    before = snapshot(supervision, SUPERVISION_FIELDS)
    for name, value in fields.items():
        if name not in SUPERVISION_FIELDS:
            raise TypeError(name)
        setattr(supervision, name, value)
    if supervision.ends_on < supervision.starts_on:
        raise ValidationError({"ends_on": _("The end date is before the start date.")})
    supervision.full_clean()
    supervision.save()
    changes = diff(before, snapshot(supervision, SUPERVISION_FIELDS))
    if subjects is not None:
        subjects = list(subjects)
        if not subjects:
            raise ValidationError({"subjects": _("Choose at least one agency to supervise.")})
        old = sorted(supervision.subjects.values_list("code", flat=True))
        supervision.subjects.set(subjects)
        new = sorted(u.code for u in subjects)
        if old != new:
            changes["subjects"] = [old, new]
    audit_record(
        actor=actor,
        verb="oversight.supervision.updated",
        target=supervision,
        unit=supervision.front_unit,
        changes=changes,
    )
    return supervision


@transaction.atomic
def team_member_add(*, actor: Any, supervision: Supervision, user: Any, unit: Unit, role: str) -> TeamMember:
    """Put a person on the team; the head is named once."""
    _require_front(actor, supervision.front_unit)
    if supervision.status in (S.CONCLUDED, S.CLOSED):
        raise ValidationError(_("The supervision is concluded: its team can no longer change."))
    if supervision.team.filter(user=user).exists():
        raise ValidationError({"user": _("This person is already on the team.")})
    if role == TeamMember.Role.HEAD and supervision.team.filter(role=TeamMember.Role.HEAD).exists():
        raise ValidationError({"role": _("The team already has a head.")})
    if not Membership.objects.filter(user=user, unit=unit, ended_on__isnull=True).exists():
        raise ValidationError({"unit": _("The person is not a member of this organisation.")})
    member = TeamMember.objects.create(supervision=supervision, user=user, unit=unit, role=role)
    audit_record(
        actor=actor,
        verb="oversight.team.added",
        target=supervision,
        unit=supervision.front_unit,
        changes={"member": [None, user.get_username()], "role": [None, role], "organisation": [None, unit.code]},
    )
    return member


@transaction.atomic
def activity_add(
    *, actor: Any, supervision: Supervision, kind: str, date: dt.date, note: str, file: Any = None
) -> Activity:
    """Record a visit, a working session or the documents reviewed (team members too)."""
    if not (access.can(actor, supervision.front_unit, Role.OFFICER) or supervision.team.filter(user=actor).exists()):
        raise ValidationError(_("Only the Front committee's officers and the team may do this."))
    if supervision.status in (S.PLANNED, S.CLOSED):
        raise ValidationError(_("Activities are recorded once the plan is sent and until the supervision is closed."))
    activity = Activity(supervision=supervision, kind=kind, date=date, note=note.strip())
    if file:
        activity.file = file
    activity.full_clean()
    activity.save()
    audit_record(
        actor=actor,
        verb="oversight.activity.added",
        target=supervision,
        unit=supervision.front_unit,
        changes=created(activity, ["kind", "date", "note", "file"]),
    )
    return activity


@transaction.atomic
def finding_add(*, actor: Any, supervision: Supervision, text: str) -> Finding:
    if not (access.can(actor, supervision.front_unit, Role.OFFICER) or supervision.team.filter(user=actor).exists()):
        raise ValidationError(_("Only the Front committee's officers and the team may do this."))
    if supervision.status in (S.CONCLUDED, S.CLOSED):
        raise ValidationError(_("The supervision is concluded: findings can no longer be added."))
    if not text.strip():
        raise ValidationError({"text": _("Write the finding.")})
    finding = Finding.objects.create(supervision=supervision, text=text.strip())
    audit_record(
        actor=actor,
        verb="oversight.finding.added",
        target=supervision,
        unit=supervision.front_unit,
        changes={"text": [None, finding.text]},
    )
    return finding


def plan_target(supervision: Supervision) -> str:
    return f"{target_key(supervision)}:plan"


def decision_target(supervision: Supervision) -> str:
    return f"{target_key(supervision)}:decision"


def conclusion_target(supervision: Supervision) -> str:
    return f"{target_key(supervision)}:conclusion"


def escalation_target(recommendation: Recommendation) -> str:
    return f"{target_key(recommendation)}:escalation"


@transaction.atomic
def supervision_notify(
    *, actor: Any, supervision: Supervision, on_date: dt.date | None = None, override_reason: str = ""
) -> Supervision:
    """Send the plan (KH) and, for a team, the decision (QĐ) to the supervised agencies, numbered now.

    At least PHOIHOP_SUPERVISION_NOTICE_DAYS calendar days ahead of the start; later only by a
    leader of the Front giving a reason, which the audit trail keeps.
    """
    _require_front(actor, supervision.front_unit)
    on_date = on_date or _today()
    if supervision.status != S.PLANNED:
        raise ValidationError(_("The plan of this supervision was already sent."))
    notice = settings.PHOIHOP_SUPERVISION_NOTICE_DAYS
    latest = supervision.starts_on - dt.timedelta(days=notice)
    override_reason = override_reason.strip()
    late = on_date > latest
    if late:
        if not override_reason:
            raise ValidationError(
                _(
                    "The plan must reach the agencies at least %(days)s days before the supervision starts on "
                    "%(start)s, that is by %(latest)s. A leader may send it later by giving a reason."
                )
                % {
                    "days": notice,
                    "start": supervision.starts_on.strftime("%d/%m/%Y"),
                    "latest": latest.strftime("%d/%m/%Y"),
                }
            )
        if not access.can(actor, supervision.front_unit, Role.LEADER):
            raise ValidationError(
                {
                    "override_reason": _(
                        "Only a leader of the Front committee may send the plan later than the notice period."
                    )
                }
            )
    front = supervision.front_unit
    short = abbreviation(front)
    document_issue(
        actor=actor, issuing_unit=front, symbol=f"KH-{short}", on_date=on_date, target=plan_target(supervision)
    )
    if supervision.form != "document_review":
        document_issue(
            actor=actor, issuing_unit=front, symbol=f"QĐ-{short}", on_date=on_date, target=decision_target(supervision)
        )
    supervision.status = S.NOTIFIED
    supervision.notified_on = on_date
    supervision.notice_override_reason = override_reason if late else ""
    supervision.save(update_fields=["status", "notified_on", "notice_override_reason", "updated_at"])
    audit_record(
        actor=actor,
        verb="oversight.supervision.notified_late" if late else "oversight.supervision.notified",
        target=supervision,
        unit=front,
        changes={"status": [S.PLANNED, S.NOTIFIED], "notified_on": [None, on_date.isoformat()]},
        note=override_reason if late else "",
    )
    for subject in supervision.subjects.all():
        notify(
            recipients=people_of(subject),
            kind=Kind.INFO,
            title=format_lazy(gettext_lazy("Supervision plan received: {title}"), title=supervision.title),
            url=supervision.get_absolute_url(),
            unit=subject,
            target=target_key(supervision),
            key=f"{target_key(supervision)}:notified",
            actor=actor,
        )
    return supervision


def _move(
    *, actor: Any, supervision: Supervision, frm: tuple[str, ...], to: str, verb: str, **fields: Any
) -> Supervision:
    if supervision.status not in frm:
        raise ValidationError(
            _("This supervision is %(status)s: that step is not possible now.")
            % {"status": supervision.get_status_display()}
        )
    old = supervision.status
    supervision.status = to
    for name, value in fields.items():
        setattr(supervision, name, value)
    supervision.save(update_fields=["status", *fields, "updated_at"])
    audit_record(
        actor=actor,
        verb=verb,
        target=supervision,
        unit=supervision.front_unit,
        changes={"status": [old, to], **{k: [None, str(v)] for k, v in fields.items()}},
    )
    return supervision


@transaction.atomic
def supervision_start(*, actor: Any, supervision: Supervision) -> Supervision:
    _require_front(actor, supervision.front_unit)
    return _move(
        actor=actor, supervision=supervision, frm=(S.NOTIFIED,), to=S.IN_PROGRESS, verb="oversight.supervision.started"
    )


@transaction.atomic
def supervision_conclude(
    *, actor: Any, supervision: Supervision, conclusion: str, on_date: dt.date | None = None
) -> Supervision:
    """Conclude with the conclusion report (BC), numbered now; its recommendations may then be sent."""
    _require_front(actor, supervision.front_unit)
    on_date = on_date or _today()
    if not conclusion.strip():
        raise ValidationError({"conclusion": _("Write the conclusion.")})
    supervision = _move(
        actor=actor,
        supervision=supervision,
        frm=(S.IN_PROGRESS,),
        to=S.CONCLUDED,
        verb="oversight.supervision.concluded",
        conclusion=conclusion.strip(),
        concluded_on=on_date,
    )
    document_issue(
        actor=actor,
        issuing_unit=supervision.front_unit,
        symbol=f"BC-{abbreviation(supervision.front_unit)}",
        on_date=on_date,
        target=conclusion_target(supervision),
    )
    return supervision


@transaction.atomic
def supervision_close(*, actor: Any, supervision: Supervision, on_date: dt.date | None = None) -> Supervision:
    """Close once every recommendation is closed or withdrawn."""
    _require_front(actor, supervision.front_unit)
    if supervision.recommendations.exclude(status__in=[R.CLOSED, R.WITHDRAWN]).exists():
        raise ValidationError(_("Close or withdraw every recommendation before closing the supervision."))
    return _move(
        actor=actor,
        supervision=supervision,
        frm=(S.CONCLUDED,),
        to=S.CLOSED,
        verb="oversight.supervision.closed",
        closed_on=on_date or _today(),
    )


def _tell(
    recommendation: Recommendation,
    step: str,
    *,
    recipients: list[Any],
    kind: str,
    title: Any,
    body: str,
    unit: Unit,
    actor: Any,
) -> None:
    """Notify about one step of a recommendation, once per person (the key names the step)."""
    notify(
        recipients=recipients,
        kind=kind,
        title=title,
        body=body,
        url=recommendation.get_absolute_url(),
        unit=unit,
        target=target_key(recommendation),
        key=f"{target_key(recommendation)}:{step}",
        actor=actor,
    )


# Recommendations ---------------------------------------------------------------------------------


@transaction.atomic
def recommendation_create(*, actor: Any, supervision: Supervision, addressee: Unit | None, text: str) -> Recommendation:
    """Draft a recommendation to one agency (sent with the conclusion)."""
    _require_front(actor, supervision.front_unit)
    errors: dict[str, str] = {}
    if addressee is None:
        errors["addressee"] = _("Choose the agency the recommendation is addressed to.")
    if not (text or "").strip():
        errors["text"] = _("Write the recommendation.")
    if supervision.status == S.CLOSED:
        errors["__all__"] = _("The supervision is closed.")
    if errors:
        raise ValidationError(errors)
    recommendation = Recommendation(
        supervision=supervision, front_unit=supervision.front_unit, addressee=addressee, text=text.strip()
    )
    recommendation.full_clean()
    recommendation.save()
    audit_record(
        actor=actor,
        verb="oversight.recommendation.created",
        target=recommendation,
        unit=supervision.front_unit,
        changes={**created(recommendation, ["text", "status"]), "addressee": [None, addressee.code]},
    )
    return recommendation


@transaction.atomic
def recommendation_update(
    *, actor: Any, recommendation: Recommendation, addressee: Unit | None, text: str
) -> Recommendation:
    _require_front(actor, recommendation.front_unit)
    if recommendation.status != R.DRAFT:
        raise ValidationError(_("A recommendation already sent cannot be changed."))
    if addressee is None:
        raise ValidationError({"addressee": _("Choose the agency the recommendation is addressed to.")})
    if not (text or "").strip():
        raise ValidationError({"text": _("Write the recommendation.")})
    before = snapshot(recommendation, ["addressee", "text"])
    recommendation.addressee = addressee
    recommendation.text = text.strip()
    recommendation.save(update_fields=["addressee", "text", "updated_at"])
    audit_record(
        actor=actor,
        verb="oversight.recommendation.updated",
        target=recommendation,
        unit=recommendation.front_unit,
        changes=diff(before, snapshot(recommendation, ["addressee", "text"])),
    )
    return recommendation


@transaction.atomic
def recommendation_send(
    *, actor: Any, recommendation: Recommendation, on_date: dt.date | None = None
) -> Recommendation:
    """Send to the agency; the answer deadline starts the day after (Civil Code Đ147)."""
    _require_front(actor, recommendation.front_unit)
    on_date = on_date or _today()
    if recommendation.status != R.DRAFT:
        raise ValidationError(_("This recommendation was already sent."))
    if recommendation.supervision.status != S.CONCLUDED:
        raise ValidationError(_("Recommendations are sent with the conclusion: conclude the supervision first."))
    recommendation.status = R.SENT
    recommendation.sent_on = on_date
    recommendation.deadline = answer_deadline(recommendation.front_unit, on_date)
    recommendation.save(update_fields=["status", "sent_on", "deadline", "updated_at"])
    audit_record(
        actor=actor,
        verb="oversight.recommendation.sent",
        target=recommendation,
        unit=recommendation.front_unit,
        changes={
            "status": [R.DRAFT, R.SENT],
            "sent_on": [None, on_date.isoformat()],
            "deadline": [None, recommendation.deadline.isoformat()],
        },
    )
    _tell(
        recommendation,
        "sent",
        recipients=people_of(recommendation.addressee),
        kind=Kind.ASSIGNED,
        title=format_lazy(
            gettext_lazy("A recommendation from {front} awaits your answer by {deadline}"),
            front=recommendation.front_unit.name,
            deadline=recommendation.deadline.strftime("%d/%m/%Y"),
        ),
        body=recommendation.text,
        unit=recommendation.addressee,
        actor=actor,
    )
    return recommendation


def _check_open_for_answer(recommendation: Recommendation) -> None:
    if recommendation.status in (R.CLOSED, R.WITHDRAWN) or recommendation.supervision.status == S.CLOSED:
        raise ValidationError(_("This recommendation is closed: an answer can no longer be recorded."))
    if recommendation.status != R.SENT:
        raise ValidationError(_("This recommendation has already been answered."))


@transaction.atomic
def recommendation_answer(
    *,
    actor: Any,
    recommendation: Recommendation,
    answer: str,
    file: Any = None,
    on_date: dt.date | None = None,
    on_paper: bool = False,
) -> Recommendation:
    """Record the agency's answer: by the agency itself, or by the Front from a paper answer (with its file)."""
    _check_open_for_answer(recommendation)
    on_date = on_date or _today()
    if on_paper:
        if not access.can(actor, recommendation.front_unit, Role.OFFICER):
            raise ValidationError(_("Only the Front committee's officers may record a paper answer."))
        if not file:
            raise ValidationError({"file": _("Attach the scanned paper answer.")})
    elif not access.can(actor, recommendation.addressee, Role.OFFICER):
        raise ValidationError(_("Only the officers of the agency addressed may answer."))
    if not (answer or "").strip():
        raise ValidationError({"answer": _("Write the answer.")})
    if recommendation.sent_on and on_date < recommendation.sent_on:
        raise ValidationError({"answered_on": _("The answer cannot be dated before the recommendation was sent.")})
    recommendation.answer = answer.strip()
    if file:
        recommendation.answer_file = file
    recommendation.answered_on = on_date
    recommendation.answered_by = actor if getattr(actor, "is_authenticated", False) else None
    recommendation.answer_on_paper = on_paper
    recommendation.status = R.ANSWERED
    recommendation.save(
        update_fields=["answer", "answer_file", "answered_on", "answered_by", "answer_on_paper", "status", "updated_at"]
    )
    late = recommendation.deadline is not None and on_date > recommendation.deadline
    audit_record(
        actor=actor,
        verb="oversight.recommendation.answered",
        target=recommendation,
        unit=recommendation.addressee,
        changes={"status": [R.SENT, R.ANSWERED], "answered_on": [None, on_date.isoformat()], "late": [None, late]},
        note=_("Paper answer recorded by the Front.") if on_paper else "",
    )
    _tell(
        recommendation,
        "answered",
        recipients=people_of(recommendation.front_unit),
        kind=Kind.ANSWERED,
        title=format_lazy(gettext_lazy("{agency} answered a recommendation"), agency=recommendation.addressee.name),
        body=recommendation.answer,
        unit=recommendation.front_unit,
        actor=actor,
    )
    return recommendation


@transaction.atomic
def recommendation_assess(
    *, actor: Any, recommendation: Recommendation, assessment: str, note: str = "", on_date: dt.date | None = None
) -> Recommendation:
    """The Front's officers judge the answer: satisfactory, partly, not satisfactory."""
    if not access.can(actor, recommendation.front_unit, Role.OFFICER):
        raise ValidationError(
            _("Only the officers of the Front committee that made the recommendation may assess its answer.")
        )
    if recommendation.status != R.ANSWERED:
        raise ValidationError(_("Only an answered recommendation can be assessed."))
    from phoihop.oversight.models import Assessment

    if assessment not in Assessment.values:
        raise ValidationError({"assessment": _("Choose an assessment.")})
    if assessment != Assessment.SATISFACTORY and not note.strip():
        raise ValidationError({"note": _("Say what the answer lacks.")})
    recommendation.assessment = assessment
    recommendation.assessment_note = note.strip()
    recommendation.assessed_on = on_date or _today()
    recommendation.status = R.ASSESSED
    recommendation.save(update_fields=["assessment", "assessment_note", "assessed_on", "status", "updated_at"])
    audit_record(
        actor=actor,
        verb="oversight.recommendation.assessed",
        target=recommendation,
        unit=recommendation.front_unit,
        changes={"status": [R.ANSWERED, R.ASSESSED], "assessment": [None, assessment]},
        note=recommendation.assessment_note,
    )
    _tell(
        recommendation,
        "assessed",
        recipients=people_of(recommendation.addressee),
        kind=Kind.CONFIRMED,
        title=format_lazy(
            gettext_lazy("Your answer to the recommendation of {front} was assessed: {assessment}"),
            front=recommendation.front_unit.name,
            assessment=Assessment(assessment).label,
        ),
        body=recommendation.assessment_note,
        unit=recommendation.addressee,
        actor=actor,
    )
    return recommendation


@transaction.atomic
def recommendation_close(
    *, actor: Any, recommendation: Recommendation, on_date: dt.date | None = None
) -> Recommendation:
    _require_front(actor, recommendation.front_unit)
    if recommendation.status != R.ASSESSED:
        raise ValidationError(_("Assess the answer before closing the recommendation."))
    recommendation.status = R.CLOSED
    recommendation.closed_on = on_date or _today()
    recommendation.save(update_fields=["status", "closed_on", "updated_at"])
    audit_record(
        actor=actor,
        verb="oversight.recommendation.closed",
        target=recommendation,
        unit=recommendation.front_unit,
        changes={"status": [R.ASSESSED, R.CLOSED]},
    )
    return recommendation


@transaction.atomic
def recommendation_withdraw(*, actor: Any, recommendation: Recommendation, reason: str) -> Recommendation:
    """Withdraw a recommendation not yet answered (it then counts as waived)."""
    _require_front(actor, recommendation.front_unit, Role.LEADER)
    if recommendation.status not in (R.DRAFT, R.SENT):
        raise ValidationError(_("Only a recommendation not yet answered can be withdrawn."))
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason.")})
    old = recommendation.status
    recommendation.status = R.WITHDRAWN
    recommendation.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        verb="oversight.recommendation.withdrawn",
        target=recommendation,
        unit=recommendation.front_unit,
        changes={"status": [old, R.WITHDRAWN]},
        note=reason.strip(),
    )
    return recommendation


@transaction.atomic
def follow_up_add(*, actor: Any, recommendation: Recommendation, text: str, due_on: dt.date | None = None) -> FollowUp:
    _require_front(actor, recommendation.front_unit)
    if recommendation.status not in (R.ANSWERED, R.ASSESSED):
        raise ValidationError(_("Follow-up actions are decided once the answer is in."))
    if not text.strip():
        raise ValidationError({"text": _("Write the action.")})
    follow_up = FollowUp.objects.create(recommendation=recommendation, text=text.strip(), due_on=due_on)
    audit_record(
        actor=actor,
        verb="oversight.recommendation.follow_up",
        target=recommendation,
        unit=recommendation.front_unit,
        changes=created(follow_up, ["text", "due_on"]),
    )
    return follow_up


@transaction.atomic
def recommendation_resupervise(
    *, actor: Any, recommendation: Recommendation, title: str, starts_on: dt.date, ends_on: dt.date
) -> Supervision:
    """Plan a new supervision of the same agency to check the recommendation was carried out."""
    if recommendation.status not in (R.ANSWERED, R.ASSESSED, R.CLOSED):
        raise ValidationError(_("A re-supervision follows an answer."))
    supervision = supervision_create(
        actor=actor,
        front_unit=recommendation.front_unit,
        title=title,
        form=recommendation.supervision.form,
        subjects=[recommendation.addressee],
        starts_on=starts_on,
        ends_on=ends_on,
        content=recommendation.text,
        follows_up=recommendation,
    )
    audit_record(
        actor=actor,
        verb="oversight.recommendation.resupervised",
        target=recommendation,
        unit=recommendation.front_unit,
        changes={"supervision": [None, supervision.pk]},
    )
    return supervision


# Escalation --------------------------------------------------------------------------------------


def is_escalation_due(recommendation: Recommendation, today: dt.date) -> bool:
    due = escalation_due(recommendation)
    return recommendation.status == R.SENT and due is not None and today >= due


@transaction.atomic
def recommendation_escalate(*, actor: Any, recommendation: Recommendation, today: dt.date | None = None) -> Escalation:
    """Send an unanswered recommendation up to the Front above, with a numbered letter (công văn).

    Idempotent: a recommendation escalated already returns its escalation. `actor` is None when
    the nightly run does it. Without a Front above (the province's own Front), the letter goes
    from the Front to the agency itself, urging it.
    """
    existing = Escalation.objects.filter(recommendation=recommendation).select_related("to_unit").first()
    if existing is not None:
        return existing
    today = today or _today()
    if actor is not None:
        _require_front(actor, recommendation.front_unit)
    if recommendation.status != R.SENT:
        raise ValidationError(_("Only a recommendation still waiting for its answer can be escalated."))
    if not is_escalation_due(recommendation, today):
        raise ValidationError(
            _("This recommendation can be escalated from %(date)s (%(days)s days after its deadline).")
            % {
                "date": escalation_due(recommendation).strftime("%d/%m/%Y"),
                "days": settings.PHOIHOP_RECOMMENDATION_ESCALATE_DAYS,
            }
        )
    to_unit = front_above(recommendation.front_unit) or recommendation.front_unit
    try:
        with transaction.atomic():
            escalation = Escalation.objects.create(
                recommendation=recommendation,
                escalated_on=today,
                to_unit=to_unit,
                escalated_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
    except IntegrityError:
        # Another run escalated it between our read and our insert.
        return Escalation.objects.get(recommendation=recommendation)
    # A công văn has no type abbreviation: its symbol is the body's and the drafting office's.
    document_issue(
        actor=actor,
        issuing_unit=recommendation.front_unit,
        symbol=f"{abbreviation(recommendation.front_unit)}-BTT",
        on_date=today,
        target=escalation_target(recommendation),
        kind="CV",
    )
    audit_record(
        actor=actor,
        verb="oversight.recommendation.escalated",
        target=recommendation,
        unit=recommendation.front_unit,
        changes={"escalated_to": [None, to_unit.code], "escalated_on": [None, today.isoformat()]},
    )
    title = format_lazy(
        gettext_lazy("A recommendation to {agency} is unanswered {days} days past its deadline"),
        agency=recommendation.addressee.name,
        days=settings.PHOIHOP_RECOMMENDATION_ESCALATE_DAYS,
    )
    recipients = people_of(to_unit, min_role=Role.LEADER) + people_of(recommendation.addressee)
    _tell(
        recommendation,
        "escalated",
        recipients=recipients,
        kind=Kind.ESCALATED,
        title=title,
        body=recommendation.text,
        unit=to_unit,
        actor=actor,
    )
    return escalation


def run_escalations(today: dt.date | None = None) -> list[Escalation]:
    """Escalate every recommendation due for it (called nightly; safe to run twice)."""
    today = today or _today()
    # Cheap pre-filter on the plain date; the exact day (a day off moves it later) is checked per row.
    latest_deadline = today - dt.timedelta(days=settings.PHOIHOP_RECOMMENDATION_ESCALATE_DAYS)
    candidates = (
        Recommendation.objects.filter(status=R.SENT, deadline__lte=latest_deadline, escalation__isnull=True)
        .select_related("front_unit", "addressee", "supervision")
        .order_by("deadline", "pk")
    )
    done = []
    for recommendation in candidates:
        if is_escalation_due(recommendation, today):
            done.append(recommendation_escalate(actor=None, recommendation=recommendation, today=today))
    return done
