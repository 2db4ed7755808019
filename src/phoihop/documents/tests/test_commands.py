"""`phoihop sample-document`: a sample to look at, as DOCX and PDF."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from docx import Document

from phoihop.documents.tests.conftest import require_pdf_tools


def test_sample_document_writes_a_docx_a_person_can_open(tmp_path):
    out = tmp_path / "baocao.docx"
    stdout = io.StringIO()
    call_command("sample-document", "--out", str(out), stdout=stdout)
    docx = Document(str(out))
    assert docx.tables[0].rows[1].cells[0].paragraphs[0].text == "Số: 05/BC-MTTQ"
    assert f"wrote {out}" in stdout.getvalue()
    assert not out.with_suffix(".pdf").exists()


def test_sample_draft_letter_has_no_number(tmp_path):
    out = tmp_path / "congvan.docx"
    call_command("sample-document", "--out", str(out), "--kind", "letter", "--draft", stdout=io.StringIO())
    assert Document(str(out)).tables[0].rows[1].cells[0].paragraphs[0].text == "Số:      /UBND-VX"


def test_sample_document_with_pdf_writes_both(tmp_path):
    require_pdf_tools()
    out = tmp_path / "baocao.docx"
    call_command("sample-document", "--out", str(out), "--pdf", stdout=io.StringIO())
    assert out.with_suffix(".pdf").read_bytes().startswith(b"%PDF-")


def test_sample_document_pdf_without_libreoffice_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    out = tmp_path / "baocao.docx"
    with pytest.raises(CommandError, match="apt-get install --no-install-recommends libreoffice-writer-nogui"):
        call_command("sample-document", "--out", str(out), "--pdf", stdout=io.StringIO())
    assert out.exists()  # the DOCX is written all the same


def test_sample_document_refuses_another_extension(tmp_path):
    with pytest.raises(CommandError, match=r"\.docx"):
        call_command("sample-document", "--out", str(tmp_path / "x.pdf"), stdout=io.StringIO())
