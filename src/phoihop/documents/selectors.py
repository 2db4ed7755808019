"""Reads of the register of issued documents."""

from __future__ import annotations

from django.db import models

from phoihop.documents.models import IssuedNumber
from phoihop.documents.services import target_key
from phoihop.orgs.models import Unit


def issued_number_get_for_target(*, issuing_unit: Unit, target: models.Model | str) -> IssuedNumber | None:
    """Return the number a record was issued under by this body, or None while it is a draft.

    Modules keep no copy of the number: the register is the one place it lives, so a
    document rebuilt later prints the same "Số:" it was issued with.
    """
    return IssuedNumber.objects.filter(issuing_unit=issuing_unit, target=target_key(target)).first()
