"""Every change of state of agreements, duties, occurrences, evidence and events.

Each service is keyword-only with the acting person first, validates meaning (forms check
shape), writes in one transaction and records an audit event in it. Bad input raises Django's
ValidationError keyed by field, with messages in English source text (the catalogue gives the
Vietnamese), and leaves nothing half-written.

Note for the screens (additions to the contract, all optional):
- `agreement_register(..., status=Agreement.Status.DRAFT)`: a new agreement is a draft unless
  told otherwise; `agreement_set_status()` puts it in force.
- `Obligation.schedule_changed_on` (new field, migration 0002): the day the schedule was last
  edited; occurrences due on or before it keep the rule they were made under.
- `areas` and `area` accept Area objects or their codes; `occurrence_plan()` returns the
  occurrences a duty would get, unsaved (the `--dry-run` of generate_occurrences uses it).
- Marking an agreement expired or replaced ends its period today when it ran longer, and the
  duties that would fall after that are removed (only the ones nobody touched).

Occurrences: `occurrence_plan()` turns a duty's schedule (RFC 5545 rule with DTSTART = the
agreement's start; or the events of a kind; or one fixed date) into dated occurrences keyed by
period ("2024-01-01/2024-03-31"), event ("event:12") or "once"; `occurrences_generate()`
inserts the missing ones. The key is the whole period, not its start: after a schedule edit the
new half-year 01/07–31/12 is another duty than the old quarter 01/07–30/09 and must not be
swallowed by it. The (obligation, key) unique constraint with INSERT … ON CONFLICT DO NOTHING makes
that idempotent, also when two processes generate at once: the loser's rows are skipped, not
duplicated, and nothing fails.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from dateutil import rrule as dateutil_rrule
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from phoihop.agreements.models import (
    Agreement,
    AgreementFile,
    AgreementParty,
    Amendment,
    Area,
    Event,
    Evidence,
    Obligation,
    Occurrence,
)
from phoihop.calendar.workdays import add_days
from phoihop.core.audit import audit_record, created, diff, snapshot
from phoihop.orgs.models import Unit

# An open-ended agreement gets duties this many years ahead of its start (a new term of the
# councils is 5 years; a regulation is usually revised within one).
OPEN_ENDED_YEARS = 5
# More than this many occurrences from one duty means a wrong rule (a daily rule over years).
MAX_OCCURRENCES = 400
MAX_DEADLINE_DAYS = 366

AGREEMENT_FIELDS = (
    "kind",
    "number",
    "title",
    "summary",
    "signed_on",
    "signed_place",
    "effective_from",
    "effective_to",
    "status",
    "owner_unit",
    "parent",
    "replaced_by",
)
# Status and replacement change through agreement_set_status(); the owner unit never changes.
EDITABLE_AGREEMENT_FIELDS = (
    *(name for name in AGREEMENT_FIELDS if name not in ("status", "owner_unit", "replaced_by")),
    "areas",
)
SCHEDULE_FIELDS = (
    "schedule_kind",
    "rrule",
    "event_kind",
    "deadline_rule",
    "deadline_days",
    "deadline_working_days",
    "deadline_date",
)
OBLIGATION_FIELDS = ("article_ref", "title", "text", "area", *SCHEDULE_FIELDS, "evidence_kinds", "schedule_version")
EDITABLE_OBLIGATION_FIELDS = (
    "article_ref",
    "title",
    "text",
    "area",
    "owing_units",
    "receiving_units",
    *SCHEDULE_FIELDS,
    "evidence_kinds",
)
EVENT_FIELDS = ("kind", "title", "host_unit", "starts_on", "ends_on", "place")
AREA_FIELDS = ("code", "name", "order", "is_active")

SK = Obligation.ScheduleKind
DR = Obligation.DeadlineRule


def _today() -> dt.date:
    return timezone.localdate()


def _fmt(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


# --- Areas ------------------------------------------------------------------------------------


def _resolve_area(value: Any, *, field: str = "area") -> Area:
    """Return the Area for an Area, an id or a code; refuse unknown and retired areas."""
    area: Area | None
    if isinstance(value, Area):
        area = value
    elif isinstance(value, int):
        area = Area.objects.filter(pk=value).first()
    elif isinstance(value, str) and value.strip():
        area = Area.objects.filter(code=value.strip()).first()
    else:
        area = None
    if area is None:
        raise ValidationError({field: _("Unknown content area: %(area)s.") % {"area": value}})
    if not area.is_active:
        raise ValidationError({field: _("The content area %(area)s is no longer in use.") % {"area": area.name}})
    return area


def _resolve_areas(values: Iterable[Any]) -> list[Area]:
    return [_resolve_area(value, field="areas") for value in values]


@transaction.atomic
def area_create(*, actor: Any, code: str, name: str, order: int = 0, is_active: bool = True) -> Area:
    """Add a content area to the shared list (system admins; views check it)."""
    code = (code or "").strip()
    if Area.objects.filter(code=code).exists():
        raise ValidationError({"code": _("An area with the code %(code)s already exists.") % {"code": code}})
    area = Area(code=code, name=(name or "").strip(), order=order, is_active=is_active)
    area.full_clean()
    area.save()
    audit_record(actor=actor, verb="area.created", target=area, changes=created(area, AREA_FIELDS))
    return area


@transaction.atomic
def area_update(*, actor: Any, area: Area, **fields: Any) -> Area:
    """Rename, reorder, retire or bring back an area. Its code is stable: records and imports use it."""
    unknown = set(fields) - {"name", "order", "is_active"}
    if unknown:
        raise ValueError(f"not editable here: {sorted(unknown)}")
    before = snapshot(area, AREA_FIELDS)
    for name, value in fields.items():
        setattr(area, name, value.strip() if isinstance(value, str) else value)
    area.full_clean()
    changes = diff(before, snapshot(area, AREA_FIELDS))
    if changes:
        area.save(update_fields=[*changes, "updated_at"])
        audit_record(actor=actor, verb="area.updated", target=area, changes=changes)
    return area


# --- Agreements -------------------------------------------------------------------------------


def _check_period(effective_from: dt.date | None, effective_to: dt.date | None) -> None:
    if effective_from is None:
        raise ValidationError({"effective_from": _("Enter the date the agreement takes effect.")})
    if effective_to is not None and effective_to < effective_from:
        raise ValidationError(
            {
                "effective_to": _("The agreement cannot end (%(end)s) before it takes effect (%(start)s).")
                % {"end": _fmt(effective_to), "start": _fmt(effective_from)}
            }
        )


def _check_parent(agreement: Agreement, parent: Agreement | None) -> None:
    # Walk up from the proposed parent: meeting the agreement itself would make a loop.
    seen = set()
    node = parent
    while node is not None and node.pk not in seen:
        if agreement.pk is not None and node.pk == agreement.pk:
            raise ValidationError({"parent": _("An agreement cannot implement itself or one that implements it.")})
        seen.add(node.pk)
        node = node.parent


def _check_party(agreement: Agreement, unit: Unit, role: str, focal_unit: Unit | None) -> None:
    if unit is None:
        raise ValidationError({"unit": _("Choose the unit of the party.")})
    if role not in AgreementParty.Role.values:
        raise ValidationError({"role": _("Unknown role of a party: %(role)s.") % {"role": role}})
    if focal_unit is not None and not focal_unit.path.startswith(unit.path):
        raise ValidationError(
            {
                "focal_unit": _("The focal unit must be %(unit)s or one of its own units.") % {"unit": unit.name},
            }
        )
    if agreement.pk is not None and agreement.parties.filter(unit=unit).exists():
        raise ValidationError({"unit": _("%(unit)s is already a party to this agreement.") % {"unit": unit.name}})


def _audit_agreement(actor: Any, verb: str, agreement: Agreement, **kwargs: Any) -> None:
    audit_record(actor=actor, verb=verb, target=agreement, unit=agreement.owner_unit, **kwargs)


@transaction.atomic
def agreement_register(
    *,
    actor: Any,
    owner_unit: Unit,
    kind: str,
    number: str,
    title: str,
    effective_from: dt.date,
    effective_to: dt.date | None = None,
    signed_on: dt.date | None = None,
    signed_place: str = "",
    summary: str = "",
    parent: Agreement | None = None,
    areas: Iterable[Any] = (),
    parties: Iterable[tuple[Unit, str, Unit | None]] = (),
    status: str = Agreement.Status.DRAFT,
) -> Agreement:
    """Register a signed (or draft) agreement with its parties and content areas.

    The owner unit keeps the record up to date; drafts are visible to it alone.
    """
    _check_period(effective_from, effective_to)
    if status not in (Agreement.Status.DRAFT, Agreement.Status.IN_FORCE):
        raise ValidationError({"status": _("A new agreement is either a draft or in force.")})
    area_list = _resolve_areas(areas)
    agreement = Agreement(
        owner_unit=owner_unit,
        kind=kind,
        number=(number or "").strip(),
        title=(title or "").strip(),
        summary=summary,
        signed_on=signed_on,
        signed_place=(signed_place or "").strip(),
        effective_from=effective_from,
        effective_to=effective_to,
        parent=parent,
        status=status,
        province_code=owner_unit.province_code,
    )
    agreement.full_clean(validate_constraints=False)
    agreement.save()
    agreement.areas.set(area_list)
    seen: set[int] = set()
    for unit, role, focal_unit in parties:
        if unit is not None and unit.pk in seen:
            raise ValidationError({"parties": _("%(unit)s is listed twice among the parties.") % {"unit": unit.name}})
        _check_party(agreement, unit, role, focal_unit)
        seen.add(unit.pk)
        AgreementParty.objects.create(agreement=agreement, unit=unit, role=role, focal_unit=focal_unit)
    changes = created(agreement, AGREEMENT_FIELDS)
    changes["areas"] = [None, sorted(a.code for a in area_list)]
    changes["parties"] = [None, [p.unit.code for p in agreement.parties.select_related("unit")]]
    _audit_agreement(actor, "agreement.registered", agreement, changes=changes)
    return agreement


@transaction.atomic
def agreement_update(*, actor: Any, agreement: Agreement, **fields: Any) -> Agreement:
    """Change an agreement's own fields and content areas (status: agreement_set_status).

    A new effective period re-plans the duties: future occurrences nobody touched are made
    again for the new period; touched ones and all past ones stay as they are.
    """
    unknown = set(fields) - set(EDITABLE_AGREEMENT_FIELDS)
    if unknown:
        raise ValueError(f"not editable here: {sorted(unknown)}")
    before = snapshot(agreement, AGREEMENT_FIELDS)
    areas_before = sorted(agreement.areas.values_list("code", flat=True))
    area_list = _resolve_areas(fields.pop("areas")) if "areas" in fields else None
    for name, value in fields.items():
        setattr(agreement, name, value.strip() if isinstance(value, str) and name != "summary" else value)
    _check_period(agreement.effective_from, agreement.effective_to)
    _check_parent(agreement, agreement.parent)
    agreement.full_clean(validate_constraints=False)
    changes = diff(before, snapshot(agreement, AGREEMENT_FIELDS))
    if changes:
        agreement.save(update_fields=[*changes, "updated_at"])
    if area_list is not None:
        areas_after = sorted(a.code for a in area_list)
        if areas_after != areas_before:
            agreement.areas.set(area_list)
            changes["areas"] = [areas_before, areas_after]
    if not changes:
        return agreement
    if {"effective_from", "effective_to"} & set(changes):
        _replan_agreement(agreement)
    _audit_agreement(actor, "agreement.updated", agreement, changes=changes)
    return agreement


def _replan_agreement(agreement: Agreement) -> None:
    """Re-plan every duty after the period changed; a duty that no longer fits refuses the change."""
    today = _today()
    for obligation in agreement.obligations.all():
        obligation.agreement = agreement
        try:
            occurrence_plan(obligation=obligation, validate=True)
        except ValidationError as exc:
            raise ValidationError(
                {
                    "effective_to": _("The duty %(duty)s cannot be scheduled in the new period.")
                    % {"duty": obligation.title}
                }
            ) from exc
        _drop_untouched_future(obligation, today)
        occurrences_generate(obligation=obligation)


@transaction.atomic
def agreement_set_status(
    *, actor: Any, agreement: Agreement, status: str, replaced_by: Agreement | None = None
) -> Agreement:
    """Put an agreement in force, or mark it expired or replaced (by another agreement).

    Expired and replaced keep the effective period as the record of when the agreement was in
    force: one that still ran past today now ends today, and its duties due after that which
    nobody touched are removed.
    """
    if status not in Agreement.Status.values:
        raise ValidationError({"status": _("Unknown status: %(status)s.") % {"status": status}})
    if status == Agreement.Status.REPLACED:
        if replaced_by is None:
            raise ValidationError({"replaced_by": _("Choose the agreement that replaces this one.")})
        if replaced_by.pk == agreement.pk:
            raise ValidationError({"replaced_by": _("An agreement cannot replace itself.")})
    else:
        replaced_by = None
    before = snapshot(agreement, AGREEMENT_FIELDS)
    agreement.status = status
    agreement.replaced_by = replaced_by
    today = _today()
    ends_early = status in (Agreement.Status.EXPIRED, Agreement.Status.REPLACED) and (
        agreement.effective_to is None or agreement.effective_to > today
    )
    if ends_early:
        agreement.effective_to = max(today, agreement.effective_from)
    changes = diff(before, snapshot(agreement, AGREEMENT_FIELDS))
    if not changes:
        return agreement
    agreement.save(update_fields=[*changes, "updated_at"])
    if "effective_to" in changes:
        _replan_agreement(agreement)
    _audit_agreement(actor, "agreement.status_changed", agreement, changes=changes)
    return agreement


@transaction.atomic
def agreement_delete(*, actor: Any, agreement: Agreement) -> None:
    """Delete an agreement registered by mistake.

    Refused once a duty was done or has evidence (the record of what happened must stay: mark
    it expired or replaced instead), and while other agreements implement or replace it.
    """
    occurrences = Occurrence.objects.filter(obligation__agreement=agreement)
    if occurrences.filter(Q(state=Occurrence.State.DONE) | Q(evidence__isnull=False)).exists():
        raise ValidationError(
            _(
                "This agreement has completed duties or evidence and cannot be deleted. "
                "Mark it expired or replaced instead."
            )
        )
    if agreement.children.exists() or agreement.replaces.exists():
        raise ValidationError(_("Other agreements implement or replace this one; change them before deleting it."))
    label, pk = str(agreement), agreement.pk
    changes = {k: [v, None] for k, v in snapshot(agreement, AGREEMENT_FIELDS).items() if v not in (None, "")}
    owner = agreement.owner_unit
    agreement.delete()
    audit_record(
        actor=actor,
        verb="agreement.deleted",
        unit=owner,
        changes=changes,
        target_repr=label,
        note=f"agreement id {pk}",
    )


@transaction.atomic
def party_add(
    *, actor: Any, agreement: Agreement, unit: Unit, role: str, focal_unit: Unit | None = None
) -> AgreementParty:
    """Add a party (signatory, lead or member) with its focal unit."""
    _check_party(agreement, unit, role, focal_unit)
    party = AgreementParty.objects.create(agreement=agreement, unit=unit, role=role, focal_unit=focal_unit)
    _audit_agreement(
        actor,
        "agreement.party_added",
        agreement,
        changes={
            "party": [None, unit.code],
            "role": [None, role],
            "focal_unit": [None, getattr(focal_unit, "code", None)],
        },
    )
    return party


@transaction.atomic
def party_remove(*, actor: Any, party: AgreementParty) -> None:
    """Remove a party; refused while it (or one of its units) still owes a duty under the agreement."""
    agreement = party.agreement
    owes = Obligation.objects.filter(agreement=agreement, owing_units__path__startswith=party.unit.path)
    if owes.exists():
        raise ValidationError(
            _("%(unit)s still owes duties under this agreement; change those duties first.") % {"unit": party.unit.name}
        )
    code, role = party.unit.code, party.role
    party.delete()
    _audit_agreement(actor, "agreement.party_removed", agreement, changes={"party": [code, None], "role": [role, None]})


_FILE_SUFFIXES = {AgreementFile.Kind.SCAN: (".pdf",), AgreementFile.Kind.DOCX: (".docx",)}


@transaction.atomic
def agreement_file_add(*, actor: Any, agreement: Agreement, file: Any, kind: str, title: str = "") -> AgreementFile:
    """Attach the signed scan, the Word text or another file."""
    if not file:
        raise ValidationError({"file": _("Choose a file.")})
    if kind not in AgreementFile.Kind.values:
        raise ValidationError({"kind": _("Unknown kind of file: %(kind)s.") % {"kind": kind}})
    suffixes = _FILE_SUFFIXES.get(kind)
    if suffixes and PurePath(getattr(file, "name", "") or "").suffix.lower() not in suffixes:
        raise ValidationError({"file": _("This kind of file must end in %(suffix)s.") % {"suffix": suffixes[0]}})
    attached = AgreementFile(agreement=agreement, file=file, kind=kind, title=(title or "").strip(), uploaded_by=actor)
    attached.full_clean()
    attached.save()
    _audit_agreement(
        actor, "agreement.file_added", agreement, changes={"file": [None, attached.file.name], "kind": [None, kind]}
    )
    return attached


@transaction.atomic
def amendment_add(
    *, actor: Any, agreement: Agreement, date: dt.date, summary: str, number: str = "", file: Any = None
) -> Amendment:
    """Record an amendment (sửa đổi, bổ sung) with its date."""
    if not (summary or "").strip():
        raise ValidationError({"summary": _("Say what the amendment changed.")})
    signed = agreement.signed_on or agreement.effective_from
    if date is None or date < signed:
        raise ValidationError(
            {"date": _("An amendment cannot predate the agreement (%(date)s).") % {"date": _fmt(signed)}}
        )
    amendment = Amendment(agreement=agreement, date=date, summary=summary.strip(), number=(number or "").strip())
    if file:
        amendment.file = file
    amendment.full_clean()
    amendment.save()
    _audit_agreement(
        actor,
        "agreement.amendment_added",
        agreement,
        changes={"amendment": [None, amendment.number or amendment.date.isoformat()]},
        note=amendment.summary,
    )
    return amendment


# --- Schedules --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Planned:
    """One occurrence a schedule gives, before it is saved."""

    key: str
    due_on: dt.date
    period_start: dt.date | None
    period_end: dt.date | None
    event_id: int | None = None


_FREQ = re.compile(r"(?:^|;)FREQ=([A-Z]+)")


def normalise_rrule(text: str) -> str:
    """Return the rule body as stored: upper case, no "RRULE:" prefix, no spaces."""
    body = re.sub(r"\s+", "", text or "").upper()
    return body[len("RRULE:") :] if body.startswith("RRULE:") else body


def _parse_rule(body: str, start: dt.date) -> dateutil_rrule.rrule:
    """Read an RFC 5545 RRULE body with DTSTART = the agreement's start; refuse what we cannot use."""
    invalid = _("This is not a recurrence rule we can use (RFC 5545, for example FREQ=MONTHLY;INTERVAL=6).")
    if not body or "DTSTART" in body or ":" in body:
        raise ValidationError({"rrule": invalid})
    match = _FREQ.search(body)
    if match is None or match.group(1) not in ("YEARLY", "MONTHLY", "WEEKLY", "DAILY"):
        # Duties fall on days: hourly or finer rules make no sense and would explode in number.
        raise ValidationError({"rrule": invalid})
    try:
        rule = dateutil_rrule.rrulestr(body, dtstart=dt.datetime.combine(start, dt.time()))
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise ValidationError({"rrule": invalid}) from exc
    if not isinstance(rule, dateutil_rrule.rrule):
        raise ValidationError({"rrule": invalid})
    return rule


