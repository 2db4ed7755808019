"""/api/v1/insights: the dashboard figures and the scorecards, scoped like the pages."""

from __future__ import annotations

import pytest

from phoihop.api.services import token_issue
from phoihop.insights import selectors as s
from phoihop.insights.tests import dashboard_data
from phoihop.reporting.tests import factories as reporting_factories

API = "/api/v1/insights"
TODAY = dashboard_data.TODAY
frozen = dashboard_data.frozen
coordination = dashboard_data.coordination
indicators = reporting_factories.indicators
monthly_form = reporting_factories.monthly_form


@pytest.fixture
def call(client):
    def send(user, path, **params):
        token = token_issue(user=user, name="tests")[1]
        return client.get(API + path, params, headers={"Authorization": f"Bearer {token}"})

    return send


def test_dashboard_figures_equal_the_selectors(call, coordination, tree, province_admin):
    response = call(province_admin, "/dashboard", period="2025", unit="22")
    assert response.status_code == 200
    body = response.json()
    assert body["period"]["id"] == "2025" and body["unit"]["code"] == "22"
    components = {c["key"]: c for c in body["components"]}
    duties = s.obligation_compliance(user=province_admin, within=tree["province"], span=s.span_of("2025"), today=TODAY)
    assert components["obligations"]["due"] == duties.due == 8
    assert components["obligations"]["rate"] == 62.5
    assert components["reports"]["overdue_open"] == 5
    assert body["by_unit"][0]["unit"]["code"] == "22-MTTQ"
    assert len(body["trend"]) == 4 and body["trend"][-1]["id"] == "2025"
    assert "Ủy ban MTTQ" in response.content.decode()  # UTF-8, not \\u escapes


def test_dashboard_defaults_to_the_readers_top_unit(call, coordination, tree, commune_leader):
    body = call(commune_leader, "/dashboard", period="2025").json()
    assert body["unit"]["code"] == "07090-UBND"


@pytest.mark.parametrize("code", ["22", "07093-UBND", "07093"])
def test_a_unit_outside_the_readers_scope_answers_404(call, coordination, commune_leader, code):
    assert call(commune_leader, "/dashboard", unit=code).status_code == 404
    assert call(commune_leader, f"/scorecards/{code}").status_code == 404
    assert call(commune_leader, "/scorecards", unit=code).status_code == 404


def test_a_period_that_does_not_parse_answers_422_naming_it(call, coordination, commune_leader):
    response = call(commune_leader, "/dashboard", period="2025Q7")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "period"


def test_scorecards_of_the_communes_committees_ranked(call, coordination, tree, province_admin):
    rows = call(province_admin, "/scorecards", unit="22", kind="people_committee", period="2025").json()
    # The shallowest people's committee under the province is 22-UBND (depth 2): its level only.
    assert [row["unit"]["code"] for row in rows] == ["22-UBND"]
    rows = call(province_admin, "/scorecards", unit="22", period="2025").json()
    assert {row["unit"]["code"] for row in rows} == {"22-UBND", "22-MTTQ", "07090", "07093"}
    assert rows[0]["rank"] == 1


def test_one_scorecard_has_history_peers_and_reasons(call, coordination, tree, province_admin):
    body = call(province_admin, "/scorecards/07090-UBND", period="2025").json()
    assert body["rank"] == 1 and body["peer_count"] == 2
    assert body["score"] == 41.7  # reports 5/6 on time and its one task overdue, equal weights
    assert "obligations" in body["left_out"]
    assert [h["period"]["id"] for h in body["history"]] == ["2022", "2023", "2024", "2025"]
    assert any(item["kind"] == "obligations" for item in body["overdue"])
