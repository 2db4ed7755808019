"""Checking typed values per value type, and reading rule expressions without eval."""

from __future__ import annotations

from decimal import Decimal

import pytest

from phoihop.reporting.models import Indicator, ValueType
from phoihop.reporting.validation import InvalidValue, format_number, parse_expression, parse_value

D = Decimal


def indicator(value_type, **fields):
    # Unsaved: parse_value reads only the type and the options.
    return Indicator(code="X", name="X", value_type=value_type, **fields)


@pytest.mark.parametrize(
    ("value_type", "raw", "number", "text"),
    [
        (ValueType.INTEGER, "12", D("12"), ""),
        (ValueType.INTEGER, " -3 ", D("-3"), ""),
        (ValueType.INTEGER, "1.234", D("1234"), ""),  # Vietnamese thousands
        (ValueType.INTEGER, "1,234,567", D("1234567"), ""),
        (ValueType.INTEGER, "1 234", D("1234"), ""),
        (ValueType.INTEGER, "12.0", D("12"), ""),
        (ValueType.DECIMAL, "12,5", D("12.5"), ""),  # Vietnamese decimal comma
        (ValueType.DECIMAL, "1.234,5", D("1234.5"), ""),
        (ValueType.DECIMAL, "1,234.5", D("1234.5"), ""),
        (ValueType.DECIMAL, "1.234", D("1.234"), ""),  # one mark in a decimal is the decimal mark
        (ValueType.DECIMAL, "0.12340", D("0.1234"), ""),
        (ValueType.PERCENT, "100", D("100"), ""),
        (ValueType.PERCENT, "4,75", D("4.75"), ""),
        (ValueType.BOOLEAN, "có", D("1"), ""),
        (ValueType.BOOLEAN, "Không", D("0"), ""),
        (ValueType.BOOLEAN, "khong", D("0"), ""),
        (ValueType.BOOLEAN, "TRUE", D("1"), ""),
        (ValueType.BOOLEAN, "0", D("0"), ""),
        (ValueType.TEXT, "  Đã họp  ", None, "Đã họp"),
        (ValueType.DATE, "31/12/2026", None, "2026-12-31"),
        (ValueType.DATE, "2026-02-03", None, "2026-02-03"),
    ],
)
def test_good_values_are_read(value_type, raw, number, text):
    parsed = parse_value(indicator(value_type), raw)
    assert (parsed.number, parsed.text) == (number, text)


@pytest.mark.parametrize(
    ("value_type", "raw"),
    [
        (ValueType.INTEGER, "12,5"),
        (ValueType.INTEGER, "ba"),
        (ValueType.INTEGER, "1.23"),
        (ValueType.INTEGER, "1e5"),
        (ValueType.INTEGER, ""),
        (ValueType.INTEGER, "99999999999999999"),
        (ValueType.DECIMAL, "1.23456"),  # more places than stored
        (ValueType.DECIMAL, "1,2,3"),
        (ValueType.DECIMAL, "1.2.3,4"),
        (ValueType.DECIMAL, "NaN"),
        (ValueType.PERCENT, "100,5"),
        (ValueType.PERCENT, "-1"),
        (ValueType.BOOLEAN, "maybe"),
        (ValueType.DATE, "31/02/2026"),
        (ValueType.DATE, "2026/02/01"),
    ],
)
def test_bad_values_are_refused_with_a_message(value_type, raw):
    with pytest.raises(InvalidValue) as error:
        parse_value(indicator(value_type), raw)
    assert str(error.value)


def test_an_option_is_given_by_its_code_whatever_the_case():
    choice = indicator(ValueType.OPTION, options=[{"code": "DAT", "name": "Đạt"}, {"code": "KHONG", "name": "Không"}])
    assert parse_value(choice, "dat").text == "DAT"
    with pytest.raises(InvalidValue, match="DAT, KHONG"):
        parse_value(choice, "Đạt")


@pytest.mark.parametrize(
    ("value", "text"),
    [(D("12.0000"), "12"), (D("12.5000"), "12.5"), (D("-0.0100"), "-0.01"), (D("1E+3"), "1000"), (None, "")],
)
def test_numbers_are_shown_plainly(value, text):
    assert format_number(value) == text


@pytest.mark.parametrize(
    ("expression", "values", "result"),
    [
        ("A", {"A": D(3)}, D(3)),
        ("A + B - 2", {"A": D(3), "B": D(4)}, D(5)),
        ("-A + 10", {"A": D(3)}, D(7)),
        ("A - -2", {"A": D(3)}, D(5)),
        ("1,5 + A", {}, D("1.5")),  # a missing code counts 0 here; submission_check decides when
        ("#{MAL-POP} + {X Y}", {"MAL-POP": D(1), "X Y": D(2)}, D(3)),
        ("GUH.HANDED", {"GUH.HANDED": D(9)}, D(9)),
    ],
)
def test_expressions_add_and_subtract(expression, values, result):
    assert parse_expression(expression).evaluate(values) == result


def test_expression_codes_are_listed():
    assert parse_expression("A + {B-1} - 3 + A").codes == ["A", "B-1", "A"]


@pytest.mark.parametrize(
    "expression", ["", "A * 2", "A +", "A B", "(A)", "__import__('os')", "A + 2 3", "A; B", "A == B"]
)
def test_anything_but_sums_and_differences_is_refused(expression):
    with pytest.raises(InvalidValue):
        parse_expression(expression)
