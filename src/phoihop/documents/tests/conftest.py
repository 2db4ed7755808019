"""Fixtures of the documents tests: the PDF tools, and the sample report as DOCX and PDF.

Without LibreOffice (or poppler's pdftotext/pdffonts) the PDF tests skip on a developer's
machine with the install line; CI sets PHOIHOP_REQUIRE_PDF=1 so a missing LibreOffice fails
the run instead of hiding the tests (as PHOIHOP_REQUIRE_BROWSER does for Chromium).
"""

from __future__ import annotations

import io
import shutil

import pytest
from docx import Document

from phoihop.documents.builder import render_docx
from phoihop.documents.pdf import pdf_unavailable_message, render_pdf
from phoihop.documents.samples import sample_report
from phoihop.env import env_bool


def require_pdf_tools() -> None:
    problems = []
    if shutil.which("soffice") is None and shutil.which("libreoffice") is None:
        problems.append(pdf_unavailable_message())
    missing = [name for name in ("pdftotext", "pdffonts", "pdftoppm") if shutil.which(name) is None]
    if missing:
        problems.append(f"{', '.join(missing)} missing: apt-get install poppler-utils")
    if problems:
        message = " ".join(problems)
        if env_bool("PHOIHOP_REQUIRE_PDF"):
            pytest.fail(message + " PHOIHOP_REQUIRE_PDF=1 makes this a failure (CI).", pytrace=False)
        pytest.skip(message)


@pytest.fixture(scope="session")
def sample_docx_bytes() -> bytes:
    return render_docx(sample_report())


@pytest.fixture
def sample_docx(sample_docx_bytes):
    return Document(io.BytesIO(sample_docx_bytes))


@pytest.fixture(scope="session")
def sample_pdf(sample_docx_bytes) -> bytes:
    """The sample converted once per run (LibreOffice takes about two seconds)."""
    require_pdf_tools()
    return render_pdf(sample_docx_bytes)
