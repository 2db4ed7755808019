"""The task screens: lists with filters and saved filters, plan pages (list, board, calendar),
the task page and its forms, transitions by web, the on-time rates page.

Data is made through the services (tests/makers.py); each view is also opened by an officer of
another commune, who must get 404.
"""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from phoihop.agreements.models import Evidence
from phoihop.agreements.tests.factories import make_agreement, make_obligation
from phoihop.core.models import AuditEvent
from phoihop.core.tests.test_shell import crawl
from phoihop.notify.models import Kind, Notification
from phoihop.tasks import services
from phoihop.tasks.models import Plan, SavedFilter, Task, TaskUnit, TaskUpdate
from phoihop.tasks.tests import makers
from phoihop.tasks.tests.makers import make_task

people = makers.people
plan = makers.plan

TODAY = dt.datetime(2026, 5, 4, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


@pytest.fixture(autouse=True)
def frozen_day():
    # Monday 4 May 2026: tasks due in April are overdue, those due this week are "due this week".
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def commune_task(tree, people, plan):
    """A task of the 2026 plan led by the commune's UBND with the provincial Front co-operating."""
    return make_task(
        actor=people["ubnd"],
        plan=plan,
        lead_unit=tree["commune_ubnd"],
        cooperating_units=[tree["mttq"]],
        title="Rà soát hộ nghèo phường An Sinh",
        due_date=dt.date(2026, 6, 30),
    )


@pytest.fixture
def overdue_task(tree, people, plan):
    return make_task(
        actor=people["ubnd"],
        plan=plan,
        lead_unit=tree["ubnd"],
        title="Báo cáo quý I",
        due_date=dt.date(2026, 4, 15),
    )


def vi(text: str) -> str:
    """The page speaks Vietnamese: compare with the message as it reads there."""
    with translation.override("vi"):
        return translation.gettext(text)


def login(client, user):
    client.force_login(user)
    return client


# Lists ----------------------------------------------------------------------------------------------


def test_my_tasks_shows_the_tasks_of_my_unit(client, people, commune_task, overdue_task):
    response = login(client, people["xa"]).get(reverse("tasks:my-tasks"))
    assert response.status_code == 200
    assert "Rà soát hộ nghèo phường An Sinh" in response.text
    # A task of the provincial UBND alone is not the commune officer's.
    assert "Báo cáo quý I" not in response.text


def test_my_tasks_of_an_officer_of_another_commune_shows_nothing_of_ours(client, people, commune_task):
    response = login(client, people["xa2"]).get(reverse("tasks:my-tasks"))
    assert response.status_code == 200
    assert "Rà soát hộ nghèo" not in response.text


def test_unit_tasks_opens_the_first_unit_of_the_person(client, tree, people, commune_task):
    page = login(client, people["xa"]).get(reverse("tasks:unit-tasks"))
    assert page.status_code == 200
    assert page.context["unit"] == tree["commune_ubnd"]
    assert "Rà soát hộ nghèo phường An Sinh" in page.text


def test_officer_from_other_commune_gets_404_on_our_unit_tasks(client, tree, people, commune_task):
    response = login(client, people["xa2"]).get(reverse("tasks:unit-tasks-of", args=[tree["commune_ubnd"].pk]))
    assert response.status_code == 404


def test_filters_by_status_overdue_and_text(client, people, commune_task, overdue_task):
    login(client, people["ubnd"])
    url = reverse("tasks:plan-detail", args=[commune_task.plan_id])
    overdue = client.get(url, {"status": "overdue"})
    assert "Báo cáo quý I" in overdue.text and "Rà soát hộ nghèo" not in overdue.text
    words = client.get(url, {"q": "hộ nghèo"})
    assert "Rà soát hộ nghèo" in words.text and "Báo cáo quý I" not in words.text
    by_unit = client.get(url, {"unit": "22-MTTQ", "role": "cooperating"})
    assert "Rà soát hộ nghèo" in by_unit.text and "Báo cáo quý I" not in by_unit.text


def test_an_unknown_unit_code_in_the_filter_is_said_beside_the_field(client, people, commune_task):
    response = login(client, people["ubnd"]).get(
        reverse("tasks:plan-detail", args=[commune_task.plan_id]), {"unit": "NOPE"}
    )
    assert response.status_code == 200
    assert "NOPE" in response.context["form"].errors["unit"][0]


def test_htmx_filter_answers_the_rows_only(client, people, commune_task):
    response = login(client, people["ubnd"]).get(
        reverse("tasks:my-tasks"), {"q": "hộ nghèo"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="task-rows">')


def test_a_page_of_fifty_tasks_costs_a_constant_number_of_queries(
    client, tree, people, plan, django_assert_max_num_queries
):
    for n in range(55):
        make_task(
            actor=people["ubnd"],
            plan=plan,
            lead_unit=tree["ubnd"],
            cooperating_units=[tree["mttq"], tree["hlhpn"]],
            title=f"Nhiệm vụ {n}",
        )
    login(client, people["ubnd"])
    url = reverse("tasks:plan-detail", args=[plan.pk])
    client.get(url)  # warm the session and the content types
    with django_assert_max_num_queries(22):
        response = client.get(url)
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 50
    with django_assert_max_num_queries(22):
        assert client.get(url, {"page": 2}).status_code == 200
    with django_assert_max_num_queries(22):
        assert client.get(reverse("tasks:my-tasks")).status_code == 200
    # The board shows every task of the plan at once; the allowed moves of each card cost no query.
    with django_assert_max_num_queries(22):
        assert client.get(reverse("tasks:plan-board", args=[plan.pk])).status_code == 200


# Saved filters --------------------------------------------------------------------------------------


def test_a_saved_filter_round_trip(client, people, commune_task, overdue_task):
    login(client, people["ubnd"])
    saved = client.post(
        reverse("tasks:filter-save"),
        {"name": "Quá hạn", "view": "my", "query": "status=overdue", "next": reverse("tasks:my-tasks")},
    )
    assert saved.status_code == 302
    record = SavedFilter.objects.get(user=people["ubnd"], view="my", name="Quá hạn")
    assert saved.url == f"{reverse('tasks:my-tasks')}?status=overdue&saved={record.pk}"
    # Picked again from the dropdown, it opens the list with its filters.
    again = client.get(reverse("tasks:my-tasks"), {"saved": record.pk})
    assert again.status_code == 302 and again.url == saved.url
    page = client.get(again.url)
    assert "Báo cáo quý I" in page.text and "Rà soát hộ nghèo" not in page.text
    assert f'<option value="{record.pk}" selected>Quá hạn</option>' in page.text
    deleted = client.post(reverse("tasks:filter-delete", args=[record.pk]), {"next": reverse("tasks:my-tasks")})
    assert deleted.status_code == 302
    assert not SavedFilter.objects.filter(pk=record.pk).exists()
    assert AuditEvent.objects.filter(verb="task_filter.deleted").exists()


def test_a_saved_filter_without_a_name_is_refused_beside_the_field(client, people):
    response = login(client, people["ubnd"]).post(
        reverse("tasks:filter-save"), {"name": "", "view": "my", "query": "status=overdue"}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["name"]


def test_another_persons_saved_filter_answers_404(client, people):
    theirs = services.saved_filter_save(actor=people["mttq"], view="my", name="Của tôi", query="status=new")
    login(client, people["ubnd"])
    assert client.get(reverse("tasks:my-tasks"), {"saved": theirs.pk}).status_code == 404
    assert client.get(reverse("tasks:my-tasks"), {"saved": "x"}).status_code == 404
    assert client.post(reverse("tasks:filter-delete", args=[theirs.pk])).status_code == 404
    assert SavedFilter.objects.filter(pk=theirs.pk).exists()


# Plans ----------------------------------------------------------------------------------------------


def test_plan_list_by_year_shows_the_plan_with_its_counts(client, people, plan, commune_task, overdue_task):
    response = login(client, people["xa"]).get(reverse("tasks:plan-list"), {"year": 2026})
    assert response.status_code == 200
    assert "Chương trình phối hợp năm 2026" in response.text
    assert response.context["page"].object_list[0].task_count == 2
    assert "Chương trình phối hợp năm 2026" not in client.get(reverse("tasks:plan-list"), {"year": 2025}).text


def test_plan_page_shows_its_tasks_progress_and_on_time_figures(client, people, plan, commune_task, overdue_task):
    response = login(client, people["ubnd"]).get(plan.get_absolute_url())
    assert response.status_code == 200
    assert "Rà soát hộ nghèo phường An Sinh" in response.text and "Báo cáo quý I" in response.text
    assert response.context["progress"] == 0
    # The task due in April counts against the plan: 0 on time out of 1 due.
    assert response.context["compliance"].overdue_open == 1
    assert response.context["compliance"].on_time_percent == 0


@pytest.mark.parametrize("name", ["plan-detail", "plan-board", "plan-calendar", "plan-edit", "plan-import"])
def test_officer_from_other_commune_gets_404_on_plan_pages(client, people, plan, name):
    response = login(client, people["xa2"]).get(reverse(f"tasks:{name}", args=[plan.pk]))
    assert response.status_code == 404


def test_a_commune_officer_may_see_the_plan_but_not_edit_it(client, people, plan, commune_task):
    login(client, people["xa"])
    assert client.get(plan.get_absolute_url()).status_code == 200
    assert client.get(reverse("tasks:plan-edit", args=[plan.pk])).status_code == 403
    assert client.get(reverse("tasks:task-create", args=[plan.pk])).status_code == 403


def test_plan_create_and_edit_through_the_forms(client, tree, people):
    login(client, people["mttq"])
    response = client.post(
        reverse("tasks:plan-create"),
        {
            "title": "Kế hoạch giám sát 2026",
            "kind": "plan",
            "year": 2026,
            "owner_unit": tree["mttq"].pk,
            "status": "active",
        },
    )
    assert response.status_code == 302
    plan = Plan.objects.get(title="Kế hoạch giám sát 2026")
    assert plan.owner_unit == tree["mttq"] and response.url == plan.get_absolute_url()
    edit = client.post(
        reverse("tasks:plan-edit", args=[plan.pk]),
        {"title": "Kế hoạch giám sát năm 2026", "kind": "plan", "year": 2026, "status": "active"},
    )
    assert edit.status_code == 302
    plan.refresh_from_db()
    assert plan.title == "Kế hoạch giám sát năm 2026"
    assert AuditEvent.objects.filter(verb="plan.updated", target_id=str(plan.pk)).exists()


def test_a_plan_cannot_be_owned_by_a_unit_outside_the_persons_units(client, tree, people):
    response = login(client, people["mttq"]).post(
        reverse("tasks:plan-create"),
        {"title": "Kế hoạch", "kind": "plan", "year": 2026, "owner_unit": tree["ubnd"].pk, "status": "active"},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["owner_unit"]


def test_the_board_has_a_column_per_status_and_offers_only_allowed_moves(
    client, people, plan, commune_task, overdue_task
):
    services.task_submit(actor=people["ubnd"], task=overdue_task)
    board = reverse("tasks:plan-board", args=[plan.pk])
    response = login(client, people["ubnd"]).get(board)
    assert response.status_code == 200
    columns = {c.status: [t.pk for t in c.tasks] for c in response.context["columns"]}
    assert columns["new"] == [commune_task.pk] and columns["submitted"] == [overdue_task.pk]
    cards = {t.pk: [tr.action for tr in t.transitions] for c in response.context["columns"] for t in c.tasks}
    # The assigner decides on submitted work; nobody is offered a move the service would refuse.
    assert cards[overdue_task.pk] == ["confirm", "return", "cancel"]
    assert cards[commune_task.pk] == ["start", "submit", "block", "cancel"]
    # The commune officer sees only the commune's task, and may work on it but not cancel it.
    response = login(client, people["xa"]).get(board)
    cards = {t.pk: [tr.action for tr in t.transitions] for c in response.context["columns"] for t in c.tasks}
    assert cards == {commune_task.pk: ["start", "submit", "block"]}


def test_a_board_card_moves_with_a_post_that_calls_the_service(client, people, plan, commune_task):
    board = reverse("tasks:plan-board", args=[plan.pk])
    login(client, people["xa"])
    response = client.post(reverse("tasks:task-transition", args=[commune_task.pk]), {"action": "start", "next": board})
    assert response.status_code == 302 and response.url == board
    commune_task.refresh_from_db()
    assert commune_task.status == Task.Status.IN_PROGRESS
    assert AuditEvent.objects.filter(verb="task.started", target_id=str(commune_task.pk)).exists()
    # With htmx the answer is the board again (htmx follows the redirect and swaps #board in).
    moved = client.post(
        reverse("tasks:task-transition", args=[commune_task.pk]),
        {"action": "block", "reason": "Chờ số liệu", "next": board},
        headers={"HX-Request": "true"},
        follow=True,
    )
    assert moved.redirect_chain == [(board, 302)]
    assert 'id="board"' in moved.text and vi("The task was marked blocked.") in moved.text
    commune_task.refresh_from_db()
    assert commune_task.status == Task.Status.BLOCKED


def test_a_board_move_needing_a_reason_without_one_changes_nothing(client, people, plan, commune_task):
    board = reverse("tasks:plan-board", args=[plan.pk])
    response = login(client, people["xa"]).post(
        reverse("tasks:task-transition", args=[commune_task.pk]), {"action": "block", "next": board}, follow=True
    )
    assert vi("Give a reason.") in response.text
    commune_task.refresh_from_db()
    assert commune_task.status == Task.Status.NEW


def test_the_calendar_shows_the_tasks_of_the_month(client, people, plan, commune_task, overdue_task):
    login(client, people["ubnd"])
    june = client.get(reverse("tasks:plan-calendar", args=[plan.pk]), {"month": "2026-06"})
    assert june.status_code == 200
    assert [d.date for d in june.context["days"]] == [dt.date(2026, 6, 30)]
    assert "Rà soát hộ nghèo" in june.text and "Báo cáo quý I" not in june.text
    april = client.get(reverse("tasks:plan-calendar", args=[plan.pk]), {"month": "2026-04"})
    assert [t.pk for d in april.context["days"] for t in d.tasks] == [overdue_task.pk]
    assert april.context["next_month"] == dt.date(2026, 5, 1)


# Task page ------------------------------------------------------------------------------------------


def test_task_page_shows_units_parts_checklist_and_history(client, tree, people, commune_task):
    services.checklist_add(actor=people["xa"], task=commune_task, text="Lập danh sách hộ")
    response = login(client, people["mttq"]).get(commune_task.get_absolute_url())
    assert response.status_code == 200
    assert "UBND phường An Sinh" in response.text and "Ủy ban MTTQ tỉnh Quảng Ninh" in response.text
    assert "Lập danh sách hộ" in response.text
    parts = {p.unit_id: p for p in response.context["parts"]}
    # The Front edits its own part only; the lead unit's part is not its to change.
    assert parts[tree["mttq"].pk].can_update and not parts[tree["commune_ubnd"].pk].can_update
    verbs = [e.event.verb for e in response.context["history"] if e.event]
    assert "task.created" in verbs and "task.checklist_added" in verbs


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("task-detail", "get"),
        ("task-edit", "get"),
        ("subtask-create", "get"),
        ("task-transition", "post"),
        ("checklist-add", "post"),
        ("comment-add", "post"),
        ("occurrence-link", "post"),
    ],
)
def test_officer_from_other_commune_gets_404_on_task_pages(client, people, commune_task, name, method):
    response = getattr(login(client, people["xa2"]), method)(
        reverse(f"tasks:{name}", args=[commune_task.pk]), {"action": "start", "text": "x"}
    )
    assert response.status_code == 404
    commune_task.refresh_from_db()
    assert commune_task.status == Task.Status.NEW


def test_officer_from_other_commune_gets_404_on_parts_and_people(client, tree, people, commune_task):
    login(client, people["xa2"])
    unit = tree["commune_ubnd"].pk
    assert client.post(reverse("tasks:part-update", args=[commune_task.pk, unit]), {}).status_code == 404
    assert client.post(reverse("tasks:task-assign", args=[commune_task.pk, unit]), {}).status_code == 404


def test_transitions_by_web_from_submission_to_confirmation(client, people, commune_task):
    login(client, people["xa"])
    url = reverse("tasks:task-transition", args=[commune_task.pk])
    assert client.post(url, {"action": "submit", "note": "Đã xong"}).status_code == 302
    commune_task.refresh_from_db()
    assert commune_task.status == Task.Status.SUBMITTED and commune_task.completed_on == dt.date(2026, 5, 4)
    # The officer who submitted cannot confirm: 403, nothing changes.
    assert client.post(url, {"action": "confirm"}).status_code == 403
    page = client.get(commune_task.get_absolute_url())
    assert [t.action for t in page.context["transitions"]] == []
    # The commune's leader can.
    login(client, people["xa_lead"])
    assert [t.action for t in client.get(commune_task.get_absolute_url()).context["transitions"]] == [
        "confirm",
        "return",
        "cancel",
    ]
    assert client.post(url, {"action": "confirm"}).status_code == 302
    commune_task.refresh_from_db()
    assert commune_task.status == Task.Status.CONFIRMED and commune_task.progress == 100
    assert Notification.objects.filter(recipient=people["xa"], kind=Kind.CONFIRMED).exists()


def test_returning_without_a_reason_is_refused_beside_the_field(client, people, commune_task):
    services.task_submit(actor=people["xa"], task=commune_task)
    response = login(client, people["xa_lead"]).post(
        reverse("tasks:task-transition", args=[commune_task.pk]), {"action": "return", "reason": ""}
    )
    assert response.status_code == 400
    assert 'id="reason-return-error"' in response.text and vi("Give a reason.") in response.text
    commune_task.refresh_from_db()
    assert commune_task.status == Task.Status.SUBMITTED


def test_a_co_operating_unit_updates_its_own_part(client, tree, people, commune_task):
    response = login(client, people["mttq"]).post(
        reverse("tasks:part-update", args=[commune_task.pk, tree["mttq"].pk]),
        {
            f"part-{tree['mttq'].pk}-status": "in_progress",
            f"part-{tree['mttq'].pk}-progress": 60,
            f"part-{tree['mttq'].pk}-note": "Đã khảo sát 3 khu",
        },
    )
    assert response.status_code == 302
    part = TaskUnit.objects.get(task=commune_task, unit=tree["mttq"])
    assert (part.status, part.progress, part.note) == ("in_progress", 60, "Đã khảo sát 3 khu")
    commune_task.refresh_from_db()
    assert commune_task.progress > 0  # rolled up from the parts
    # ...and not the lead unit's part.
    refused = client.post(
        reverse("tasks:part-update", args=[commune_task.pk, tree["commune_ubnd"].pk]),
        {f"part-{tree['commune_ubnd'].pk}-status": "done", f"part-{tree['commune_ubnd'].pk}-progress": 100},
    )
    assert refused.status_code == 403


def test_assigning_people_of_the_unit(client, tree, people, commune_task):
    prefix = f"assign-{tree['commune_ubnd'].pk}"
    response = login(client, people["xa_lead"]).post(
        reverse("tasks:task-assign", args=[commune_task.pk, tree["commune_ubnd"].pk]),
        {f"{prefix}-users": [people["xa"].pk]},
    )
    assert response.status_code == 302
    assert list(commune_task.assignees.values_list("user__username", flat=True)) == ["xa"]
    assert Notification.objects.filter(recipient=people["xa"], kind=Kind.ASSIGNED).exists()
    # Someone of another unit is not a choice: the form refuses it beside the field.
    refused = client.post(
        reverse("tasks:task-assign", args=[commune_task.pk, tree["commune_ubnd"].pk]),
        {f"{prefix}-users": [people["mttq"].pk]},
    )
    assert refused.status_code == 400


def test_checklist_add_and_tick_with_htmx_answers_the_checklist(client, people, commune_task):
    login(client, people["xa"])
    added = client.post(
        reverse("tasks:checklist-add", args=[commune_task.pk]), {"text": "Họp dân"}, headers={"HX-Request": "true"}
    )
    assert added.status_code == 200 and added.text.lstrip().startswith('<section class="card" id="checklist"')
    item = commune_task.checklist.get()
    ticked = client.post(
        reverse("tasks:checklist-toggle", args=[commune_task.pk, item.pk]), headers={"HX-Request": "true"}
    )
    assert ticked.status_code == 200 and 'aria-pressed="true"' in ticked.text
    item.refresh_from_db()
    assert item.done and item.done_by == people["xa"]


def test_a_comment_with_a_mention_tells_the_person(client, people, commune_task):
    response = login(client, people["xa"]).post(
        reverse("tasks:comment-add", args=[commune_task.pk]),
        {"kind": "comment", "text": "Nhờ @xa.lanhdao cho ý kiến"},
    )
    assert response.status_code == 302
    assert Notification.objects.filter(recipient=people["xa_lead"], kind=Kind.MENTIONED).exists()
    assert "Nhờ @xa.lanhdao cho ý kiến" in client.get(commune_task.get_absolute_url()).text


def test_an_unknown_mention_is_refused_beside_the_text(client, people, commune_task):
    response = login(client, people["xa"]).post(
        reverse("tasks:comment-add", args=[commune_task.pk]), {"kind": "comment", "text": "Hỏi @khongco"}
    )
    assert response.status_code == 400
    assert "@khongco" in response.context["comment_form"].errors["text"][0]
    assert not TaskUpdate.objects.filter(task=commune_task, kind="comment").exists()


def test_a_leaders_direction_looks_different_and_an_officer_cannot_give_one(client, people, commune_task):
    login(client, people["xa"])
    assert "direction" not in dict(
        client.get(commune_task.get_absolute_url()).context["comment_form"].fields["kind"].choices
    )
    refused = client.post(
        reverse("tasks:comment-add", args=[commune_task.pk]), {"kind": "direction", "text": "Làm ngay"}
    )
    assert refused.status_code == 400
    login(client, people["xa_lead"])
    client.post(
        reverse("tasks:comment-add", args=[commune_task.pk]), {"kind": "direction", "text": "Hoàn thành trước 15/6"}
    )
    page = client.get(commune_task.get_absolute_url())
    assert '<li class="entry kind-direction">' in page.text and "Hoàn thành trước 15/6" in page.text


def test_a_file_attached_to_an_update_downloads_only_for_those_who_see_the_task(
    client, people, commune_task, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    login(client, people["xa"])
    client.post(
        reverse("tasks:comment-add", args=[commune_task.pk]),
        {"kind": "update", "text": "Biên bản", "progress": 40, "file": SimpleUploadedFile("bien-ban.pdf", b"%PDF-1.4")},
    )
    update = TaskUpdate.objects.get(task=commune_task, kind="update")
    url = reverse("tasks:update-file", args=[commune_task.pk, update.pk])
    download = client.get(url)
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF-1.4"
    assert login(client, people["xa2"]).get(url).status_code == 404


# Task forms -----------------------------------------------------------------------------------------


def _task_data(**overrides):
    data = {
        "title": "Tổ chức hội nghị",
        "lead_unit": "22-MTTQ",
        "cooperating_units": "22-HLHPN",
        "observer_units": "",
        "start_date": "2026-05-10",
        "due_date": "2026-06-10",
        "priority": "normal",
        "weight": 1,
        "progress_mode": "average",
    }
    data.update(overrides)
    return data


def test_creating_a_task_in_a_plan(client, tree, people, plan):
    response = login(client, people["ubnd"]).post(reverse("tasks:task-create", args=[plan.pk]), _task_data())
    assert response.status_code == 302
    task = Task.objects.get(title="Tổ chức hội nghị")
    assert response.url == task.get_absolute_url()
    assert task.plan == plan and task.lead_unit == tree["mttq"] and task.assigner == people["ubnd"]
    assert set(task.units.values_list("unit__code", "role")) == {("22-MTTQ", "lead"), ("22-HLHPN", "cooperating")}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"due_date": "2026-05-01"}, "due_date"),  # before the start
        ({"cooperating_units": "22-HLHPN, 22-MTTQ"}, "cooperating_units"),  # the lead unit again
        ({"cooperating_units": "22-KHONGCO"}, "cooperating_units"),  # unknown code
        ({"lead_unit": ""}, "lead_unit"),
    ],
)
def test_bad_input_on_the_task_form_is_said_beside_the_field(client, people, plan, overrides, field):
    response = login(client, people["ubnd"]).post(reverse("tasks:task-create", args=[plan.pk]), _task_data(**overrides))
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert f'id="id_{field}_error"' in response.text
    assert not Task.objects.filter(title="Tổ chức hội nghị").exists()


