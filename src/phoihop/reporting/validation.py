"""Checking one typed-in value, and reading the two sides of a validation rule — without eval.

Values arrive as text (a form field, an XLSX cell, a DHIS2 file) and are checked against the
indicator's value type:

- integer: a whole number; thousands may be grouped by "." "," or spaces in groups of three, as
  Vietnamese writes them ("1.234" is one thousand two hundred and thirty-four);
- decimal and percent: "." or "," as the decimal mark ("12,5" = 12.5); when both appear, the
  last one is the decimal mark and the others group thousands ("1.234,5"); at most 4 decimals
  (the column's precision) — a longer number is refused, not silently rounded; percent 0–100;
- boolean: true/false, 1/0, có/không, yes/no (diacritics optional) — stored as 1/0 so a "yes"
  count adds up;
- text: any text; option: one of the indicator's option codes (case does not matter; the code is
  stored as defined); date: YYYY-MM-DD or DD/MM/YYYY, stored as ISO.

A rule side is a sum or difference of indicator codes and decimal numbers: `GUH_HANDED`,
`A + B - 2`, `{CODE-WITH-DASH}` or DHIS2's `#{CODE}` for codes that are not plain words. A tiny
tokenizer reads it; nothing is ever evaluated as Python.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from phoihop.core.text import fold
from phoihop.reporting.models import Indicator, ValueType

MAX_DECIMALS = 4
# DataValue.value_number is DECIMAL(20, 4): 16 digits before the point.
MAX_ABS = Decimal(10) ** 16
MAX_TEXT = 50_000

TRUE_WORDS = {"true", "1", "co", "yes", "x"}
FALSE_WORDS = {"false", "0", "khong", "no"}


class InvalidValue(ValueError):
    """A value people typed that does not fit; the message is for them, already translated."""


@dataclass(frozen=True)
class Parsed:
    """A checked value: `number` for numeric types (booleans as 1/0), `text` for the others."""

    number: Decimal | None
    text: str

    def display(self) -> str:
        return format_number(self.number) if self.number is not None else self.text


def format_number(value: Decimal | None) -> str:
    """Plain decimal text: no exponent, no trailing zeros, integers without ".0"."""
    if value is None:
        return ""
    value = Decimal(value)
    if value == value.to_integral_value():
        return str(value.quantize(Decimal(1)))
    return format(value.normalize(), "f")


_GROUPED = re.compile(r"[+-]?\d{1,3}(?:([.,\s])\d{3})(?:\1\d{3})*")


def _to_decimal(raw: str, *, whole: bool) -> Decimal:
    text = raw.strip().replace("\u00a0", " ")
    if not text:
        raise InvalidValue(_("Enter a number."))
    compact = text.replace(" ", "")
    if _GROUPED.fullmatch(text) and (whole or " " in text or compact.count(".") + compact.count(",") > 1):
        # Thousands grouped in threes: "1.234" for a whole number, "1.234.567" for any number.
        normal = re.sub(r"[.,\s]", "", text)
    elif "." in compact and "," in compact:
        mark = "." if compact.rfind(".") > compact.rfind(",") else ","
        group = "," if mark == "." else "."
        head, _sep, tail = compact.rpartition(mark)
        if not _GROUPED.fullmatch(head) or group not in head:
            raise InvalidValue(_("“%(value)s” is not a number.") % {"value": raw})
        normal = head.replace(group, "") + "." + tail
    else:
        normal = compact.replace(",", ".")
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", normal):
        raise InvalidValue(_("“%(value)s” is not a number.") % {"value": raw})
    try:
        number = Decimal(normal)
    except InvalidOperation as exc:  # pragma: no cover - the pattern above already refuses these
        raise InvalidValue(_("“%(value)s” is not a number.") % {"value": raw}) from exc
    if abs(number) >= MAX_ABS:
        raise InvalidValue(_("This number is too large."))
    if whole and number != number.to_integral_value():
        raise InvalidValue(_("Enter a whole number."))
    if -number.as_tuple().exponent > MAX_DECIMALS and number != number.quantize(Decimal(1).scaleb(-MAX_DECIMALS)):
        raise InvalidValue(_("Use at most %(places)s digits after the decimal mark.") % {"places": MAX_DECIMALS})
    return number.quantize(Decimal(1).scaleb(-MAX_DECIMALS)) if not whole else number.quantize(Decimal(1))


def parse_date(raw: str) -> dt.date:
    text = raw.strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise InvalidValue(_("“%(value)s” is not a date. Write it as 31/12/2026 or 2026-12-31.") % {"value": raw})


def parse_value(indicator: Indicator, raw: str) -> Parsed:
    """Check one value typed for `indicator`; raise InvalidValue with a message for the person."""
    raw = "" if raw is None else str(raw)
    kind = indicator.value_type
    if kind == ValueType.INTEGER:
        return Parsed(_to_decimal(raw, whole=True), "")
    if kind in (ValueType.DECIMAL, ValueType.PERCENT):
        number = _to_decimal(raw, whole=False)
        if kind == ValueType.PERCENT and not Decimal(0) <= number <= Decimal(100):
            raise InvalidValue(_("A percentage is between 0 and 100."))
        return Parsed(number, "")
    if kind == ValueType.BOOLEAN:
        word = fold(raw.strip()).lower()
        if word in TRUE_WORDS:
            return Parsed(Decimal(1), "")
        if word in FALSE_WORDS:
            return Parsed(Decimal(0), "")
        raise InvalidValue(_("Answer yes or no (có or không)."))
    if kind == ValueType.OPTION:
        wanted = raw.strip().casefold()
        for option in indicator.options or []:
            if str(option.get("code", "")).casefold() == wanted:
                return Parsed(None, str(option["code"]))
        codes = ", ".join(str(o.get("code", "")) for o in indicator.options or [])
        raise InvalidValue(_("Choose one of: %(codes)s.") % {"codes": codes})
    if kind == ValueType.DATE:
        return Parsed(None, parse_date(raw).isoformat())
    text = raw.strip()
    if len(text) > MAX_TEXT:
        raise InvalidValue(_("This text is too long (at most %(max)s characters).") % {"max": MAX_TEXT})
    return Parsed(None, text)


# Validation rule expressions ---------------------------------------------------------------------

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<number>\d+(?:[.,]\d+)?)
      | \#?\{(?P<braced>[^{}]+)\}
      | (?P<code>[A-Za-z_][A-Za-z0-9_.]*)
      | (?P<op>[+-])
    )""",
    re.VERBOSE,
)


