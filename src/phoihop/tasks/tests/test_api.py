"""/api/v1/tasks: each endpoint's permitted path and its outsider answer (404), writes through the services.

Today is frozen at Monday 02/03/2026.
"""

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
import time_machine

from phoihop.api.services import token_issue
from phoihop.core.models import AuditEvent
from phoihop.tasks import services
from phoihop.tasks.models import Task
from phoihop.tasks.tests import makers
from phoihop.tasks.tests.makers import make_task

people = makers.people
plan = makers.plan

API = "/api/v1/tasks"
D = dt.date

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _monday_2_march_2026():
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")), tick=False):
        yield


@pytest.fixture
def call(client):
    """Call the API as a person, with a bearer token; `body` goes as JSON."""
    tokens = {}

    def send(user, method, path, body=None):
        if user.pk not in tokens:
            tokens[user.pk] = token_issue(user=user, name="tests")[1]
        kwargs = {"headers": {"Authorization": f"Bearer {tokens[user.pk]}"}}
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/json")
        return getattr(client, method)(API + path, **kwargs)

    return send


@pytest.fixture
def commune_task(tree, people, plan):
    """A task of commune 07090's People's Committee in the province's programme."""
    return make_task(
        actor=people["ubnd"],
        plan=plan,
        lead_unit=tree["commune_ubnd"],
        cooperating_units=[tree["commune_mttq"]],
        due_date=D(2026, 2, 20),
        checklist=["Lập danh sách"],
    )


def test_plans_list_and_detail(call, people, plan):
    answer = call(people["ubnd"], "get", "/plans")
    assert answer.status_code == 200
    assert [p["title"] for p in answer.json()["items"]] == [plan.title]
    assert call(people["ubnd"], "get", f"/plans/{plan.pk}").json()["owner_unit_code"] == "22-UBND"


def test_commune_officer_sees_the_plan_of_a_task_of_theirs_but_not_others(call, people, plan, commune_task):
    assert call(people["xa"], "get", f"/plans/{plan.pk}").status_code == 200
    assert call(people["xa2"], "get", f"/plans/{plan.pk}").status_code == 404
    assert call(people["xa2"], "get", "/plans").json()["count"] == 0


def test_plan_create_needs_an_officer_of_the_owner_unit(call, people, tree):
    body = {"owner_unit": "22-UBND", "title": "Kế hoạch 2027", "year": 2027, "kind": "plan"}
    assert call(people["xa2"], "post", "/plans", body).status_code == 404
    assert call(people["viewer"], "post", "/plans", body).status_code == 403
    answer = call(people["ubnd"], "post", "/plans", body)
    assert answer.status_code == 201 and answer.json()["year"] == 2027


def test_task_list_shows_the_overdue_status_and_filters_by_it(call, people, commune_task, tree, plan):
    make_task(actor=people["ubnd"], plan=plan, lead_unit=tree["commune_ubnd"], title="Sau", due_date=D(2026, 5, 1))
    answer = call(people["xa"], "get", "?view=unit&status=overdue")
    assert answer.status_code == 200
    items = answer.json()["items"]
    assert [(i["id"], i["display_status"]) for i in items] == [(commune_task.pk, "overdue")]
    assert items[0]["parts"][0]["unit_code"] == "07090-UBND"


def test_outsider_lists_nothing_and_gets_404_on_each_task_endpoint(call, people, commune_task):
    xa2 = people["xa2"]
    pk = commune_task.pk
    item = commune_task.checklist.get().pk
    assert call(xa2, "get", "").json()["count"] == 0
    for method, path, body in [
        ("get", f"/{pk}", None),
        ("patch", f"/{pk}", {"title": "x"}),
        ("get", f"/{pk}/comments", None),
        ("post", f"/{pk}/comments", {"text": "x"}),
        ("get", f"/{pk}/checklist", None),
        ("post", f"/{pk}/checklist", {"text": "x"}),
        ("post", f"/{pk}/checklist/{item}/toggle", None),
        ("delete", f"/{pk}/checklist/{item}", None),
        ("post", f"/{pk}/start", {}),
        ("post", f"/{pk}/submit", {}),
        ("post", f"/{pk}/confirm", {}),
        ("post", f"/{pk}/return", {"reason": "x"}),
        ("post", f"/{pk}/block", {"reason": "x"}),
        ("post", f"/{pk}/unblock", {}),
        ("post", f"/{pk}/cancel", {"reason": "x"}),
        ("post", f"/{pk}/parts/07090-UBND", {"progress": 10}),
        ("post", f"/{pk}/assignees/07090-UBND", {"users": []}),
    ]:
        assert call(xa2, method, path, body).status_code == 404, (method, path)
    assert not AuditEvent.objects.filter(actor=xa2, verb__startswith="task").exists()


