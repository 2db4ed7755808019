"""Urging letters: drafted from what a unit owes now, numbered and sent, seen by the unit, scoped.

Runs on the Regulation 194 demo as of 20/10/2025 (loaded once for the module): Sở Nội vụ has
duties of the regulation left open after their deadline.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from docx import Document

from phoihop.agreements import selectors as agreement_selectors
from phoihop.core.models import AuditEvent
from phoihop.insights import letters
from phoihop.insights.models import UrgingLetter
from phoihop.insights.tests import test_report_document as base
from phoihop.insights.tests.test_report_document import TODAY, person, unit
from phoihop.notify.models import Notification

demo, loaded = base.demo, base.loaded


@pytest.fixture
def letter(loaded):
    return letters.urging_letter_draft(
        actor=person("ubnd"), unit=unit("22-SONV"), issuing_unit=unit("22-UBND"), signer_name="Phạm Quang Minh"
    )


def docx_texts(content: bytes) -> list[str]:
    document = Document(io.BytesIO(content))
    return [p.text for p in document.paragraphs] + [c.text for t in document.tables for r in t.rows for c in r.cells]


def test_a_draft_lists_the_units_overdue_duties_oldest_first(letter):
    overdue = agreement_selectors.occurrence_list(
        user=person("ubnd"), unit=unit("22-SONV"), status=agreement_selectors.OVERDUE, today=TODAY
    )
    duties = [(i["title"], i["deadline"]) for i in letter.items if i["kind"] == letters.KIND_DUTY]
    assert duties == [(o.obligation.title, o.due_on.isoformat()) for o in overdue]
    assert [i["deadline"] for i in letter.items] == sorted(i["deadline"] for i in letter.items)
    assert letter.status == UrgingLetter.Status.DRAFT and letter.number is None
    assert AuditEvent.objects.filter(verb="urging_letter.drafted", target_id=str(letter.pk)).exists()


def test_a_unit_with_nothing_overdue_gets_no_letter(loaded):
    with translation.override("en"), pytest.raises(ValidationError) as error:
        letters.urging_letter_draft(actor=person("admin"), unit=unit("22"), issuing_unit=unit("22-UBND"))
    assert "nothing to urge" in error.value.messages[0]


def test_sending_numbers_the_letter_keeps_its_docx_and_notifies_the_unit(letter):
    sent = letters.urging_letter_send(actor=person("ubnd.chutich"), letter=letter, on_date=dt.date(2025, 10, 20))
    assert sent.status == UrgingLetter.Status.SENT and sent.symbol == "UBND-VP"
    texts = docx_texts(bytes(sent.docx))
    assert f"Số: {sent.number:02d}/UBND-VP" in " ".join(texts)
    assert "\nV/v " in " ".join(texts)  # under the number, in the header block
    assert "Kính gửi: Sở Nội vụ." in texts
    assert "Quảng Ninh, ngày 20 tháng 10 năm 2025" in texts
    first = sent.items[0]
    assert any(first["title"] in t for t in texts)
    notice = Notification.objects.get(recipient=person("sonoivu"), kind="urged")
    assert notice.url == sent.get_absolute_url()
    assert AuditEvent.objects.filter(verb="urging_letter.sent", target_id=str(sent.pk)).exists()
    with pytest.raises(ValidationError):
        letters.urging_letter_send(actor=person("ubnd.chutich"), letter=sent)


def test_the_unit_sees_its_letter_once_sent_not_the_draft(client, letter):
    client.force_login(person("sonoivu"))
    assert client.get(letter.get_absolute_url()).status_code == 404
    letters.urging_letter_send(actor=person("ubnd.chutich"), letter=letter)
    assert client.get(letter.get_absolute_url()).status_code == 200
    page = client.get(reverse("insights:unit-letters", args=[unit("22-SONV").pk]))
    assert letter in page.context["page"].object_list


def test_officer_drafts_from_the_units_page_and_only_the_leader_sends(client, loaded):
    client.force_login(person("ubnd"))
    url = reverse("insights:unit-letters", args=[unit("22-SONV").pk])
    page = client.get(url)
    assert page.status_code == 200 and page.context["items"]
    response = client.post(url, {"issuing_unit": unit("22-UBND").pk})
    letter = UrgingLetter.objects.get()
    assert response.status_code == 302 and response["Location"] == letter.get_absolute_url()
    assert client.post(reverse("insights:letter-send", args=[letter.pk])).status_code == 403
    client.force_login(person("ubnd.chutich"))
    assert client.post(reverse("insights:letter-send", args=[letter.pk])).status_code == 302
    download = client.get(reverse("insights:letter-download", args=[letter.pk]))
    assert download.status_code == 200


def test_officer_from_another_commune_gets_404(client, letter):
    client.force_login(person("xa2"))
    assert client.get(letter.get_absolute_url()).status_code == 404
    assert client.get(reverse("insights:unit-letters", args=[unit("22-SONV").pk])).status_code == 404
    assert client.post(reverse("insights:letter-send", args=[letter.pk])).status_code == 404
    assert client.get(f"/api/v1/insights/letters/{letter.pk}").status_code == 404


def test_api_drafts_and_sends(client, loaded):
    client.force_login(person("ubnd"))
    created = client.post(
        "/api/v1/insights/letters", {"unit": "22-SONV", "issuing_unit": "22-UBND"}, content_type="application/json"
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "draft" and body["items"]
    client.force_login(person("ubnd.chutich"))
    sent = client.post(f"/api/v1/insights/letters/{body['id']}/send")
    assert sent.status_code == 200 and sent.json()["number"] >= 1
