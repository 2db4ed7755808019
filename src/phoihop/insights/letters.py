"""Urging letters (công văn đôn đốc): a late unit gets a Decree 30 letter listing what it owes.

One click drafts the letter from what is overdue now, read from every module's selectors
(duties under agreements, tasks, reports never submitted, recommendations and critiques left
unanswered). The list is frozen into the letter when drafted: a letter keeps saying what it
said, even after the unit catches up. Sending issues it with the body's next number, records
it and notifies the unit's officers and leaders.

The letter is Vietnamese whatever the screen language, like every official document.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from phoihop.agreements import selectors as agreement_selectors
from phoihop.calendar.periods import PeriodType, periods_of_year, submission_deadline
from phoihop.core.audit import audit_record, created
from phoihop.core.dates import short_date
from phoihop.documents import issuers
from phoihop.documents.builder import OfficialDocument, Paragraph, Signature, Table, render_docx
from phoihop.documents.services import document_issue, target_key
from phoihop.insights.models import UrgingLetter
from phoihop.insights.report_figures import optional_selector
from phoihop.notify.models import Kind
from phoihop.notify.services import notify
from phoihop.orgs.models import Membership, Role, Unit
from phoihop.reporting import selectors as reporting_selectors
from phoihop.reporting.models import ReportForm, Submission

# How far back the letter looks for reports never submitted (older gaps are for the review).
REPORT_LOOKBACK_DAYS = 366
# The drafting office in the symbol of a letter: "UBND-VP" (Decree 30 Phụ lục III: a công văn's
# symbol is the issuing body's abbreviation and the drafting unit's).
DRAFTING_OFFICE = "VP"

KIND_DUTY, KIND_TASK, KIND_REPORT, KIND_RECOMMENDATION, KIND_CRITIQUE = (
    "duty",
    "task",
    "report",
    "recommendation",
    "critique",
)


def item_kind_label(kind: str) -> str:
    return {
        KIND_DUTY: _("Duty"),
        KIND_TASK: _("Task"),
        KIND_REPORT: _("Report"),
        KIND_RECOMMENDATION: _("Recommendation"),
        KIND_CRITIQUE: _("Critique"),
    }.get(kind, kind)


def _item(kind: str, title: str, deadline: dt.date, url: str) -> dict[str, Any]:
    return {"kind": kind, "title": title, "deadline": deadline.isoformat(), "url": url}


def _missing_reports(unit: Unit, today: dt.date) -> list[dict[str, Any]]:
    """Reports of active forms the unit was expected to send in the last year, past their deadline, never sent."""
    items = []
    earliest = today - dt.timedelta(days=REPORT_LOOKBACK_DAYS)
    for form in ReportForm.objects.filter(is_active=True).order_by("code"):
        kind = PeriodType(form.period_type)
        periods = [
            p for year in (today.year - 1, today.year) for p in periods_of_year(kind, year) if earliest <= p.end < today
        ]
        periods = [p for p in periods if reporting_selectors.is_expected(form=form, unit=unit, period=p)]
        if not periods:
            continue
        sent = set(
            Submission.objects.filter(
                form=form,
                unit=unit,
                period_id__in=[p.id for p in periods],
                status__in=reporting_selectors.COUNTED_STATUSES,
            ).values_list("period_id", flat=True)
        )
        for period in periods:
            if period.id in sent:
                continue
            deadline = submission_deadline(period, form.deadline_working_days, province_code=unit.province_code)
            if deadline < today:
                title = _("%(form)s, %(period)s") % {"form": form.name, "period": period.label.lower()}
                items.append(_item(KIND_REPORT, title, deadline, form.get_absolute_url()))
    return items


def overdue_items(*, user: Any, unit: Unit, today: dt.date | None = None) -> list[dict[str, Any]]:
    """Return what `unit` owes past its deadline now, across modules, oldest first (as `user` sees it)."""
    today = today or timezone.localdate()
    items = [
        _item(KIND_DUTY, o.obligation.title, o.due_on, reverse("agreements:occurrence-detail", args=[o.pk]))
        for o in agreement_selectors.occurrence_list(
            user=user, unit=unit, status=agreement_selectors.OVERDUE, today=today
        )
        if o.obligation.agreement.status in agreement_selectors.COUNTED_STATUSES
    ]
    overdue_tasks = optional_selector("phoihop.tasks.selectors", "overdue_tasks")
    if overdue_tasks is not None:
        items += [
            _item(KIND_TASK, t.title, t.due_date, t.get_absolute_url())
            for t in overdue_tasks(user=user, unit=unit, today=today)
        ]
    overdue_recommendations = optional_selector("phoihop.oversight.selectors", "overdue_recommendations")
    if overdue_recommendations is not None:
        items += [
            _item(KIND_RECOMMENDATION, r.title, r.deadline, r.get_absolute_url())
            for r in overdue_recommendations(user=user, unit=unit, today=today)
        ]
    overdue_critiques = optional_selector("phoihop.criticism.selectors", "overdue_critiques")
    if overdue_critiques is not None:
        items += [
            _item(KIND_CRITIQUE, c.title, c.disposition_due, c.get_absolute_url())
            for c in overdue_critiques(user=user, unit=unit, today=today)
        ]
    items += _missing_reports(unit, today)
    items.sort(key=lambda item: (item["deadline"], item["kind"], item["title"]))
    return items


def letter_symbol(issuing_unit: Unit) -> str:
    abbreviation = issuing_unit.short_name or issuing_unit.code.rsplit("-", 1)[-1]
    return f"{abbreviation}-{DRAFTING_OFFICE}".replace(" ", "")


def letter_subject(unit: Unit) -> str:
    return _("urging %(unit)s to complete its overdue duties") % {"unit": unit.name}


def letter_document(letter: UrgingLetter) -> OfficialDocument:
    """Return the letter as a Decree 30 công văn (Vietnamese)."""
    with translation.override(settings.LANGUAGE_CODE):
        issuer = letter.issuing_unit
        ancestors = issuers.ancestors(issuer)
        today = letter.sent_on or timezone.localdate()
        rows = []
        for number, item in enumerate(letter.items, start=1):
            deadline = dt.date.fromisoformat(item["deadline"])
            rows.append([number, item_kind_label(item["kind"]), item["title"], deadline, (today - deadline).days])
        body = [
            Paragraph(
                _(
                    "Checking the coordination data, %(issuer)s finds that %(unit)s has the following %(count)s "
                    "items past their deadline as of %(date)s:"
                )
                % {"issuer": issuer.name, "unit": letter.unit.name, "count": len(rows), "date": short_date(today)}
            ),
            Table(
                columns=[_("No."), _("Kind"), _("Content"), _("Deadline"), _("Days overdue")],
                rows=rows,
                widths=[1.1, 2.6, 8.1, 2.5, 2.2],
            ),
            Paragraph(
                _(
                    "%(issuer)s asks %(unit)s to complete these items without delay, record the results in phoihop "
                    "and report any difficulty to %(issuer)s."
                )
                % {"issuer": issuer.name, "unit": letter.unit.name}
            ),
        ]
        return OfficialDocument(
            parent_body=issuers.parent_body(ancestors),
            issuing_body=issuer.name,
            number=letter.number,
            symbol=letter.symbol or letter_symbol(issuer),
            place=issuers.place(issuer, ancestors),
            date=letter.sent_on,
            doc_type="",
            summary=letter.subject,
            addressees=[letter.unit.name],
            body=body,
            signature=Signature(
                title=letter.signer_title or _("Chair"),
                name=letter.signer_name,
                on_behalf=issuers.ON_BEHALF.get(issuer.kind, ""),
            ),
            recipients=["Như trên"],
        )


def letter_docx(letter: UrgingLetter) -> bytes:
    """The letter's DOCX: the one stored at sending, else the draft built now."""
    if letter.docx:
        return bytes(letter.docx)
    return render_docx(letter_document(letter))


