"""DOCX → PDF through LibreOffice: Vietnamese survives, the fonts are embedded, page 1 has no number."""

from __future__ import annotations

import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from phoihop.documents import pdf
from phoihop.documents.pdf import PdfUnavailable, pdf_unavailable_reason, render_pdf
from phoihop.documents.tests.conftest import require_pdf_tools


def run(*command: str) -> str:
    return subprocess.run(command, capture_output=True, text=True, check=True, timeout=60).stdout


@pytest.fixture
def pdf_file(sample_pdf, tmp_path) -> Path:
    path = tmp_path / "baocao.pdf"
    path.write_bytes(sample_pdf)
    return path


def test_pdf_keeps_the_vietnamese_text(pdf_file):
    text = run("pdftotext", "-layout", str(pdf_file), "-")
    for line in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Số: 05/BC-MTTQ",
        "Quảng Ninh, ngày 05 tháng 01 năm 2026",
        "Nguyễn Thị Minh Hà",
        "Nơi nhận:",
    ):
        assert line in text


def test_pdf_embeds_times_new_roman_or_liberation_serif(pdf_file):
    fonts = run("pdffonts", str(pdf_file)).splitlines()[2:]
    names = [line.split()[0].split("+")[-1] for line in fonts]
    assert names
    # Every font is the serif of the decree (or its metric twin), and every one is embedded.
    assert all(name.startswith(("LiberationSerif", "TimesNewRoman")) for name in names), names
    assert all(" yes " in line for line in fonts)


def test_page_one_has_no_number_and_page_two_has_it(pdf_file):
    pages = int(
        next(line for line in run("pdfinfo", str(pdf_file)).splitlines() if line.startswith("Pages:")).split()[1]
    )
    assert pages >= 2
    first = run("pdftotext", "-f", "1", "-l", "1", str(pdf_file), "-").split()
    second = run("pdftotext", "-f", "2", "-l", "2", str(pdf_file), "-").split()
    assert first[0] != "1"
    assert first[:2] == ["ỦY", "BAN"]  # the page starts with the header block
    assert second[0] == "2"


def test_pdf_page_renders_to_an_image(pdf_file, tmp_path):
    # pdftoppm is how a person (or a reviewer) looks at the layout: it must be able to read it.
    run("pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", str(pdf_file), str(tmp_path / "page"))
    image = next(tmp_path.glob("page*.png"))
    assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_without_libreoffice_the_pdf_says_how_to_install_it(monkeypatch, tmp_path, sample_docx_bytes):
    monkeypatch.setenv("PATH", str(tmp_path))  # a PATH with no soffice on it
    with pytest.raises(PdfUnavailable) as excinfo:
        render_pdf(sample_docx_bytes)
    assert "libreoffice-writer-nogui" in str(excinfo.value)
    assert pdf_unavailable_reason() == str(excinfo.value)


def test_with_libreoffice_nothing_stands_in_the_way(sample_pdf):
    assert pdf_unavailable_reason() is None
    assert sample_pdf.startswith(b"%PDF-")


def _processes_using(folder_prefix: str) -> list[str]:
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            text = cmdline.read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        if folder_prefix in text and "soffice" in text:
            found.append(text)
    return found


def test_a_conversion_that_runs_too_long_is_stopped_with_its_children(
    sample_pdf, sample_docx_bytes, tmp_path, monkeypatch
):
    # Its own temporary folder, so only this conversion's processes are looked for (other
    # test runs on the machine may be converting at the same moment).
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    started = time.monotonic()
    with pytest.raises(pdf.PdfConversionError, match="did not finish within"):
        render_pdf(sample_docx_bytes, timeout=0.8)
    # The call comes back at the timeout, and no LibreOffice process of it is left running.
    assert time.monotonic() - started < 3
    assert _processes_using(str(tmp_path)) == []


def test_pdf_tests_skip_with_the_install_line_when_libreoffice_is_missing(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("PHOIHOP_REQUIRE_PDF", raising=False)
    with pytest.raises(pytest.skip.Exception, match="libreoffice-writer-nogui"):
        require_pdf_tools()


def test_pdf_tests_fail_when_ci_requires_libreoffice(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("PHOIHOP_REQUIRE_PDF", "1")
    with pytest.raises(pytest.fail.Exception, match="PHOIHOP_REQUIRE_PDF=1"):
        require_pdf_tools()
