"""Pages: the board, the inbox, figures, supervision and recommendation pages — access, forms, query counts."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from docx import Document

from phoihop.api.services import token_issue
from phoihop.oversight import services
from phoihop.oversight.models import Recommendation

D = dt.date
pytestmark = pytest.mark.django_db


def _get(client, user, url, **params):
    client.force_login(user)
    return client.get(url, params)


def _post(client, user, url, data=None):
    client.force_login(user)
    return client.post(url, data or {})


def test_board_shows_the_fronts_recommendations_and_critiques(
    client, sent, front_officer, django_assert_max_num_queries
):
    client.force_login(front_officer)
    with django_assert_max_num_queries(25):
        response = client.get(reverse("oversight:board"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "UBND phường An Sinh" in page
    assert "Social criticism under way" in page or "Phản biện xã hội" in page


def test_inbox_lists_what_is_addressed_to_the_agency_only(client, sent, commune_officer, officer_other_commune):
    page = _get(client, commune_officer, reverse("oversight:inbox")).content.decode()
    assert sent.title in page
    page = _get(client, officer_other_commune, reverse("oversight:inbox")).content.decode()
    assert sent.title not in page


def test_inbox_query_count_does_not_grow_with_rows(
    client, concluded, front_officer, commune_officer, tree, django_assert_max_num_queries
):
    for i in range(12):
        r = services.recommendation_create(
            actor=front_officer, supervision=concluded, addressee=tree["commune_ubnd"], text=f"Kiến nghị {i}"
        )
        services.recommendation_send(actor=front_officer, recommendation=r, on_date=D(2026, 2, 5))
    client.force_login(commune_officer)
    with django_assert_max_num_queries(15):
        response = client.get(reverse("oversight:inbox"))
    assert response.status_code == 200


def test_supervision_list_query_count(client, concluded, front_officer, django_assert_max_num_queries):
    client.force_login(front_officer)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("oversight:supervision-list")).status_code == 200


def test_officer_from_other_commune_gets_404_on_every_page(client, sent, officer_other_commune):
    s, r = sent.supervision, sent
    urls = [
        reverse("oversight:supervision-detail", args=[s.pk]),
        reverse("oversight:supervision-document", args=[s.pk, "plan"]),
        reverse("oversight:supervision-document", args=[s.pk, "conclusion"]),
        reverse("oversight:activity-file", args=[s.pk, s.activities.first().pk]),
        reverse("oversight:recommendation-detail", args=[r.pk]),
        reverse("oversight:recommendation-answer-file", args=[r.pk]),
        reverse("oversight:recommendation-letter", args=[r.pk]),
        reverse("oversight:supervision-edit", args=[s.pk]),
    ]
    for url in urls:
        assert _get(client, officer_other_commune, url).status_code == 404, url
    posts = [
        reverse("oversight:supervision-team", args=[s.pk]),
        reverse("oversight:supervision-activity", args=[s.pk]),
        reverse("oversight:supervision-finding", args=[s.pk]),
        reverse("oversight:supervision-notify", args=[s.pk]),
        reverse("oversight:supervision-start", args=[s.pk]),
        reverse("oversight:supervision-conclude", args=[s.pk]),
        reverse("oversight:supervision-close", args=[s.pk]),
        reverse("oversight:recommendation-create", args=[s.pk]),
        *[
            reverse(f"oversight:recommendation-{name}", args=[r.pk])
            for name in (
                "edit",
                "send",
                "answer",
                "paper-answer",
                "assess",
                "close",
                "withdraw",
                "follow-up",
                "resupervise",
                "escalate",
            )
        ],
    ]
    for url in posts:
        assert _post(client, officer_other_commune, url).status_code == 404, url


def test_an_agency_sees_only_the_recommendations_addressed_to_it(
    client, sent, front_officer, sonv_officer, commune_officer, tree
):
    other = services.recommendation_create(
        actor=front_officer,
        supervision=sent.supervision,
        addressee=tree["sonv"],
        text="Rút ngắn thời gian xử lý hồ sơ.",
    )
    services.recommendation_send(actor=front_officer, recommendation=other, on_date=D(2026, 2, 5))
    # The ward's committee was supervised too, but the department's recommendation is not its business.
    assert _get(client, commune_officer, other.get_absolute_url()).status_code == 404
    page = _get(client, commune_officer, sent.supervision.get_absolute_url()).content.decode()
    assert sent.title in page and other.title not in page
    assert "Còn 12 kiến nghị" not in page  # findings are the Front's
    assert _get(client, sonv_officer, other.get_absolute_url()).status_code == 200


def test_a_draft_recommendation_is_the_fronts_own_until_it_is_sent(client, sent, front_officer, sonv_officer, tree):
    draft = services.recommendation_create(
        actor=front_officer, supervision=sent.supervision, addressee=tree["sonv"], text="Số hóa hồ sơ."
    )
    # The agency it will be addressed to sees nothing of it yet: not the page, not the API.
    assert _get(client, sonv_officer, draft.get_absolute_url()).status_code == 404
    token = token_issue(user=sonv_officer, name="tests")[1]
    listed = client.get("/api/v1/oversight/recommendations", headers={"Authorization": f"Bearer {token}"}).json()
    assert draft.pk not in [item["id"] for item in listed["items"]]
    assert _get(client, front_officer, draft.get_absolute_url()).status_code == 200
    services.recommendation_send(actor=front_officer, recommendation=draft, on_date=D(2026, 2, 5))
    assert _get(client, sonv_officer, draft.get_absolute_url()).status_code == 200


def test_agency_answers_with_a_file_and_the_front_assesses(client, sent, commune_officer, front_officer):
    client.force_login(commune_officer)
    response = client.post(
        reverse("oversight:recommendation-answer", args=[sent.pk]),
        {
            "answer": "Đã niêm yết công khai.",
            "on_date": "2026-02-20",
            "file": SimpleUploadedFile("tra-loi.pdf", b"%PDF-1.4"),
        },
    )
    assert response.status_code == 302
    sent.refresh_from_db()
    assert sent.status == Recommendation.Status.ANSWERED and sent.answer_file
    download = client.get(reverse("oversight:recommendation-answer-file", args=[sent.pk]))
    assert b"".join(download.streaming_content) == b"%PDF-1.4"
    # The agency may not assess.
    assert (
        client.post(
            reverse("oversight:recommendation-assess", args=[sent.pk]), {"assess-assessment": "satisfactory"}
        ).status_code
        == 403
    )
    client.force_login(front_officer)
    response = client.post(
        reverse("oversight:recommendation-assess", args=[sent.pk]), {"assess-assessment": "satisfactory"}
    )
    assert response.status_code == 302
    sent.refresh_from_db()
    assert sent.assessment == "satisfactory"
    page = client.get(sent.get_absolute_url()).content.decode()
    # Its history reads the steps in words, not audit verbs.
    assert "Answer assessed" in page or "Đã đánh giá" in page
    assert "oversight.recommendation" not in page


def test_a_deadline_that_is_not_a_date_is_shown_beside_the_field(client, sent, commune_officer):
    client.force_login(commune_officer)
    response = client.post(
        reverse("oversight:recommendation-answer", args=[sent.pk]), {"answer": "x", "on_date": "31/02/2026"}
    )
    assert response.status_code == 400
    assert response.context["answer_form"].errors["on_date"]
    sent.refresh_from_db()
    assert sent.status == Recommendation.Status.SENT


def test_a_recommendation_without_an_addressee_shows_the_error(client, concluded, front_officer):
    client.force_login(front_officer)
    response = client.post(
        reverse("oversight:recommendation-create", args=[concluded.pk]), {"recommendation-text": "Tăng cường"}
    )
    assert response.status_code == 400
    assert "addressee" in response.context["recommendation_form"].errors
    assert not Recommendation.objects.exists()


def test_a_late_plan_is_refused_with_the_last_day_named(client, planned, front_officer):
    client.force_login(front_officer)
    response = client.post(reverse("oversight:supervision-notify", args=[planned.pk]), {"notice-on_date": "2026-01-10"})
    assert response.status_code == 400
    assert "05/01/2026" in response.content.decode()


def test_plan_a_supervision_from_the_web(client, front_officer, tree):
    client.force_login(front_officer)
    response = client.post(
        reverse("oversight:supervision-create"),
        {
            "front_unit": tree["mttq"].pk,
            "title": "Bồi thường, tái định cư dự án đường",
            "form": "team",
            "subjects": [tree["sonv"].pk],
            "starts_on": "2026-05-04",
            "ends_on": "2026-05-08",
        },
    )
    assert response.status_code == 302


def test_the_agency_cannot_plan_a_supervision(client, commune_officer):
    assert _get(client, commune_officer, reverse("oversight:supervision-create")).status_code == 403


def test_conclusion_report_reads_back_with_number_date_recipients_and_recommendation(client, sent, front_officer):
    response = _get(
        client, front_officer, reverse("oversight:supervision-document", args=[sent.supervision.pk, "conclusion"])
    )
    assert response.status_code == 200
    doc = Document(io.BytesIO(b"".join(response.streaming_content)))
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = "\n".join(c.text for t in doc.tables for row in t.rows for c in row.cells)
    everything = text + "\n" + cells
    assert "Số: 03/BC-MTTQ" in everything
    assert "ngày 04 tháng 02 năm 2026" in everything
    assert "Nơi nhận:" in everything
    assert sent.text in everything
    assert "23/02/2026" in everything


def test_plan_and_decision_read_back(client, concluded, front_officer):
    client.force_login(front_officer)
    for kind, number in (("plan", "Số: 01/KH-MTTQ"), ("decision", "Số: 02/QĐ-MTTQ")):
        response = client.get(reverse("oversight:supervision-document", args=[concluded.pk, kind]))
        doc = Document(io.BytesIO(b"".join(response.streaming_content)))
        everything = "\n".join(p.text for p in doc.paragraphs) + "\n".join(
            c.text for t in doc.tables for row in t.rows for c in row.cells
        )
        assert number in everything
        assert "ngày 05 tháng 01 năm 2026" in everything


def test_escalation_letter_reads_back(client, ward_sent, commune_front_officer, front_officer):
    r = ward_sent
    services.recommendation_escalate(actor=commune_front_officer, recommendation=r, today=D(2026, 3, 16))
    # The Front above sees it, and its letter.
    response = _get(client, front_officer, reverse("oversight:recommendation-letter", args=[r.pk]))
    assert response.status_code == 200
    doc = Document(io.BytesIO(b"".join(response.streaming_content)))
    everything = "\n".join(p.text for p in doc.paragraphs) + "\n".join(
        c.text for t in doc.tables for row in t.rows for c in row.cells
    )
    # The ward Front's third document of 2026: its plan (01), its report (02), this letter.
    assert "Số: 03/MTTQ-BTT" in everything
    # Decree 30 pads months 1 and 2 only.
    assert "An Sinh, ngày 16 tháng 3 năm 2026" in everything
    assert "Công khai quỹ." in everything
    assert "Nơi nhận:" in everything
    assert "Ủy ban MTTQ tỉnh Quảng Ninh" in everything


def test_figures_page_and_xlsx(client, sent, front_officer, commune_officer):
    services.recommendation_answer(actor=commune_officer, recommendation=sent, answer="Xong", on_date=D(2026, 2, 10))
    client.force_login(front_officer)
    response = client.get(reverse("oversight:figures"))
    assert response.status_code == 200
    assert "UBND phường An Sinh" in response.content.decode()
    response = client.get(reverse("oversight:figures"), {"format": "xlsx"})
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    row = next(r for r in values if r and r[0] == "UBND phường An Sinh")
    assert row[2] == 1  # answered on time


def test_programme_pages(client, front_officer, officer_other_commune, tree):
    client.force_login(front_officer)
    response = client.post(
        reverse("oversight:programme-list"), {"front_unit": tree["mttq"].pk, "year": 2026, "title": "Chương trình 2026"}
    )
    assert response.status_code == 302
    url = response["Location"]
    response = client.post(
        url, {"topic": "Giảm nghèo", "subjects": [tree["commune_ubnd"].pk], "planned_quarter": 2, "form": "team"}
    )
    assert response.status_code == 302
    assert "Giảm nghèo" in client.get(url).content.decode()
    assert _get(client, officer_other_commune, url).status_code == 404


def test_a_team_member_from_another_unit_sees_the_supervision(
    client, planned, front_officer, commune_front_officer, tree
):
    from phoihop.oversight.tests.conftest import conclude

    assert _get(client, commune_front_officer, planned.get_absolute_url()).status_code == 404
    services.team_member_add(
        actor=front_officer, supervision=planned, user=commune_front_officer, unit=tree["commune_mttq"], role="member"
    )
    conclude(planned, front_officer)
    page = _get(client, commune_front_officer, planned.get_absolute_url()).content.decode()
    assert "Còn 12 kiến nghị" in page  # the team sees the findings


def test_a_team_member_from_another_unit_gets_no_dead_link_to_the_fronts_programme(
    client, front_officer, commune_front_officer, tree
):
    programme = services.programme_create(actor=front_officer, front_unit=tree["mttq"], year=2026, title="Chương trình")
    item = services.programme_item_add(
        actor=front_officer,
        programme=programme,
        topic="Giảm nghèo",
        subjects=[tree["sonv"]],
        planned_quarter=1,
        form="team",
    )
    supervision = services.supervision_create(
        actor=front_officer,
        front_unit=tree["mttq"],
        title="Giám sát giảm nghèo",
        form="team",
        subjects=[tree["sonv"]],
        starts_on=D(2026, 1, 20),
        ends_on=D(2026, 1, 30),
        programme_item=item,
    )
    services.team_member_add(
        actor=front_officer,
        supervision=supervision,
        user=commune_front_officer,
        unit=tree["commune_mttq"],
        role="member",
    )
    page = _get(client, commune_front_officer, supervision.get_absolute_url()).content.decode()
    assert "Chương trình" in page
    # The programme page answers 404 to the ward's officer, so the supervision page names it without a link.
    assert programme.get_absolute_url() not in page
    assert _get(client, commune_front_officer, programme.get_absolute_url()).status_code == 404
    assert programme.get_absolute_url() in _get(client, front_officer, supervision.get_absolute_url()).content.decode()


def test_the_front_above_sees_the_escalated_recommendation_and_the_public_parts(
    client, ward_sent, commune_front_officer, front_officer
):
    assert _get(client, front_officer, ward_sent.get_absolute_url()).status_code == 404
    services.recommendation_escalate(actor=commune_front_officer, recommendation=ward_sent, today=D(2026, 3, 16))
    assert _get(client, front_officer, ward_sent.get_absolute_url()).status_code == 200
    page = _get(client, front_officer, ward_sent.supervision.get_absolute_url()).content.decode()
    assert ward_sent.text in page
    assert "Còn 12 kiến nghị" not in page  # findings stay with the ward's Front


def test_every_supervision_page_has_the_basics(client, sent, front_officer, commune_officer):
    """Labels, unique ids, links that lead somewhere: for the Front's officer and for the agency's."""
    from phoihop.core.tests.test_shell import crawl

    for person in (front_officer, commune_officer):
        client.force_login(person)
        start = [reverse("oversight:board"), sent.get_absolute_url(), sent.supervision.get_absolute_url()]
        pages = crawl(client, start, limit=40)
        assert sent.get_absolute_url() in pages
        # Only this module's pages: the menu leads to the others, which their own tests check.
        ours = {u: problems for u, problems in pages.items() if u.startswith("/oversight/")}
        assert len(ours) >= 8
        assert {u: problems for u, problems in ours.items() if problems} == {}, person