@transaction.atomic
def urging_letter_draft(
    *,
    actor: Any,
    unit: Unit,
    issuing_unit: Unit,
    signer_name: str = "",
    signer_title: str = "",
    today: dt.date | None = None,
) -> UrgingLetter:
    """Draft a letter to `unit` listing what it owes past the deadline now (as the actor sees it).

    Nothing overdue, nothing to urge: refused rather than a letter with an empty table.
    """
    today = today or timezone.localdate()
    if unit.pk == issuing_unit.pk:
        raise ValidationError({"issuing_unit": _("A body does not send an urging letter to itself.")})
    items = overdue_items(user=actor, unit=unit, today=today)
    if not items:
        raise ValidationError(_("%(unit)s has nothing overdue: there is nothing to urge.") % {"unit": unit.name})
    with translation.override(settings.LANGUAGE_CODE):
        subject = letter_subject(unit)
    letter = UrgingLetter.objects.create(
        unit=unit,
        issuing_unit=issuing_unit,
        subject=subject,
        items=items,
        symbol=letter_symbol(issuing_unit),
        signer_name=signer_name,
        signer_title=signer_title,
        created_by=actor,
        province_code=unit.province_code,
    )
    audit_record(
        actor=actor,
        verb="urging_letter.drafted",
        target=letter,
        unit=issuing_unit,
        changes=created(letter, ["unit", "issuing_unit", "subject"]) | {"items": [None, len(items)]},
    )
    return letter


