"""The insights demo (the two reviews of Regulation 194, one urging letter) and `phoihop review-report`.

Both run on the Regulation 194 demo (loaded once for the module, see test_report_document).
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from docx import Document

from phoihop.documents.tests.conftest import require_pdf_tools
from phoihop.insights import demo as insights_demo
from phoihop.insights.models import ReviewReport, UrgingLetter
from phoihop.insights.tests import test_report_document as base
from phoihop.notify.models import Notification

demo, loaded = base.demo, base.loaded


def test_demo_generates_the_interim_review_issued_on_the_conference_day_and_the_final_draft(loaded):
    counts = insights_demo.load()
    assert counts == {"reports": 2, "letters": 1}
    interim = ReviewReport.objects.get(kind="interim")
    assert (interim.date_from, interim.date_to) == (dt.date(2021, 11, 30), dt.date(2024, 5, 31))
    assert interim.is_issued and interim.issued_on == dt.date(2024, 5, 31) and interim.issuing_unit.code == "22-UBND"
    texts = [
        c.text
        for t in Document(io.BytesIO(bytes(interim.versions.order_by("-number")[0].docx))).tables
        for r in t.rows
        for c in r.cells
    ]
    assert f"Số: {interim.number:02d}/BC-UBND" in texts
    final = ReviewReport.objects.get(kind="final")
    assert (final.date_from, final.date_to) == (dt.date(2021, 11, 30), dt.date(2025, 12, 31))
    assert final.status == ReviewReport.Status.DRAFT and final.versions.count() == 1
    letter = UrgingLetter.objects.get()
    assert letter.is_sent and letter.items
    assert Notification.objects.filter(kind="urged", url=letter.get_absolute_url()).exists()
    # Idempotent: a second run adds nothing.
    assert insights_demo.load() == {"reports": 0, "letters": 0}
    assert ReviewReport.objects.count() == 2 and UrgingLetter.objects.count() == 1


def test_cli_writes_the_interim_review_docx(loaded, tmp_path, capsys):
    out = tmp_path / "so-ket.docx"
    call_command(
        "review-report", "--agreement", "194/QCPH", "--from", "2021-11-30", "--to", "2024-05-31", "--out", str(out)
    )
    document = Document(str(out))
    assert document.tables[0].rows[1].cells[0].text == "Số:      /BC-MTTQ"
    assert "wrote" in capsys.readouterr().out


def test_cli_writes_the_pdf_beside_it_with_libreoffice(loaded, tmp_path):
    require_pdf_tools()
    out = tmp_path / "tong-ket.docx"
    call_command(
        "review-report",
        "--agreement",
        "194/QCPH",
        "--from",
        "2021-11-30",
        "--to",
        "2025-12-31",
        "--kind",
        "final",
        "--out",
        str(out),
        "--pdf",
    )
    assert out.with_suffix(".pdf").read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--agreement", "999/XX", "--from", "2022-01-01", "--to", "2022-12-31"], "no agreement"),
        (["--agreement", "194/QCPH", "--from", "2020-01-01", "--to", "2022-12-31"], "30/11/2021"),
        (["--agreement", "194/QCPH", "--from", "2022-13-01", "--to", "2022-12-31"], "not a date"),
    ],
)
def test_cli_explains_bad_input(loaded, tmp_path, arguments, message):
    with pytest.raises(CommandError, match=message):
        call_command("review-report", *arguments, "--out", str(tmp_path / "x.docx"))
