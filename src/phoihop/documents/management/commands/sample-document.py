"""`phoihop sample-document --out FILE.docx [--pdf]`: write a sample Decree 30 document to look at."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from phoihop.documents.builder import render_docx
from phoihop.documents.pdf import INSTALL_COMMAND, PdfConversionError, PdfUnavailable, render_pdf
from phoihop.documents.samples import sample_letter, sample_report


class Command(BaseCommand):
    help = (
        "Write a sample official document in the Decree 30 format (a Quảng Ninh report, or a letter) "
        "as DOCX, and with --pdf also as PDF beside it (needs LibreOffice)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", required=True, help="the .docx file to write")
        parser.add_argument("--pdf", action="store_true", help="also write the PDF (same name, .pdf)")
        parser.add_argument("--kind", choices=["report", "letter"], default="report", help="which sample")
        parser.add_argument("--draft", action="store_true", help="an unissued draft: no number, marked DỰ THẢO")

    def handle(self, *args: Any, **options: Any) -> None:
        out = Path(options["out"])
        if out.suffix.lower() != ".docx":
            raise CommandError("--out must name a .docx file")
        if not out.parent.exists():
            raise CommandError(f"folder {out.parent} does not exist")
        document = sample_letter() if options["kind"] == "letter" else sample_report()
        if options["draft"]:
            document.number = None
        data = render_docx(document)
        out.write_bytes(data)
        self.stdout.write(f"wrote {out} ({len(data):,} bytes)")
        if options["pdf"]:
            started = time.monotonic()
            try:
                pdf = render_pdf(data)
            except PdfUnavailable as exc:
                raise CommandError(f"PDF needs LibreOffice, which is not installed: {INSTALL_COMMAND}") from exc
            except PdfConversionError as exc:
                raise CommandError(str(exc)) from exc
            target = out.with_suffix(".pdf")
            target.write_bytes(pdf)
            self.stdout.write(f"wrote {target} ({len(pdf):,} bytes, {time.monotonic() - started:.1f} s)")
