"""Plans, tasks and the people around them, made through the services, for the tasks tests.

Import the fixtures a module uses (`plan = makers.plan`). Built on the root conftest's `tree`:
- `people`: ubnd (officer 22-UBND), chair (leader 22-UBND), mttq (officer 22-MTTQ), mttq_chair
  (leader 22-MTTQ), phunu (officer 22-HLHPN), xa (officer 07090-UBND), xa_lead (leader
  07090-UBND), xa2 (officer 07093-UBND), viewer (viewer of 22-UBND).
- `plan`: the 2026 coordination programme of 22-UBND.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from phoihop.orgs import services as org_services
from phoihop.tasks import services
from phoihop.tasks.models import Plan, Task

PASSWORD = "correct-horse-battery"


def person(username: str, unit: Any, role: str = "officer") -> Any:
    user = org_services.user_create(
        actor=None,
        username=username,
        password=PASSWORD,
        email=f"{username}@example.vn",
        full_name=username.replace(".", " ").title(),
        audit=False,
    )
    org_services.membership_grant(actor=None, user=user, unit=unit, role=role, audit=False)
    return user


@pytest.fixture
def people(tree) -> dict[str, Any]:
    return {
        "ubnd": person("ubnd", tree["ubnd"]),
        "chair": person("ubnd.chutich", tree["ubnd"], "leader"),
        "mttq": person("mttq", tree["mttq"]),
        "mttq_chair": person("mttq.chutich", tree["mttq"], "leader"),
        "phunu": person("phunu", tree["hlhpn"]),
        "xa": person("xa", tree["commune_ubnd"]),
        "xa_lead": person("xa.lanhdao", tree["commune_ubnd"], "leader"),
        "xa2": person("xa2", tree["other_ubnd"]),
        "viewer": person("ubnd.xem", tree["ubnd"], "viewer"),
    }


@pytest.fixture
def plan(tree, people) -> Plan:
    return services.plan_create(
        actor=people["ubnd"],
        owner_unit=tree["ubnd"],
        title="Chương trình phối hợp năm 2026",
        year=2026,
        kind=Plan.Kind.PROGRAMME,
    )


def make_task(*, actor: Any, lead_unit: Any, due_date: dt.date | None = None, **fields: Any) -> Task:
    fields.setdefault("title", "Tuyên truyền chính sách an sinh xã hội")
    return services.task_create(actor=actor, lead_unit=lead_unit, due_date=due_date or dt.date(2026, 6, 30), **fields)