def _horizon(agreement: Agreement) -> dt.date:
    if agreement.effective_to is not None:
        return agreement.effective_to
    start = agreement.effective_from
    try:
        return start.replace(year=start.year + OPEN_ENDED_YEARS)
    except ValueError:  # 29 February
        return start.replace(year=start.year + OPEN_ENDED_YEARS, day=28)


def _rule_dates(rule: dateutil_rrule.rrule, until: dt.date) -> tuple[list[dt.date], dt.date | None]:
    """Return the rule's dates up to `until` and the first date after it (None when the rule stops)."""
    dates: list[dt.date] = []
    for value in rule:
        day = value.date()
        if day > until:
            return dates, day
        dates.append(day)
        if len(dates) > MAX_OCCURRENCES:
            raise ValidationError(
                {
                    "rrule": _("This rule gives more than %(max)s dates; choose a longer interval.")
                    % {"max": MAX_OCCURRENCES}
                }
            )
    return dates, None


def _territory_events(agreement: Agreement, kind: str, until: dt.date) -> list[Event]:
    """Return the events of `kind` in the agreement's period hosted at the agreement's own level.

    A provincial regulation hangs on the provincial council's sessions, not on a commune
    council's: the host must be inside the owner's territory and not inside a territory below it.
    """
    territory = agreement.owner_unit.territory()
    events = list(
        Event.objects.filter(
            kind=kind,
            starts_on__gte=agreement.effective_from,
            starts_on__lte=until,
            host_unit__path__startswith=territory.path,
        )
        .select_related("host_unit")
        .order_by("starts_on", "pk")
    )
    below = list(
        Unit.objects.filter(
            path__startswith=territory.path, depth=territory.depth + 1, kind__in=Unit.TERRITORY_KINDS
        ).values_list("path", flat=True)
    )
    return [e for e in events if not any(e.host_unit.path.startswith(path) for path in below)]


