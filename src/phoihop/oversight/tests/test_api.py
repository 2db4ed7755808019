"""/api/v1/oversight: the permitted path through the same services, and the outsider's 404 on every endpoint."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from phoihop.api.services import token_issue
from phoihop.oversight.models import Recommendation, Supervision

API = "/api/v1/oversight"
D = dt.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def call(client):
    tokens = {}

    def send(user, method, path, body=None, **extra):
        if user.pk not in tokens:
            tokens[user.pk] = token_issue(user=user, name="tests")[1]
        kwargs = {"headers": {"Authorization": f"Bearer {tokens[user.pk]}"}, **extra}
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/json")
        return getattr(client, method)(API + path, **kwargs)

    return send


def test_the_whole_walk_through_the_api(call, front_officer, commune_officer, tree):
    response = call(
        front_officer,
        "post",
        "/supervisions",
        {
            "front_unit": "22-MTTQ",
            "title": "Giảm nghèo tại phường An Sinh",
            "subjects": ["07090-UBND"],
            "starts_on": "2026-01-20",
            "ends_on": "2026-01-23",
        },
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    assert call(front_officer, "post", f"/supervisions/{pk}/send-plan", {"on_date": "2026-01-05"}).status_code == 200
    assert call(front_officer, "post", f"/supervisions/{pk}/start").status_code == 200
    assert call(front_officer, "post", f"/supervisions/{pk}/findings", {"text": "Chưa niêm yết"}).status_code == 201
    response = call(
        front_officer, "post", f"/supervisions/{pk}/conclude", {"conclusion": "Cần công khai", "on_date": "2026-02-04"}
    )
    assert response.json()["status"] == "concluded"
    response = call(
        front_officer, "post", f"/supervisions/{pk}/recommendations", {"addressee": "07090-UBND", "text": "Niêm yết"}
    )
    assert response.status_code == 201
    rec = response.json()["id"]
    response = call(front_officer, "post", f"/recommendations/{rec}/send", {"on_date": "2026-02-05"})
    assert response.json()["deadline"] == "2026-02-23"
    inbox = call(commune_officer, "get", "/inbox").json()
    assert [i["id"] for i in inbox["items"]] == [rec]
    # The agency sees the supervision's public parts: no findings.
    detail = call(commune_officer, "get", f"/supervisions/{pk}").json()
    assert detail["findings"] == [] and [r["id"] for r in detail["recommendations"]] == [rec]
    assert call(front_officer, "get", f"/supervisions/{pk}").json()["findings"] == ["Chưa niêm yết"]
    response = call(
        commune_officer, "post", f"/recommendations/{rec}/answer", {"answer": "Đã niêm yết", "on_date": "2026-02-24"}
    )
    assert response.json()["status"] == "answered"
    assert (
        call(commune_officer, "post", f"/recommendations/{rec}/assess", {"assessment": "satisfactory"}).status_code
        == 403
    )
    response = call(front_officer, "post", f"/recommendations/{rec}/assess", {"assessment": "partly", "note": "Thiếu"})
    assert response.json()["assessment"] == "partly"
    figures = call(front_officer, "get", "/figures").json()
    row = next(r for r in figures["by_agency"] if r["code"] == "07090-UBND")
    assert row["compliance"]["done_late"] == 1 and row["partly"] == 1 and row["average_days_to_answer"] == 19.0


def test_a_recommendation_without_an_addressee_answers_422(call, concluded, front_officer):
    response = call(front_officer, "post", f"/supervisions/{concluded.pk}/recommendations", {"text": "Tăng cường"})
    assert response.status_code == 422
    assert "addressee" in json.dumps(response.json())
    assert not Recommendation.objects.exists()


def test_a_date_that_is_not_a_date_answers_422(call, sent, commune_officer):
    response = call(
        commune_officer, "post", f"/recommendations/{sent.pk}/answer", {"answer": "x", "on_date": "31/02/2026"}
    )
    assert response.status_code == 422
    sent.refresh_from_db()
    assert sent.status == Recommendation.Status.SENT


def test_paper_answer_with_its_file(call, sent, front_officer):
    response = call(
        front_officer,
        "post",
        f"/recommendations/{sent.pk}/paper-answer",
        data={"answer": "Công văn 15/UBND", "on_date": "2026-02-12", "file": SimpleUploadedFile("cv.pdf", b"%PDF")},
    )
    assert response.status_code == 200, response.content
    assert response.json()["answer_on_paper"] is True


def test_officer_from_other_commune_gets_404_on_every_endpoint(call, sent, officer_other_commune):
    s, r = sent.supervision.pk, sent.pk
    for path in (f"/supervisions/{s}", f"/recommendations/{r}"):
        assert call(officer_other_commune, "get", path).status_code == 404, path
    bodies = {
        f"/supervisions/{s}/send-plan": {},
        f"/supervisions/{s}/start": None,
        f"/supervisions/{s}/conclude": {"conclusion": "x"},
        f"/supervisions/{s}/close": None,
        f"/supervisions/{s}/team": {"username": "xa2", "unit": "07093-UBND"},
        f"/supervisions/{s}/findings": {"text": "x"},
        f"/supervisions/{s}/recommendations": {"addressee": "07093-UBND", "text": "x"},
        f"/recommendations/{r}/send": {},
        f"/recommendations/{r}/answer": {"answer": "x"},
        f"/recommendations/{r}/assess": {"assessment": "satisfactory"},
        f"/recommendations/{r}/close": None,
        f"/recommendations/{r}/withdraw": {"reason": "x"},
        f"/recommendations/{r}/follow-ups": {"text": "x"},
        f"/recommendations/{r}/escalate": None,
    }
    for path, body in bodies.items():
        assert call(officer_other_commune, "post", path, body).status_code == 404, path
    response = call(
        officer_other_commune,
        "post",
        f"/supervisions/{s}/activities",
        data={"kind": "visit", "date": "2026-01-21", "note": "x"},
    )
    assert response.status_code == 404
    response = call(
        officer_other_commune,
        "post",
        f"/recommendations/{r}/paper-answer",
        data={"answer": "x", "file": SimpleUploadedFile("a.pdf", b"x")},
    )
    assert response.status_code == 404
    # Lists are empty for the outsider.
    assert call(officer_other_commune, "get", "/recommendations").json()["count"] == 0
    assert call(officer_other_commune, "get", "/supervisions").json()["count"] == 0
    assert call(officer_other_commune, "get", "/inbox").json()["count"] == 0
    assert call(officer_other_commune, "get", "/figures").json()["by_agency"] == []


def test_an_agency_cannot_plan_a_supervision_for_the_front(call, commune_officer):
    response = call(
        commune_officer,
        "post",
        "/supervisions",
        {
            "front_unit": "22-MTTQ",
            "title": "x",
            "subjects": ["07090-UBND"],
            "starts_on": "2026-01-20",
            "ends_on": "2026-01-21",
        },
    )
    assert response.status_code == 403
    assert not Supervision.objects.exists()


def test_programmes_through_the_api(call, front_officer, officer_other_commune):
    response = call(
        front_officer, "post", "/programmes", {"front_unit": "22-MTTQ", "year": 2026, "title": "Chương trình 2026"}
    )
    assert response.status_code == 201
    pk = response.json()["id"]
    response = call(
        front_officer, "post", f"/programmes/{pk}/items", {"topic": "Giảm nghèo", "subjects": ["07090-UBND"]}
    )
    assert response.status_code == 201
    assert call(front_officer, "get", "/programmes").json()["count"] == 1
    assert call(officer_other_commune, "get", "/programmes").json()["count"] == 0
    assert (
        call(
            officer_other_commune, "post", f"/programmes/{pk}/items", {"topic": "x", "subjects": ["07090-UBND"]}
        ).status_code
        == 404
    )


def test_recommendation_list_query_count(call, concluded, front_officer, tree, django_assert_max_num_queries):
    from phoihop.oversight import services

    for i in range(8):
        r = services.recommendation_create(
            actor=front_officer, supervision=concluded, addressee=tree["sonv"], text=f"Kiến nghị {i}"
        )
        services.recommendation_send(actor=front_officer, recommendation=r, on_date=D(2026, 2, 5))
    # Authentication, the count and one page: the same whatever the number of rows.
    with django_assert_max_num_queries(15):
        response = call(front_officer, "get", "/recommendations")
    assert response.json()["count"] == 8
