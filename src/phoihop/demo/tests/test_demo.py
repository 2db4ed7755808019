import datetime as dt

import pytest
from django.core.management import call_command

from phoihop.core.audit import audit_verify
from phoihop.demo.personas import DEMO_PASSWORD, PERSONAS, load_personas
from phoihop.demo.quang_ninh import load_structure
from phoihop.orgs import access
from phoihop.orgs.models import Unit, UnitSuccession, User


@pytest.fixture
def demo(db, settings):
    settings.DEMO = True
    counts = load_structure()
    load_personas()
    return counts


def test_today_quang_ninh_has_54_communes_each_with_its_bodies(demo):
    communes = Unit.objects.filter(kind=Unit.Kind.COMMUNE, valid_to__isnull=True)
    assert communes.count() == 54
    assert set(communes.values_list("division_type", flat=True)) == {"phường", "xã", "đặc khu"}
    an_sinh = Unit.objects.get(code="07090", valid_to__isnull=True)
    assert an_sinh.name == "Phường An Sinh"
    assert sorted(c.code for c in Unit.objects.get_children(an_sinh)) == ["07090-MTTQ", "07090-UBND"]
    assert an_sinh.valid_from == dt.date(2025, 7, 1)


def test_province_bodies_departments_and_mass_orgs_have_stable_codes(demo):
    ubnd = Unit.objects.get(code="22-UBND")
    assert Unit.objects.get_children(ubnd).filter(kind=Unit.Kind.DEPARTMENT).count() == 14
    assert Unit.objects.get(code="22-SONV").name == "Sở Nội vụ"
    front = Unit.objects.get(code="22-MTTQ")
    assert sorted(c.code for c in Unit.objects.get_children(front)) == [
        "22-DTN",
        "22-HCCB",
        "22-HLHPN",
        "22-HND",
        "22-LDLD",
    ]
    assert Unit.objects.get(code="22-HDND").kind == Unit.Kind.PEOPLE_COUNCIL


def test_history_before_the_reform_is_closed_and_linked_to_the_new_communes(demo):
    closed = Unit.objects.filter(valid_to=dt.date(2025, 6, 30))
    assert closed.filter(kind=Unit.Kind.DISTRICT).count() == 13
    old_communes = closed.filter(kind=Unit.Kind.COMMUNE)
    assert old_communes.count() == 171
    # Every old commune leads to at least one of today's communes, dated the reform day.
    assert not old_communes.exclude(successions__isnull=False).exists()
    assert set(UnitSuccession.objects.values_list("date", flat=True)) == {dt.date(2025, 7, 1)}
    assert set(UnitSuccession.objects.values_list("successor__valid_to", flat=True)) == {None}
    # Cô Tô: the old district's three communes became the special zone.
    co_to = Unit.objects.get(name="Đặc khu Cô Tô", valid_to__isnull=True)
    assert co_to.predecessions.count() == 3


def test_loading_twice_changes_nothing(demo):
    units, successions = Unit.objects.count(), UnitSuccession.objects.count()
    assert load_structure() == {"created": 0}
    load_personas()
    assert (Unit.objects.count(), UnitSuccession.objects.count()) == (units, successions)
    assert User.objects.filter(username="xa").count() == 1


def test_personas_reach_what_the_readme_says(demo):
    xa = User.objects.get(username="xa")
    assert xa.check_password(DEMO_PASSWORD)
    assert set(access.units_visible(xa).values_list("code", flat=True)) == {"07090-UBND"}
    assert access.is_system_admin(User.objects.get(username="admin"))
    xa2_codes = set(access.units_visible(User.objects.get(username="xa2")).values_list("code", flat=True))
    assert xa2_codes == {"07093-UBND"}
    assert {p.username for p in PERSONAS} == {
        "admin",
        "ubnd",
        "ubnd.chutich",
        "mttq",
        "mttq.chutich",
        "phunu",
        "sonoivu",
        "xa",
        "xa.lanhdao",
        "xa2",
    }


def test_demo_passwords_exist_only_in_demo_mode(db, settings):
    settings.DEMO = False
    load_structure()
    with pytest.raises(RuntimeError, match="only in demo mode"):
        load_personas()
    assert not User.objects.exists()


def test_the_demo_leaves_an_intact_audit_chain(demo):
    assert audit_verify().ok


def test_demo_command_loads_and_prints_the_logins(db, settings, capsys):
    settings.DEMO = True
    call_command("demo", "--no-serve")
    out = capsys.readouterr().out
    assert "http://127.0.0.1:8000/" in out
    assert "xa.lanhdao" in out and DEMO_PASSWORD in out
    call_command("demo", "--no-serve", "--port", "8765")
    assert "http://127.0.0.1:8765/" in capsys.readouterr().out