def test_a_task_is_driven_to_confirmation_through_the_api(call, people, tree, plan):
    body = {
        "title": "Giám sát thực hiện chính sách",
        "lead_unit": "07090-UBND",
        "due_date": "2026-04-30",
        "plan": plan.pk,
        "cooperating_units": ["07090-MTTQ"],
        "assignees": ["xa"],
        "checklist": ["Họp triển khai"],
    }
    created = call(people["ubnd"], "post", "", body)
    assert created.status_code == 201, created.json()
    task = created.json()
    assert task["assignees"] == [{"username": "xa", "full_name": "Xa", "unit_code": "07090-UBND"}]
    pk = task["id"]
    assert call(people["xa"], "post", f"/{pk}/start", {}).json()["status"] == "in_progress"
    progress = call(people["xa"], "post", f"/{pk}/comments", {"text": "Đã họp @xa.lanhdao", "progress": 50})
    assert progress.status_code == 201 and progress.json()["mentions"] == ["xa.lanhdao"]
    assert call(people["xa"], "get", f"/{pk}").json()["progress"] == 25  # lead 50, co-operating 0
    assert call(people["xa"], "post", f"/{pk}/submit", {"note": "Xong"}).json()["completed_on"] == "2026-03-02"
    # The officer who did the work cannot confirm it; the commune's leader can.
    assert call(people["xa"], "post", f"/{pk}/confirm", {}).status_code == 403
    confirmed = call(people["xa_lead"], "post", f"/{pk}/confirm", {"note": "Đạt"})
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"
    assert confirmed.json()["progress"] == 100
    timeline = call(people["xa"], "get", f"/{pk}/comments").json()["items"]
    assert [e["kind"] for e in timeline] == ["status", "update", "status", "status"]


def test_bad_input_answers_422_naming_the_field(call, people, plan):
    body = {"title": "X", "lead_unit": "22-UBND", "due_date": "2026-04-01", "start_date": "2026-05-01"}
    answer = call(people["ubnd"], "post", "", body)
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["body", "due_date"]
    body = {"title": "X", "lead_unit": "22-UBND", "due_date": "2026-04-01", "cooperating_units": ["22-UBND"]}
    assert call(people["ubnd"], "post", "", body).json()["detail"][0]["loc"] == ["body", "cooperating_units"]
    assert call(people["ubnd"], "post", "", {**body, "cooperating_units": ["99-XX"]}).status_code == 422
    assert not Task.objects.exists()


def test_a_transition_from_the_wrong_status_answers_422(call, people, commune_task):
    answer = call(people["xa_lead"], "post", f"/{commune_task.pk}/confirm", {})
    assert answer.status_code == 422 and answer.json()["detail"][0]["loc"] == ["body", "status"]


def test_update_parts_checklist_and_return(call, people, commune_task):
    pk = commune_task.pk
    patched = call(people["xa"], "patch", f"/{pk}", {"due_date": "2026-03-31", "priority": "high"})
    assert patched.status_code == 200 and patched.json()["display_status"] == "new"
    part = call(people["xa"], "post", f"/{pk}/parts/07090-UBND", {"status": "done"})
    assert part.json()["progress"] == 100
    item = commune_task.checklist.get()
    assert call(people["xa"], "post", f"/{pk}/checklist/{item.pk}/toggle").json()["done"] is True
    added = call(people["xa"], "post", f"/{pk}/checklist", {"text": "Báo cáo"})
    assert added.status_code == 201
    assert call(people["xa"], "delete", f"/{pk}/checklist/{added.json()['id']}").status_code == 204
    services.task_submit(actor=people["xa"], task=Task.objects.get(pk=pk))
    returned = call(people["ubnd"], "post", f"/{pk}/return", {"reason": "Bổ sung số liệu"})
    assert returned.json()["status"] == "returned" and returned.json()["completed_on"] is None


def test_rates_and_compliance_count_open_overdue_tasks_against(call, people, commune_task, tree, plan):
    done = make_task(actor=people["ubnd"], plan=plan, lead_unit=tree["commune_ubnd"], title="Đã xong")
    services.task_submit(actor=people["xa"], task=done)
    services.task_confirm(actor=people["xa_lead"], task=done)
    rows = call(people["ubnd"], "get", "/rates?by=unit").json()
    assert rows == [
        {
            "label": "UBND phường An Sinh",
            "code": "07090-UBND",
            "due": 2,
            "done_on_time": 1,
            "done_late": 0,
            "overdue_open": 1,
            "upcoming": 0,
            "waived": 0,
            "on_time_rate": 0.5,
        }
    ]
    assert call(people["xa"], "get", "/compliance?unit=07090-UBND").json()["overdue_open"] == 1
    assert call(people["xa2"], "get", "/rates").json() == []
    assert call(people["xa2"], "get", "/compliance?unit=07090-UBND").status_code == 404
