"""Unit scorecards: weights, left-out components, peers, history, reasons, the unit page panel, exports."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from django.urls import reverse
from openpyxl import load_workbook

from phoihop.core.rates import Compliance
from phoihop.insights import scorecards
from phoihop.insights import selectors as s
from phoihop.insights.tests import dashboard_data
from phoihop.reporting.tests import factories as reporting_factories

TODAY = dashboard_data.TODAY
frozen = dashboard_data.frozen
coordination = dashboard_data.coordination
indicators = reporting_factories.indicators
monthly_form = reporting_factories.monthly_form
YEAR = s.span_of("2025")


def _url(unit, **query):
    params = "&".join(f"{k}={v}" for k, v in query.items())
    return reverse("insights:scorecard", args=[unit.pk]) + (f"?{params}" if params else "")


def test_a_component_with_nothing_due_is_left_out_and_the_weights_renormalised():
    figures = {
        s.OBLIGATIONS: Compliance.from_counts({"done_on_time": 1, "overdue_open": 1}),  # 50 %
        s.TASKS: Compliance(),  # nothing due
        s.REPORTS: Compliance.from_counts({"done_on_time": 3, "done_late": 1}),  # 75 %
        s.RECOMMENDATIONS: None,  # module not installed
        s.CRITIQUES: Compliance(),
    }
    assert scorecards.score(figures) == 62.5
    assert scorecards.left_out(figures) == [s.TASKS, s.RECOMMENDATIONS, s.CRITIQUES]
    with override_settings(PHOIHOP_SCORE_WEIGHTS="obligations=3,reports=1"):
        assert scorecards.score(figures) == 56.2  # (3 × 50 + 75) / 4 = 56.25, one decimal
    assert scorecards.score({key: Compliance() for key in s.SCORED}) is None


@pytest.mark.parametrize("value", ["obligations=1,votes=2", "tasks=many", "reports=-1"])
def test_weights_that_do_not_parse_are_a_configuration_error(value):
    with override_settings(PHOIHOP_SCORE_WEIGHTS=value), pytest.raises(ImproperlyConfigured):
        scorecards.weights()


def test_commune_scorecard_ranks_it_among_the_communes_committees(coordination, tree, province_admin):
    card = scorecards.unit_scorecard(user=province_admin, unit=tree["commune_ubnd"], span=YEAR, today=TODAY)
    assert [row.unit.code for row in card.peers] == ["07090-UBND", "07093-UBND"]
    assert card.rank == 1 and card.peer_count == 2
    # Due for it in 2025: reports (5 on time of 6) and one task (overdue); no duty, no recommendation.
    assert card.rate(s.TASKS) == 0
    assert card.score == round((5 / 6 * 100 + 0) / 2, 1)
    assert card.left_out == [s.OBLIGATIONS, s.RECOMMENDATIONS, s.CRITIQUES]
    assert [p.span.id for p in card.history] == ["2022", "2023", "2024", "2025"]
    assert card.history[-1].score == card.score
    assert card.history[0].score is None  # the commune did not exist yet
    # Why: its overdue duty (due 12/01/2026) is listed with its deadline.
    assert any(item.kind == s.OBLIGATIONS for item in card.reasons)


def test_commune_leader_sees_the_scorecard_of_their_committee_with_only_themselves_as_peer(
    client, coordination, tree, commune_leader
):
    client.force_login(commune_leader)
    response = client.get(_url(tree["commune_ubnd"], period="2025"))
    assert response.status_code == 200
    card = response.context["card"]
    assert [row.unit.code for row in card.peers] == ["07090-UBND"]  # 07093 is not theirs to see
    page = response.content.decode()
    assert "Báo cáo quý của UBND phường" in page
    assert "PHOIHOP_SCORE_WEIGHTS" in page
    assert page.count("<svg") >= 1


def test_officer_from_other_commune_gets_404_for_the_scorecard(client, coordination, tree, officer_other_commune):
    client.force_login(officer_other_commune)
    assert client.get(_url(tree["commune_ubnd"])).status_code == 404


def test_a_bad_period_on_the_scorecard_is_explained(client, coordination, tree, commune_leader):
    client.force_login(commune_leader)
    response = client.get(_url(tree["commune_ubnd"], period="năm ngoái"))
    assert response.status_code == 200
    assert response.context["form"].errors["period"]
    assert "card" not in response.context


def test_the_unit_page_shows_the_scorecard_panel(client, coordination, tree, commune_officer):
    client.force_login(commune_officer)
    page = client.get(tree["commune_ubnd"].get_absolute_url()).content.decode()
    assert reverse("insights:scorecard", args=[tree["commune_ubnd"].pk]) in page


def test_scorecard_tables_export_to_xlsx(admin_web, coordination, tree):
    response = admin_web.get(_url(tree["commune_ubnd"], period="2025", format="xlsx", table="peers"))
    rows = list(load_workbook(io.BytesIO(response.getvalue())).active.iter_rows(min_row=4, values_only=True))
    assert [(row[0], row[2]) for row in rows] == [(1, "07090-UBND"), (2, "07093-UBND")]
    history = admin_web.get(_url(tree["commune_ubnd"], period="2025", format="xlsx", table="history"))
    assert len(list(load_workbook(io.BytesIO(history.getvalue())).active.iter_rows(min_row=4))) == 4
    reasons = admin_web.get(_url(tree["commune_ubnd"], period="2025", format="xlsx", table="reasons"))
    assert reasons.status_code == 200


@pytest.mark.parametrize("unit_key", ["ubnd", "mttq", "hlhpn", "commune", "commune_ubnd"])
@pytest.mark.parametrize("period", ["2025", "2025Q4"])
def test_the_history_read_in_one_query_per_module_equals_the_scores_period_by_period(
    coordination, tree, province_admin, unit_key, period
):
    unit = tree[unit_key]
    span = s.span_of(period)
    card = scorecards.unit_scorecard(user=province_admin, unit=unit, span=span, today=TODAY)
    for point in card.history:
        grouped, _book = s.figures_by_prefix(
            user=province_admin, within=unit, length=len(unit.path), span=point.span, today=TODAY
        )
        figures = grouped.get(unit.path, dict.fromkeys(s.SCORED))
        assert point.score == scorecards.score(figures), point.span.id
    assert any(p.score is not None for p in card.history)
