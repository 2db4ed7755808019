"""/api/v1/agreements: every endpoint's permitted path and its outsider answer, writes through the services.

Today is frozen at Monday 03/03/2025 so statuses and rates do not drift.
"""

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from phoihop.agreements import services
from phoihop.agreements.models import Agreement, Evidence, Obligation, Occurrence
from phoihop.agreements.tests import factories
from phoihop.agreements.tests.factories import P, make_obligation
from phoihop.api.services import token_issue
from phoihop.core.models import AuditEvent
from phoihop.orgs import services as org_services

regulation = factories.regulation
commune_agreement = factories.commune_agreement

API = "/api/v1/agreements"
D = dt.date

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _monday_3_march_2025():
    with time_machine.travel(dt.datetime(2025, 3, 3, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")), tick=False):
        yield


@pytest.fixture
def call(client):
    """Call the API as a person, with a bearer token; `body` goes as JSON."""

    tokens = {}

    def send(user, method, path, body=None, **extra):
        if user.pk not in tokens:
            tokens[user.pk] = token_issue(user=user, name="tests")[1]
        kwargs = {"headers": {"Authorization": f"Bearer {tokens[user.pk]}"}, **extra}
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/json")
        return getattr(client, method)(API + path, **kwargs)

    return send


@pytest.fixture
def quarterly(regulation, tree):
    return make_obligation(agreement=regulation, owing=[tree["hlhpn"]], receiving_units=[tree["mttq"]])


@pytest.fixture
def commune_duty(commune_agreement, tree):
    return make_obligation(agreement=commune_agreement, owing=[tree["commune_ubnd"]])


def ok(response, status=200):
    assert response.status_code == status, response.content.decode()
    return response.json()


def numbers(response):
    return [item["number"] for item in ok(response)["items"]]


def first_open(obligation):
    return obligation.occurrences.order_by("due_on").first()


# --- Agreements -------------------------------------------------------------------------------


def test_the_list_shows_only_what_the_person_may_see(
    call, regulation, commune_agreement, front_officer, commune_officer, officer_other_commune
):
    assert numbers(call(front_officer, "get", "")) == ["194/QCPH"]
    assert numbers(call(commune_officer, "get", "")) == ["01/QCPH"]
    assert numbers(call(officer_other_commune, "get", "")) == []


def test_the_list_filters_and_pages_in_a_few_queries(
    call, regulation, commune_agreement, tree, province_admin, django_assert_max_num_queries
):
    for n in range(5):
        factories.make_agreement(
            owner=tree["hlhpn"],
            number=f"{n + 10}/CTrPH",
            kind=Agreement.Kind.PROGRAMME,
            parties=[(tree["hlhpn"], P.LEAD, None), (tree["sonv"], P.SIGNATORY, None)],
            parent=regulation,
        )
    call(province_admin, "get", "?limit=1")  # the token is issued outside the count
    # Token, memberships, count, page, parties, areas — the same for 3 or 200 rows.
    with django_assert_max_num_queries(7):
        body = ok(call(province_admin, "get", "?limit=3"))
    assert body["count"] == 7
    assert len(body["items"]) == 3
    assert numbers(call(province_admin, "get", "?level=commune")) == ["01/QCPH"]
    assert numbers(call(province_admin, "get", "?party=22-UBND")) == ["194/QCPH"]
    assert len(numbers(call(province_admin, "get", "?kind=programme&limit=200"))) == 5
    assert ok(call(province_admin, "get", "?kind=nonsense"), 422)


def test_the_detail_has_parties_areas_and_duties(call, regulation, quarterly, ubnd_officer):
    body = ok(call(ubnd_officer, "get", f"/{regulation.pk}"))
    assert body["number"] == "194/QCPH"
    assert body["owner_unit_code"] == "22-MTTQ"
    assert body["parties"][0] == {
        "unit_code": "22-UBND",
        "unit_name": "UBND tỉnh Quảng Ninh",
        "role": "signatory",
        "focal_unit_code": "22-SONV",
    }
    assert body["areas"] == ["thong-tin-bao-cao-hoi-hop"]
    duty = body["obligations"][0]
    assert (duty["owing_units"], duty["receiving_units"]) == (["22-HLHPN"], ["22-MTTQ"])
    assert duty["rrule"] == "FREQ=YEARLY;BYMONTH=1,4,7,10;BYMONTHDAY=1"


def test_another_communes_agreement_answers_404(call, commune_agreement, commune_duty, officer_other_commune):
    assert call(officer_other_commune, "get", f"/{commune_agreement.pk}").status_code == 404
    assert call(officer_other_commune, "get", f"/{commune_agreement.pk}/occurrences").status_code == 404
    assert call(officer_other_commune, "get", f"/{commune_agreement.pk}/compliance").status_code == 404
    assert call(officer_other_commune, "get", f"/obligations/{commune_duty.pk}").status_code == 404
    row = first_open(commune_duty)
    assert call(officer_other_commune, "get", f"/occurrences/{row.pk}").status_code == 404
    assert call(officer_other_commune, "get", f"/occurrences?agreement={commune_agreement.pk}").status_code == 404
    assert ok(call(officer_other_commune, "get", "/occurrences"))["count"] == 0


def test_an_agreements_occurrences_carry_their_display_status(
    call, regulation, quarterly, front_officer, django_assert_max_num_queries
):
    call(front_officer, "get", f"/{regulation.pk}/occurrences?limit=1")  # issue the token, warm the calendar
    with django_assert_max_num_queries(7):
        body = ok(call(front_officer, "get", f"/{regulation.pk}/occurrences"))
    assert body["count"] == 8
    statuses = [item["display_status"] for item in body["items"]]
    # Due 10/04, 10/07, 10/10/2024 and 10/01/2025 are past (overdue); the rest upcoming.
    assert statuses == ["overdue"] * 4 + ["upcoming"] * 4
    assert body["items"][0]["agreement_number"] == "194/QCPH"
    overdue = ok(call(front_officer, "get", f"/{regulation.pk}/occurrences?status=overdue"))
    assert overdue["count"] == 4
    window = ok(call(front_officer, "get", f"/{regulation.pk}/occurrences?date_from=2025-01-01&date_to=2025-06-30"))
    assert window["count"] == 2


def test_occurrences_of_a_unit_by_its_code(call, quarterly, tree, front_officer, commune_officer):
    assert ok(call(front_officer, "get", "/occurrences?unit=22-HLHPN"))["count"] == 8
    assert ok(call(front_officer, "get", "/occurrences?unit=22-MTTQ"))["count"] == 0
    assert call(commune_officer, "get", "/occurrences?unit=22-HLHPN").status_code == 404


def test_one_occurrence_with_its_evidence(call, quarterly, front_officer):
    row = first_open(quarterly)
    services.evidence_add(actor=front_officer, occurrence=row, kind="note", note="Báo cáo số 15/BC-HLHPN")
    body = ok(call(front_officer, "get", f"/occurrences/{row.pk}"))
    assert body["display_status"] == "overdue"
    assert [(e["kind"], e["note"], e["added_by"]) for e in body["evidence"]] == [
        ("note", "Báo cáo số 15/BC-HLHPN", "mttq")
    ]


def test_compliance_counts_an_open_overdue_item_against_the_rate(call, regulation, quarterly, tree, front_officer):
    rows = list(quarterly.occurrences.order_by("due_on"))
    for row, day in zip(rows[:3], [D(2024, 4, 10), D(2024, 7, 1), D(2024, 10, 30)], strict=True):
        services.occurrence_complete(actor=front_officer, occurrence=row, completed_on=day, note="Đã gửi báo cáo")
    body = ok(call(front_officer, "get", f"/compliance?agreement={regulation.pk}"))
    assert body == {
        "due": 4,
        "done_on_time": 2,
        "done_late": 1,
        "overdue_open": 1,
        "upcoming": 4,
        "waived": 0,
        "on_time_rate": 0.5,
    }
    assert ok(call(front_officer, "get", "/compliance?unit=22-HLHPN&date_to=2024-12-31"))["due"] == 3
    assert ok(call(front_officer, "get", "/compliance?area=kien-nghi-cu-tri"))["due"] == 0
    per_party = ok(call(front_officer, "get", f"/{regulation.pk}/compliance"))
    assert per_party["total"]["on_time_rate"] == 0.5
    assert [(p["unit_code"], p["done_late"]) for p in per_party["parties"]] == [("22-HLHPN", 1)]


def test_compliance_of_a_unit_outside_the_scope_answers_404(call, commune_agreement, officer_other_commune):
    assert call(officer_other_commune, "get", "/compliance?unit=07090-UBND").status_code == 404
    assert call(officer_other_commune, "get", f"/compliance?agreement={commune_agreement.pk}").status_code == 404


def test_coverage_of_the_province_and_of_a_commune(
    call, regulation, commune_agreement, front_officer, commune_officer, officer_other_commune
):
    # The commune's regulation takes effect on 01/08/2025: ask for a day after it.
    body = ok(call(front_officer, "get", "/coverage/22?on=2025-09-01"))
    assert body["level"] == {"code": "22", "name": "Tỉnh Quảng Ninh"}
    assert [u["code"] for u in body["units"]] == ["22-UBND", "22-SONV", "22-MTTQ", "22-HLHPN"]
    assert sorted((p["a"], p["b"]) for p in body["pairs"]) == [
        ("22-MTTQ", "22-HLHPN"),
        ("22-UBND", "22-HLHPN"),
        ("22-UBND", "22-MTTQ"),
    ]
    assert body["pairs"][0]["agreements"][0]["number"] == "194/QCPH"
    assert [u["code"] for u in body["communes_without"]] == ["07093"]
    today = ok(call(front_officer, "get", "/coverage/22"))
    assert [u["code"] for u in today["communes_without"]] == ["07090", "07093"]
    assert ok(call(front_officer, "get", "/coverage/22?on=2023-01-01"))["pairs"] == []
    commune = ok(call(commune_officer, "get", "/coverage/07090?on=2025-09-01"))
    assert [(p["a"], p["b"]) for p in commune["pairs"]] == [("07090-UBND", "07090-MTTQ")]
    assert call(officer_other_commune, "get", "/coverage/07090").status_code == 404
    assert call(commune_officer, "get", "/coverage/22").status_code == 404
    assert call(front_officer, "get", "/coverage/22-MTTQ").status_code == 404  # a body is not a level


def test_my_duties_this_month(call, regulation, tree, front_officer, officer_other_commune):
    make_obligation(agreement=regulation, owing=[tree["mttq"]], rrule="FREQ=MONTHLY;BYMONTHDAY=1", deadline_days=5)
    body = ok(call(front_officer, "get", "/my-duties?include_overdue=false"))
    # The month of February falls due 5 days after it ends: Wednesday 05/03.
    assert [item["due_on"] for item in body["items"]] == ["2025-03-05"]
    assert ok(call(front_officer, "get", "/my-duties?month=2024-05&include_overdue=false"))["count"] == 1
    assert ok(call(front_officer, "get", "/my-duties"))["count"] == 14  # 13 months open from before, 1 this month
    assert call(front_officer, "get", "/my-duties?month=2025-13").status_code == 422
    assert ok(call(officer_other_commune, "get", "/my-duties"))["count"] == 0


def test_a_units_duties_owed_and_owing(call, quarterly, front_officer, officer_other_commune, commune_duty):
    assert ok(call(front_officer, "get", "/units/22-HLHPN/duties"))["count"] == 8
    assert ok(call(front_officer, "get", "/units/22-MTTQ/duties?side=owed"))["count"] == 8
    assert ok(call(front_officer, "get", "/units/22-MTTQ/duties?side=owes"))["count"] == 0
    assert call(officer_other_commune, "get", "/units/07090-UBND/duties").status_code == 404


def test_areas_are_listed(call, commune_officer):
    body = ok(call(commune_officer, "get", "/areas"))
    assert body["count"] == 13
    assert body["items"][0]["code"] == "dai-doan-ket"


# --- Events -----------------------------------------------------------------------------------


def test_everyone_sees_events_and_only_the_hosts_officers_enter_them(
    call, regulation, tree, ubnd_officer, officer_other_commune
):
    duty = factories.make_session_duty(agreement=regulation, owing=[tree["mttq"]])
    body = {
        "kind": "council_regular_session",
        "title": "Kỳ họp thường lệ giữa năm 2025",
        "host_unit": "22-UBND",
        "starts_on": "2025-07-09",
        "ends_on": "2025-07-11",
    }
    assert call(officer_other_commune, "post", "/events", body).status_code == 404
    created = ok(call(ubnd_officer, "post", "/events", body), 201)
    assert created["host_unit_code"] == "22-UBND"
    assert duty.occurrences.get().due_on == D(2025, 6, 27)  # 29/06 is a Sunday: earlier, to Friday
    listed = ok(call(officer_other_commune, "get", "/events?year=2025"))
    assert [e["title"] for e in listed["items"]] == ["Kỳ họp thường lệ giữa năm 2025"]
    bad = ok(call(ubnd_officer, "post", "/events", {**body, "ends_on": "2025-07-01"}), 422)
    assert bad["detail"][0]["loc"] == ["body", "ends_on"]


# --- Writes -----------------------------------------------------------------------------------


def registration(**overrides):
    body = {
        "owner_unit": "22-MTTQ",
        "kind": "programme",
        "number": "07/CTrPH-MTTQ",
        "title": "Chương trình phối hợp giám sát",
        "effective_from": "2025-01-01",
        "effective_to": "2026-12-31",
        "areas": ["giam-sat-phan-bien-xa-hoi"],
        "parties": [
            {"unit": "22-MTTQ", "role": "lead"},
            {"unit": "22-UBND", "role": "signatory", "focal_unit": "22-SONV"},
        ],
        "status": "in_force",
    }
    return {**body, **overrides}


def test_registering_an_agreement_goes_through_the_service(call, front_officer):
    body = ok(call(front_officer, "post", "", registration()), 201)
    assert body["status"] == "in_force"
    assert [(p["unit_code"], p["focal_unit_code"]) for p in body["parties"]] == [
        ("22-MTTQ", None),
        ("22-UBND", "22-SONV"),
    ]
    event = AuditEvent.objects.filter(verb="agreement.registered").latest("id")
    assert event.actor == front_officer
    assert event.target_id == str(body["id"])


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"areas": ["khong-co"]}, "areas"),
        ({"effective_to": "2024-12-31"}, "effective_to"),
        ({"parties": [{"unit": "99-KHONG", "role": "lead"}]}, "parties"),
        ({"number": ""}, "number"),
    ],
)
def test_bad_registrations_answer_422_naming_the_field_and_save_nothing(call, front_officer, overrides, field):
    body = ok(call(front_officer, "post", "", registration(**overrides)), 422)
    assert body["detail"][0]["loc"] == ["body", field]
    assert not Agreement.objects.exists()


