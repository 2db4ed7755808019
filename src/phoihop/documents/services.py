"""Issuing documents: the one place a document number is taken."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from phoihop.core.audit import audit_record, created
from phoihop.documents.models import DocumentKind, IssuedNumber
from phoihop.orgs.models import Unit

logger = logging.getLogger(__name__)

# How many times a collision with another writer is retried. Each retry re-reads the highest
# number, which now includes the competitor's; five means five writers issuing for the same
# body in the same instant, far more than a province's document office produces.
MAX_ATTEMPTS = 5


class NumberingBusy(RuntimeError):
    """Every attempt collided with another writer (should not happen outside a stress test)."""


def target_key(target: models.Model | str) -> str:
    """Return the register's reference to a record: "reporting.submission:42" (or the string given)."""
    if isinstance(target, models.Model):
        if target.pk is None:
            raise ValueError("an unsaved record cannot be issued")
        return f"{target._meta.label_lower}:{target.pk}"
    key = str(target).strip()
    if not key:
        raise ValueError("an issued document needs the record it was built from")
    return key


def kind_from_symbol(symbol: str) -> str:
    """Return the document kind named by the symbol's first part ("BC-MTTQ" → report); a letter otherwise."""
    head = symbol.split("-", 1)[0].strip()
    for kind in DocumentKind:
        if kind.value.casefold() == head.casefold() and kind != DocumentKind.LETTER:
            return kind.value
    return DocumentKind.LETTER.value


@transaction.atomic
def document_issue(
    *,
    actor: Any,
    issuing_unit: Unit,
    symbol: str,
    on_date: dt.date,
    target: models.Model | str,
    kind: str | None = None,
) -> int:
    """Give the document the next number of its issuing body for the year of `on_date`, and return it.

    Decree 30: numbers run per issuing body per calendar year, from 01 on 1 January. The
    number is taken only now, at issue: drafts have none, so abandoned drafts leave no gaps.

    Race safety: the next number is the highest so far plus one, inserted inside a savepoint
    under the unique constraint (issuing body, year, number). When another writer took that
    number between our read and our insert, the insert fails, the savepoint is rolled back and
    we read again. The same constraint on (issuing body, record) makes issuing a record twice
    — a double click, a retried request — return the number it already has instead of using
    up another. The caller has checked that `actor` may issue for `issuing_unit`.
    """
    symbol = (symbol or "").strip()
    if not symbol:
        raise ValidationError({"symbol": _("Enter the document's symbol, for example BC-MTTQ.")})
    if len(symbol) > IssuedNumber._meta.get_field("symbol").max_length:
        raise ValidationError({"symbol": _("The symbol is too long.")})
    if not issuing_unit.is_open_on(on_date):
        raise ValidationError(
            _("%(unit)s was not open on %(date)s and cannot issue documents dated that day.")
            % {"unit": issuing_unit.name, "date": on_date.strftime("%d/%m/%Y")}
        )
    kind = kind or kind_from_symbol(symbol)
    if kind not in DocumentKind.values:
        raise ValidationError({"kind": _("Unknown document kind.")})
    key = target_key(target)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        existing = IssuedNumber.objects.filter(issuing_unit=issuing_unit, target=key).first()
        if existing is not None:
            return existing.sequence
        highest = (
            IssuedNumber.objects.filter(issuing_unit=issuing_unit, year=on_date.year).aggregate(top=Max("sequence"))[
                "top"
            ]
            or 0
        )
        entry = IssuedNumber(
            issuing_unit=issuing_unit,
            year=on_date.year,
            sequence=highest + 1,
            symbol=symbol,
            kind=kind,
            target=key,
            issued_on=on_date,
            issued_at=timezone.now(),
            issued_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        try:
            with transaction.atomic():
                entry.save(force_insert=True)
        except IntegrityError:
            logger.info("document number %s/%s collided (attempt %s), retrying", entry.sequence, symbol, attempt)
            continue
        audit_record(
            actor=actor,
            verb="document.issued",
            target=entry,
            unit=issuing_unit,
            changes=created(entry, ["year", "sequence", "symbol", "kind", "target", "issued_on"]),
        )
        return entry.sequence
    raise NumberingBusy(f"no free number for {issuing_unit.code} in {on_date.year} after {MAX_ATTEMPTS} attempts")
