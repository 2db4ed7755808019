"""Coordination records for the dashboard and scorecard tests, made through the modules' services.

`coordination` (today frozen at 20/01/2026; the span asked is the year 2025, i.e. its Decree 09
window 15/12/2024 – 14/12/2025):

- Regulation 194 (province): a quarterly duty owed by 22-UBND (due 10/01, 10/04, 10/07, 10/10/2025
  in the span): the first done on time, the second late, the rest left open (overdue); a quarterly
  duty owed by 22-HLHPN, all done on time.
- The commune agreement of 07090 (from 01/08/2025): a quarterly duty owed by 07090-UBND, first
  due 12/01/2026 (after the span, overdue now), left open.
- The monthly form of the communes' people's committees: 07090-UBND reports 202507–202512 on time
  except 202512 (late); 07093-UBND reports 202507 only (on time), the rest never.
- A task led by 07090-UBND due 01/12/2025, still open (when the tasks module is there).
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from phoihop.agreements import services as agreement_services
from phoihop.agreements.models import AgreementParty
from phoihop.agreements.tests.factories import make_agreement, make_obligation
from phoihop.calendar.periods import parse_period, submission_deadline
from phoihop.reporting.tests.factories import report

TODAY = dt.date(2026, 1, 20)
P = AgreementParty.Role


@pytest.fixture
def frozen():
    with time_machine.travel(dt.datetime(2026, 1, 20, 9, 0), tick=False):
        yield TODAY


def _complete(occurrence, on, actor):
    agreement_services.occurrence_complete(actor=actor, occurrence=occurrence, completed_on=on, note="Đã thực hiện")


@pytest.fixture
def coordination(frozen, tree, monthly_form, province_admin, commune_officer, officer_other_commune):
    regulation = make_agreement(
        owner=tree["mttq"],
        number="194/QCPH",
        title="Quy chế phối hợp công tác giữa UBND tỉnh và Ủy ban MTTQ tỉnh",
        parties=[
            (tree["ubnd"], P.SIGNATORY, tree["sonv"]),
            (tree["mttq"], P.SIGNATORY, None),
            (tree["hlhpn"], P.MEMBER, None),
        ],
    )
    ubnd_duty = make_obligation(
        agreement=regulation, owing=[tree["ubnd"]], title="Thông báo tình hình kinh tế - xã hội"
    )
    union_duty = make_obligation(agreement=regulation, owing=[tree["hlhpn"]], title="Báo cáo kết quả của Hội")
    in_2025 = {"due_on__gte": dt.date(2024, 12, 15), "due_on__lte": dt.date(2025, 12, 14)}
    ubnd_rows = list(ubnd_duty.occurrences.filter(**in_2025).order_by("due_on"))
    _complete(ubnd_rows[0], ubnd_rows[0].due_on, province_admin)
    _complete(ubnd_rows[1], ubnd_rows[1].due_on + dt.timedelta(days=5), province_admin)
    for row in union_duty.occurrences.filter(due_on__lt=TODAY):
        _complete(row, row.due_on, province_admin)
    commune_agreement = make_agreement(
        owner=tree["commune_mttq"],
        number="01/QCPH",
        title="Quy chế phối hợp giữa UBND phường An Sinh và Ủy ban MTTQ phường",
        effective_from=dt.date(2025, 8, 1),
        effective_to=None,
        parties=[(tree["commune_ubnd"], P.SIGNATORY, None), (tree["commune_mttq"], P.SIGNATORY, None)],
    )
    commune_duty = make_obligation(
        agreement=commune_agreement, owing=[tree["commune_ubnd"]], title="Báo cáo quý của UBND phường"
    )
    values = {("PEOPLE", "men"): "10", ("PEOPLE", "women"): "12"}
    for month in ("202507", "202508", "202509", "202510", "202511", "202512"):
        period = parse_period(month)
        deadline = submission_deadline(period, monthly_form.deadline_working_days)
        day = deadline + dt.timedelta(days=3) if month == "202512" else period.end + dt.timedelta(days=1)
        report(
            form=monthly_form,
            unit=tree["commune_ubnd"],
            period=month,
            actor=commune_officer,
            values=values,
            submit_on=day,
        )
    report(
        form=monthly_form,
        unit=tree["other_ubnd"],
        period="202507",
        actor=officer_other_commune,
        values=values,
        submit_on=dt.date(2025, 7, 15),
    )
    task = _make_task(tree, province_admin)
    return {
        "regulation": regulation,
        "ubnd_duty": ubnd_duty,
        "union_duty": union_duty,
        "commune_duty": commune_duty,
        "form": monthly_form,
        "task": task,
    }


def _make_task(tree, actor):
    """A task led by 07090-UBND, overdue; None while the tasks module has no service for it."""
    try:
        from phoihop.tasks import services as task_services
    except ImportError:
        return None
    create = getattr(task_services, "task_create", None)
    if create is None:
        return None
    return create(
        actor=actor,
        title="Rà soát hộ nghèo cuối năm",
        lead_unit=tree["commune_ubnd"],
        due_date=dt.date(2025, 12, 1),
    )
