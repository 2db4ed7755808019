"""/api/v1/meetings: each endpoint's permitted path and its outsider's 404, writes through the services."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from phoihop.api.services import token_issue
from phoihop.core.models import AuditEvent
from phoihop.meetings import services
from phoihop.meetings.models import CalendarFeed, Conclusion, Meeting

API = "/api/v1/meetings"

pytestmark = pytest.mark.django_db


@pytest.fixture
def call(client):
    tokens = {}

    def send(user, method, path, body=None):
        if user.pk not in tokens:
            tokens[user.pk] = token_issue(user=user, name="tests")[1]
        kwargs = {"headers": {"Authorization": f"Bearer {tokens[user.pk]}"}}
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/json")
        return getattr(client, method)(API + path, **kwargs)

    return send


@pytest.fixture
def conclusion(meeting, ubnd_officer, tree):
    return services.conclusion_add(
        actor=ubnd_officer,
        meeting=meeting,
        text="Sở Nội vụ chủ trì rà soát quy chế phối hợp.",
        lead_unit=tree["sonv"],
        due_date=dt.date(2026, 4, 30),
    )


def test_list_and_detail(call, meeting, front_officer):
    listed = call(front_officer, "get", "?when=upcoming").json()
    assert listed["count"] == 1
    assert listed["items"][0]["host_unit"] == "22-UBND"
    assert listed["items"][0]["starts_at"] == "2026-03-10T08:00:00+07:00"
    detail = call(front_officer, "get", f"/{meeting.pk}").json()
    assert detail["invited_units"] == ["22-MTTQ"]
    assert {i["username"] for i in detail["invitations"]} == {"mttq", "mttq.chutich", "xa"}


def test_officer_from_other_commune_gets_404_everywhere(
    call, meeting, conclusion, officer_other_commune, commune_officer
):
    outsider = officer_other_commune
    assert call(outsider, "get", "").json()["count"] == 0
    assert call(outsider, "get", f"/{meeting.pk}").status_code == 404
    assert call(outsider, "patch", f"/{meeting.pk}", {"place": "X"}).status_code == 404
    assert call(outsider, "post", f"/{meeting.pk}/cancel", {}).status_code == 404
    assert call(outsider, "post", f"/{meeting.pk}/invitations", {"people": ["xa2"]}).status_code == 404
    assert call(outsider, "post", f"/{meeting.pk}/answer", {"response": "accepted"}).status_code == 404
    assert call(outsider, "get", f"/{meeting.pk}/conclusions").status_code == 404
    assert call(outsider, "post", f"/{meeting.pk}/conclusions", {"text": "X"}).status_code == 404
    assert call(outsider, "post", f"/conclusions/{conclusion.pk}/task").status_code == 404
    feed, _token = services.feed_create(actor=commune_officer)
    assert call(outsider, "post", f"/feeds/{feed.pk}/revoke").status_code == 404
    assert call(outsider, "get", "/feeds").json()["count"] == 0
    assert Conclusion.objects.get(pk=conclusion.pk).task is None


def test_create_invites_and_validates(call, ubnd_officer, front_officer, commune_officer):
    body = {
        "title": "Hội nghị tổng kết năm 2026",
        "kind": "final_review",
        "host_unit": "22-UBND",
        "starts_at": "2026-12-15T08:00:00+07:00",
        "ends_at": "2026-12-15T11:30:00+07:00",
        "units": ["22-MTTQ"],
        "people": ["xa"],
    }
    created = call(ubnd_officer, "post", "", body)
    assert created.status_code == 201, created.content
    assert {i["username"] for i in created.json()["invitations"]} == {"mttq", "xa"}
    bad = call(ubnd_officer, "post", "", {**body, "ends_at": "2026-12-15T07:00:00+07:00", "people": []})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["body", "ends_at"]
    unknown = call(ubnd_officer, "post", "", {**body, "units": ["99-KHONG"], "people": []})
    assert unknown.status_code == 422
    nobody = call(ubnd_officer, "post", "", {**body, "units": [], "people": ["khongco"]})
    assert nobody.json()["detail"][0]["loc"] == ["body", "people"]
    assert Meeting.objects.count() == 1


def test_an_invitee_cannot_change_the_meeting_but_answers(call, meeting, front_officer):
    assert call(front_officer, "patch", f"/{meeting.pk}", {"place": "Khác"}).status_code == 403
    answered = call(front_officer, "post", f"/{meeting.pk}/answer", {"response": "accepted"})
    assert answered.status_code == 200
    assert answered.json()["response"] == "accepted"


def test_patch_bumps_the_sequence(call, meeting, ubnd_officer):
    response = call(ubnd_officer, "patch", f"/{meeting.pk}", {"starts_at": "2026-03-10T09:00:00+07:00"})
    assert response.status_code == 200
    assert response.json()["sequence"] == 1
    # A time without its offset is Vietnam's time.
    naive = call(ubnd_officer, "patch", f"/{meeting.pk}", {"ends_at": "2026-03-10T11:30:00"})
    assert naive.json()["ends_at"] == "2026-03-10T11:30:00+07:00"


def test_conclusion_to_task_once(call, meeting, ubnd_officer):
    added = call(
        ubnd_officer,
        "post",
        f"/{meeting.pk}/conclusions",
        {"text": "Giao Sở Nội vụ tổng hợp.", "lead_unit": "22-SONV", "due_date": "2026-05-15"},
    )
    assert added.status_code == 201
    pk = added.json()["id"]
    first = call(ubnd_officer, "post", f"/conclusions/{pk}/task").json()
    second = call(ubnd_officer, "post", f"/conclusions/{pk}/task").json()
    assert first == second
    listed = call(ubnd_officer, "get", f"/{meeting.pk}/conclusions").json()
    assert listed[0]["task_id"] == first["task_id"]


def test_feeds_create_list_revoke(call, client, commune_officer):
    made = call(commune_officer, "post", "/feeds", {"unit": "07090-UBND", "name": "Lịch phường"})
    assert made.status_code == 201
    address = made.json()["address"]
    assert address.startswith("http://testserver/meetings/feeds/")
    listed = call(commune_officer, "get", "/feeds").json()
    assert listed["count"] == 1 and "address" not in listed["items"][0]
    feed = CalendarFeed.objects.get()
    assert call(commune_officer, "post", f"/feeds/{feed.pk}/revoke").json()["revoked_at"] is not None
    assert client.get(address.removeprefix("http://testserver")).status_code == 404
    assert AuditEvent.objects.filter(verb="meeting.feed_revoked").exists()


def test_a_feed_for_a_unit_one_does_not_belong_to_is_refused(call, commune_officer, ubnd_officer):
    # 22-SONV is inside the UBND officer's scope, but they are not a member of it.
    refused = call(ubnd_officer, "post", "/feeds", {"unit": "22-SONV"})
    assert refused.status_code == 422
    assert call(commune_officer, "post", "/feeds", {"unit": "07093-UBND"}).status_code == 404
