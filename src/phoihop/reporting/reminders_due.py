"""The reporting provider for notify's reminder engine: reports a unit owes and has not submitted.

Registered in ReportingConfig.ready(). For each active form, the periods whose deadline can
fall between the engine's look-back and its horizon; for each such period ONE query returns the
expected units without a counted report (none, a draft, or one returned to them), with the
deadline of their draft when they have one — so the work grows with forms × periods, not with
the number of units.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.db.models import Exists, OuterRef, Subquery
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from phoihop.calendar.periods import PeriodType, periods_of_year, submission_deadline
from phoihop.notify.schedules import DueItem, earliest
from phoihop.reporting.models import ReportForm, Submission
from phoihop.reporting.selectors import COUNTED_STATUSES, expected_units

# A deadline comes some working days after its period's cut-off; this many calendar days
# cover any form's deadline (deadline_working_days is small, and Tết adds at most a week).
_DEADLINE_REACH_DAYS = 62


def _periods_near(kind: str, first: dt.date, last: dt.date) -> list:
    periods = []
    for year in range(first.year - 1, last.year + 1):
        periods += [
            p
            for p in periods_of_year(PeriodType(kind), year)
            if first - dt.timedelta(_DEADLINE_REACH_DAYS) <= p.end <= last
        ]
    return periods


def missing_reports(*, today: dt.date, horizon: dt.date) -> Iterator[DueItem]:
    """Yield one item per (form, period, expected unit) with no counted report and a deadline by `horizon`."""
    oldest = earliest(today)
    for form in ReportForm.objects.filter(is_active=True).order_by("pk"):
        for period in _periods_near(form.period_type, oldest, horizon):
            reports = Submission.objects.filter(form=form, period_id=period.id, unit=OuterRef("pk"))
            units = (
                expected_units(form=form, period=period)
                .annotate(
                    reported=Exists(reports.filter(status__in=COUNTED_STATUSES)),
                    own_deadline=Subquery(reports.values("deadline")[:1]),
                )
                .filter(reported=False)
                .order_by("path")
            )
            for unit in units:
                deadline = unit.own_deadline or submission_deadline(
                    period, form.deadline_working_days, province_code=unit.province_code
                )
                if not oldest <= deadline <= horizon:
                    continue
                yield DueItem(
                    key=f"reporting.report:{form.pk}:{unit.pk}:{period.id}",
                    title=f"{form.name} ({period.id})",
                    url=reverse("reporting:entry", args=[form.pk, unit.pk, period.id]),
                    due_on=deadline,
                    unit=unit,
                    label=_("Report"),
                )
