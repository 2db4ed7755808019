"""Task reads: who sees what, list filters and their query counts, on-time counts, reminders, board and calendar.

Today is frozen at Monday 02/03/2026.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.http import Http404

from phoihop.notify import schedules
from phoihop.tasks import permissions, reminders, selectors, services
from phoihop.tasks.models import Task, TaskUnit
from phoihop.tasks.tests import makers
from phoihop.tasks.tests.makers import make_task

people = makers.people
plan = makers.plan

D = dt.date
TODAY = D(2026, 3, 2)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _monday_2_march_2026():
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")), tick=False):
        yield


@pytest.fixture
def tasks(tree, people, plan):
    """One task per situation the rates must tell apart (all led by the commune's UBND unless said)."""
    ubnd, xa, lead = people["ubnd"], people["xa"], people["xa_lead"]
    commune = tree["commune_ubnd"]

    def done(title, due, submitted_on):
        task = make_task(actor=ubnd, plan=plan, lead_unit=commune, title=title, due_date=due)
        with time_machine.travel(dt.datetime.combine(submitted_on, dt.time(9), ZoneInfo("Asia/Ho_Chi_Minh"))):
            services.task_submit(actor=xa, task=task)
        services.task_confirm(actor=lead, task=task)
        return task

    made = {
        "on_time": done("Đúng hạn", D(2026, 2, 10), D(2026, 2, 9)),
        "late": done("Trễ hạn", D(2026, 2, 10), D(2026, 2, 20)),
        "overdue": make_task(actor=ubnd, plan=plan, lead_unit=commune, title="Quá hạn", due_date=D(2026, 2, 25)),
        "upcoming": make_task(actor=ubnd, plan=plan, lead_unit=commune, title="Sắp tới", due_date=D(2026, 3, 5)),
        "cancelled": make_task(actor=ubnd, plan=plan, lead_unit=commune, title="Hủy", due_date=D(2026, 2, 12)),
        "front": make_task(
            actor=ubnd,
            plan=plan,
            lead_unit=tree["mttq"],
            cooperating_units=[tree["hlhpn"]],
            observer_units=[tree["commune_mttq"]],
            title="Của Mặt trận",
            due_date=D(2026, 2, 27),
        ),
    }
    services.task_cancel(actor=lead, task=made["cancelled"], reason="Không thực hiện")
    return made


# --- Who sees what ----------------------------------------------------------------------------


def test_each_person_sees_the_tasks_of_their_units_and_of_the_plans_they_own(tasks, people):
    def seen(who):
        return set(permissions.tasks_visible(people[who]).values_list("title", flat=True))

    commune = {"Đúng hạn", "Trễ hạn", "Quá hạn", "Sắp tới", "Hủy"}
    assert seen("ubnd") == commune | {"Của Mặt trận"}  # the plan's owner sees them all
    assert seen("xa") == commune
    assert seen("phunu") == {"Của Mặt trận"}  # co-operating
    assert seen("mttq") == {"Của Mặt trận"}
    assert seen("xa2") == set()


def test_an_observer_sees_and_comments_but_cannot_edit_or_confirm(tasks, tree, people):
    commune_front = makers.person("xa.mttq", tree["commune_mttq"])
    front = tasks["front"]
    assert permissions.access_task(commune_front, front.pk, action="comment") == front
    for action in ("edit", "confirm"):
        with pytest.raises(PermissionDenied):
            permissions.access_task(commune_front, front.pk, action=action)


def test_permission_matrix_of_a_task(tasks, people):
    task = tasks["overdue"]  # led by 07090-UBND in 22-UBND's plan, assigned by ubnd
    matrix = {
        who: (
            permissions.can_edit_task(people[who], task),
            permissions.can_confirm(people[who], task),
            permissions.can_comment(people[who], task),
            permissions.can_direct(people[who], task),
        )
        for who in ("ubnd", "chair", "xa", "xa_lead", "viewer", "mttq", "xa2")
    }
    assert matrix == {
        "ubnd": (True, True, True, False),  # plan owner's officer and the assigner
        "chair": (True, True, True, True),  # leader of the plan's owner unit
        "xa": (True, False, True, False),
        "xa_lead": (True, True, True, True),
        "viewer": (False, False, False, False),
        "mttq": (False, False, False, False),
        "xa2": (False, False, False, False),
    }


def test_access_task_answers_404_outside_and_403_without_the_right(tasks, people):
    with pytest.raises(Http404):
        permissions.access_task(people["xa2"], tasks["overdue"].pk)
    with pytest.raises(Http404):
        permissions.access_task(people["xa"], "not-a-number")
    with pytest.raises(PermissionDenied):
        permissions.access_task(people["xa"], tasks["overdue"].pk, action="confirm")
    assert permissions.access_task(people["xa_lead"], tasks["overdue"].pk, action="confirm") == tasks["overdue"]


def test_plans_are_visible_through_their_tasks(tasks, people, plan):
    assert list(permissions.plans_visible(people["phunu"])) == [plan]
    assert list(permissions.plans_visible(people["xa2"])) == []
    with pytest.raises(Http404):
        permissions.access_plan(people["xa2"], plan.pk)
    with pytest.raises(PermissionDenied):
        permissions.access_plan(people["xa"], plan.pk, action="edit")


# --- Lists ------------------------------------------------------------------------------------


def test_unit_list_filters_by_status_overdue_area_week_and_words(tasks, people, tree):
    xa = people["xa"]

    def titles(**filters):
        return [t.title for t in selectors.task_list(user=xa, view="unit", filters=filters)]

    assert titles() == ["Đúng hạn", "Trễ hạn", "Hủy", "Quá hạn", "Sắp tới"]
    assert titles(status="overdue") == ["Quá hạn"]
    assert titles(overdue=True) == ["Quá hạn"]
    assert titles(status="confirmed") == ["Đúng hạn", "Trễ hạn"]
    assert titles(due_this_week=True) == ["Sắp tới"]
    assert titles(q="sắp") == ["Sắp tới"]
    assert titles(role="cooperating") == []
    statuses = {t.title: t.display_status for t in selectors.task_list(user=xa, view="unit")}
    assert statuses["Quá hạn"] == "overdue" and statuses["Sắp tới"] == "new" and statuses["Hủy"] == "cancelled"


def test_my_list_holds_my_assignments_and_my_units_unassigned_work(tasks, people, tree, plan):
    xa = people["xa"]
    other = makers.person("xa.b", tree["commune_ubnd"])
    mine = make_task(actor=people["ubnd"], plan=plan, lead_unit=tree["commune_ubnd"], title="Của tôi", assignees=[xa])
    make_task(actor=people["ubnd"], plan=plan, lead_unit=tree["commune_ubnd"], title="Của B", assignees=[other])
    titles = [t.title for t in selectors.task_list(user=xa, view="my")]
    assert "Của tôi" in titles and "Của B" not in titles and "Quá hạn" in titles
    assert mine.pk in [t.pk for t in selectors.task_list(user=xa, view="my", filters={"assignee": xa.pk})]


def test_role_filter_finds_where_a_unit_cooperates(tasks, people, tree):
    found = selectors.task_list(user=people["ubnd"], view="all", filters={"unit": tree["hlhpn"], "role": "cooperating"})
    assert [t.title for t in found] == ["Của Mặt trận"]
    assert list(selectors.task_list(user=people["ubnd"], view="all", filters={"unit": "99-NOWHERE"})) == []


def test_a_page_of_the_list_costs_the_same_queries_however_many_tasks(
    tree, people, plan, django_assert_max_num_queries
):
    for n in range(30):
        make_task(
            actor=people["ubnd"],
            plan=plan,
            lead_unit=tree["commune_ubnd"],
            cooperating_units=[tree["commune_mttq"]],
            assignees=[people["xa"]],
            title=f"Việc {n}",
        )
    user = people["xa"]
    # memberships + tasks + their units + their assignees, however many rows
    with django_assert_max_num_queries(4):
        page = list(selectors.task_list(user=user, view="unit")[:50])
        units = {p.unit.code for t in page for p in t.units.all()}
        assigned = {a.user.username for t in page for a in t.assignees.all()}
    assert len(page) == 30 and units == {"07090-UBND", "07090-MTTQ"} and assigned == {"xa"}


def test_plan_list_counts_tasks(tasks, people, plan):
    [row] = selectors.plan_list(user=people["ubnd"], year=2026)
    assert (row.task_count, row.confirmed_count, row.overdue_count) == (6, 2, 2)


def test_history_merges_the_timeline_and_the_audit_trail(tasks, people):
    task = tasks["overdue"]
    services.task_comment(actor=people["xa"], task=task, text="Đang làm")
    history = selectors.task_history(task)
    assert [e.event.verb if e.event else e.update.kind for e in history] == ["task.created", "comment"]


# --- On-time counts ---------------------------------------------------------------------------


def test_compliance_counts_open_overdue_tasks_against_the_rate(tasks, people, tree):
    counts = selectors.task_compliance(user=people["ubnd"], unit=tree["commune_ubnd"])
    assert (counts.done_on_time, counts.done_late, counts.overdue_open, counts.upcoming, counts.waived) == (
        1,
        1,
        1,
        1,
        1,
    )
    assert counts.due == 3 and counts.on_time_percent == 33
    # The commune as a territory counts every task led inside it.
    assert selectors.task_compliance(user=people["ubnd"], unit=tree["commune"]) == counts
    february = selectors.task_compliance(user=people["ubnd"], date_from=D(2026, 2, 1), date_to=D(2026, 2, 28))
    assert (february.due, february.overdue_open, february.upcoming) == (4, 2, 0)


def test_compliance_is_scoped_to_what_the_person_sees(tasks, people):
    assert selectors.task_compliance(user=people["xa2"]).due == 0
    assert selectors.task_compliance(user=people["phunu"]).overdue_open == 1


def test_compliance_by_unit_in_one_query(tasks, people, tree, django_assert_num_queries):
    permissions.access.reaches(people["ubnd"])  # memberships are read once per request, before this
    with django_assert_num_queries(1):
        by_unit = selectors.task_compliance_by(user=people["ubnd"], by="unit")
    assert by_unit[tree["commune_ubnd"].pk].on_time_rate == pytest.approx(1 / 3)
    assert by_unit[tree["mttq"].pk].overdue_open == 1
    rows = selectors.task_rates_table(user=people["ubnd"], by="unit")
    # Tree order: the province's Front comes before the commune created after it.
    assert [label for label, _counts in rows] == ["Ủy ban MTTQ tỉnh Quảng Ninh", "UBND phường An Sinh"]


def test_overdue_tasks_oldest_first(tasks, people):
    assert [t.title for t in selectors.overdue_tasks(user=people["ubnd"])] == ["Quá hạn", "Của Mặt trận"]


def test_dated_tasks_for_a_units_feed_leave_out_cancelled_and_observed(tasks, tree):
    feed = selectors.dated_tasks(units=[tree["commune_mttq"]], date_from=D(2026, 1, 1), date_to=D(2026, 12, 31))
    assert list(feed) == []  # 07090-MTTQ only observes the Front's task
    feed = selectors.dated_tasks(units=[tree["commune_ubnd"]], date_from=D(2026, 2, 1), date_to=D(2026, 2, 28))
    assert [t.title for t in feed] == ["Đúng hạn", "Trễ hạn", "Quá hạn"]


# --- Reminders --------------------------------------------------------------------------------


def test_reminders_cover_open_tasks_and_unfinished_cooperating_parts(tasks, people, tree):
    items = list(reminders.due_items(today=TODAY, horizon=D(2026, 3, 20)))
    keys = {i.key: i for i in items}
    front = tasks["front"]
    part = TaskUnit.objects.get(task=front, unit=tree["hlhpn"])
    assert set(keys) == {
        f"tasks.task:{tasks['overdue'].pk}",
        f"tasks.task:{tasks['upcoming'].pk}",
        f"tasks.task:{front.pk}",
        f"tasks.taskunit:{part.pk}",
    }
    assert keys[f"tasks.taskunit:{part.pk}"].unit == tree["hlhpn"]
    assert keys[f"tasks.task:{front.pk}"].people == ()
    services.task_part_update(actor=people["phunu"], task=front, unit=tree["hlhpn"], status="done")
    assert f"tasks.taskunit:{part.pk}" not in {i.key for i in reminders.due_items(today=TODAY, horizon=D(2026, 3, 20))}
    assert schedules.providers()["tasks"] is reminders.due_items


def test_reminders_go_to_the_people_assigned_in_the_lead_unit(tree, people, plan):
    task = make_task(actor=people["ubnd"], plan=plan, lead_unit=tree["commune_ubnd"], assignees=[people["xa"]])
    [item] = reminders.due_items(today=TODAY, horizon=D(2026, 12, 31))
    assert item.key == f"tasks.task:{task.pk}" and item.people == (people["xa"],)


# --- Board and calendar -----------------------------------------------------------------------


def test_board_puts_each_task_in_its_status_column(tasks, people):
    columns = selectors.board_columns(selectors.task_list(user=people["xa"], view="unit"))
    assert [c.status for c in columns][:2] == ["new", "in_progress"]
    by_status = {c.status: [t.title for t in c.tasks] for c in columns}
    assert by_status["confirmed"] == ["Đúng hạn", "Trễ hạn"] and by_status["new"] == ["Quá hạn", "Sắp tới"]


def test_calendar_month_places_tasks_on_their_due_day(tasks, people):
    weeks = selectors.calendar_month(selectors.task_list(user=people["xa"], view="unit"), "2026-02")
    assert weeks[0][0].date == D(2026, 1, 26) and weeks[-1][-1].date == D(2026, 3, 1)
    assert not weeks[0][0].in_month and weeks[1][0].in_month
    days = {d.date: [t.title for t in d.tasks] for week in weeks for d in week}
    assert days[D(2026, 2, 10)] == ["Đúng hạn", "Trễ hạn"] and days[D(2026, 2, 25)] == ["Quá hạn"]
    assert sum(len(d.tasks) for week in weeks for d in week) == 4 < Task.objects.count()


def test_the_3_day_reminder_of_a_task_due_after_tet_comes_before_the_holiday_and_only_once(tree, people, plan):
    from phoihop.calendar.workdays import add_days, is_working_day
    from phoihop.notify.models import Kind, Notification

    due = D(2026, 2, 25)  # the Wednesday after the Tết holiday of 2026 (Tết: Tuesday 17/02)
    task = make_task(
        actor=people["ubnd"], plan=plan, lead_unit=tree["commune_ubnd"], due_date=due, assignees=[people["xa"]]
    )
    day = next(
        due - dt.timedelta(days=n)
        for n in range(1, 20)
        if is_working_day(due - dt.timedelta(days=n)) and add_days(due - dt.timedelta(days=n), 3, working=True) == due
    )
    # Three working days before 25/02 reach back over the whole Tết break (16–20/02 are days off).
    assert day < D(2026, 2, 16)
    for _run in range(2):
        schedules.run_schedules(today=day, send_digests=False)
    reminders_sent = Notification.objects.filter(
        recipient=people["xa"], kind=Kind.DUE_SOON, target=f"tasks.task:{task.pk}"
    )
    assert reminders_sent.count() == 1
    # Nobody else in the unit is reminded: the task has its person.
    assert not Notification.objects.filter(recipient=people["xa_lead"], kind=Kind.DUE_SOON).exists()


def test_tasks_and_plans_are_found_by_the_global_search_without_diacritics(tree, people, plan):
    from phoihop.core.search import search_documents

    task = make_task(actor=people["ubnd"], plan=plan, lead_unit=tree["commune_ubnd"], title="Rà soát hộ nghèo")
    found = {(d.model, d.object_id, d.unit_id) for d in search_documents("ra soat ho ngheo")}
    assert ("tasks.task", str(task.pk), tree["commune_ubnd"].pk) in found
    assert ("tasks.plan", str(plan.pk), tree["ubnd"].pk) in {
        (d.model, d.object_id, d.unit_id) for d in search_documents("chuong trinh phoi hop")
    }
