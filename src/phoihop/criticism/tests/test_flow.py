"""A critique from draft to disposition table, with deadlines across Tết 2026."""

from __future__ import annotations

import datetime as dt
import io

import docx
import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from phoihop.core.models import AuditEvent
from phoihop.criticism import critique_document, selectors, services
from phoihop.criticism.models import Critique, DraftSection
from phoihop.criticism.tests.conftest import DRAFT_TEXT_2
from phoihop.notify.models import Notification

pytestmark = pytest.mark.django_db


def test_a_pasted_draft_is_split_on_articles_chapters_and_numbered_headings():
    sections = services.split_sections("Lời nói đầu\nChương I\nĐiều 1. Phạm vi\nNội dung\n2. Mục tiêu\nTăng thu nhập")
    assert [(s.number, s.heading, s.text) for s in sections] == [
        ("", "", "Lời nói đầu"),
        ("Chương I", "", ""),
        ("Điều 1", "Phạm vi", "Nội dung"),
        ("2", "Mục tiêu", "Tăng thu nhập"),
    ]


def _walk_to_issue(critique, front_officer, hlhpn_officer, tree):
    section3 = DraftSection.objects.get(version__critique=critique, number="Điều 3")
    first = services.opinion_submit(
        actor=hlhpn_officer,
        critique=critique,
        text="Nâng mức hỗ trợ lên 700.000 đồng.",
        section=section3,
        author_unit=tree["hlhpn"],
    )
    expert = services.expert_add(
        actor=front_officer, critique=critique, name="TS. Nguyễn Văn An", organisation="Trường Đại học Hạ Long"
    )
    second = services.opinion_submit(
        actor=front_officer, critique=critique, text="Cần làm rõ nguồn kinh phí.", expert=expert
    )
    third = services.opinion_submit(
        actor=hlhpn_officer, critique=critique, text="Ý kiến trùng lặp.", author_unit=tree["hlhpn"]
    )
    services.critique_consolidate(
        actor=front_officer,
        critique=critique,
        selections=[
            services.Selection(first.pk, True, "Đề nghị nâng mức hỗ trợ lên 700.000 đồng/hộ/tháng."),
            services.Selection(second.pk, True),
            services.Selection(third.pk, False),
        ],
        summary="Dự thảo cơ bản phù hợp.",
    )
    # Issued Monday 02/02/2026: 15 calendar days end on Tuesday 17/02, Tết; the deadline moves
    # to the next working day after the Tết holiday (16–20/02) and the weekend: Monday 23/02.
    services.critique_issue(actor=front_officer, critique=critique, on_date=dt.date(2026, 2, 2))
    return first, second, third