def test_registering_for_a_unit_outside_the_scope_answers_404_and_for_a_viewer_403(call, tree, ubnd_officer):
    assert call(ubnd_officer, "post", "", registration()).status_code == 404
    viewer = org_services.user_create(actor=None, username="mttq.xem", audit=False)
    org_services.membership_grant(actor=None, user=viewer, unit=tree["mttq"], role="viewer", audit=False)
    assert call(viewer, "post", "", registration()).status_code == 403
    assert not Agreement.objects.exists()


def duty_body(**overrides):
    body = {
        "title": "Báo cáo kết quả phối hợp 6 tháng",
        "area": "thong-tin-bao-cao-hoi-hop",
        "owing_units": ["22-HLHPN"],
        "receiving_units": ["22-MTTQ"],
        "schedule_kind": "recurring",
        "rrule": "FREQ=YEARLY;BYMONTH=1,7;BYMONTHDAY=1",
        "deadline_rule": "after_period_end",
        "deadline_days": 10,
        "article_ref": "Điều 9",
    }
    return {**body, **overrides}


def test_adding_a_duty_generates_its_occurrences(call, regulation, front_officer):
    body = ok(call(front_officer, "post", f"/{regulation.pk}/obligations", duty_body()), 201)
    assert body["owing_units"] == ["22-HLHPN"]
    assert Occurrence.objects.filter(obligation_id=body["id"]).count() == 4


