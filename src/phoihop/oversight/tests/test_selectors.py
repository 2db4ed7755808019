"""The figures insights reads: one Compliance formula, by agency in one query, overdue lists, scoped."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from phoihop.oversight import selectors, services
from phoihop.oversight.reminders import recommendation_due_items

D = dt.date
pytestmark = pytest.mark.django_db
TODAY = D(2026, 3, 20)


@pytest.fixture
def four(concluded, front_officer, front_leader, commune_officer, sonv_officer, tree):
    """On time, late, open overdue (ward), and withdrawn (department) — all sent on 05/02/2026, due 23/02."""

    def make(to, text):
        r = services.recommendation_create(actor=front_officer, supervision=concluded, addressee=to, text=text)
        return services.recommendation_send(actor=front_officer, recommendation=r, on_date=D(2026, 2, 5))

    on_time = make(tree["commune_ubnd"], "A")
    services.recommendation_answer(actor=commune_officer, recommendation=on_time, answer="ok", on_date=D(2026, 2, 9))
    services.recommendation_assess(actor=front_officer, recommendation=on_time, assessment="satisfactory")
    late = make(tree["sonv"], "B")
    services.recommendation_answer(actor=sonv_officer, recommendation=late, answer="ok", on_date=D(2026, 3, 5))
    services.recommendation_assess(actor=front_officer, recommendation=late, assessment="partly", note="thiếu")
    overdue = make(tree["commune_ubnd"], "C")
    withdrawn = make(tree["sonv"], "D")
    services.recommendation_withdraw(actor=front_leader, recommendation=withdrawn, reason="trùng")
    services.recommendation_create(actor=front_officer, supervision=concluded, addressee=tree["sonv"], text="draft")
    return {"on_time": on_time, "late": late, "overdue": overdue, "withdrawn": withdrawn}


def test_compliance_counts_open_overdue_against_the_rate(four, front_officer):
    c = selectors.recommendation_compliance(user=front_officer, today=TODAY)
    assert (c.done_on_time, c.done_late, c.overdue_open, c.waived, c.upcoming) == (1, 1, 1, 1, 0)
    assert c.on_time_percent == 33


def test_compliance_by_agency_in_one_query(four, front_officer, tree, django_assert_num_queries):
    with django_assert_num_queries(1):
        by = selectors.recommendation_compliance_by_agency(user=front_officer, today=TODAY)
    assert by[tree["commune_ubnd"].pk].done_on_time == 1 and by[tree["commune_ubnd"].pk].overdue_open == 1
    assert by[tree["sonv"].pk].done_late == 1 and by[tree["sonv"].pk].waived == 1


def test_figures_add_days_to_answer_and_assessments(four, front_officer, tree):
    f = selectors.recommendation_figures(user=front_officer, today=TODAY)
    # 05/02 → 09/02 is 4 days; 05/02 → 05/03 is 28 days.
    assert f.average_days_to_answer == 16.0
    assert (f.satisfactory, f.partly, f.not_satisfactory, f.escalated) == (1, 1, 0, 0)
    ward = selectors.recommendation_figures(user=front_officer, agency=tree["commune_ubnd"], today=TODAY)
    assert ward.answered == 1


def test_a_date_range_filters_by_deadline(four, front_officer):
    assert selectors.recommendation_compliance(user=front_officer, date_from=D(2026, 3, 1), today=TODAY).due == 0
    assert selectors.recommendation_compliance(user=front_officer, date_to=D(2026, 2, 23), today=TODAY).due == 3


def test_an_agency_counts_only_what_was_addressed_to_it(four, commune_officer, officer_other_commune):
    c = selectors.recommendation_compliance(user=commune_officer, today=TODAY)
    assert (c.done_on_time, c.overdue_open, c.done_late) == (1, 1, 0)
    assert selectors.recommendation_compliance(user=officer_other_commune, today=TODAY).due == 0


def test_overdue_recommendations_oldest_first_and_by_unit(four, front_officer, tree):
    assert list(selectors.overdue_recommendations(user=front_officer, today=TODAY)) == [four["overdue"]]
    assert list(selectors.overdue_recommendations(user=front_officer, unit=tree["sonv"], today=TODAY)) == []
    assert list(selectors.overdue_recommendations(user=front_officer, unit=tree["commune"], today=TODAY)) == [
        four["overdue"]
    ]


def test_figures_table_by_level(four, front_officer):
    with translation.override("en"):
        agencies, levels = selectors.figures_table(user=front_officer, today=TODAY)
    assert {r.label for r in agencies} == {"Sở Nội vụ", "UBND phường An Sinh"}
    assert {r.label: r.figures.compliance.due for r in levels} == {"Province": 1, "Commune": 2}


def test_reminder_provider_lists_open_recommendations_due_by_the_horizon(four, tree):
    items = list(recommendation_due_items(today=TODAY, horizon=D(2026, 3, 31)))
    assert [(i.key, i.due_on, i.unit) for i in items] == [
        (f"oversight.recommendation:{four['overdue'].pk}", D(2026, 2, 23), tree["commune_ubnd"])
    ]
    assert list(recommendation_due_items(today=D(2026, 2, 1), horizon=D(2026, 2, 10))) == []


def test_run_schedules_reminds_the_agency_of_its_overdue_answer(four, commune_officer):
    from phoihop.notify.models import Notification
    from phoihop.notify.schedules import run_schedules

    # The day after its deadline (23/02/2026): the overdue reminder, once even when run twice.
    run_schedules(today=D(2026, 2, 24), send_digests=False)
    run_schedules(today=D(2026, 2, 24), send_digests=False)
    keys = list(Notification.objects.filter(recipient=commune_officer).values_list("key", flat=True))
    ours = [k for k in keys if k.startswith(f"oversight.recommendation:{four['overdue'].pk}:overdue")]
    assert ours == [f"oversight.recommendation:{four['overdue'].pk}:overdue:2026-02-23"]