def occurrence_plan(*, obligation: Obligation, validate: bool = False) -> list[Planned]:
    """Return every occurrence the duty's schedule gives over its agreement's period, unsaved.

    - once: on the fixed date, or N (working) days after the agreement's period ends;
    - recurring: each date of the RFC 5545 rule starts a period that runs to the day before the
      next date (cut at the agreement's end); the deadline is N (working) days after the period
      ends, or the rule's date itself (fixed date); "by dd/mm of the year before" gives for
      each year Y the occurrence of year Y due on dd/mm of Y−1;
    - each event of the kind at the agreement's level: N (working) days before it starts or
      after it ends.

    A deadline on a day off moves as the Civil Code says (calendar.workdays). No occurrence is
    due before the agreement takes effect: nothing could be owed then. With `validate`, a
    schedule that gives no date inside the period is refused (events may come later: those not).
    """
    agreement = obligation.agreement
    start = agreement.effective_from
    until = _horizon(agreement)
    province = agreement.province_code
    n = obligation.deadline_days
    working = obligation.deadline_working_days
    kind = obligation.schedule_kind
    rule = obligation.deadline_rule
    planned: list[Planned] = []

    if kind == SK.ONCE:
        if rule == DR.FIXED_DATE:
            if obligation.deadline_date is None:
                raise ValidationError({"deadline_date": _("Enter the date of the deadline.")})
            if obligation.deadline_date < start:
                raise ValidationError(
                    {
                        "deadline_date": _("The deadline falls before the agreement takes effect (%(start)s).")
                        % {"start": _fmt(start)}
                    }
                )
            due = add_days(obligation.deadline_date, 0, province_code=province)
            planned.append(Planned("once", due, start, agreement.effective_to))
        elif rule == DR.AFTER_PERIOD_END:
            if agreement.effective_to is None:
                raise ValidationError(
                    {
                        "deadline_rule": _(
                            "The agreement has no end date, so nothing can fall due after its period ends."
                        )
                    }
                )
            due = add_days(agreement.effective_to, n, working, province_code=province)
            planned.append(Planned("once", due, start, agreement.effective_to))
        else:
            raise ValidationError(
                {"deadline_rule": _("A one-off duty is due on a fixed date or after the period ends.")}
            )

    elif kind == SK.RECURRING and rule == DR.DATE_OF_PREVIOUS_YEAR:
        if obligation.deadline_date is None:
            raise ValidationError({"deadline_date": _("Enter the day and month of the deadline.")})
        interval = 1
        if obligation.rrule:
            parsed = _parse_rule(obligation.rrule, start)
            if parsed._freq != dateutil_rrule.YEARLY:  # dateutil keeps the frequency only here
                raise ValidationError({"rrule": _("A deadline in the year before needs a yearly rule (FREQ=YEARLY).")})
            interval = parsed._interval
        day = obligation.deadline_date
        raw_dues = dateutil_rrule.rrule(
            dateutil_rrule.YEARLY,
            interval=interval,
            bymonth=day.month,
            bymonthday=day.day,
            dtstart=dt.datetime.combine(start, dt.time()),
            until=dt.datetime.combine(until, dt.time()),
        )
        for value in raw_dues:
            year = value.year + 1  # the occurrence concerns the year after its deadline
            due = add_days(value.date(), 0, province_code=province)
            planned.append(Planned(f"{year}-01-01/{year}-12-31", due, dt.date(year, 1, 1), dt.date(year, 12, 31)))
        if validate and not planned:
            raise ValidationError({"deadline_date": _("This deadline never falls inside the agreement's period.")})

    elif kind == SK.RECURRING:
        if rule not in (DR.AFTER_PERIOD_END, DR.FIXED_DATE):
            raise ValidationError(
                {"deadline_rule": _("A recurring duty is due after each period ends or on each date of its rule.")}
            )
        if not obligation.rrule:
            raise ValidationError({"rrule": _("Enter the recurrence rule.")})
        dates, after = _rule_dates(_parse_rule(obligation.rrule, start), until)
        for i, day in enumerate(dates):
            following = dates[i + 1] if i + 1 < len(dates) else after
            period_end = following - dt.timedelta(days=1) if following is not None else until
            if agreement.effective_to is not None:
                period_end = min(period_end, agreement.effective_to)
            if rule == DR.AFTER_PERIOD_END:
                due = add_days(period_end, n, working, province_code=province)
            else:
                due = add_days(day, 0, province_code=province)
            planned.append(Planned(f"{day.isoformat()}/{period_end.isoformat()}", due, day, period_end))
        if validate and not planned:
            raise ValidationError({"rrule": _("This rule gives no date inside the agreement's period.")})

    elif kind == SK.EVENT:
        if obligation.event_kind not in Event.Kind.values:
            raise ValidationError({"event_kind": _("Choose the kind of event the duty hangs on.")})
        if rule not in (DR.BEFORE_EVENT, DR.AFTER_EVENT):
            raise ValidationError({"deadline_rule": _("A duty tied to events is due before or after each event.")})
        for event in _territory_events(agreement, obligation.event_kind, until):
            if rule == DR.BEFORE_EVENT:
                due = add_days(event.starts_on, -n, working, province_code=province)
            else:
                due = add_days(event.ends_on or event.starts_on, n, working, province_code=province)
            planned.append(
                Planned(f"event:{event.pk}", due, event.starts_on, event.ends_on or event.starts_on, event.pk)
            )
    else:
        raise ValidationError({"schedule_kind": _("Unknown kind of schedule: %(kind)s.") % {"kind": kind}})

    planned = [p for p in planned if p.due_on >= start]
    if validate and kind != SK.EVENT and not planned:
        raise ValidationError({"rrule": _("This schedule gives no deadline inside the agreement's period.")})
    return planned