def test_a_parent_cycle_is_refused_beside_the_parent_field(client, tree, people, plan):
    top = make_task(actor=people["ubnd"], plan=plan, lead_unit=tree["ubnd"], title="Nhiệm vụ lớn")
    child = make_task(actor=people["ubnd"], plan=plan, parent=top, lead_unit=tree["ubnd"], title="Nhiệm vụ con")
    data = _task_data(
        title="Nhiệm vụ lớn",
        lead_unit="22-UBND",
        cooperating_units="",
        parent=child.pk,
        start_date="",
        due_date="2026-06-30",
    )
    response = login(client, people["ubnd"]).post(reverse("tasks:task-edit", args=[top.pk]), data)
    assert response.status_code == 400
    assert response.context["form"].errors["parent"]
    top.refresh_from_db()
    assert top.parent_id is None


def test_adding_a_subtask(client, tree, people, commune_task):
    response = login(client, people["xa"]).post(
        reverse("tasks:subtask-create", args=[commune_task.pk]),
        _task_data(title="Khảo sát khu 1", lead_unit="07090-UBND", cooperating_units="", start_date=""),
    )
    assert response.status_code == 302
    sub = Task.objects.get(title="Khảo sát khu 1")
    assert sub.parent == commune_task and sub.plan_id == commune_task.plan_id


