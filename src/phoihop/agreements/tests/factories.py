"""Agreements as the tests need them, made through the services (so the records are what users make).

Fixtures here build on the root conftest's `tree`; import the ones a module uses:

    regulation = factories.regulation  # in a test module, after `from phoihop.agreements.tests import factories`

- `regulation`: in force 01/01/2024 – 31/12/2025 between 22-UBND (focal unit 22-SONV) and
  22-MTTQ, with 22-HLHPN as a member; registered by 22-MTTQ.
- `commune_agreement`: in force from 01/08/2025 between 07090-UBND and 07090-MTTQ; registered
  by 07090-MTTQ.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from phoihop.agreements import services
from phoihop.agreements.models import Agreement, AgreementParty, Area, Event, Obligation

P = AgreementParty.Role
SK = Obligation.ScheduleKind
DR = Obligation.DeadlineRule


def area(code: str = "thong-tin-bao-cao-hoi-hop") -> Area:
    """A seeded area (the seed_areas migration runs in the test database)."""
    return Area.objects.get(code=code)


def make_agreement(*, owner: Any, parties: list[tuple[Any, str, Any]], actor: Any = None, **fields: Any) -> Agreement:
    fields.setdefault("kind", Agreement.Kind.REGULATION)
    fields.setdefault("number", "01/QCPH")
    fields.setdefault("title", "Quy chế phối hợp công tác")
    fields.setdefault("effective_from", dt.date(2024, 1, 1))
    fields.setdefault("effective_to", dt.date(2025, 12, 31))
    fields.setdefault("status", Agreement.Status.IN_FORCE)
    fields.setdefault("areas", ["thong-tin-bao-cao-hoi-hop"])
    return services.agreement_register(actor=actor, owner_unit=owner, parties=parties, **fields)


def make_obligation(*, agreement: Agreement, owing: list[Any], actor: Any = None, **fields: Any) -> Obligation:
    """A duty; by default quarterly (calendar quarters), due 10 days after each quarter ends."""
    fields.setdefault("title", "Báo cáo kết quả phối hợp hằng quý")
    fields.setdefault("area", "thong-tin-bao-cao-hoi-hop")
    fields.setdefault("schedule_kind", SK.RECURRING)
    fields.setdefault("rrule", "FREQ=YEARLY;BYMONTH=1,4,7,10;BYMONTHDAY=1")
    fields.setdefault("deadline_rule", DR.AFTER_PERIOD_END)
    fields.setdefault("deadline_days", 10)
    return services.obligation_create(actor=actor, agreement=agreement, owing_units=owing, **fields)


def make_session_duty(*, agreement: Agreement, owing: list[Any], actor: Any = None, **fields: Any) -> Obligation:
    """A duty due N days (10 by default) before each regular session of the People's Council."""
    fields.setdefault("title", "Báo cáo tham gia xây dựng chính quyền và tổng hợp ý kiến cử tri")
    fields.setdefault("deadline_rule", DR.BEFORE_EVENT)
    fields.setdefault("deadline_days", 10)
    return make_obligation(
        agreement=agreement,
        owing=owing,
        actor=actor,
        schedule_kind=SK.EVENT,
        rrule="",
        event_kind=Event.Kind.COUNCIL_REGULAR_SESSION,
        **fields,
    )


def make_event(*, host: Any, starts_on: dt.date, actor: Any = None, **fields: Any) -> Event:
    fields.setdefault("kind", Event.Kind.COUNCIL_REGULAR_SESSION)
    fields.setdefault("title", f"Kỳ họp thường lệ {starts_on:%m/%Y}")
    return services.event_create(actor=actor, host_unit=host, starts_on=starts_on, **fields)


@pytest.fixture
def regulation(tree) -> Agreement:
    return make_agreement(
        owner=tree["mttq"],
        number="194/QCPH",
        title="Quy chế phối hợp công tác giữa UBND tỉnh và Ủy ban MTTQ tỉnh",
        parties=[
            (tree["ubnd"], P.SIGNATORY, tree["sonv"]),
            (tree["mttq"], P.SIGNATORY, None),
            (tree["hlhpn"], P.MEMBER, None),
        ],
    )


@pytest.fixture
def commune_agreement(tree) -> Agreement:
    return make_agreement(
        owner=tree["commune_mttq"],
        number="01/QCPH",
        title="Quy chế phối hợp giữa UBND phường An Sinh và Ủy ban MTTQ phường",
        effective_from=dt.date(2025, 8, 1),
        effective_to=None,
        parties=[(tree["commune_ubnd"], P.SIGNATORY, None), (tree["commune_mttq"], P.SIGNATORY, None)],
    )
