import itertools

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from phoihop.core.audit import audit_record, audit_verify
from phoihop.core.models import AuditEvent
from phoihop.orgs import services


@pytest.fixture
def events(tree, commune_officer):
    services.unit_update(actor=commune_officer, unit=tree["commune_ubnd"], phone="0203 123 456")
    services.unit_update(actor=commune_officer, unit=tree["commune_ubnd"], email="ubnd@ansinh.vn")
    audit_record(actor=commune_officer, verb="test.third", target=tree["commune"])
    return list(AuditEvent.objects.order_by("id"))


def test_service_writes_before_and_after(events, tree):
    first = events[0]
    assert first.verb == "unit.updated"
    assert first.changes == {"phone": ["", "0203 123 456"]}
    assert first.unit_id == tree["commune_ubnd"].pk
    assert first.actor_label == "xa"


def test_each_event_chains_to_the_previous(events):
    assert events[0].prev_hash == ""
    for before, after in itertools.pairwise(events):
        assert after.prev_hash == before.hash


def test_verify_passes_on_an_intact_chain(events, capsys):
    assert audit_verify().ok
    call_command("audit", "verify")
    assert f"intact: {len(events)} events" in capsys.readouterr().out


def test_verify_names_the_row_edited_behind_the_application(events):
    target = events[1]
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditevent SET note = %s WHERE id = %s", ["sửa lén", target.pk])
    report = audit_verify()
    assert not report.ok and report.broken_id == target.pk
    with pytest.raises(CommandError, match=f"broken at event {target.pk}"):
        call_command("audit", "verify")


def test_verify_detects_a_deleted_row(events):
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditevent WHERE id = %s", [events[1].pk])
    assert audit_verify().broken_id == events[2].pk


def test_failed_login_is_audited_without_the_password(client, commune_officer):
    client.post("/account/login/", {"username": "xa", "password": "sai-mat-khau"})
    event = AuditEvent.objects.get(verb="auth.login_failed")
    assert event.note == "xa"
    assert "sai-mat-khau" not in str(event.changes) + event.note


def test_login_and_logout_are_audited(client, commune_officer, password):
    client.post("/account/login/", {"username": "xa", "password": password})
    client.post("/account/logout/")
    assert list(AuditEvent.objects.filter(actor=commune_officer).values_list("verb", flat=True).order_by("id")) == [
        "auth.login",
        "auth.logout",
    ]
