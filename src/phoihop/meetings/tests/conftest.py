"""Meetings tests: today is frozen at Monday 02/03/2026, 09:00 in Vietnam.

`meeting`: a briefing of 22-UBND on 10/03/2026 08:00–11:00, inviting the 22-MTTQ unit (so its
officer `mttq` and leader `mttq.chutich`) and the commune officer `xa` by name.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from phoihop.meetings import services
from phoihop.meetings.models import Meeting

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def at(day: int, hour: int, month: int = 3, year: int = 2026) -> dt.datetime:
    return dt.datetime(year, month, day, hour, 0, tzinfo=VN)


@pytest.fixture(autouse=True)
def _monday_2_march_2026():
    with time_machine.travel(at(2, 9), tick=False):
        yield


@pytest.fixture
def front_chair(tree):
    from phoihop.orgs import services as org_services

    user = org_services.user_create(
        actor=None,
        username="mttq.chutich",
        password="correct-horse-battery",
        email="mttq.chutich@example.vn",
        full_name="Chủ tịch MTTQ",
        language="en",
        audit=False,
    )
    org_services.membership_grant(actor=None, user=user, unit=tree["mttq"], role="leader", audit=False)
    return user


@pytest.fixture
def meeting(tree, ubnd_officer, front_officer, front_chair, commune_officer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return services.meeting_create(
            actor=ubnd_officer,
            title="Giao ban quý I/2026 giữa UBND tỉnh và Ủy ban MTTQ tỉnh",
            kind=Meeting.Kind.BRIEFING,
            starts_at=at(10, 8),
            ends_at=at(10, 11),
            host_unit=tree["ubnd"],
            place="Hội trường UBND tỉnh, Hạ Long",
            agenda="1. Tình hình kinh tế - xã hội quý I.\n2. Kết quả phối hợp.",
            units=[tree["mttq"]],
            people=[commune_officer],
        )


@pytest.fixture
def plan(tree, ubnd_officer):
    from phoihop.tasks import services as task_services
    from phoihop.tasks.models import Plan

    return task_services.plan_create(
        actor=ubnd_officer,
        owner_unit=tree["ubnd"],
        title="Chương trình phối hợp năm 2026",
        year=2026,
        kind=Plan.Kind.PROGRAMME,
    )
