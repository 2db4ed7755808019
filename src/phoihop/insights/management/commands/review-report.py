"""`phoihop review-report --agreement 194/QCPH --from 2021-11-30 --to 2024-05-31 --out FILE.docx [--pdf]`.

Writes the generated draft of a review report (nothing is stored; the web keeps versions). An
operator command: its output is English (STYLE §6). The figures are read as a person — by
default the first system administrator, who sees everything — because every module's
selectors answer for a reader; `--as USERNAME` reads them as someone else.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser, no_translations
from django.db.models import Q

from phoihop.agreements.models import Agreement
from phoihop.documents.pdf import INSTALL_COMMAND, PdfConversionError, PdfUnavailable, render_pdf
from phoihop.insights.report import build_review_document
from phoihop.orgs.models import Role, Unit, User


def _date(value: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{option} {value!r} is not a date: write it as YYYY-MM-DD") from None


def _reader(username: str) -> User:
    if username:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"no active person has the username {username!r}")
        return user
    admins = User.objects.filter(is_active=True).filter(
        Q(is_superuser=True) | Q(memberships__role=Role.SYSTEM_ADMIN, memberships__ended_on__isnull=True)
    )
    user = admins.order_by("pk").first()
    if user is None:
        raise CommandError("no system administrator to read the figures as: pass --as USERNAME")
    return user


class Command(BaseCommand):
    help = (
        "Write the generated draft of the interim or final review report of an agreement for a period "
        "(Decree 30 DOCX; with --pdf also the PDF beside it, which needs LibreOffice)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--agreement", required=True, help='the agreement\'s number and symbol, e.g. "194/QCPH"')
        parser.add_argument("--from", dest="date_from", required=True, help="first day of the period (YYYY-MM-DD)")
        parser.add_argument("--to", dest="date_to", required=True, help="last day of the period (YYYY-MM-DD)")
        parser.add_argument("--out", required=True, help="the .docx file to write")
        parser.add_argument("--pdf", action="store_true", help="also write the PDF (same name, .pdf)")
        parser.add_argument(
            "--kind", choices=["interim", "final"], default="interim", help="interim (default) or final"
        )
        parser.add_argument("--issuer", default="", help="code of the issuing body (default: the agreement's owner)")
        parser.add_argument("--as", dest="username", default="", help="read the figures as this person")

    @no_translations  # operator output stays English; the document itself is built in Vietnamese
    def handle(self, *args: Any, **options: Any) -> None:
        out = Path(options["out"])
        if out.suffix.lower() != ".docx":
            raise CommandError("--out must name a .docx file")
        if not out.parent.exists():
            raise CommandError(f"folder {out.parent} does not exist")
        agreements = Agreement.objects.filter(number=options["agreement"].strip()).order_by("-effective_from")
        if not agreements.exists():
            raise CommandError(f"no agreement has the number {options['agreement']!r}")
        if agreements.count() > 1:
            self.stderr.write(f"{agreements.count()} agreements have this number; using the latest")
        agreement = agreements.first()
        issuer = None
        if options["issuer"]:
            issuer = Unit.objects.filter(code=options["issuer"].strip(), valid_to__isnull=True).first()
            if issuer is None:
                raise CommandError(f"no open unit has the code {options['issuer']!r}")
        started = time.monotonic()
        try:
            data = build_review_document(
                agreement=agreement,
                date_from=_date(options["date_from"], "--from"),
                date_to=_date(options["date_to"], "--to"),
                user=_reader(options["username"]),
                kind=options["kind"],
                issuing_unit=issuer,
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        out.write_bytes(data)
        self.stdout.write(f"wrote {out} ({len(data):,} bytes, {time.monotonic() - started:.2f} s)")
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