def _recipients(unit: Unit) -> list[Any]:
    """The unit's officers and leaders (notify.recipients when installed)."""
    people_of = optional_selector("phoihop.notify.recipients", "people_of")
    if people_of is not None:
        return list(people_of(unit, min_role=Role.OFFICER))
    members = Membership.objects.filter(
        unit=unit, ended_on__isnull=True, role__in=[Role.OFFICER, Role.LEADER, Role.UNIT_ADMIN]
    ).select_related("user")
    return [m.user for m in members]


@transaction.atomic
def urging_letter_send(*, actor: Any, letter: UrgingLetter, on_date: dt.date | None = None) -> UrgingLetter:
    """Issue the letter with the body's next number, keep its DOCX, and notify the unit.

    The caller has checked the actor is a leader of the issuing body.
    """
    letter = UrgingLetter.objects.select_for_update().select_related("unit", "issuing_unit").get(pk=letter.pk)
    if letter.is_sent:
        raise ValidationError(_("This letter has already been sent."))
    on_date = on_date or timezone.localdate()
    letter.number = document_issue(
        actor=actor, issuing_unit=letter.issuing_unit, symbol=letter.symbol, on_date=on_date, target=letter, kind="CV"
    )
    letter.status = UrgingLetter.Status.SENT
    letter.sent_on = on_date
    letter.sent_at = timezone.now()
    letter.sent_by = actor
    letter.docx = render_docx(letter_document(letter))
    letter.save(update_fields=["number", "status", "sent_on", "sent_at", "sent_by", "docx", "updated_at"])
    notify(
        recipients=_recipients(letter.unit),
        kind=Kind.URGED,
        title=format_lazy(
            gettext_lazy("Urging letter No. {number} from {issuer}: {count} overdue items"),
            number=f"{letter.number:02d}/{letter.symbol}",
            issuer=letter.issuing_unit.name,
            count=len(letter.items),
        ),
        url=letter.get_absolute_url(),
        unit=letter.unit,
        target=target_key(letter),
        key=f"{target_key(letter)}:sent",
        actor=actor,
    )
    audit_record(
        actor=actor,
        verb="urging_letter.sent",
        target=letter,
        unit=letter.issuing_unit,
        changes={"status": ["draft", "sent"], "number": [None, f"{letter.number:02d}/{letter.symbol}"]},
    )
    return letter