# On-time rates --------------------------------------------------------------------------------------


def test_rates_per_unit_for_a_year_with_open_overdue_counting_against(client, tree, people, plan, overdue_task):
    done = make_task(
        actor=people["ubnd"], plan=plan, lead_unit=tree["ubnd"], title="Xong", due_date=dt.date(2026, 4, 30)
    )
    services.task_submit(actor=people["ubnd"], task=done)
    services.task_confirm(actor=people["ubnd"], task=done)  # the assigner confirms, late (submitted 4 May)
    response = login(client, people["ubnd"]).get(
        reverse("tasks:rates"), {"by": "unit", "period_type": "yearly", "year": 2026}
    )
    assert response.status_code == 200
    rows = dict(response.context["rows"])
    c = rows["UBND tỉnh Quảng Ninh"]
    assert (c.done_on_time, c.done_late, c.overdue_open, c.on_time_percent) == (0, 1, 1, 0)


def test_rates_export_reads_back_with_openpyxl(client, tree, people, plan, overdue_task):
    response = login(client, people["ubnd"]).get(
        reverse("tasks:rates"), {"by": "unit", "period_type": "quarterly", "year": 2026, "number": 2, "export": "xlsx"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.getvalue())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert "2026" in rows[0][0]
    assert rows[3][:4] == ("UBND tỉnh Quảng Ninh", 1, 0, 0)


def test_rates_of_an_officer_of_another_commune_show_none_of_ours(client, people, overdue_task):
    response = login(client, people["xa2"]).get(
        reverse("tasks:rates"), {"by": "unit", "period_type": "yearly", "year": 2026}
    )
    assert response.status_code == 200
    assert list(response.context["rows"]) == []


def test_a_half_three_is_refused_beside_the_field(client, people):
    response = login(client, people["ubnd"]).get(
        reverse("tasks:rates"), {"by": "unit", "period_type": "six_monthly", "year": 2026, "number": 3}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["number"]


def test_linking_a_task_to_a_duty_it_is_the_evidence_of(client, tree, people):
    agreement = make_agreement(
        owner=tree["ubnd"],
        parties=[(tree["ubnd"], "signatory", None), (tree["mttq"], "signatory", None)],
        effective_from=dt.date(2026, 1, 1),
        effective_to=dt.date(2026, 12, 31),
    )
    duty = make_obligation(agreement=agreement, owing=[tree["ubnd"]], evidence_kinds=["note", "task"])
    occurrence = duty.occurrences.filter(due_on__gte=dt.date(2026, 5, 4)).order_by("due_on").first()
    plan_194 = services.plan_create(
        actor=people["ubnd"], owner_unit=tree["ubnd"], title="Kế hoạch 194", year=2026, kind="plan", agreement=agreement
    )
    task = make_task(actor=people["ubnd"], plan=plan_194, lead_unit=tree["ubnd"], due_date=occurrence.due_on)
    login(client, people["ubnd"])
    page = client.get(task.get_absolute_url())
    assert occurrence in page.context["occurrence_form"].fields["occurrence"].queryset
    response = client.post(reverse("tasks:occurrence-link", args=[task.pk]), {"occurrence": occurrence.pk})
    assert response.status_code == 302
    assert Evidence.objects.filter(occurrence=occurrence, kind="task", linked_record=f"tasks.task:{task.pk}").exists()
    page = client.get(task.get_absolute_url())
    assert page.context["occurrence_form"] is None
    assert reverse("agreements:occurrence-detail", args=[occurrence.pk]) in page.text


def test_work_done_earlier_is_submitted_with_its_day_and_a_future_day_is_refused(client, people, commune_task):
    login(client, people["xa"])
    url = reverse("tasks:task-transition", args=[commune_task.pk])
    refused = client.post(url, {"action": "submit", "completed_on": "2026-05-20"})
    assert refused.status_code == 400
    assert 'id="completed-on-error"' in refused.text
    commune_task.refresh_from_db()
    assert commune_task.status == Task.Status.NEW
    assert client.post(url, {"action": "submit", "completed_on": "2026-04-28"}).status_code == 302
    commune_task.refresh_from_db()
    assert commune_task.status == Task.Status.SUBMITTED and commune_task.completed_on == dt.date(2026, 4, 28)


def test_closing_a_plan_and_an_outsider_cannot(client, people, plan, commune_task):
    assert login(client, people["xa2"]).post(reverse("tasks:plan-close", args=[plan.pk])).status_code == 404
    # A commune officer sees the plan through its task but may not close it.
    assert login(client, people["xa"]).post(reverse("tasks:plan-close", args=[plan.pk])).status_code == 403
    response = login(client, people["ubnd"]).post(reverse("tasks:plan-close", args=[plan.pk]))
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == Plan.Status.CLOSED
    assert AuditEvent.objects.filter(verb="plan.closed", target_id=str(plan.pk)).exists()
    # A closed plan offers no "Add a task" and refuses a new task.
    page = client.get(plan.get_absolute_url())
    assert reverse("tasks:task-create", args=[plan.pk]) not in page.text
    refused = client.post(reverse("tasks:task-create", args=[plan.pk]), _task_data())
    assert refused.status_code == 400 and not Task.objects.filter(title="Tổ chức hội nghị").exists()


@pytest.mark.parametrize("who", ["xa", "ubnd", "mttq"])
def test_every_task_page_a_person_reaches_has_the_basics(client, people, plan, commune_task, overdue_task, who):
    """Each link leads somewhere the person may go (200), every field has a label, no id twice."""
    services.checklist_add(actor=people["ubnd"], task=overdue_task, text="Tổng hợp số liệu")
    services.saved_filter_save(actor=people[who], view="my", name="Quá hạn", query="status=overdue")
    login(client, people[who])
    start = [reverse("tasks:my-tasks"), plan.get_absolute_url(), commune_task.get_absolute_url()]
    pages = crawl(client, start, limit=60)
    assert sum(u.startswith("/tasks/") for u in pages) >= 8
    assert {u: problems for u, problems in pages.items() if problems and u.startswith("/tasks/")} == {}