def _missing(obligation: Obligation) -> list[Occurrence]:
    """Return the planned occurrences not yet in the database, as unsaved rows."""
    planned = occurrence_plan(obligation=obligation)
    # After a schedule edit, what fell due up to that day keeps the rule it was made under.
    cutoff = obligation.schedule_changed_on
    if cutoff is not None:
        planned = [p for p in planned if p.due_on > cutoff]
    existing = set(Occurrence.objects.filter(obligation=obligation).values_list("key", flat=True))
    return [
        Occurrence(
            obligation=obligation,
            key=p.key,
            event_id=p.event_id,
            period_start=p.period_start,
            period_end=p.period_end,
            due_on=p.due_on,
            schedule_version=obligation.schedule_version,
            province_code=obligation.agreement.province_code,
        )
        for p in planned
        if p.key not in existing
    ]


def occurrences_missing(
    *, obligation: Obligation | None = None, agreement: Agreement | None = None
) -> list[Occurrence]:
    """Return the occurrences generation would create now, unsaved (for dry runs)."""
    return [row for o in _obligations(obligation, agreement) for row in _missing(o)]


def occurrences_save(rows: Sequence[Occurrence]) -> int:
    """Insert planned occurrences, skipping keys another process saved meanwhile; return how many were new.

    The database decides (INSERT … ON CONFLICT DO NOTHING on the (obligation, key) constraint),
    so two processes that planned the same occurrences cannot duplicate them or fail.
    """
    if not rows:
        return 0
    obligation_ids = {row.obligation_id for row in rows}
    before = Occurrence.objects.filter(obligation_id__in=obligation_ids).count()
    Occurrence.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    return Occurrence.objects.filter(obligation_id__in=obligation_ids).count() - before