def test_bad_duties_answer_422_naming_the_field(call, regulation, front_officer):
    for overrides, field in [
        ({"rrule": "mỗi quý"}, "rrule"),
        ({"owing_units": []}, "owing_units"),
        ({"owing_units": ["07090-UBND"]}, "owing_units"),
        ({"area": "khong-co"}, "area"),
        ({"schedule_kind": "once", "deadline_rule": "fixed_date", "deadline_date": "2023-01-01"}, "deadline_date"),
    ]:
        body = ok(call(front_officer, "post", f"/{regulation.pk}/obligations", duty_body(**overrides)), 422)
        assert body["detail"][0]["loc"] == ["body", field], overrides
    assert not Obligation.objects.exists()


def test_a_party_that_is_not_the_owner_may_not_add_duties(
    call, regulation, commune_agreement, ubnd_officer, officer_other_commune
):
    assert call(ubnd_officer, "post", f"/{regulation.pk}/obligations", duty_body()).status_code == 403
    commune = duty_body(owing_units=["07090-UBND"], receiving_units=[])
    assert call(officer_other_commune, "post", f"/{commune_agreement.pk}/obligations", commune).status_code == 404


def test_evidence_complete_reopen_through_the_api(call, quarterly, front_officer):
    row = first_open(quarterly)
    ok(call(front_officer, "post", f"/occurrences/{row.pk}/complete", {}), 422)  # no evidence yet
    evidence = ok(
        call(front_officer, "post", f"/occurrences/{row.pk}/evidence", {"note": "Báo cáo số 15/BC-HLHPN"}), 201
    )
    assert evidence["kind"] == "note"
    done = ok(call(front_officer, "post", f"/occurrences/{row.pk}/complete", {"completed_on": "2024-04-12"}))
    assert (done["state"], done["display_status"], done["completed_on"]) == ("done", "done_late", "2024-04-12")
    assert len(done["evidence"]) == 1
    reopened = ok(call(front_officer, "post", f"/occurrences/{row.pk}/reopen", {"reason": "Thiếu phụ lục"}))
    assert reopened["state"] == "open"
    assert AuditEvent.objects.filter(verb="occurrence.reopened", note="Thiếu phụ lục").exists()
    ok(call(front_officer, "post", f"/occurrences/{row.pk}/reopen", {"reason": "again"}), 422)