@dataclass(frozen=True)
class Term:
    sign: int
    code: str = ""
    number: Decimal | None = None


@dataclass(frozen=True)
class Expression:
    """A parsed rule side: signed terms, each an indicator code or a number."""

    text: str
    terms: tuple[Term, ...]

    @property
    def codes(self) -> list[str]:
        return [t.code for t in self.terms if t.code]

    def evaluate(self, values: dict[str, Decimal]) -> Decimal:
        """Add up the terms; a code missing from `values` counts as 0 (the caller decides when that is fair)."""
        total = Decimal(0)
        for term in self.terms:
            amount = term.number if term.number is not None else values.get(term.code, Decimal(0))
            total += term.sign * amount
        return total


def parse_expression(text: str) -> Expression:
    """Read "A + B - 2" into terms; raise InvalidValue naming what could not be read."""
    source = (text or "").strip()
    if not source:
        raise InvalidValue(_("Write an expression, for example GUH_STARTED or A + B."))
    terms: list[Term] = []
    position = 0
    sign = 1
    expect_operand = True
    while position < len(source):
        match = _TOKEN.match(source, position)
        if match is None or match.end() == position:
            if source[position:].strip() == "":
                break
            raise InvalidValue(
                _("Cannot read “%(rest)s” in “%(expression)s”: use indicator codes, numbers, + and -.")
                % {"rest": source[position:].strip(), "expression": source}
            )
        position = match.end()
        if match.group("op"):
            if expect_operand:
                # A leading or doubled sign: "-A", "A - -2".
                sign = -sign if match.group("op") == "-" else sign
                continue
            sign = -1 if match.group("op") == "-" else 1
            expect_operand = True
            continue
        if not expect_operand:
            raise InvalidValue(_("Put + or - between the terms of “%(expression)s”.") % {"expression": source})
        if match.group("number"):
            terms.append(Term(sign=sign, number=Decimal(match.group("number").replace(",", "."))))
        else:
            code = (match.group("braced") or match.group("code")).strip()
            terms.append(Term(sign=sign, code=code))
        sign = 1
        expect_operand = False
    if expect_operand:
        raise InvalidValue(_("“%(expression)s” ends with an operator.") % {"expression": source})
    return Expression(text=source, terms=tuple(terms))


COMPARE = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    ">=": lambda a, b: a >= b,
    ">": lambda a, b: a > b,
}
