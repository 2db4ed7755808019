"""The meetings demo: two held meetings whose conclusions became tasks of the 2026 programme,
one coming meeting with answers pending; loading twice adds nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from phoihop.demo.personas import load_personas
from phoihop.demo.quang_ninh import load_structure
from phoihop.meetings import demo
from phoihop.meetings.models import Conclusion, Meeting
from phoihop.meetings.tests.conftest import VN
from phoihop.orgs.models import Unit, User

pytestmark = pytest.mark.django_db


def test_the_demo_meetings_and_their_tasks(settings, time_machine):
    settings.DEMO = True
    time_machine.move_to(dt.datetime(2026, 11, 27, 9, 0, tzinfo=VN), tick=False)
    load_structure()
    load_personas()
    from phoihop.tasks import services as task_services

    # The tasks demo's 2026 programme (made here when that demo is not loaded).
    ubnd = Unit.objects.get(code="22-UBND", valid_to__isnull=True)
    plan = task_services.plan_create(
        actor=User.objects.get(username="ubnd"),
        owner_unit=ubnd,
        title="Chương trình phối hợp năm 2026",
        year=2026,
        kind="programme",
    )
    assert demo.load() == 3
    review = Meeting.objects.get(kind=Meeting.Kind.FINAL_REVIEW)
    assert review.status == Meeting.Status.HELD and review.plan == plan
    made = Conclusion.objects.filter(task__isnull=False)
    assert made.count() == 6
    assert all(c.task.plan == plan and c.task.source == f"meetings.conclusion:{c.pk}" for c in made)
    assert Conclusion.objects.filter(task__isnull=True).count() == 2
    # The commune officer sees the conclusion-task of their ward.
    from phoihop.tasks.permissions import tasks_visible

    xa = User.objects.get(username="xa")
    assert tasks_visible(xa).filter(source__startswith="meetings.conclusion:", lead_unit__code="07090-UBND").exists()
    coming = Meeting.objects.get(status=Meeting.Status.PLANNED)
    assert coming.starts_at.date() > dt.date(2026, 11, 27)
    assert coming.invitations.filter(response="invited").exists()
    # Idempotent: a second load makes nothing.
    assert demo.load() == 0
    assert Meeting.objects.count() == 3
    assert Conclusion.objects.filter(task__isnull=False).count() == 6
