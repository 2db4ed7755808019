"""DOCX → PDF with LibreOffice headless: one source of truth for the official document.

The PDF is the DOCX as LibreOffice lays it out, so the two never disagree. Where LibreOffice
is not installed the DOCX still works; asking for a PDF raises `PdfUnavailable`, whose message
says which package to install, and the page offering the PDF can show it (`pdf_unavailable_reason()`).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext

INSTALL_COMMAND = "apt-get install --no-install-recommends libreoffice-writer-nogui fonts-liberation2"


class PdfUnavailable(RuntimeError):
    """LibreOffice is not installed on this server."""

    def __init__(self) -> None:
        super().__init__(pdf_unavailable_message())


class PdfConversionError(RuntimeError):
    """LibreOffice ran but gave no PDF (a damaged file, a timeout)."""


def pdf_unavailable_message() -> str:
    # Translators: shown where a PDF was asked for and LibreOffice is missing on the server.
    return gettext(
        "PDF files need LibreOffice, which is not installed on this server; the DOCX file works. "
        "An administrator can install it with: %(command)s"
    ) % {"command": INSTALL_COMMAND}


def soffice_path() -> str | None:
    """Return the LibreOffice program to run (setting PHOIHOP_SOFFICE, else soffice on PATH)."""
    configured = getattr(settings, "PHOIHOP_SOFFICE", "") or ""
    if configured:
        return configured if Path(configured).is_file() else shutil.which(configured)
    return shutil.which("soffice") or shutil.which("libreoffice")


def pdf_unavailable_reason() -> str | None:
    """Return why PDFs cannot be made here (a translated sentence), or None when they can."""
    return None if soffice_path() else pdf_unavailable_message()


def render_pdf(docx_bytes: bytes, *, timeout: float = 120) -> bytes:
    """Return the PDF of a DOCX, converted by LibreOffice in a throwaway folder.

    Each conversion gets its own profile (-env:UserInstallation) and HOME: two LibreOffice
    processes sharing a profile hand the work to each other or refuse to start, and a web
    server's HOME may not be writable. The fresh profile costs about half a second.
    """
    program = soffice_path()
    if program is None:
        raise PdfUnavailable()
    with tempfile.TemporaryDirectory(prefix="phoihop-pdf-") as folder:
        work = Path(folder)
        source = work / "document.docx"
        source.write_bytes(docx_bytes)
        out = work / "out"
        env = {**os.environ, "HOME": str(work / "home"), "SAL_USE_VCLPLUGIN": "svp"}
        command = [
            program,
            "--headless",
            "--norestore",
            "--nologo",
            "--nolockcheck",
            "--nodefault",
            f"-env:UserInstallation={(work / 'profile').as_uri()}",
            "--convert-to",
            "pdf:writer_pdf_Export",
            "--outdir",
            str(out),
            str(source),
        ]
        # Its own process group: `soffice` is a launcher that starts soffice.bin, and a timeout
        # must stop both, or a stuck converter outlives the request and holds the folder.
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, start_new_session=True
        )
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise PdfConversionError(f"LibreOffice did not finish within {timeout:g} s") from exc
        target = out / "document.pdf"
        if process.returncode != 0 or not target.is_file():
            detail = (stderr or stdout).decode("utf-8", "replace").strip()[-500:]
            raise PdfConversionError(f"LibreOffice exited with {process.returncode} and wrote no PDF: {detail}")
        return target.read_bytes()
