"""The Quảng Ninh demo data of this module (called by `phoihop demo`, idempotent)."""

from __future__ import annotations


def load() -> None:
    """Load this module's demo records; nothing yet."""
