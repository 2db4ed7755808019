"""Fixtures of the criticism tests: a critique of a Sở Nội vụ draft run by the provincial Front,
with the Women's Union invited."""

from __future__ import annotations

import datetime as dt

import pytest

from phoihop.criticism import services
from phoihop.orgs import services as org_services

DRAFT_TEXT = """Dự thảo Nghị quyết hỗ trợ hộ nghèo
Điều 1. Phạm vi điều chỉnh
Nghị quyết này quy định mức hỗ trợ hộ nghèo trên địa bàn tỉnh.
Điều 2. Đối tượng áp dụng
Hộ nghèo, hộ cận nghèo theo chuẩn nghèo đa chiều.
Điều 3. Mức hỗ trợ
Hỗ trợ 500.000 đồng/hộ/tháng.
"""

DRAFT_TEXT_2 = DRAFT_TEXT.replace("500.000", "700.000")


def person(username, unit, role="officer"):
    user = org_services.user_create(
        actor=None, username=username, password="x-pass-123456", full_name=username.title(), audit=False
    )
    org_services.membership_grant(actor=None, user=user, unit=unit, role=role, audit=False)
    return user


@pytest.fixture
def sonv_officer(tree):
    return person("sonoivu", tree["sonv"])


@pytest.fixture
def hlhpn_officer(tree):
    return person("phunu", tree["hlhpn"])


@pytest.fixture
def critique(tree, front_officer, sonv_officer, hlhpn_officer):
    """A critique collecting opinions: version 1 of the draft, the Women's Union invited."""
    critique = services.critique_create(
        actor=front_officer,
        front_unit=tree["mttq"],
        drafting_unit=tree["sonv"],
        title="Dự thảo Nghị quyết hỗ trợ hộ nghèo",
        draft_kind="resolution",
        form="conference",
        opinions_due=dt.date(2026, 1, 30),
    )
    services.version_add(actor=sonv_officer, critique=critique, received_on=dt.date(2026, 1, 12), text=DRAFT_TEXT)
    services.critique_invite(actor=front_officer, critique=critique, units=[tree["hlhpn"]])
    services.critique_open(actor=front_officer, critique=critique)
    return critique
