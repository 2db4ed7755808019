"""The demo's people: the same personas the tests use, so a demo and a bug report speak alike."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from phoihop.orgs import services
from phoihop.orgs.models import Membership, Role, Unit, User

DEMO_PASSWORD = "phoihop-demo"


@dataclass(frozen=True)
class Persona:
    username: str
    full_name: str
    unit_code: str
    role: str
    title: str
    description: str  # printed by `phoihop demo` and listed in the README


PERSONAS = [
    Persona(
        "admin",
        "Quản trị hệ thống",
        "22",
        Role.SYSTEM_ADMIN,
        "Quản trị hệ thống",
        "system admin (two-step login: see below)",
    ),
    Persona(
        "ubnd",
        "Nguyễn Văn Hùng",
        "22-UBND",
        Role.OFFICER,
        "Chuyên viên Văn phòng UBND tỉnh",
        "officer, UBND office (tỉnh)",
    ),
    Persona(
        "mttq",
        "Trần Thị Lan",
        "22-MTTQ",
        Role.OFFICER,
        "Chuyên viên Ban Thường trực Ủy ban MTTQ tỉnh",
        "officer, Fatherland Front committee (tỉnh)",
    ),
    Persona(
        "ubnd.chutich",
        "Phạm Quang Minh",
        "22-UBND",
        Role.LEADER,
        "Chủ tịch UBND tỉnh",
        "leader, UBND tỉnh (the chair: dashboard, review report)",
    ),
    Persona(
        "mttq.chutich",
        "Nguyễn Thị Hạnh",
        "22-MTTQ",
        Role.LEADER,
        "Chủ tịch Ủy ban MTTQ tỉnh",
        "leader, Fatherland Front committee (tỉnh): assesses answers, issues documents",
    ),
    Persona("phunu", "Lê Thị Hoa", "22-HLHPN", Role.OFFICER, "Cán bộ Hội LHPN tỉnh", "officer, Women's Union (tỉnh)"),
    Persona("sonoivu", "Phạm Minh Tuấn", "22-SONV", Role.OFFICER, "Chuyên viên Sở Nội vụ", "officer, Sở Nội vụ"),
    Persona(
        "xa", "Đỗ Văn Nam", "07090-UBND", Role.OFFICER, "Công chức Văn phòng - Thống kê", "officer, UBND phường An Sinh"
    ),
    Persona(
        "xa.lanhdao",
        "Vũ Thị Mai",
        "07090-UBND",
        Role.LEADER,
        "Phó Chủ tịch UBND phường",
        "leader, UBND phường An Sinh (approves)",
    ),
    Persona(
        "xa2",
        "Hoàng Văn Đức",
        "07093-UBND",
        Role.OFFICER,
        "Công chức Văn phòng - Thống kê",
        "officer, UBND phường Đông Triều (another commune)",
    ),
]


@transaction.atomic
def load_personas(*, actor=None) -> list[Persona]:
    """Create or refresh the demo people with the demo password. Only ever in demo mode."""
    if not settings.DEMO:
        raise RuntimeError("demo passwords exist only in demo mode (PHOIHOP_DEMO=true)")
    for persona in PERSONAS:
        unit = Unit.objects.get(code=persona.unit_code, valid_to__isnull=True)
        user = User.objects.filter(username=persona.username).first()
        if user is None:
            user = services.user_create(
                actor=actor,
                username=persona.username,
                full_name=persona.full_name,
                email=f"{persona.username}@demo.phoihop.vn",
                audit=False,
            )
        user.set_password(DEMO_PASSWORD)
        user.is_active = True
        user.save(update_fields=["password", "is_active"])
        if not Membership.objects.filter(user=user, unit=unit, ended_on__isnull=True, role=persona.role).exists():
            services.membership_grant(actor=actor, user=user, unit=unit, role=persona.role, title=persona.title)
    return PERSONAS
