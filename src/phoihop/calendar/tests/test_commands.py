"""`phoihop deadline` and `phoihop holidays`: exact output lines, and clear errors for bad input."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import CommandError, call_command

from phoihop import cli
from phoihop.calendar.tests.factories import announce, announce_new_year_2026_swap

pytestmark = pytest.mark.usefixtures("vietnamese_dates")


def run(*args: str) -> list[str]:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().splitlines()


# phoihop deadline ----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "lines"),
    [
        (("2026-02-13", "5", "--working"), ["2026-02-27", "ngày 27 tháng 02 năm 2026"]),
        (("2026-02-13", "5"), ["2026-02-23", "ngày 23 tháng 02 năm 2026"]),
        (("2026-03-01", "-5"), ["2026-02-24", "ngày 24 tháng 02 năm 2026"]),
        (("2026-08-26", "5"), ["2026-09-03", "ngày 03 tháng 9 năm 2026"]),
        (("2025-04-25", "1", "--working"), ["2025-04-26", "ngày 26 tháng 4 năm 2025"]),
        (("13/02/2026", "5", "--working"), ["2026-02-27", "ngày 27 tháng 02 năm 2026"]),
    ],
)
def test_deadline_prints_the_iso_date_then_the_vietnamese_form(args, lines):
    assert run("deadline", *args) == lines


@pytest.mark.django_db
def test_deadline_applies_the_announcements():
    assert run("deadline", "2025-12-31", "1") == ["2026-01-02", "ngày 02 tháng 01 năm 2026"]
    announce_new_year_2026_swap()
    assert run("deadline", "2025-12-31", "1") == ["2026-01-05", "ngày 05 tháng 01 năm 2026"]


@pytest.mark.django_db
def test_deadline_applies_a_provinces_announcements_when_asked():
    announce(date=dt.date(2026, 4, 28), kind="day_off", name="Nghỉ của tỉnh", province_code="22")
    assert run("deadline", "2026-04-24", "1", "--working")[0] == "2026-04-28"
    assert run("deadline", "2026-04-24", "1", "--working", "--province", "22")[0] == "2026-04-29"


@pytest.mark.django_db
@time_machine.travel(dt.datetime(2026, 2, 12, 17, 30, tzinfo=dt.UTC), tick=False)
def test_deadline_counts_from_today_in_vietnam():
    # 17:30 UTC on 12/02 is already Friday 13/02 in Vietnam (UTC+7); the next working day is
    # after Tết. Counting from the UTC date would give Friday 13/02.
    assert run("deadline", "today", "1", "--working") == ["2026-02-23", "ngày 23 tháng 02 năm 2026"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("2026-02-30", "5"), "'2026-02-30' is not a date"),
        (("tomorrow", "5"), "'tomorrow' is not a date"),
        (("2026-02-13", "five"), "N must be a whole number, not 'five'"),
        (("2026-02-13", "1.5"), "N must be a whole number"),
    ],
)
def test_deadline_refuses_bad_input_with_a_clear_message(args, message):
    with pytest.raises(CommandError, match=message):
        run("deadline", *args)


@pytest.mark.django_db
def test_deadline_refuses_a_year_the_calendar_does_not_cover():
    with pytest.raises(CommandError, match="1990 to 2100"):
        run("deadline", "2100-12-30", "10")


def test_the_phoihop_command_exits_non_zero_on_bad_input(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["phoihop", "deadline", "13-02-2026", "5"])
    assert exit_.value.code != 0
    assert "'13-02-2026' is not a date: write it as YYYY-MM-DD" in capsys.readouterr().err


# phoihop holidays ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_holidays_prints_the_days_off_then_the_make_up_days():
    assert run("holidays", "2025") == [
        "2025-01-01 Tết Dương lịch",
        "2025-01-27 29 Tết",
        "2025-01-28 Giao thừa Tết Nguyên Đán",
        "2025-01-29 Tết Nguyên Đán",
        "2025-01-30 Mùng hai Tết Nguyên Đán",
        "2025-01-31 Mùng ba Tết Nguyên Đán",
        "2025-02-01 Mùng bốn Tết Nguyên Đán",
        "2025-04-07 Ngày Giỗ Tổ Hùng Vương",
        "2025-04-30 Ngày Chiến thắng",
        "2025-05-01 Ngày Quốc tế Lao động",
        "2025-05-02 Ngày nghỉ (thay cho ngày 26/04/2025)",
        "2025-09-01 Quốc khánh",
        "2025-09-02 Quốc khánh",
        "",
        "Make-up working days:",
        "2025-04-26 Make-up working day for the day off on 02/05/2025",
    ]


@pytest.mark.django_db
def test_holidays_include_the_announced_days():
    announce_new_year_2026_swap()
    lines = run("holidays", "2026")
    assert lines[:2] == [
        "2026-01-01 Tết Dương lịch",
        "2026-01-02 Nghỉ hoán đổi Tết Dương lịch (làm bù thứ Bảy 10/01/2026)",
    ]
    assert "2026-11-24 Ngày Văn hóa Việt Nam" in lines
    assert lines[lines.index("Make-up working days:") + 1 :] == [
        "2026-01-10 Làm bù cho thứ Sáu 02/01/2026",
        "2026-08-22 Make-up working day for the day off on 31/08/2026",
    ]


@pytest.mark.django_db
def test_holidays_say_when_there_is_no_make_up_day():
    assert run("holidays", "2027")[-1] == "Make-up working days: none"


@pytest.mark.django_db
@time_machine.travel(dt.datetime(2027, 3, 1, 3, 0, tzinfo=dt.UTC), tick=False)
def test_holidays_default_to_this_year():
    assert run("holidays")[0] == "2027-01-01 Tết Dương lịch"


@pytest.mark.django_db
@pytest.mark.parametrize(("year", "message"), [("twenty", "YEAR must be a whole number"), ("2300", "1990 to 2100")])
def test_holidays_refuse_a_bad_year(year, message):
    with pytest.raises(CommandError, match=message):
        run("holidays", year)
