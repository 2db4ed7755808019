"""The task services: the whole life of a task, each bad-input rule, progress roll-up, the audit trail.

Today is frozen at Monday 02/03/2026.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from phoihop.agreements.models import Evidence, Occurrence
from phoihop.agreements.tests.factories import make_agreement, make_obligation
from phoihop.core.models import AuditEvent
from phoihop.notify.models import Kind, Notification
from phoihop.notify.services import preference_update
from phoihop.orgs import services as org_services
from phoihop.orgs.models import Membership
from phoihop.tasks import services
from phoihop.tasks.models import ChecklistItem, Mention, Plan, SavedFilter, Task, TaskAssignee, TaskUnit, TaskUpdate
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


def inbox(user, kind=None):
    rows = Notification.objects.filter(recipient=user).order_by("id")
    if kind:
        rows = rows.filter(kind=kind)
    return list(rows)


def verbs(task):
    return list(
        AuditEvent.objects.filter(target_type="tasks.task", target_id=str(task.pk))
        .order_by("id")
        .values_list("verb", flat=True)
    )


# --- The whole life of a task -----------------------------------------------------------------


def test_task_goes_from_creation_to_confirmation_with_two_cooperating_units(
    tree, people, plan, mailoutbox, django_capture_on_commit_callbacks
):
    ubnd, chair, mttq, phunu = people["ubnd"], people["chair"], people["mttq"], people["phunu"]
    # The Front's officer wants e-mail at once; everyone else keeps the daily digest.
    preference_update(actor=mttq, user=mttq, email_mode="immediate")

    with django_capture_on_commit_callbacks(execute=True):
        task = services.task_create(
            actor=ubnd,
            plan=plan,
            title="Tổ chức hội nghị đối thoại với nhân dân",
            lead_unit=tree["ubnd"],
            cooperating_units=[tree["mttq"], tree["hlhpn"]],
            start_date=D(2026, 3, 1),
            due_date=D(2026, 4, 15),
            checklist=["Chuẩn bị tài liệu", "Gửi giấy mời"],
        )
    assert task.assigner == ubnd and task.status == Task.Status.NEW and task.number == "1"
    assert sorted(task.units.values_list("unit__code", "role")) == [
        ("22-HLHPN", "cooperating"),
        ("22-MTTQ", "cooperating"),
        ("22-UBND", "lead"),
    ]
    # Every officer of the three units is told — but not the person who assigned it, nor a viewer.
    for person in (chair, mttq, people["mttq_chair"], phunu):
        assert [n.kind for n in inbox(person)] == [Kind.ASSIGNED], person
    assert inbox(ubnd) == [] and inbox(people["viewer"]) == []
    assert [m.to for m in mailoutbox] == [["mttq@example.vn"]]
    assert "Tổ chức hội nghị đối thoại với nhân dân" in mailoutbox[0].subject + mailoutbox[0].body

    services.task_start(actor=ubnd, task=task)
    services.task_part_update(actor=mttq, task=task, unit=tree["mttq"], status="done", note="Đã cử đại biểu")
    services.task_part_update(actor=phunu, task=task, unit=tree["hlhpn"], progress=50)
    task.refresh_from_db()
    # Lead part 0, the Front's part done (100), the Women's Union at 50: average 50.
    assert task.progress == 50

    services.task_submit(actor=ubnd, task=task, note="Đã tổ chức ngày 10/3")
    task.refresh_from_db()
    assert task.status == Task.Status.SUBMITTED and task.completed_on == TODAY
    assert [n.kind for n in inbox(chair)] == [Kind.ASSIGNED, Kind.SUBMITTED]

    services.task_confirm(actor=chair, task=task, note="Đạt yêu cầu")
    task.refresh_from_db()
    assert task.status == Task.Status.CONFIRMED and task.progress == 100
    assert task.confirmed_by == chair and task.completed_on == TODAY
    assert [n.kind for n in inbox(ubnd)] == [Kind.CONFIRMED]
    assert verbs(task) == [
        "task.created",
        "task.started",
        "task.part_updated",
        "task.part_updated",
        "task.submitted",
        "task.confirmed",
    ]
    confirmed = AuditEvent.objects.get(verb="task.confirmed")
    assert confirmed.actor == chair and confirmed.changes["status"] == ["submitted", "confirmed"]
    assert list(task.updates.values_list("kind", "status_to")) == [
        ("status", "in_progress"),
        ("status", "submitted"),
        ("status", "confirmed"),
    ]


def test_returning_clears_the_completion_day_and_tells_the_lead_unit(tree, people, plan):
    task = make_task(actor=people["ubnd"], plan=plan, lead_unit=tree["mttq"])
    services.task_submit(actor=people["mttq"], task=task)
    services.task_return(actor=people["ubnd"], task=task, reason="Thiếu báo cáo kết quả")
    task.refresh_from_db()
    assert task.status == Task.Status.RETURNED and task.completed_on is None and task.submitted_at is None
    assert Kind.RETURNED in [n.kind for n in inbox(people["mttq"])]
    assert AuditEvent.objects.get(verb="task.returned").note == "Thiếu báo cáo kết quả"


def test_blocking_tells_the_assigner_and_unblocking_resumes(tree, people, plan):
    task = make_task(actor=people["ubnd"], plan=plan, lead_unit=tree["mttq"])
    services.task_block(actor=people["mttq"], task=task, reason="Chờ kinh phí")
    task.refresh_from_db()
    assert task.status == Task.Status.BLOCKED and task.blocked_reason == "Chờ kinh phí"
    told = inbox(people["ubnd"])
    assert len(told) == 1 and told[0].body == "Chờ kinh phí" and task.title in told[0].title
    services.task_unblock(actor=people["mttq"], task=task)
    task.refresh_from_db()
    assert task.status == Task.Status.IN_PROGRESS and task.blocked_reason == ""


def test_cancelled_task_keeps_its_reason(tree, people, plan):
    task = make_task(actor=people["ubnd"], plan=plan, lead_unit=tree["ubnd"])
    services.task_cancel(actor=people["chair"], task=task, reason="Không còn phù hợp")
    task.refresh_from_db()
    assert task.status == Task.Status.CANCELLED and task.cancel_reason == "Không còn phù hợp"


# --- Bad input --------------------------------------------------------------------------------


def test_due_date_before_the_start_is_refused_and_nothing_is_saved(tree, people, plan):
    with pytest.raises(ValidationError) as err:
        make_task(
            actor=people["ubnd"], plan=plan, lead_unit=tree["ubnd"], start_date=D(2026, 5, 1), due_date=D(2026, 4, 1)
        )
    assert "due_date" in err.value.message_dict
    assert "01/05/2026" in err.value.message_dict["due_date"][0]
    assert not Task.objects.exists() and not AuditEvent.objects.filter(verb="task.created").exists()


def test_lead_unit_cannot_also_cooperate(tree, people, plan):
    with pytest.raises(ValidationError) as err:
        make_task(actor=people["ubnd"], plan=plan, lead_unit=tree["ubnd"], cooperating_units=[tree["ubnd"]])
    assert tree["ubnd"].name in err.value.message_dict["cooperating_units"][0]
    assert not Task.objects.exists() and not TaskUnit.objects.exists()


def test_lead_unit_cannot_also_observe(tree, people, plan):
    with pytest.raises(ValidationError) as err:
        make_task(actor=people["ubnd"], plan=plan, lead_unit=tree["mttq"], observer_units=[tree["mttq"]])
    assert "observer_units" in err.value.message_dict


def test_a_unit_cannot_both_cooperate_and_observe(tree, people, plan):
    with pytest.raises(ValidationError) as err:
        make_task(
            actor=people["ubnd"],
            plan=plan,
            lead_unit=tree["ubnd"],
            cooperating_units=[tree["mttq"]],
            observer_units=[tree["mttq"]],
        )
    assert "observer_units" in err.value.message_dict


def test_a_task_cannot_be_moved_under_its_own_subtask(tree, people, plan):
    top = make_task(actor=people["ubnd"], plan=plan, lead_unit=tree["ubnd"])
    child = make_task(actor=people["ubnd"], parent=top, lead_unit=tree["ubnd"])
    grandchild = make_task(actor=people["ubnd"], parent=child, lead_unit=tree["ubnd"])
    assert (child.number, grandchild.number) == ("1.1", "1.1.1")
    for new_parent in (grandchild, top):
        with pytest.raises(ValidationError) as err:
            services.task_update(actor=people["ubnd"], task=top, parent=new_parent)
        assert "parent" in err.value.message_dict
    top.refresh_from_db()
    assert top.parent_id is None


def test_a_transition_not_allowed_from_the_current_status_is_refused(tree, people, plan):
    task = make_task(actor=people["ubnd"], plan=plan, lead_unit=tree["ubnd"])
    with pytest.raises(ValidationError) as err:
        services.task_confirm(actor=people["chair"], task=task)
    assert "status" in err.value.message_dict
    task.refresh_from_db()
    assert task.status == Task.Status.NEW
    services.task_cancel(actor=people["chair"], task=task, reason="Trùng nội dung")
    with pytest.raises(ValidationError):
        services.task_start(actor=people["ubnd"], task=task)


def test_an_officer_who_did_not_assign_the_task_cannot_confirm_it(tree, people, plan):
    task = make_task(actor=people["chair"], plan=plan, lead_unit=tree["ubnd"])
    services.task_submit(actor=people["ubnd"], task=task)
    with pytest.raises(PermissionDenied):
        services.task_confirm(actor=people["ubnd"], task=task)
    task.refresh_from_db()
    assert task.status == Task.Status.SUBMITTED


def test_the_assigner_may_confirm_a_task_of_another_unit(tree, people, plan):
    task = make_task(actor=people["ubnd"], plan=plan, lead_unit=tree["mttq"])
    services.task_submit(actor=people["mttq"], task=task)
    services.task_confirm(actor=people["ubnd"], task=task)
    assert Task.objects.get(pk=task.pk).status == Task.Status.CONFIRMED


def test_an_unknown_mention_is_refused_by_name_and_nothing_is_saved(tree, people, plan):
    task = make_task(actor=people["ubnd"], plan=plan, lead_unit=tree["ubnd"], cooperating_units=[tree["mttq"]])
    with pytest.raises(ValidationError) as err:
        services.task_comment(actor=people["ubnd"], task=task, text="@mttq và @khongco xem giúp.")
    assert "@khongco" in err.value.message_dict["text"][0]
    assert not TaskUpdate.objects.exists() and not Mention.objects.exists()
    assert inbox(people["mttq"], Kind.MENTIONED) == []


def test_mentioning_someone_who_cannot_see_the_task_is_refused(tree, people, plan):
    task = make_task(actor=people["ubnd"], plan=plan, lead_unit=tree["ubnd"])
    with pytest.raises(ValidationError) as err:
        services.task_comment(actor=people["ubnd"], task=task, text="Nhờ @xa2 phối hợp")
    assert "@xa2" in err.value.message_dict["text"][0]


def test_a_mention_tells_the_person_mentioned(tree, people, plan):
    task = make_task(actor=people["ubnd"], plan=plan, lead_unit=tree["ubnd"], cooperating_units=[tree["mttq"]])
    update = services.task_comment(actor=people["ubnd"], task=task, text="Đề nghị @mttq.chutich cho ý kiến.")
    assert [m.user for m in update.mentions.all()] == [people["mttq_chair"]]
    assert [n.kind for n in inbox(people["mttq_chair"])][-1] == Kind.MENTIONED
    assert AuditEvent.objects.get(verb="task.comment").changes["mentions"] == [None, ["mttq.chutich"]]


def test_only_leaders_give_directions_and_the_doers_are_told(tree, people, plan):
    task = make_task(actor=people["ubnd"], plan=plan, lead_unit=tree["mttq"])
    with pytest.raises(PermissionDenied):
        services.task_comment(actor=people["ubnd"], task=task, text="Khẩn trương", kind="direction")
    services.task_comment(actor=people["chair"], task=task, text="Hoàn thành trước 30/4", kind="direction")
    assert inbox(people["mttq"])[-1].body == "Hoàn thành trước 30/4"
    assert TaskUpdate.objects.get().kind == TaskUpdate.Kind.DIRECTION


def test_a_progress_update_sets_the_authors_part(tree, people, plan):
    task = make_task(actor=people["ubnd"], plan=plan, lead_unit=tree["ubnd"], cooperating_units=[tree["mttq"]])
    update = services.task_comment(actor=people["mttq"], task=task, text="Đã xong một nửa", progress=60)
    assert update.kind == TaskUpdate.Kind.UPDATE and update.unit == tree["mttq"]
    task.refresh_from_db()
    assert TaskUnit.objects.get(task=task, unit=tree["mttq"]).progress == 60
    assert task.progress == 30  # lead 0, Front 60


def test_assignees_must_belong_to_a_unit_of_the_task(tree, people, plan):
    with pytest.raises(ValidationError) as err:
        make_task(actor=people["ubnd"], plan=plan, lead_unit=tree["ubnd"], assignees=[people["xa"]])
    assert "assignees" in err.value.message_dict
    assert not Task.objects.exists()


def test_assigning_people_tells_each_new_one(tree, people, plan):
    task = make_task(actor=people["ubnd"], plan=plan, lead_unit=tree["ubnd"], cooperating_units=[tree["mttq"]])
    Notification.objects.all().delete()
    services.task_assign(actor=people["mttq_chair"], task=task, unit=tree["mttq"], users=[people["mttq"]])
    assert [n.kind for n in inbox(people["mttq"])] == [Kind.ASSIGNED]
    assert list(task.assignees.values_list("user__username", "unit__code")) == [("mttq", "22-MTTQ")]
    # Setting the list again with nobody removes the assignment.
    services.task_assign(actor=people["mttq_chair"], task=task, unit=tree["mttq"], users=[])
    assert not task.assignees.exists()
    assert AuditEvent.objects.filter(verb="task.assigned").count() == 2


def test_officer_of_another_unit_cannot_assign_its_people(tree, people, plan):
    task = make_task(actor=people["ubnd"], plan=plan, lead_unit=tree["commune_ubnd"])
    with pytest.raises(PermissionDenied):
        services.task_assign(actor=people["xa2"], task=task, unit=tree["commune_ubnd"], users=[people["xa"]])


def test_officer_outside_lead_unit_and_plan_cannot_create_its_task(tree, people):
    with pytest.raises(PermissionDenied):
        make_task(actor=people["xa2"], lead_unit=tree["commune_ubnd"])
    assert not Task.objects.exists()


def test_a_closed_plan_takes_no_new_tasks(tree, people, plan):
    services.plan_close(actor=people["ubnd"], plan=plan)
    with pytest.raises(ValidationError) as err:
        make_task(actor=people["ubnd"], plan=plan, lead_unit=tree["ubnd"])
    assert "plan" in err.value.message_dict


def test_update_changes_units_and_audits_the_difference(tree, people, plan):
    task = make_task(actor=people["ubnd"], plan=plan, lead_unit=tree["ubnd"], cooperating_units=[tree["mttq"]])
    services.task_update(
        actor=people["ubnd"],
        task=task,
        due_date=D(2026, 7, 31),
        cooperating_units=[tree["hlhpn"]],
        observer_units=[tree["mttq"]],
    )
    assert sorted(task.units.values_list("unit__code", "role")) == [
        ("22-HLHPN", "cooperating"),
        ("22-MTTQ", "observer"),
        ("22-UBND", "lead"),
    ]
    event = AuditEvent.objects.get(verb="task.updated")
    assert event.changes["due_date"] == ["2026-06-30", "2026-07-31"]
    assert event.changes["cooperating_units"] == [["22-MTTQ"], ["22-HLHPN"]]
    assert Kind.ASSIGNED in [n.kind for n in inbox(people["phunu"])]


def test_a_confirmed_task_can_no_longer_be_edited(tree, people, plan):
    task = make_task(actor=people["ubnd"], plan=plan, lead_unit=tree["ubnd"])
    services.task_submit(actor=people["ubnd"], task=task)
    services.task_confirm(actor=people["chair"], task=task)
    with pytest.raises(ValidationError):
        services.task_update(actor=people["ubnd"], task=task, title="Khác")


# --- Progress roll-up -------------------------------------------------------------------------


def test_progress_is_the_average_of_subtasks(tree, people, plan):
    top = make_task(actor=people["ubnd"], plan=plan, lead_unit=tree["ubnd"])
    a = make_task(actor=people["ubnd"], parent=top, lead_unit=tree["ubnd"], title="A")
    b = make_task(actor=people["ubnd"], parent=top, lead_unit=tree["ubnd"], title="B")
    grand = make_task(actor=people["ubnd"], parent=b, lead_unit=tree["ubnd"], title="B.1")
    services.task_part_update(actor=people["ubnd"], task=a, unit=tree["ubnd"], progress=40)
    services.task_part_update(actor=people["ubnd"], task=grand, unit=tree["ubnd"], progress=80)
    # B has one subtask at 80, so B is 80; the top is (40 + 80) / 2, carried up two levels.
    assert Task.objects.get(pk=b.pk).progress == 80
    assert Task.objects.get(pk=top.pk).progress == 60
    services.task_submit(actor=people["ubnd"], task=a)
    services.task_confirm(actor=people["chair"], task=Task.objects.get(pk=a.pk))
    assert Task.objects.get(pk=top.pk).progress == 90  # (100 + 80) / 2
    services.task_cancel(actor=people["chair"], task=Task.objects.get(pk=b.pk), reason="Gộp vào A")
    assert Task.objects.get(pk=top.pk).progress == 100  # a cancelled subtask no longer counts


def test_weighted_progress_uses_the_weights(tree, people, plan):
    top = make_task(actor=people["ubnd"], plan=plan, lead_unit=tree["ubnd"], progress_mode="weighted")
    heavy = make_task(actor=people["ubnd"], parent=top, lead_unit=tree["ubnd"], weight=3, title="Nặng")
    make_task(actor=people["ubnd"], parent=top, lead_unit=tree["ubnd"], weight=1, title="Nhẹ")
    services.task_part_update(actor=people["ubnd"], task=heavy, unit=tree["ubnd"], progress=100)
    assert Task.objects.get(pk=top.pk).progress == 75  # (3×100 + 1×0) / 4; the plain average would be 50
    services.task_update(actor=people["ubnd"], task=Task.objects.get(pk=top.pk), progress_mode="average")
    assert Task.objects.get(pk=top.pk).progress == 50


def test_a_weighted_task_with_cooperating_parts_weighs_each_part(tree, people, plan):
    task = make_task(
        actor=people["ubnd"],
        plan=plan,
        lead_unit=tree["ubnd"],
        cooperating_units=[tree["mttq"]],
        progress_mode="weighted",
    )
    TaskUnit.objects.filter(task=task, unit=tree["ubnd"]).update(weight=4)
    services.task_part_update(actor=people["ubnd"], task=task, unit=tree["ubnd"], progress=50)
    assert Task.objects.get(pk=task.pk).progress == 40  # (4×50 + 1×0) / 5


def test_a_part_progress_outside_0_to_100_is_refused(tree, people, plan):
    task = make_task(actor=people["ubnd"], plan=plan, lead_unit=tree["ubnd"])
    with pytest.raises(ValidationError) as err:
        services.task_part_update(actor=people["ubnd"], task=task, unit=tree["ubnd"], progress=120)
    assert "progress" in err.value.message_dict


# --- Checklist, filters -----------------------------------------------------------------------


def test_checklist_items_are_added_ticked_and_removed_with_who_did_it(tree, people, plan):
    task = make_task(actor=people["ubnd"], plan=plan, lead_unit=tree["ubnd"], checklist=["Một"])
    item = services.checklist_add(actor=people["ubnd"], task=task, text="Hai")
    assert list(task.checklist.values_list("text", "order")) == [("Một", 0), ("Hai", 1)]
    services.checklist_toggle(actor=people["ubnd"], item=item)
    item.refresh_from_db()
    assert item.done and item.done_by == people["ubnd"] and item.done_at is not None
    services.checklist_remove(actor=people["ubnd"], item=item)
    assert list(ChecklistItem.objects.values_list("text", flat=True)) == ["Một"]
    assert verbs(task)[-3:] == ["task.checklist_added", "task.checklist_ticked", "task.checklist_removed"]
    with pytest.raises(PermissionDenied):
        services.checklist_add(actor=people["xa2"], task=task, text="Ba")


def test_saved_filters_are_per_person_and_overwritten_by_name(people):
    first = services.saved_filter_save(actor=people["xa"], view="my", name="Quá hạn", query="?status=overdue")
    again = services.saved_filter_save(actor=people["xa"], view="my", name="Quá hạn", query="status=overdue&area=3")
    assert first.pk == again.pk and again.query == "status=overdue&area=3"
    with pytest.raises(ValidationError):
        services.saved_filter_save(actor=people["xa"], view="my", name="  ", query="")
    with pytest.raises(PermissionDenied):
        services.saved_filter_delete(actor=people["xa2"], saved_filter=again)
    services.saved_filter_delete(actor=people["xa"], saved_filter=again)
    assert not SavedFilter.objects.exists()


# --- Duties of agreements ---------------------------------------------------------------------


def test_a_linked_duty_is_completed_when_the_task_is_confirmed(tree, people):
    agreement = make_agreement(
        owner=tree["ubnd"],
        parties=[(tree["ubnd"], "signatory", None), (tree["mttq"], "signatory", None)],
        effective_from=D(2026, 1, 1),
        effective_to=D(2026, 12, 31),
    )
    duty = make_obligation(agreement=agreement, owing=[tree["ubnd"]], evidence_kinds=["note", "task"])
    occurrence = duty.occurrences.order_by("due_on").first()
    plan = services.plan_create(
        actor=people["ubnd"],
        owner_unit=tree["ubnd"],
        title="Kế hoạch",
        year=2026,
        kind=Plan.Kind.PLAN,
        agreement=agreement,
    )
    task = make_task(actor=people["ubnd"], plan=plan, lead_unit=tree["ubnd"], due_date=occurrence.due_on)
    services.task_link_occurrence(actor=people["ubnd"], task=task, occurrence=occurrence)
    evidence = Evidence.objects.get(occurrence=occurrence)
    assert (evidence.kind, evidence.linked_record) == ("task", f"tasks.task:{task.pk}")
    services.task_submit(actor=people["ubnd"], task=task)
    services.task_confirm(actor=people["chair"], task=task)
    occurrence.refresh_from_db()
    assert occurrence.state == Occurrence.State.DONE and occurrence.completed_on == TODAY


def test_a_duty_that_accepts_no_tasks_refuses_the_link_on_the_occurrence_field(tree, people, plan):
    agreement = make_agreement(
        owner=tree["ubnd"],
        parties=[(tree["ubnd"], "signatory", None)],
        effective_from=D(2026, 1, 1),
        effective_to=D(2026, 12, 31),
    )
    duty = make_obligation(agreement=agreement, owing=[tree["ubnd"]], evidence_kinds=["file"])
    task = make_task(actor=people["ubnd"], plan=plan, lead_unit=tree["ubnd"])
    with pytest.raises(ValidationError) as err:
        services.task_link_occurrence(actor=people["ubnd"], task=task, occurrence=duty.occurrences.first())
    assert "occurrence" in err.value.message_dict
    assert not Evidence.objects.exists()


# --- A person leaves a unit -------------------------------------------------------------------


def test_a_person_leaving_hands_their_open_tasks_back_to_the_unit_and_its_leader_is_told(tree, people, plan):
    xa = people["xa"]
    open_task = make_task(actor=people["ubnd"], plan=plan, lead_unit=tree["commune_ubnd"], assignees=[xa])
    done_task = make_task(actor=people["ubnd"], plan=plan, lead_unit=tree["commune_ubnd"], assignees=[xa], title="Xong")
    services.task_submit(actor=xa, task=done_task)
    services.task_confirm(actor=people["xa_lead"], task=done_task)
    Notification.objects.all().delete()

    membership = Membership.objects.get(user=xa, unit=tree["commune_ubnd"])
    admin = makers.person("xa.quantri", tree["commune"], "unit_admin")
    org_services.membership_end(actor=admin, membership=membership, on=TODAY)

    # The open task stays with the unit; the person's assignment goes; the done one keeps its history.
    assert not TaskAssignee.objects.filter(task=open_task).exists()
    assert TaskAssignee.objects.filter(task=done_task, user=xa).exists()
    open_task.refresh_from_db()
    assert open_task.lead_unit == tree["commune_ubnd"] and open_task.status == Task.Status.NEW
    notes = inbox(people["xa_lead"])
    assert len(notes) == 1 and open_task.title in notes[0].body
    assert AuditEvent.objects.get(verb="task.unassigned").changes == {"assignees": [["xa"], []]}


def test_work_done_earlier_can_be_submitted_with_its_day_but_not_a_future_one(tree, people, plan):
    task = make_task(actor=people["ubnd"], plan=plan, lead_unit=tree["ubnd"], start_date=D(2026, 2, 1))
    for day in (D(2026, 3, 3), D(2026, 1, 31)):
        with pytest.raises(ValidationError) as err:
            services.task_submit(actor=people["ubnd"], task=task, completed_on=day)
        assert "completed_on" in err.value.message_dict
    services.task_submit(actor=people["ubnd"], task=task, completed_on=D(2026, 2, 27))
    assert Task.objects.get(pk=task.pk).completed_on == D(2026, 2, 27)
