"""The organisation tree through /api/v1/orgs: scope, filters, pagination, writes via the services."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from phoihop.api.pagination import MAX_LIMIT
from phoihop.api.tests.helpers import send
from phoihop.core.models import AuditEvent
from phoihop.core.tests.catalog import write_catalog
from phoihop.orgs import services
from phoihop.orgs.models import Membership, Role, Unit


@pytest.fixture
def as_user(client, bearer):
    """Return a function that calls the API as a person (with a bearer token)."""

    def call(user, method, path, body=None):
        return send(client, method, path, body, headers=bearer(user))

    return call


def codes(response):
    assert response.status_code == 200, response.content
    return [item["code"] for item in response.json()["items"]]


# Reading the tree --------------------------------------------------------------------------------


def test_officer_lists_only_the_units_of_their_subtree(tree, as_user, commune_officer, front_officer):
    assert codes(as_user(commune_officer, "get", "/orgs/units")) == ["07090-UBND"]
    assert codes(as_user(front_officer, "get", "/orgs/units")) == ["22-MTTQ", "22-HLHPN"]


def test_unit_list_answers_parent_codes_and_counts(tree, as_user, commune_admin):
    body = as_user(commune_admin, "get", "/orgs/units").json()
    assert body["count"] == 3
    assert {(u["code"], u["parent_code"]) for u in body["items"]} == {
        ("07090", "22"),
        ("07090-UBND", "07090"),
        ("07090-MTTQ", "07090"),
    }
    first = body["items"][0]
    assert first["kind"] == "commune"
    assert first["depth"] == 2
    assert first["valid_from"] == "2025-07-01"


def test_root_unit_has_no_parent_code(tree, as_user, province_admin):
    assert as_user(province_admin, "get", "/orgs/units/22").json()["parent_code"] is None


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("dong trieu", ["07093", "07093-UBND"]),  # no diacritics, đ typed as d
        ("Đông Triều", ["07093", "07093-UBND"]),
        ("ubnd dong", ["07093-UBND"]),  # every word must match
        ("07093", ["07093", "07093-UBND"]),  # start of a code
        ("an sinh", ["07090", "07090-UBND", "07090-MTTQ"]),
    ],
)
def test_search_folds_vietnamese_and_matches_codes(tree, as_user, province_admin, query, expected):
    assert codes(as_user(province_admin, "get", f"/orgs/units?q={query}")) == expected


def test_search_stays_inside_the_scope(tree, as_user, commune_officer):
    assert codes(as_user(commune_officer, "get", "/orgs/units?q=dong trieu")) == []


def test_filter_by_kind(tree, as_user, province_admin):
    assert codes(as_user(province_admin, "get", "/orgs/units?kind=commune")) == ["07090", "07093"]
    assert as_user(province_admin, "get", "/orgs/units?kind=planet").status_code == 422


def test_filter_by_parent_gives_direct_children(tree, as_user, province_admin):
    assert codes(as_user(province_admin, "get", "/orgs/units?parent=22-UBND")) == ["22-SONV"]


def test_subtree_under_a_unit_limited_in_depth(tree, as_user, province_admin):
    everything = codes(as_user(province_admin, "get", "/orgs/units?under=22"))
    assert len(everything) == Unit.objects.count() - 1  # not the province itself
    one_level = codes(as_user(province_admin, "get", "/orgs/units?under=22&levels=1"))
    assert sorted(one_level) == ["07090", "07093", "22-MTTQ", "22-UBND"]


def test_closed_units_only_on_request(tree, as_user, province_admin):
    services.unit_close(actor=province_admin, unit=tree["other_ubnd"], on=dt.date(2026, 1, 31))
    assert "07093-UBND" not in codes(as_user(province_admin, "get", "/orgs/units?under=07093"))
    body = as_user(province_admin, "get", "/orgs/units?under=07093&include_closed=true").json()
    assert [(u["code"], u["valid_to"]) for u in body["items"]] == [("07093-UBND", "2026-01-31")]


def test_unit_detail_by_code_in_utf8(tree, as_user, province_admin):
    response = as_user(province_admin, "get", "/orgs/units/22-MTTQ")
    assert response.status_code == 200
    assert response.json()["name"] == "Ủy ban MTTQ tỉnh Quảng Ninh"
    assert response.json()["parent_code"] == "22"
    # Vietnamese as UTF-8 bytes, not \u escapes (the default of Python's json).
    assert "Quảng Ninh".encode() in response.content
    assert b"\\u1ea3" not in response.content


def test_children_of_a_unit(tree, as_user, province_admin):
    body = as_user(province_admin, "get", "/orgs/units/07090/children").json()
    assert sorted(u["code"] for u in body["items"]) == ["07090-MTTQ", "07090-UBND"]
    assert {u["parent_code"] for u in body["items"]} == {"07090"}


def test_successions_name_predecessors_and_successors_with_dates(tree, as_user, province_admin):
    old = services.unit_create(
        actor=province_admin, parent=tree["province"], code="06985", name="Xã Bình Khê", kind="commune"
    )
    services.unit_merge(actor=province_admin, sources=[old], target=tree["commune"], on=dt.date(2025, 7, 1))
    forward = as_user(province_admin, "get", "/orgs/units/06985/successions").json()
    assert forward == {
        "predecessors": [],
        "successors": [{"code": "07090", "name": "Phường An Sinh", "kind": "merge", "date": "2025-07-01", "basis": ""}],
    }
    backward = as_user(province_admin, "get", "/orgs/units/07090/successions").json()
    assert [(p["code"], p["date"]) for p in backward["predecessors"]] == [("06985", "2025-07-01")]


def test_members_of_a_visible_unit(tree, as_user, commune_admin, commune_officer, commune_leader):
    body = as_user(commune_admin, "get", "/orgs/units/07090-UBND/members").json()
    assert body["count"] == 2
    assert {(m["username"], m["role"], m["unit_code"]) for m in body["items"]} == {
        ("xa", "officer", "07090-UBND"),
        ("xa.lanhdao", "leader", "07090-UBND"),
    }


def test_ended_memberships_only_on_request(tree, as_user, commune_admin, commune_officer):
    services.membership_end(actor=commune_admin, membership=commune_officer.memberships.get(), on=dt.date(2026, 1, 1))
    assert as_user(commune_admin, "get", "/orgs/units/07090-UBND/members").json()["count"] == 0
    body = as_user(commune_admin, "get", "/orgs/units/07090-UBND/members?include_ended=true").json()
    assert [(m["username"], m["ended_on"]) for m in body["items"]] == [("xa", "2026-01-01")]


# Pagination and query counts ----------------------------------------------------------------------


@pytest.fixture
def many_units(tree):
    for i in range(60):
        services.unit_create(
            actor=None,
            parent=tree["commune"],
            code=f"07090-TDP{i:02d}",
            name=f"Tổ dân phố {i}",
            kind="residential_area",
            audit=False,
        )


def test_units_are_paginated_with_limit_and_offset(many_units, as_user, commune_admin):
    first = as_user(commune_admin, "get", "/orgs/units?limit=10").json()
    second = as_user(commune_admin, "get", "/orgs/units?limit=10&offset=10").json()
    assert first["count"] == second["count"] == 63
    assert len(first["items"]) == len(second["items"]) == 10
    assert not {u["code"] for u in first["items"]} & {u["code"] for u in second["items"]}
    assert len(as_user(commune_admin, "get", "/orgs/units").json()["items"]) == 50  # the default page


def test_limit_above_the_ceiling_is_refused(tree, as_user, commune_admin):
    assert as_user(commune_admin, "get", f"/orgs/units?limit={MAX_LIMIT}").status_code == 200
    assert as_user(commune_admin, "get", f"/orgs/units?limit={MAX_LIMIT + 1}").status_code == 422


def test_unit_list_queries_do_not_grow_with_the_page(
    many_units, client, bearer, commune_admin, django_assert_max_num_queries
):
    headers = bearer(commune_admin)

    def queries(limit):
        with CaptureQueriesContext(connection) as captured:
            assert len(send(client, "get", f"/orgs/units?limit={limit}", headers=headers).json()["items"]) == limit
        return len(captured)

    queries(1)  # the token's first use writes last_used_at once; measure the calls after it
    assert queries(2) == queries(60)
    # token lookup, memberships, count, page (parent codes in the same query)
    with django_assert_max_num_queries(4):
        send(client, "get", f"/orgs/units?limit={MAX_LIMIT}", headers=headers)


def test_members_list_queries_do_not_grow_with_the_page(tree, client, bearer, commune_admin, commune_officer):
    headers = bearer(commune_admin)
    for i in range(20):
        person = services.user_create(actor=None, username=f"can.bo{i}", audit=False)
        services.membership_grant(actor=None, user=person, unit=tree["commune_ubnd"], audit=False)

    def queries(limit):
        with CaptureQueriesContext(connection) as captured:
            send(client, "get", f"/orgs/units/07090-UBND/members?limit={limit}", headers=headers)
        return len(captured)

    queries(1)  # the token's first use writes last_used_at once; measure the calls after it
    assert queries(2) == queries(21)


# Outsiders get 404 -------------------------------------------------------------------------------------

OUTSIDER_CALLS = [
    ("get", "/orgs/units/07090", None),
    ("get", "/orgs/units/07090-UBND", None),
    ("get", "/orgs/units/07090/children", None),
    ("get", "/orgs/units/07090/successions", None),
    ("get", "/orgs/units/07090-UBND/members", None),
    ("get", "/orgs/units?parent=07090", None),
    ("get", "/orgs/units?under=07090", None),
    ("post", "/orgs/units", {"parent": "07090", "code": "07090-X", "name": "X", "kind": "other"}),
    ("patch", "/orgs/units/07090-UBND", {"name": "Đổi tên"}),
    ("post", "/orgs/units/07090-MTTQ/close", {"on": "2026-01-31", "members": "end"}),
    ("post", "/orgs/memberships", {"username": "xa2", "unit": "07090-UBND", "role": "viewer"}),
]


@pytest.mark.parametrize(("method", "path", "body"), OUTSIDER_CALLS)
def test_officer_from_other_commune_gets_404(tree, as_user, officer_other_commune, method, path, body, settings):
    settings.LANGUAGE_CODE = "en"  # the API answers in the default language; read the English source text
    response = as_user(officer_other_commune, method, path, body)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_error_bodies_carry_vietnamese_as_utf8(tree, as_user, officer_other_commune, settings, tmp_path):
    settings.LOCALE_PATHS = [write_catalog(tmp_path, {"Not found.": "Không tìm thấy."})]
    response = as_user(officer_other_commune, "get", "/orgs/units/07090")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert "Không tìm thấy.".encode() in response.content


def test_closed_unit_of_another_commune_is_404_too(tree, as_user, province_admin, officer_other_commune):
    services.unit_close(actor=province_admin, unit=tree["commune_mttq"], on=dt.date(2026, 1, 31))
    assert as_user(officer_other_commune, "get", "/orgs/units/07090-MTTQ").status_code == 404
    listed = codes(as_user(officer_other_commune, "get", "/orgs/units?include_closed=true"))
    assert "07090-MTTQ" not in listed


def test_unknown_code_is_404_like_a_hidden_one(tree, as_user, commune_officer):
    hidden = as_user(commune_officer, "get", "/orgs/units/07093")
    absent = as_user(commune_officer, "get", "/orgs/units/99999")
    assert hidden.status_code == absent.status_code == 404
    assert hidden.content == absent.content


# Writes go through the services ----------------------------------------------------------------------


def test_unit_admin_creates_a_unit_and_it_is_audited(tree, as_user, commune_admin):
    payload = {"parent": "07090", "code": "07090-HND", "name": "Hội Nông dân phường An Sinh", "kind": "mass_org"}
    response = as_user(commune_admin, "post", "/orgs/units", payload)
    assert response.status_code == 201
    assert response.json()["parent_code"] == "07090"
    unit = Unit.objects.get(code="07090-HND")
    assert Unit.objects.get_parent(unit) == tree["commune"]
    assert unit.province_code == tree["commune"].province_code
    event = AuditEvent.objects.get(verb="unit.created", target_id=str(unit.pk))
    assert event.actor == commune_admin


def test_officer_may_not_create_units(tree, as_user, commune_officer):
    payload = {"parent": "07090-UBND", "code": "07090-VP", "name": "Văn phòng", "kind": "other"}
    assert as_user(commune_officer, "post", "/orgs/units", payload).status_code == 403
    assert not Unit.objects.filter(code="07090-VP").exists()


def test_only_system_admins_create_roots(tree, as_user, commune_admin, province_admin):
    payload = {"parent": None, "code": "24", "name": "Tỉnh Bắc Ninh", "kind": "province"}
    assert as_user(commune_admin, "post", "/orgs/units", payload).status_code == 403
    assert as_user(province_admin, "post", "/orgs/units", payload).status_code == 201


def test_service_refusals_come_back_as_422_with_the_field(tree, as_user, commune_admin, settings):
    settings.LANGUAGE_CODE = "en"  # the API answers in the default language; read the English source text
    taken = {"parent": "07090", "code": "07090-UBND", "name": "Trùng mã", "kind": "other"}
    response = as_user(commune_admin, "post", "/orgs/units", taken)
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"loc": ["body", "code"], "msg": "An open unit already has the code 07090-UBND.", "type": "value_error"}
    ]
    bad_email = {"parent": "07090", "code": "07090-Y", "name": "Y", "kind": "other", "email": "not-an-address"}
    assert as_user(commune_admin, "post", "/orgs/units", bad_email).json()["detail"][0]["loc"] == ["body", "email"]


def test_no_unit_under_a_closed_unit(tree, as_user, commune_admin):
    services.unit_close(actor=commune_admin, unit=tree["commune_mttq"], on=dt.date(2026, 1, 31))
    payload = {"parent": "07090-MTTQ", "code": "07090-Z", "name": "Z", "kind": "other"}
    response = as_user(commune_admin, "post", "/orgs/units", payload)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "parent"]


def test_unit_admin_updates_a_unit_and_it_is_audited(tree, as_user, commune_admin):
    response = as_user(
        commune_admin, "patch", "/orgs/units/07090-UBND", {"short_name": "UBND", "phone": "0203 3835 123"}
    )
    assert response.status_code == 200
    assert response.json()["short_name"] == "UBND"
    assert response.json()["name"] == "UBND phường An Sinh"  # fields not sent stay as they were
    event = AuditEvent.objects.get(verb="unit.updated", target_id=str(tree["commune_ubnd"].pk))
    assert event.actor == commune_admin
    assert event.changes["phone"] == ["", "0203 3835 123"]


def test_update_refuses_null_for_a_required_field(tree, as_user, commune_admin):
    response = as_user(commune_admin, "patch", "/orgs/units/07090-UBND", {"name": None})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "name"]
    tree["commune_ubnd"].refresh_from_db()
    assert tree["commune_ubnd"].name == "UBND phường An Sinh"


def test_officer_may_not_update_their_own_unit(tree, as_user, commune_officer):
    assert as_user(commune_officer, "patch", "/orgs/units/07090-UBND", {"name": "Khác"}).status_code == 403


def test_unit_admin_closes_a_unit_and_it_is_audited(tree, as_user, commune_admin, front_officer):
    services.membership_grant(actor=None, user=front_officer, unit=tree["commune_mttq"], audit=False)
    response = as_user(
        commune_admin,
        "post",
        "/orgs/units/07090-MTTQ/close",
        {"on": "2026-01-31", "members": "move", "move_to": "07090-UBND"},
    )
    assert response.status_code == 200
    assert response.json()["valid_to"] == "2026-01-31"
    assert AuditEvent.objects.get(verb="unit.closed").actor == commune_admin
    assert Membership.objects.get(user=front_officer, unit=tree["commune_ubnd"], ended_on__isnull=True)


def test_closing_needs_a_decision_about_members(tree, as_user, commune_admin):
    response = as_user(commune_admin, "post", "/orgs/units/07090-MTTQ/close", {"on": "2026-01-31"})
    assert response.status_code == 422
    assert tree["commune_mttq"].valid_to is None


def test_closing_before_the_unit_existed_is_refused(tree, as_user, commune_admin):
    response = as_user(commune_admin, "post", "/orgs/units/07090/close", {"on": "2025-01-01", "members": "end"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "on"]


def test_members_cannot_be_moved_outside_the_admins_scope(tree, as_user, commune_admin):
    payload = {"on": "2026-01-31", "members": "move", "move_to": "07093-UBND"}
    assert as_user(commune_admin, "post", "/orgs/units/07090-MTTQ/close", payload).status_code == 404
    tree["commune_mttq"].refresh_from_db()
    assert tree["commune_mttq"].valid_to is None


def test_unit_admin_grants_and_changes_a_membership_audited(tree, as_user, commune_admin, officer_other_commune):
    payload = {"username": "xa2", "unit": "07090-UBND", "role": "viewer", "title": "Chuyên viên"}
    granted = as_user(commune_admin, "post", "/orgs/memberships", payload)
    assert granted.status_code == 201
    assert granted.json()["role"] == "viewer"
    assert AuditEvent.objects.get(verb="membership.granted").actor == commune_admin

    changed = as_user(commune_admin, "post", "/orgs/memberships", {**payload, "role": "leader"})
    assert changed.status_code == 200
    assert AuditEvent.objects.get(verb="membership.changed").changes["role"] == ["viewer", "leader"]
    # The new member now reaches the unit through the API too.
    assert as_user(officer_other_commune, "get", "/orgs/units/07090-UBND").status_code == 200


def test_unit_admin_cannot_grant_a_role_above_their_own(tree, as_user, commune_admin, commune_officer):
    payload = {"username": "xa", "unit": "07090-UBND", "role": "system_admin"}
    response = as_user(commune_admin, "post", "/orgs/memberships", payload)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "role"]
    assert not Membership.objects.filter(role=Role.SYSTEM_ADMIN, user=commune_officer).exists()


def test_granting_to_an_unknown_username_is_422(tree, as_user, commune_admin):
    response = as_user(commune_admin, "post", "/orgs/memberships", {"username": "ma", "unit": "07090-UBND"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "username"]


def test_officer_may_not_grant_memberships(tree, as_user, commune_officer, officer_other_commune):
    payload = {"username": "xa2", "unit": "07090-UBND", "role": "viewer"}
    assert as_user(commune_officer, "post", "/orgs/memberships", payload).status_code == 403