def _obligations(obligation: Obligation | None, agreement: Agreement | None) -> list[Obligation]:
    if obligation is not None:
        return [obligation]
    obligations = Obligation.objects.select_related("agreement__owner_unit").order_by("pk")
    if agreement is not None:
        obligations = obligations.filter(agreement=agreement)
    return list(obligations)


def occurrences_generate(*, obligation: Obligation | None = None, agreement: Agreement | None = None) -> int:
    """Create the missing occurrences of one duty, of an agreement's duties, or of all; return how many.

    Idempotent: running it again creates nothing, and it never changes or removes an
    occurrence (schedule edits do that, only for future untouched ones).
    """
    total = 0
    for one in _obligations(obligation, agreement):
        with transaction.atomic():
            total += occurrences_save(_missing(one))
    return total


def _drop_untouched_future(obligation: Obligation, today: dt.date) -> int:
    """Delete the duty's occurrences due after today that nobody acted on; evidence is never lost."""
    doomed = Occurrence.objects.filter(
        obligation=obligation, due_on__gt=today, state=Occurrence.State.OPEN, touched=False
    ).exclude(Exists(Evidence.objects.filter(occurrence=OuterRef("pk"))))
    count, _by_model = doomed.delete()
    return count


# --- Obligations ------------------------------------------------------------------------------


def _units_list(values: Iterable[Unit] | None) -> list[Unit]:
    seen: dict[int, Unit] = {}
    for unit in values or ():
        seen.setdefault(unit.pk, unit)
    return list(seen.values())


