"""The tasks demo: two programmes under 194/QCPH, about 60 tasks in every status, real inboxes, idempotence."""

import datetime as dt
from zoneinfo import ZoneInfo

from phoihop.agreements.demo import load_agreements
from phoihop.agreements.models import Evidence
from phoihop.core.audit import audit_verify
from phoihop.demo.personas import load_personas
from phoihop.demo.quang_ninh import load_structure
from phoihop.notify.models import Kind, Notification
from phoihop.orgs.models import User
from phoihop.tasks import demo, permissions, selectors
from phoihop.tasks.models import Mention, Plan, Task, TaskUpdate

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def test_demo_has_two_programmes_in_every_status_and_loading_twice_changes_nothing(db, settings, time_machine):
    settings.DEMO = True
    time_machine.move_to(dt.datetime(2026, 11, 27, 9, 0, tzinfo=VN), tick=False)
    load_structure()
    load_personas()
    load_agreements()
    counts = demo.load()

    plans = Plan.objects.order_by("year")
    assert [p.year for p in plans] == [2025, 2026]
    assert all(p.agreement.number == "194/QCPH" for p in plans)
    assert counts["plans"] == 2 and 55 <= counts["tasks"] == Task.objects.count() <= 70
    assert set(Task.objects.values_list("status", flat=True)) == set(Task.Status.values)
    assert Task.objects.filter(parent__isnull=False).count() >= 5
    # 2025 is mostly done; what is left open of it is overdue.
    rates_2025 = selectors.task_compliance(user=User.objects.get(username="admin"), plan=plans[0])
    assert rates_2025.done_on_time > rates_2025.done_late > 0 and rates_2025.overdue_open >= 1
    assert rates_2025.on_time_rate > 0.6
    # The commune officer sees the commune's tasks and has an inbox.
    xa = User.objects.get(username="xa")
    assert permissions.tasks_visible(xa).filter(lead_unit__code="07090-UBND").count() >= 5
    assert Notification.objects.filter(recipient=User.objects.get(username="xa.lanhdao"), kind=Kind.MENTIONED).exists()
    assert Notification.objects.filter(recipient=xa).exists()
    assert TaskUpdate.objects.filter(kind=TaskUpdate.Kind.DIRECTION).count() == 1
    assert Mention.objects.count() >= 2
    assert selectors.overdue_tasks(user=xa).exists()
    # One 2025 task is the evidence of a 194/QCPH occurrence, which its confirmation completed.
    linked = Task.objects.get(occurrence__isnull=False)
    assert linked.status == Task.Status.CONFIRMED and linked.occurrence.state == "done"
    assert Evidence.objects.filter(linked_record=f"tasks.task:{linked.pk}", kind="task").exists()
    assert audit_verify().ok

    assert demo.load() == {"plans": 0, "tasks": 0}
    assert Task.objects.count() == counts["tasks"]
