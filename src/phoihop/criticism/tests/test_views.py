"""Pages and endpoints: the outsider gets 404 everywhere; drafts go to the invited only."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from phoihop.api.services import token_issue
from phoihop.criticism import services
from phoihop.criticism.models import Critique, Disposition, DraftSection, Opinion
from phoihop.criticism.tests.conftest import person
from phoihop.orgs import services as org_services

pytestmark = pytest.mark.django_db

PAGES = [
    ("get", "critique-detail", {}),
    ("post", "critique-invite", {}),
    ("post", "critique-expert-add", {}),
    ("post", "critique-open", {}),
    ("get", "version-add", {}),
    ("get", "version-file", {"number": 1}),
    ("get", "opinion-give", {}),
    ("get", "critique-consolidate", {}),
    ("post", "critique-issue", {}),
    ("get", "dispositions", {}),
    ("post", "critique-close", {}),
    ("get", "critique-document", {"extension": "docx"}),
    ("get", "disposition-table", {"extension": "docx"}),
]


@pytest.mark.parametrize(("method", "name", "extra"), PAGES)
def test_officer_from_other_commune_gets_404_on_every_page(
    client, critique, officer_other_commune, method, name, extra
):
    client.force_login(officer_other_commune)
    response = getattr(client, method)(reverse(f"criticism:{name}", kwargs={"pk": critique.pk, **extra}))
    assert response.status_code == 404


@pytest.fixture
def call(client):
    tokens = {}

    def send(user, method, path, body=None):
        if user.pk not in tokens:
            tokens[user.pk] = token_issue(user=user, name="tests")[1]
        kwargs = {"headers": {"Authorization": f"Bearer {tokens[user.pk]}"}}
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/json")
        return getattr(client, method)("/api/v1/criticism" + path, **kwargs)

    return send


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/{pk}", None),
        ("get", "/{pk}/opinions", None),
        ("post", "/{pk}/opinions", {"text": "x", "author_unit": "07093-UBND"}),
        ("post", "/{pk}/issue", {"on_date": "2026-02-02"}),
        ("post", "/{pk}/dispositions", {"rows": []}),
        ("get", "/{pk}/versions", None),
        ("post", "/{pk}/versions", {"received_on": "2026-02-01", "text": "Điều 1. X"}),
        ("post", "/{pk}/invitations", {"units": ["07093-UBND"]}),
        ("post", "/{pk}/experts", {"name": "X"}),
        ("post", "/{pk}/open", None),
        ("post", "/{pk}/consolidate", {"selections": []}),
        ("post", "/{pk}/close", None),
    ],
)
def test_officer_from_other_commune_gets_404_on_every_endpoint(
    call, critique, officer_other_commune, method, path, body
):
    response = call(officer_other_commune, method, path.format(pk=critique.pk), body)
    assert response.status_code == 404
    listed = call(officer_other_commune, "get", "")
    assert listed.json()["count"] == 0


def test_drafts_are_visible_to_invited_organisations_only(client, tree, critique, hlhpn_officer, sonv_officer):
    services.opinion_submit(
        actor=hlhpn_officer, critique=critique, text="Ý kiến bí mật của Hội", author_unit=tree["hlhpn"]
    )
    # A member organisation that was not invited (the Farmers' Association) sees nothing.
    farmers = org_services.unit_create(
        actor=None, parent=tree["mttq"], code="22-HND", name="Hội Nông dân tỉnh", kind="mass_org", audit=False
    )
    farmer = person("nongdan", farmers)
    client.force_login(farmer)
    assert client.get(critique.get_absolute_url()).status_code == 404
    assert client.get(reverse("criticism:opinion-give", args=[critique.pk])).status_code == 404

    client.force_login(hlhpn_officer)
    page = client.get(reverse("criticism:opinion-give", args=[critique.pk]))
    assert page.status_code == 200 and "Ý kiến bí mật của Hội" in page.content.decode()

    # The drafting agency sees its critique and its draft, not the opinions before consolidation.
    client.force_login(sonv_officer)
    detail = client.get(critique.get_absolute_url()).content.decode()
    assert "Mức hỗ trợ" in detail and "Ý kiến bí mật của Hội" not in detail
    assert client.get(reverse("criticism:opinion-give", args=[critique.pk])).status_code == 404


def test_invited_organisations_do_not_see_a_critique_still_being_prepared(client, tree, front_officer, hlhpn_officer):
    critique = services.critique_create(
        actor=front_officer,
        front_unit=tree["mttq"],
        drafting_unit=tree["sonv"],
        title="Kế hoạch văn hóa",
        draft_kind="plan",
        form="written",
        opinions_due=dt.date(2026, 3, 1),
    )
    services.critique_invite(actor=front_officer, critique=critique, units=[tree["hlhpn"]])
    client.force_login(hlhpn_officer)
    assert client.get(critique.get_absolute_url()).status_code == 404


def test_an_invited_organisation_gives_an_opinion_on_a_section_from_its_page(client, tree, critique, hlhpn_officer):
    section = DraftSection.objects.get(version__critique=critique, number="Điều 2")
    client.force_login(hlhpn_officer)
    url = reverse("criticism:opinion-give", args=[critique.pk])
    response = client.post(
        url, {"author": f"u:{tree['hlhpn'].pk}", "section": section.pk, "text": "Thêm hộ mới thoát nghèo."}
    )
    assert response.status_code == 302
    opinion = Opinion.objects.get()
    assert (opinion.section, opinion.author_unit, opinion.submitted_by) == (section, tree["hlhpn"], hlhpn_officer)
    refused = client.post(url, {"author": f"u:{tree['hlhpn'].pk}", "text": ""})
    assert refused.status_code == 400 and Opinion.objects.count() == 1


def test_the_disposition_form_names_the_row_missing_its_explanation(
    client, tree, critique, front_officer, hlhpn_officer, sonv_officer
):
    first = services.opinion_submit(actor=hlhpn_officer, critique=critique, text="Một", author_unit=tree["hlhpn"])
    second = services.opinion_submit(actor=hlhpn_officer, critique=critique, text="Hai", author_unit=tree["hlhpn"])
    services.critique_consolidate(
        actor=front_officer,
        critique=critique,
        selections=[services.Selection(first.pk, True), services.Selection(second.pk, True)],
    )
    client.force_login(front_officer)
    assert (
        client.post(reverse("criticism:critique-issue", args=[critique.pk]), {"on_date": "2026-02-02"}).status_code
        == 302
    )
    client.force_login(sonv_officer)
    url = reverse("criticism:dispositions", args=[critique.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            f"outcome_{first.pk}": "accepted",
            f"explanation_{first.pk}": "Đã sửa",
            f"outcome_{second.pk}": "not_accepted",
        },
    )
    assert response.status_code == 400
    # The page speaks the person's language (Vietnamese by default): compare with the catalogue's words.
    with translation.override("vi"):
        expected = gettext("Row %(row)s: the disposition is missing its explanation.") % {"row": 2}
    assert expected in response.content.decode()
    assert not Disposition.objects.exists()
    # The Front's officer cannot record the agency's dispositions.
    client.force_login(front_officer)
    assert client.get(url).status_code == 403


def test_the_api_walks_opinion_issue_and_dispositions(call, tree, critique, front_officer, hlhpn_officer, sonv_officer):
    made = call(
        hlhpn_officer, "post", f"/{critique.pk}/opinions", {"text": "Ý kiến qua API", "author_unit": "22-HLHPN"}
    )
    assert made.status_code == 201
    services.critique_consolidate(
        actor=front_officer, critique=critique, selections=[services.Selection(made.json()["id"], True)]
    )
    assert call(sonv_officer, "post", f"/{critique.pk}/issue", {"on_date": "2026-02-02"}).status_code == 403
    issued = call(front_officer, "post", f"/{critique.pk}/issue", {"on_date": "2026-02-02"})
    assert issued.status_code == 200 and issued.json()["disposition_due"] == "2026-02-23"
    bad = call(
        sonv_officer,
        "post",
        f"/{critique.pk}/dispositions",
        {"rows": [{"opinion_id": made.json()["id"], "outcome": "accepted", "explanation": ""}]},
    )
    assert bad.status_code == 422
    good = call(
        sonv_officer,
        "post",
        f"/{critique.pk}/dispositions",
        {"rows": [{"opinion_id": made.json()["id"], "outcome": "accepted", "explanation": "Đã tiếp thu"}]},
    )
    assert good.status_code == 200 and good.json()[0]["outcome"] == "accepted"
    assert Critique.objects.get().status == Critique.Status.DISPOSED
    # The drafting agency reads the opinions of the document through the API.
    assert call(sonv_officer, "get", f"/{critique.pk}/opinions").json()["count"] == 1


def test_the_list_page_is_paginated_with_few_queries(client, tree, front_officer, django_assert_max_num_queries):
    for n in range(30):
        services.critique_create(
            actor=front_officer,
            front_unit=tree["mttq"],
            drafting_unit=tree["sonv"],
            title=f"Dự thảo {n}",
            draft_kind="plan",
            form="written",
            opinions_due=dt.date(2026, 3, 1),
        )
    client.force_login(front_officer)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("criticism:critique-list"))
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 30 and len(response.context["page"].object_list) == 25


def test_the_critique_page_shows_the_basis_of_the_deadline_with_few_queries(
    client, tree, critique, front_officer, django_assert_max_num_queries
):
    client.force_login(front_officer)
    with django_assert_max_num_queries(25):
        response = client.get(critique.get_absolute_url())
    assert response.status_code == 200


def test_an_expert_with_an_account_is_told_and_gives_an_opinion_through_the_api(
    call, client, tree, front_officer, sonv_officer
):
    from phoihop.notify.models import Notification

    scholar = person("chuyengia", tree["other_ubnd"])  # an account anywhere; the invitation is what counts
    made = call(
        front_officer,
        "post",
        "",
        {
            "front_unit": "22-MTTQ",
            "drafting_unit": "22-SONV",
            "title": "Dự thảo quy định",
            "opinions_due": "2026-03-02",
        },
    )
    assert made.status_code == 201
    pk = made.json()["id"]
    # Invited organisations see nothing while the critique is being prepared.
    assert call(scholar, "get", f"/{pk}").status_code == 404
    assert (
        call(
            sonv_officer, "post", f"/{pk}/versions", {"received_on": "2026-02-03", "text": "Điều 1. Phạm vi"}
        ).status_code
        == 201
    )
    expert = call(front_officer, "post", f"/{pk}/experts", {"name": "PGS. Lê Minh", "username": "chuyengia"})
    assert expert.status_code == 201
    assert call(front_officer, "post", f"/{pk}/open").json()["status"] == "collecting"
    assert Notification.objects.filter(recipient=scholar, key=f"criticism.invited:{pk}:experts").exists()
    sections = call(scholar, "get", f"/{pk}/versions").json()[0]["sections"]
    opinion = call(
        scholar,
        "post",
        f"/{pk}/opinions",
        {"text": "Cần định nghĩa rõ.", "section_id": sections[0]["id"], "expert_id": expert.json()["id"]},
    )
    assert opinion.status_code == 201 and opinion.json()["author"] == "PGS. Lê Minh"
    # The expert cannot speak for an organisation, nor manage the critique.
    assert call(scholar, "post", f"/{pk}/opinions", {"text": "x", "author_unit": "07093-UBND"}).status_code == 403
    assert call(scholar, "post", f"/{pk}/close").status_code == 403


def test_after_dispositions_every_party_sees_the_table_and_downloads_it(
    client, tree, critique, front_officer, hlhpn_officer, sonv_officer
):
    from phoihop.criticism.tests.conftest import DRAFT_TEXT_2

    section = DraftSection.objects.get(version__critique=critique, number="Điều 3")
    opinion = services.opinion_submit(
        actor=hlhpn_officer, critique=critique, text="Nâng mức", section=section, author_unit=tree["hlhpn"]
    )
    services.critique_consolidate(
        actor=front_officer, critique=critique, selections=[services.Selection(opinion.pk, True)]
    )
    services.critique_issue(actor=front_officer, critique=critique, on_date=dt.date(2026, 2, 2))
    v2 = services.version_add(actor=sonv_officer, critique=critique, received_on=dt.date(2026, 2, 9), text=DRAFT_TEXT_2)
    services.dispositions_record(
        actor=sonv_officer,
        critique=critique,
        rows=[
            services.DispositionRow(opinion.pk, "accepted", "Đã nâng mức hỗ trợ", v2.sections.get(number="Điều 3").pk)
        ],
    )
    for user in (front_officer, hlhpn_officer, sonv_officer):
        client.force_login(user)
        page = client.get(critique.get_absolute_url())
        assert page.status_code == 200
        assert "Đã nâng mức hỗ trợ" in page.content.decode()
        assert page.context["changed"] == {v2.sections.get(number="Điều 3").pk: True}
        download = client.get(reverse("criticism:disposition-table", args=[critique.pk, "docx"]))
        assert download.status_code == 200 and download["Content-Disposition"].endswith('.docx"')
    assert client.get(reverse("criticism:disposition-table", args=[critique.pk, "odt"])).status_code == 404


def test_the_critique_document_pdf_comes_from_libreoffice_or_says_what_to_install(client, critique, front_officer):
    from phoihop.documents.pdf import pdf_unavailable_reason

    client.force_login(front_officer)
    response = client.get(reverse("criticism:critique-document", args=[critique.pk, "pdf"]))
    if pdf_unavailable_reason() is None:
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert b"".join(response.streaming_content).startswith(b"%PDF")
    else:
        assert response.status_code == 503 and "libreoffice" in response.content.decode().lower()