def _clean_obligation(agreement: Agreement, values: dict[str, Any]) -> dict[str, Any]:
    """Check the meaning of a duty's fields together and clear the ones its schedule does not use."""
    values["title"] = (values.get("title") or "").strip()
    if not values["title"]:
        raise ValidationError({"title": _("Say what the duty is.")})
    values["area"] = _resolve_area(values.get("area"))
    owing = _units_list(values.get("owing_units"))
    if not owing:
        raise ValidationError({"owing_units": _("Choose at least one unit that owes this duty.")})
    party_paths = list(agreement.parties.values_list("unit__path", flat=True))
    outsiders = [u.name for u in owing if not any(u.path.startswith(path) for path in party_paths)]
    if outsiders:
        raise ValidationError(
            {
                "owing_units": _("Only a party to the agreement or one of its units can owe a duty: %(units)s.")
                % {"units": ", ".join(outsiders)}
            }
        )
    values["owing_units"] = owing
    values["receiving_units"] = _units_list(values.get("receiving_units"))
    kinds = list(dict.fromkeys(values.get("evidence_kinds") or ()))
    if not kinds:
        raise ValidationError({"evidence_kinds": _("Choose at least one kind of evidence.")})
    wrong = [k for k in kinds if k not in Evidence.Kind.values]
    if wrong:
        raise ValidationError({"evidence_kinds": _("Unknown kind of evidence: %(kind)s.") % {"kind": ", ".join(wrong)}})
    values["evidence_kinds"] = kinds
    if values.get("schedule_kind") not in SK.values:
        raise ValidationError({"schedule_kind": _("Choose how often the duty falls due.")})
    if values.get("deadline_rule") not in DR.values:
        raise ValidationError({"deadline_rule": _("Choose the deadline rule.")})
    days = values.get("deadline_days") or 0
    if not 0 <= days <= MAX_DEADLINE_DAYS:
        raise ValidationError(
            {"deadline_days": _("The number of days must be between 0 and %(max)s.") % {"max": MAX_DEADLINE_DAYS}}
        )
    values["deadline_days"] = days
    values["deadline_working_days"] = bool(values.get("deadline_working_days"))
    kind, rule = values["schedule_kind"], values["deadline_rule"]
    # Keep only what the schedule uses, so the record never shows a rule that does nothing.
    values["rrule"] = normalise_rrule(values.get("rrule", "")) if kind == SK.RECURRING else ""
    if kind == SK.RECURRING and rule == DR.DATE_OF_PREVIOUS_YEAR and not values["rrule"]:
        values["rrule"] = "FREQ=YEARLY"
    values["event_kind"] = (values.get("event_kind") or "") if kind == SK.EVENT else ""
    keeps_date = (kind == SK.ONCE and rule == DR.FIXED_DATE) or (
        kind == SK.RECURRING and rule == DR.DATE_OF_PREVIOUS_YEAR
    )
    if not keeps_date:
        values["deadline_date"] = None
    values["article_ref"] = (values.get("article_ref") or "").strip()
    values["text"] = values.get("text") or ""
    return values


def _schedule_probe(agreement: Agreement, values: dict[str, Any]) -> Obligation:
    probe = Obligation(agreement=agreement, **{name: values.get(name) for name in SCHEDULE_FIELDS})
    occurrence_plan(obligation=probe, validate=True)
    return probe


def _m2m_codes(units: Iterable[Unit]) -> list[str]:
    return sorted(u.code for u in units)


@transaction.atomic
def obligation_create(
    *,
    actor: Any,
    agreement: Agreement,
    title: str,
    area: Any,
    owing_units: Iterable[Unit],
    receiving_units: Iterable[Unit] = (),
    schedule_kind: str,
    rrule: str = "",
    event_kind: str = "",
    deadline_rule: str,
    deadline_days: int = 0,
    deadline_working_days: bool = False,
    deadline_date: dt.date | None = None,
    article_ref: str = "",
    text: str = "",
    evidence_kinds: Sequence[str] = ("note", "file"),
) -> Obligation:
    """Add a clause as a duty and generate its occurrences over the agreement's period."""
    values = _clean_obligation(
        agreement,
        {
            "title": title,
            "area": area,
            "owing_units": owing_units,
            "receiving_units": receiving_units,
            "schedule_kind": schedule_kind,
            "rrule": rrule,
            "event_kind": event_kind,
            "deadline_rule": deadline_rule,
            "deadline_days": deadline_days,
            "deadline_working_days": deadline_working_days,
            "deadline_date": deadline_date,
            "article_ref": article_ref,
            "text": text,
            "evidence_kinds": evidence_kinds,
        },
    )
    _schedule_probe(agreement, values)
    owing, receiving = values.pop("owing_units"), values.pop("receiving_units")
    obligation = Obligation(agreement=agreement, **values)
    obligation.full_clean(exclude=["owing_units", "receiving_units"])
    obligation.save()
    obligation.owing_units.set(owing)
    obligation.receiving_units.set(receiving)
    changes = created(obligation, OBLIGATION_FIELDS)
    changes["owing_units"] = [None, _m2m_codes(owing)]
    if receiving:
        changes["receiving_units"] = [None, _m2m_codes(receiving)]
    audit_record(actor=actor, verb="obligation.created", target=obligation, unit=agreement.owner_unit, changes=changes)
    occurrences_generate(obligation=obligation)
    return obligation