def test_a_file_as_evidence(call, quarterly, front_officer, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    row = first_open(quarterly)
    upload = SimpleUploadedFile("bao-cao-quy-1.pdf", b"%PDF-1.4", content_type="application/pdf")
    body = ok(call(front_officer, "post", f"/occurrences/{row.pk}/evidence/file", data={"file": upload}), 201)
    assert body["kind"] == "file"
    assert body["file"].startswith("evidence/")
    with Evidence.objects.get().file.open("rb") as stored:
        assert stored.read() == b"%PDF-1.4"


def test_outsiders_cannot_act_on_occurrences(call, commune_duty, officer_other_commune, ubnd_officer, quarterly):
    row = first_open(commune_duty)
    for path, body in [
        ("evidence", {"note": "x"}),
        ("complete", {"note": "x"}),
        ("reopen", {"reason": "x"}),
        ("waive", {"reason": "x"}),
    ]:
        assert call(officer_other_commune, "post", f"/occurrences/{row.pk}/{path}", body).status_code == 404
    # A party that does not owe this duty sees it but may not complete it.
    assert (
        call(ubnd_officer, "post", f"/occurrences/{first_open(quarterly).pk}/complete", {"note": "x"}).status_code
        == 403
    )
    assert not Evidence.objects.exists()


def test_only_a_leader_of_the_owner_waives(call, quarterly, tree, front_officer):
    row = first_open(quarterly)
    assert call(front_officer, "post", f"/occurrences/{row.pk}/waive", {"reason": "Gộp báo cáo"}).status_code == 403
    leader = org_services.user_create(actor=None, username="mttq.lanhdao", audit=False)
    org_services.membership_grant(actor=None, user=leader, unit=tree["mttq"], role="leader", audit=False)
    waived = ok(call(leader, "post", f"/occurrences/{row.pk}/waive", {"reason": "Gộp báo cáo"}))
    assert (waived["state"], waived["display_status"], waived["waived_reason"]) == ("waived", "waived", "Gộp báo cáo")
    assert ok(call(leader, "post", f"/occurrences/{row.pk}/waive", {"reason": ""}), 422)


def test_anonymous_callers_get_401(client, regulation):
    assert client.get(f"{API}/{regulation.pk}").status_code == 401
    assert client.get(API).status_code == 401


def test_the_endpoints_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/agreements",
        "/api/v1/agreements/{agreement_id}",
        "/api/v1/agreements/coverage/{code}",
        "/api/v1/agreements/occurrences/{occurrence_id}/complete",
        "/api/v1/agreements/my-duties",
    ):
        assert path in paths
