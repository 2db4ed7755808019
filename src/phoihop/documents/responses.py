"""Downloads of built documents, the same way from every module's views.

    return document_download(render_docx(doc), document_filename(doc, "docx"))

A view offering the PDF catches `pdf.PdfUnavailable` and shows its message (it says what to
install); `pdf.pdf_unavailable_reason()` lets the page say so before anyone clicks.
"""

from __future__ import annotations

import io

from django.http import FileResponse, HttpResponse
from django.utils.text import slugify

from phoihop.core.text import fold
from phoihop.documents.builder import OfficialDocument, document_number, render_docx

CONTENT_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def document_filename(doc: OfficialDocument, extension: str) -> str:
    """Return "05-BC-MTTQ-2026-01-05.docx"; a draft is "du-thao-BC-MTTQ.docx".

    ASCII only: e-mail clients and older Windows tools still mangle accented file names.
    """
    symbol = slugify(fold(doc.symbol)).upper() or "VB"
    if doc.number is None:
        return f"du-thao-{symbol}.{extension}"
    day = f"-{doc.date.isoformat()}" if doc.date else ""
    return f"{document_number(doc.number)}-{symbol}{day}.{extension}"


def document_download(content: bytes, filename: str) -> FileResponse:
    """Return the file as an attachment with the content type its extension names."""
    extension = filename.rsplit(".", 1)[-1].lower()
    return FileResponse(
        io.BytesIO(content),
        as_attachment=True,
        filename=filename,
        content_type=CONTENT_TYPES.get(extension, "application/octet-stream"),
    )


def official_document_response(doc: OfficialDocument, extension: str) -> HttpResponse:
    """Return the document as DOCX, or as PDF when `extension` is "pdf".

    Without LibreOffice the PDF answers 503 with the message saying what to install: the DOCX
    is still there, so nothing the person needs is lost.
    """
    from phoihop.documents.pdf import PdfUnavailable, render_pdf

    content = render_docx(doc)
    if extension == "pdf":
        try:
            content = render_pdf(content)
        except PdfUnavailable as exc:
            return HttpResponse(str(exc), status=503, content_type="text/plain; charset=utf-8")
    return document_download(content, document_filename(doc, extension))
