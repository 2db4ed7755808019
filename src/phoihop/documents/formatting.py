"""Numbers written the Vietnamese way in documents and charts: "1.234.567,5".

Official documents are Vietnamese whatever language the screen is in, so this does not follow
the active locale: thousands are grouped with a dot and decimals follow a comma (TCVN 6398,
and what every Vietnamese administrative document prints).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any


def format_number(value: Any, decimals: int | None = None) -> str:
    """Return "1.234.567,5" for 1234567.5; `decimals` fixes the digits after the comma.

    Without `decimals`, integers print without a comma, Decimals keep their own digits, and
    floats show at most two decimals with trailing zeros dropped (a percentage 87,5 not 87,50).
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        raise TypeError("a yes/no value is not a number")
    if decimals is not None:
        text = f"{Decimal(str(value)):,.{decimals}f}"
    elif isinstance(value, int):
        text = f"{value:,d}"
    elif isinstance(value, Decimal):
        text = f"{value:,f}"
    else:
        text = f"{float(value):,.2f}".rstrip("0").rstrip(".")
    # Python groups "1,234.5"; swap the two marks through a placeholder.
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)
