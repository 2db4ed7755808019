"""Reminding a unit that its report is missing — the one-click button of the rates page.

A reminder is an audited "reporting.reminder_sent" event (who was reminded of what, by whom,
when), an e-mail to the unit's address and to its officers, and a notification in each
officer's inbox (notify; marked as already e-mailed, so nobody gets the letter twice).
Scheduled reminders before and after the deadline come from notify's engine
(reporting/reminders_due.py); this is the person-pressed-a-button urging.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from phoihop.calendar.periods import parse_period, submission_deadline
from phoihop.core.audit import audit_record
from phoihop.core.dates import short_date
from phoihop.core.models import AuditEvent
from phoihop.notify.models import Kind
from phoihop.notify.recipients import people_of
from phoihop.notify.services import notify
from phoihop.orgs.access import ROLE_RANK
from phoihop.orgs.models import Membership, Role, Unit
from phoihop.reporting.models import ReportForm

VERB = "reporting.reminder_sent"
logger = logging.getLogger(__name__)


def reminder_recipients(unit: Unit) -> list[str]:
    """The unit's own e-mail address and those of the officers and above holding a role on it."""
    roles = [role for role, rank in ROLE_RANK.items() if rank >= ROLE_RANK[Role.OFFICER]]
    emails = (
        Membership.objects.filter(unit=unit, ended_on__isnull=True, role__in=roles, user__is_active=True)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )
    found = [unit.email] if unit.email else []
    for email in emails:
        if email.lower() not in {e.lower() for e in found}:
            found.append(email)
    return found


@transaction.atomic
def submission_remind(*, actor: Any, form: ReportForm, unit: Unit, period_id: str, link: str = "") -> AuditEvent:
    """Record that `unit` was reminded of its missing report, and e-mail it once the record is saved.

    The caller has checked that `actor` may act for a level above `unit` (or for the unit).
    The e-mail is in the installation's language (Vietnamese): it goes to an office, not to
    the person who pressed the button.
    """
    period = parse_period(period_id)
    recipients = reminder_recipients(unit)
    event = audit_record(
        actor=actor,
        verb=VERB,
        target=form,
        unit=unit,
        changes={"period": period.id, "recipients": recipients},
        note=f"{form.code} {period.id}",
    )
    if recipients:
        deadline = submission_deadline(period, form.deadline_working_days, province_code=unit.province_code)
        with translation.override(settings.LANGUAGE_CODE):
            subject = _("Reminder: the report “%(form)s” for %(period)s is missing") % {
                "form": form.name,
                "period": period.label,
            }
            body = _(
                "Dear %(unit)s,\n\n"
                "The report “%(form)s” for %(period)s has not been submitted yet. "
                "Its deadline is %(deadline)s.\n"
                "Please enter and submit it: %(link)s\n\n"
                "Reminder sent by %(sender)s."
            ) % {
                "unit": unit.name,
                "form": form.name,
                "period": period.label,
                "deadline": short_date(deadline),
                "link": link or "phoihop",
                "sender": getattr(actor, "full_name", "") or str(actor),
            }
        transaction.on_commit(lambda: send_mail(subject, body, None, recipients, fail_silently=False))
    # The inbox too, each officer in their own language (the period's label follows it).
    notify(
        recipients=people_of(unit),
        kind=Kind.URGED,
        title=format_lazy(
            gettext_lazy("Reminder: the report “{form}” for {period} is missing"),
            form=form.name,
            period=lazy(lambda: period.label, str)(),
        ),
        url=reverse("reporting:entry", args=[form.pk, unit.pk, period.id]),
        unit=unit,
        target=f"reporting.reportform:{form.pk}",
        actor=actor,
        already_mailed=bool(recipients),
    )
    return event