def test_a_critique_goes_from_draft_to_disposition_table_across_tet(
    critique, tree, front_officer, hlhpn_officer, sonv_officer
):
    first, second, _third = _walk_to_issue(critique, front_officer, hlhpn_officer, tree)
    critique.refresh_from_db()
    assert critique.status == Critique.Status.CONSOLIDATED
    assert critique.disposition_due == dt.date(2026, 2, 23)
    assert critique.deadline == dt.date(2026, 2, 23)
    assert Notification.objects.filter(recipient=sonv_officer, target=f"criticism.critique:{critique.pk}").exists()
    assert critique in selectors.critiques_addressed_to(user=sonv_officer)

    # The agency answers with version 2, whose Điều 3 took the Women's Union's opinion.
    v2 = services.version_add(
        actor=sonv_officer, critique=critique, received_on=dt.date(2026, 2, 10), text=DRAFT_TEXT_2
    )
    new3 = v2.sections.get(number="Điều 3")
    rows = [
        services.DispositionRow(first.pk, "accepted", "Đã nâng mức hỗ trợ.", new3.pk),
        services.DispositionRow(second.pk, "partly", "Nguồn kinh phí nêu tại Tờ trình."),
    ]
    services.dispositions_record(actor=sonv_officer, critique=critique, rows=rows, on_date=dt.date(2026, 2, 24))
    critique.refresh_from_db()
    assert critique.status == Critique.Status.DISPOSED
    assert critique.disposed_on == dt.date(2026, 2, 24)
    assert AuditEvent.objects.filter(verb="critique.disposed", target_id=str(critique.pk)).exists()
    assert selectors.changed_sections(critique) == {new3.pk: True}

    # One day after the deadline: late, by the shared formula.
    compliance = selectors.critique_compliance(user=front_officer, today=dt.date(2026, 3, 1))
    assert (compliance.done_on_time, compliance.done_late, compliance.overdue_open) == (0, 1, 0)
    assert (
        selectors.critique_compliance_by_unit(user=front_officer, today=dt.date(2026, 3, 1))[tree["sonv"].pk].done_late
        == 1
    )

    # The table read back from the DOCX: Decree 30 header and one row per disposition.
    opinions = list(selectors.document_opinions(critique))
    data = critique_document.disposition_table_docx(critique, opinions)
    document = docx.Document(io.BytesIO(data))
    texts = [p.text for p in document.paragraphs]
    header_cells = [c.text for t in document.tables[:1] for row in t.rows for c in row.cells]
    assert any("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in t for t in header_cells)
    assert any(t.startswith("Số: 01/BTH-") for t in header_cells)
    assert any("ngày 24 tháng 02 năm 2026" in t for t in header_cells)
    assert any("SỞ NỘI VỤ" in t.upper() for t in header_cells)
    table = next(t for t in document.tables if len(t.columns) == 8)
    body = [[c.text for c in row.cells] for row in table.rows[1:]]
    assert len(body) == 2  # the excluded opinion is not in the table
    assert body[0][0] == "1" and body[0][2] == "Đề nghị nâng mức hỗ trợ lên 700.000 đồng/hộ/tháng."
    assert body[0][4:7] == ["x", "", ""] and body[0][7] == "Đã nâng mức hỗ trợ."
    assert body[1][3] == "TS. Nguyễn Văn An, Trường Đại học Hạ Long"
    assert body[1][4:7] == ["", "x", ""]
    assert texts  # the intro paragraph is there

    # The critique document carries the Front's number and the consolidated wording.
    front_doc = docx.Document(io.BytesIO(critique_document.critique_docx(critique, opinions)))
    cells = [c.text for t in front_doc.tables[:1] for row in t.rows for c in row.cells]
    assert any(t.startswith("Số: 01/MTTQ-BTT") for t in cells)
    assert any("ngày 02 tháng 02 năm 2026" in t for t in cells)
    closing = [c.text for t in front_doc.tables[1:] for row in t.rows for c in row.cells]
    assert any(t.startswith("Nơi nhận:") and "Sở Nội vụ" in t for t in closing)
    issued = AuditEvent.objects.get(verb="critique.issued", target_id=str(critique.pk))
    assert issued.actor == front_officer and issued.changes["disposition_due"][1] == "2026-02-23"
    assert any("700.000 đồng/hộ/tháng" in p.text for p in front_doc.paragraphs)

    services.critique_close(actor=front_officer, critique=critique)
    critique.refresh_from_db()
    assert critique.status == Critique.Status.CLOSED


def test_an_unanswered_critique_is_overdue_after_the_deadline(critique, tree, front_officer, hlhpn_officer):
    _walk_to_issue(critique, front_officer, hlhpn_officer, tree)
    assert list(selectors.overdue_critiques(user=front_officer, today=dt.date(2026, 2, 23))) == []
    assert list(selectors.overdue_critiques(user=front_officer, today=dt.date(2026, 2, 24))) == [critique]
    compliance = selectors.critique_compliance(user=front_officer, today=dt.date(2026, 2, 24))
    assert compliance.overdue_open == 1 and compliance.on_time_rate == 0


def test_a_disposition_missing_its_explanation_is_refused_naming_the_row_and_nothing_is_saved(
    critique, tree, front_officer, hlhpn_officer, sonv_officer
):
    first, second, _third = _walk_to_issue(critique, front_officer, hlhpn_officer, tree)
    rows = [
        services.DispositionRow(first.pk, "accepted", "Đã sửa."),
        services.DispositionRow(second.pk, "not_accepted", "   "),
    ]
    with pytest.raises(ValidationError) as exc, translation.override("en"):  # the source text
        services.dispositions_record(actor=sonv_officer, critique=critique, rows=rows)
    assert exc.value.messages == ["Row 2: the disposition is missing its explanation."]
    assert not first.__class__.objects.filter(disposition__isnull=False).exists()


def test_bad_input_when_starting_a_critique_is_refused(tree, front_officer):
    with pytest.raises(ValidationError) as exc:
        services.critique_create(
            actor=front_officer,
            front_unit=tree["hlhpn"],
            drafting_unit=tree["hlhpn"],
            title="X",
            draft_kind="plan",
            form="written",
            opinions_due="ngày mai",
        )
    assert set(exc.value.message_dict) == {"front_unit", "drafting_unit", "opinions_due"}
    assert not Critique.objects.exists()


def test_opinions_are_refused_after_the_critique_is_issued(critique, tree, front_officer, hlhpn_officer):
    _walk_to_issue(critique, front_officer, hlhpn_officer, tree)
    with pytest.raises(ValidationError):
        services.opinion_submit(actor=hlhpn_officer, critique=critique, text="Muộn", author_unit=tree["hlhpn"])


def test_the_board_and_the_reminders_list_open_critiques(critique, tree, front_officer, sonv_officer):
    from phoihop.criticism.reminders import due_items

    assert list(selectors.critiques_for_board(user=front_officer)) == [critique]
    assert list(selectors.critiques_for_board(user=sonv_officer)) == []
    items = list(due_items(today=dt.date(2026, 1, 26), horizon=dt.date(2026, 2, 5)))
    assert [(i.key, i.due_on, i.unit) for i in items] == [
        (f"criticism.opinions:{critique.pk}:{tree['hlhpn'].pk}", dt.date(2026, 1, 30), tree["hlhpn"])
    ]