@transaction.atomic
def obligation_update(*, actor: Any, obligation: Obligation, **fields: Any) -> Obligation:
    """Change a duty. A new schedule or deadline re-plans only future occurrences nobody touched.

    The schedule version goes up; occurrences due after today that are open, untouched and
    without evidence are replaced by the new rule's; done, waived, touched and past ones stay
    exactly as they were, with their evidence.
    """
    unknown = set(fields) - set(EDITABLE_OBLIGATION_FIELDS)
    if unknown:
        raise ValueError(f"not editable here: {sorted(unknown)}")
    agreement = obligation.agreement
    current: dict[str, Any] = {
        name: getattr(obligation, name) for name in OBLIGATION_FIELDS if name != "schedule_version"
    }
    current["owing_units"] = list(obligation.owing_units.all())
    current["receiving_units"] = list(obligation.receiving_units.all())
    values = _clean_obligation(agreement, {**current, **fields})
    schedule_changed = any(values[name] != getattr(obligation, name) for name in SCHEDULE_FIELDS)
    if schedule_changed:
        _schedule_probe(agreement, values)
    before = snapshot(obligation, OBLIGATION_FIELDS)
    owing_before, receiving_before = _m2m_codes(current["owing_units"]), _m2m_codes(current["receiving_units"])
    owing, receiving = values.pop("owing_units"), values.pop("receiving_units")
    for name, value in values.items():
        setattr(obligation, name, value)
    today = _today()
    if schedule_changed:
        obligation.schedule_version += 1
        obligation.schedule_changed_on = today
    obligation.full_clean(exclude=["owing_units", "receiving_units"])
    changes = diff(before, snapshot(obligation, OBLIGATION_FIELDS))
    if changes:
        update = [*changes, "updated_at"] + (["schedule_changed_on"] if schedule_changed else [])
        obligation.save(update_fields=update)
    if _m2m_codes(owing) != owing_before:
        obligation.owing_units.set(owing)
        changes["owing_units"] = [owing_before, _m2m_codes(owing)]
    if _m2m_codes(receiving) != receiving_before:
        obligation.receiving_units.set(receiving)
        changes["receiving_units"] = [receiving_before, _m2m_codes(receiving)]
    if not changes:
        return obligation
    note = ""
    if schedule_changed:
        dropped = _drop_untouched_future(obligation, today)
        made = occurrences_generate(obligation=obligation)
        note = f"schedule re-planned: {dropped} future untouched occurrences replaced by {made}"
    audit_record(
        actor=actor, verb="obligation.updated", target=obligation, unit=agreement.owner_unit, changes=changes, note=note
    )
    return obligation


# --- Events -----------------------------------------------------------------------------------


def _check_event(values: dict[str, Any]) -> None:
    if values.get("kind") not in Event.Kind.values:
        raise ValidationError({"kind": _("Choose the kind of event.")})
    if not (values.get("title") or "").strip():
        raise ValidationError({"title": _("Enter the title of the event.")})
    if values.get("host_unit") is None:
        raise ValidationError({"host_unit": _("Choose the unit that holds the event.")})
    starts, ends = values.get("starts_on"), values.get("ends_on")
    if starts is None:
        raise ValidationError({"starts_on": _("Enter the day the event starts.")})
    if ends is not None and ends < starts:
        raise ValidationError({"ends_on": _("The event cannot end before it starts.")})


def _generate_for_event(event: Event) -> int:
    """Create the occurrences of every duty that hangs on events of this kind and may reach it."""
    obligations = (
        Obligation.objects.filter(
            schedule_kind=SK.EVENT,
            event_kind=event.kind,
            agreement__province_code=event.host_unit.province_code,
            agreement__effective_from__lte=event.starts_on,
        )
        .select_related("agreement__owner_unit")
        .order_by("pk")
    )
    return sum(occurrences_generate(obligation=o) for o in obligations)


@transaction.atomic
def event_create(
    *,
    actor: Any,
    kind: str,
    title: str,
    host_unit: Unit,
    starts_on: dt.date,
    ends_on: dt.date | None = None,
    place: str = "",
) -> Event:
    """Enter a session or meeting; the duties due before or after events of its kind get their occurrence."""
    values = {"kind": kind, "title": title, "host_unit": host_unit, "starts_on": starts_on, "ends_on": ends_on}
    _check_event(values)
    event = Event(
        kind=kind, title=title.strip(), host_unit=host_unit, starts_on=starts_on, ends_on=ends_on, place=place
    )
    event.full_clean()
    event.save()
    made = _generate_for_event(event)
    audit_record(
        actor=actor,
        verb="event.created",
        target=event,
        unit=host_unit,
        changes=created(event, EVENT_FIELDS),
        note=f"{made} occurrences created",
    )
    return event


def _untouched(occurrences: Any) -> Any:
    return occurrences.filter(state=Occurrence.State.OPEN, touched=False).exclude(
        Exists(Evidence.objects.filter(occurrence=OuterRef("pk")))
    )


@transaction.atomic
def event_update(*, actor: Any, event: Event, **fields: Any) -> Event:
    """Change an event; occurrences nobody touched follow its new date (touched ones keep theirs)."""
    unknown = set(fields) - set(EVENT_FIELDS)
    if unknown:
        raise ValueError(f"not editable here: {sorted(unknown)}")
    before = snapshot(event, EVENT_FIELDS)
    for name, value in fields.items():
        setattr(event, name, value.strip() if isinstance(value, str) else value)
    _check_event({name: getattr(event, name) for name in EVENT_FIELDS})
    event.full_clean()
    changes = diff(before, snapshot(event, EVENT_FIELDS))
    if not changes:
        return event
    event.save(update_fields=[*changes, "updated_at"])
    if {"kind", "host_unit", "starts_on", "ends_on"} & set(changes):
        _untouched(event.occurrences.all()).delete()
        _generate_for_event(event)
    audit_record(actor=actor, verb="event.updated", target=event, unit=event.host_unit, changes=changes)
    return event


@transaction.atomic
def event_delete(*, actor: Any, event: Event) -> None:
    """Delete an event entered by mistake; refused once someone acted on one of its occurrences."""
    occurrences = event.occurrences.all()
    if occurrences.exclude(pk__in=_untouched(occurrences).values("pk")).exists():
        raise ValidationError(_("Duties tied to this event were already acted on; the event cannot be deleted."))
    label, pk, host = str(event), event.pk, event.host_unit
    changes = {k: [v, None] for k, v in snapshot(event, EVENT_FIELDS).items() if v not in (None, "")}
    event.delete()
    audit_record(
        actor=actor, verb="event.deleted", unit=host, changes=changes, target_repr=label, note=f"event id {pk}"
    )


# --- Occurrences and evidence -----------------------------------------------------------------


def _audit_occurrence(actor: Any, verb: str, occurrence: Occurrence, **kwargs: Any) -> None:
    audit_record(actor=actor, verb=verb, target=occurrence, unit=occurrence.obligation.agreement.owner_unit, **kwargs)


def _accepts(occurrence: Occurrence, kind: str) -> bool:
    kinds = occurrence.obligation.evidence_kinds or []
    return not kinds or kind in kinds


def _accepted_labels(occurrence: Occurrence) -> str:
    labels = dict(Evidence.Kind.choices)
    return ", ".join(str(labels.get(k, k)) for k in occurrence.obligation.evidence_kinds or [])


