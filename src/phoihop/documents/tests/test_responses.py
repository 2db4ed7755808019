"""File names and download responses of built documents."""

from __future__ import annotations

from phoihop.documents.builder import render_docx
from phoihop.documents.responses import document_download, document_filename
from phoihop.documents.samples import sample_letter, sample_report


def test_issued_document_file_name_carries_number_symbol_and_date():
    assert document_filename(sample_report(), "docx") == "05-BC-MTTQ-2026-01-05.docx"
    assert document_filename(sample_letter(), "pdf") == "12-UBND-VX-2021-11-30.pdf"


def test_draft_file_name_says_draft():
    assert document_filename(sample_report(number=None), "docx") == "du-thao-BC-MTTQ.docx"


def test_a_vietnamese_symbol_gives_an_ascii_file_name():
    doc = sample_report()
    doc.symbol = "QĐ-UBND"
    assert document_filename(doc, "docx") == "05-QD-UBND-2026-01-05.docx"


def test_download_is_an_attachment_of_the_right_type():
    data = render_docx(sample_report())
    response = document_download(data, "05-BC-MTTQ-2026-01-05.docx")
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert response["Content-Disposition"] == 'attachment; filename="05-BC-MTTQ-2026-01-05.docx"'
    assert b"".join(response.streaming_content) == data
