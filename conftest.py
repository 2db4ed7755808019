"""Named personas shared by every app's tests, and by the demo (STYLE.md §8).

A small tree mirroring the demo: province 22 with its UBND, Front and Women's Union, and two
communes each with a People's Committee.
"""

from __future__ import annotations

import datetime as dt
import os

import pytest

# Playwright's sync API runs an event loop in the test thread (stack-check §7).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "correct-horse-battery"


@pytest.fixture
def tree(db):
    from phoihop.orgs import services
    from phoihop.orgs.models import Unit

    K = Unit.Kind
    mk = services.unit_create
    province = mk(actor=None, parent=None, code="22", name="Tỉnh Quảng Ninh", kind=K.PROVINCE, audit=False)
    ubnd = mk(
        actor=None,
        parent=province,
        code="22-UBND",
        name="UBND tỉnh Quảng Ninh",
        kind=K.PEOPLE_COMMITTEE,
        audit=False,
    )
    sonv = mk(actor=None, parent=ubnd, code="22-SONV", name="Sở Nội vụ", kind=K.DEPARTMENT, audit=False)
    mttq = mk(
        actor=None,
        parent=province,
        code="22-MTTQ",
        name="Ủy ban MTTQ tỉnh Quảng Ninh",
        kind=K.FRONT_COMMITTEE,
        audit=False,
    )
    hlhpn = mk(
        actor=None,
        parent=mttq,
        code="22-HLHPN",
        name="Hội Liên hiệp Phụ nữ tỉnh",
        kind=K.MASS_ORG,
        audit=False,
    )
    commune = mk(
        actor=None,
        parent=province,
        code="07090",
        name="Phường An Sinh",
        kind=K.COMMUNE,
        valid_from=dt.date(2025, 7, 1),
        audit=False,
    )
    commune_ubnd = mk(
        actor=None,
        parent=commune,
        code="07090-UBND",
        name="UBND phường An Sinh",
        kind=K.PEOPLE_COMMITTEE,
        audit=False,
    )
    commune_mttq = mk(
        actor=None,
        parent=commune,
        code="07090-MTTQ",
        name="Ủy ban MTTQ phường An Sinh",
        kind=K.FRONT_COMMITTEE,
        audit=False,
    )
    other = mk(
        actor=None,
        parent=province,
        code="07093",
        name="Phường Đông Triều",
        kind=K.COMMUNE,
        valid_from=dt.date(2025, 7, 1),
        audit=False,
    )
    other_ubnd = mk(
        actor=None,
        parent=other,
        code="07093-UBND",
        name="UBND phường Đông Triều",
        kind=K.PEOPLE_COMMITTEE,
        audit=False,
    )
    return {
        "province": province,
        "ubnd": ubnd,
        "sonv": sonv,
        "mttq": mttq,
        "hlhpn": hlhpn,
        "commune": commune,
        "commune_ubnd": commune_ubnd,
        "commune_mttq": commune_mttq,
        "other_commune": other,
        "other_ubnd": other_ubnd,
    }


def _person(username, unit=None, role="officer", **extra):
    from phoihop.orgs import services

    user = services.user_create(
        actor=None,
        username=username,
        password=PASSWORD,
        email=f"{username}@example.vn",
        full_name=username.replace(".", " ").title(),
        audit=False,
        **extra,
    )
    if unit is not None:
        services.membership_grant(actor=None, user=user, unit=unit, role=role, audit=False)
    return user


@pytest.fixture
def province_admin(tree):
    """System admin (needs TOTP on the web)."""
    return _person("admin", tree["province"], role="system_admin")


@pytest.fixture
def front_officer(tree):
    return _person("mttq", tree["mttq"])


@pytest.fixture
def ubnd_officer(tree):
    return _person("ubnd", tree["ubnd"])


@pytest.fixture
def commune_officer(tree):
    return _person("xa", tree["commune_ubnd"])


@pytest.fixture
def commune_leader(tree):
    return _person("xa.lanhdao", tree["commune_ubnd"], role="leader")


@pytest.fixture
def commune_admin(tree):
    return _person("xa.quantri", tree["commune"], role="unit_admin")


@pytest.fixture
def officer_other_commune(tree):
    return _person("xa2", tree["other_ubnd"])


@pytest.fixture
def admin_web(client, province_admin):
    """A client logged in as the system admin, second factor passed (as after the TOTP page)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=province_admin, name="phone", confirmed=True)
    client.force_login(province_admin)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def no_lockouts(db):
    """Start and end with no failed logins on record, so no test inherits another's lockout.

    axes keeps failed attempts in the database, which the test transaction rolls back, but a
    cache handler would not be: reset both ways.
    """
    from axes.utils import reset as axes_reset

    axes_reset()
    yield
    axes_reset()


@pytest.fixture
def password():
    return PASSWORD