def _evidence_create(
    *, actor: Any, occurrence: Occurrence, kind: str, note: str, file: Any, linked_record: str
) -> Evidence:
    if kind not in Evidence.Kind.values:
        raise ValidationError({"kind": _("Unknown kind of evidence: %(kind)s.") % {"kind": kind}})
    if not _accepts(occurrence, kind):
        raise ValidationError(
            {"kind": _("This duty accepts only this evidence: %(kinds)s.") % {"kinds": _accepted_labels(occurrence)}}
        )
    note = (note or "").strip()
    linked_record = (linked_record or "").strip()
    if kind == Evidence.Kind.NOTE and not note:
        raise ValidationError({"note": _("Write the note.")})
    if kind == Evidence.Kind.FILE and not file:
        raise ValidationError({"file": _("Choose a file.")})
    if kind in (Evidence.Kind.TASK, Evidence.Kind.SUBMISSION) and not linked_record:
        raise ValidationError({"linked_record": _("Name the linked record.")})
    evidence = Evidence(occurrence=occurrence, kind=kind, note=note, linked_record=linked_record, added_by=actor)
    if file:
        evidence.file = file
    evidence.full_clean()
    evidence.save()
    return evidence


def _touch(occurrence: Occurrence) -> None:
    if not occurrence.touched:
        occurrence.touched = True
        occurrence.save(update_fields=["touched", "updated_at"])


@transaction.atomic
def evidence_add(
    *, actor: Any, occurrence: Occurrence, kind: str, note: str = "", file: Any = None, linked_record: str = ""
) -> Evidence:
    """Attach evidence (a note, a file, a linked task or report) to an occurrence of a duty."""
    if occurrence.state == Occurrence.State.WAIVED:
        raise ValidationError(_("This occurrence was waived; reopen it before adding evidence."))
    evidence = _evidence_create(
        actor=actor, occurrence=occurrence, kind=kind, note=note, file=file, linked_record=linked_record
    )
    _touch(occurrence)
    _audit_occurrence(
        actor,
        "occurrence.evidence_added",
        occurrence,
        changes={"evidence": [None, evidence.pk], "kind": [None, kind]},
        note=evidence.note or evidence.linked_record or evidence.file.name,
    )
    return evidence


OCCURRENCE_FIELDS = ("state", "completed_on", "completed_by", "waived_reason", "waived_by")


@transaction.atomic
def occurrence_complete(
    *, actor: Any, occurrence: Occurrence, completed_on: dt.date | None = None, note: str = ""
) -> Occurrence:
    """Mark an occurrence done on a day (today by default). It needs evidence: one already
    attached, or `note`, which is kept as a note.
    """
    if occurrence.state == Occurrence.State.DONE:
        raise ValidationError(_("This occurrence is already done."))
    if occurrence.state == Occurrence.State.WAIVED:
        raise ValidationError(_("This occurrence was waived; reopen it before completing it."))
    today = _today()
    completed_on = completed_on or today
    if completed_on > today:
        raise ValidationError({"completed_on": _("The day it was done cannot be in the future.")})
    start = occurrence.obligation.agreement.effective_from
    if completed_on < start:
        raise ValidationError(
            {
                "completed_on": _("The day it was done cannot be before the agreement took effect (%(start)s).")
                % {"start": _fmt(start)}
            }
        )
    if (note or "").strip():
        if not _accepts(occurrence, Evidence.Kind.NOTE):
            raise ValidationError(
                {
                    "note": _("This duty accepts only this evidence: %(kinds)s.")
                    % {"kinds": _accepted_labels(occurrence)}
                }
            )
        _evidence_create(
            actor=actor, occurrence=occurrence, kind=Evidence.Kind.NOTE, note=note, file=None, linked_record=""
        )
    elif not occurrence.evidence.exists():
        raise ValidationError({"note": _("Completing needs evidence: write a note or attach evidence first.")})
    before = snapshot(occurrence, OCCURRENCE_FIELDS)
    occurrence.state = Occurrence.State.DONE
    occurrence.completed_on = completed_on
    occurrence.completed_by = actor
    occurrence.touched = True
    occurrence.save(update_fields=["state", "completed_on", "completed_by", "touched", "updated_at"])
    _audit_occurrence(
        actor,
        "occurrence.completed",
        occurrence,
        changes=diff(before, snapshot(occurrence, OCCURRENCE_FIELDS)),
        note=(note or "").strip(),
    )
    return occurrence


@transaction.atomic
def occurrence_reopen(*, actor: Any, occurrence: Occurrence, reason: str) -> Occurrence:
    """Open a done or waived occurrence again (a mistake, evidence found wanting); the reason is recorded."""
    if occurrence.state == Occurrence.State.OPEN:
        raise ValidationError(_("This occurrence is already open."))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why it is reopened.")})
    before = snapshot(occurrence, OCCURRENCE_FIELDS)
    occurrence.state = Occurrence.State.OPEN
    occurrence.completed_on = None
    occurrence.completed_by = None
    occurrence.waived_reason = ""
    occurrence.waived_by = None
    occurrence.touched = True
    occurrence.save(update_fields=[*OCCURRENCE_FIELDS, "touched", "updated_at"])
    _audit_occurrence(
        actor,
        "occurrence.reopened",
        occurrence,
        changes=diff(before, snapshot(occurrence, OCCURRENCE_FIELDS)),
        note=reason.strip(),
    )
    return occurrence


@transaction.atomic
def occurrence_waive(*, actor: Any, occurrence: Occurrence, reason: str) -> Occurrence:
    """Drop an open occurrence from what is owed (a session cancelled, a duty merged), with who and why."""
    if occurrence.state == Occurrence.State.DONE:
        raise ValidationError(_("This occurrence is done; reopen it before waiving it."))
    if occurrence.state == Occurrence.State.WAIVED:
        raise ValidationError(_("This occurrence is already waived."))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why it is waived.")})
    before = snapshot(occurrence, OCCURRENCE_FIELDS)
    occurrence.state = Occurrence.State.WAIVED
    occurrence.waived_reason = reason.strip()
    occurrence.waived_by = actor
    occurrence.touched = True
    occurrence.save(update_fields=["state", "waived_reason", "waived_by", "touched", "updated_at"])
    _audit_occurrence(
        actor,
        "occurrence.waived",
        occurrence,
        changes=diff(before, snapshot(occurrence, OCCURRENCE_FIELDS)),
        note=reason.strip(),
    )
    return occurrence
