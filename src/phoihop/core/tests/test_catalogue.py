"""The Vietnamese catalogue users read: complete, compiled in step with the .po, key forms right.

Vietnamese is the default language and English only the source text, so an empty or fuzzy entry
shows English to a Vietnamese officer, and a .po edited without `compilemessages` changes nothing
on screen (the compiled .mo is committed because a fresh machine has no msgfmt).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from phoihop.calendar.periods import parse_period
from phoihop.core.dates import vn_date
from phoihop.core.po import PoEntry, parse_po
from phoihop.orgs.models import Role, Unit

PO = Path(settings.BASE_DIR) / "locale" / "vi" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\([A-Za-z_]\w*\)[-#0 +]*\d*[sdif]")


def entries() -> list[PoEntry]:
    return [entry for entry in parse_po(PO.read_text(encoding="utf-8")) if entry.msgid]


def label(entry: PoEntry) -> str:
    return f"{entry.msgctxt}|{entry.msgid}" if entry.msgctxt else entry.msgid


def test_every_entry_is_translated_and_none_is_fuzzy():
    # The rule of scripts/check_messages.py (`make messages`), which CI would otherwise only run by hand.
    problems = [f"fuzzy: {label(e)!r}" for e in entries() if e.fuzzy]
    problems += [f"untranslated: {label(e)!r}" for e in entries() if not e.fuzzy and not all(e.msgstr.values())]
    assert problems == [], "\n".join(problems)


def test_the_catalogue_is_vietnamese_with_one_plural_form():
    header = next(entry for entry in parse_po(PO.read_text(encoding="utf-8")) if not entry.msgid)
    assert "Language: vi\n" in header.msgstr[0]
    assert "Plural-Forms: nplurals=1; plural=0;\n" in header.msgstr[0]
    assert not header.fuzzy


def test_translations_keep_the_placeholders_of_the_source():
    # A placeholder missing from the Vietnamese loses a value on screen; an extra one raises KeyError.
    wrong = []
    for entry in entries():
        sources = {frozenset(PLACEHOLDER.findall(entry.msgid))}
        if entry.msgid_plural:
            sources.add(frozenset(PLACEHOLDER.findall(entry.msgid_plural)))
        for text in entry.msgstr.values():
            if frozenset(PLACEHOLDER.findall(text)) not in sources:
                wrong.append(f"{label(entry)!r} → {text!r}")
    assert wrong == [], "\n".join(wrong)


def test_the_compiled_catalogue_matches_the_po_file():
    # Fails when someone edits django.po but forgets `phoihop compilemessages -l vi`.
    stale = []
    with translation.override("vi"):
        for entry in entries():
            if entry.msgid_plural and entry.msgctxt:
                shown = translation.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, 1)
            elif entry.msgid_plural:
                shown = translation.ngettext(entry.msgid, entry.msgid_plural, 1)
            elif entry.msgctxt:
                shown = translation.pgettext(entry.msgctxt, entry.msgid)
            else:
                shown = translation.gettext(entry.msgid)
            if shown != entry.msgstr[0]:
                stale.append(f"{label(entry)!r}: .mo says {shown!r}, .po says {entry.msgstr[0]!r}")
    assert stale == [], "run `phoihop compilemessages -l vi`:\n" + "\n".join(stale)


def test_a_long_date_is_written_as_decree_30_says():
    with translation.override("vi"):
        assert vn_date(dt.date(2026, 1, 5)) == "ngày 05 tháng 01 năm 2026"
        assert vn_date(dt.date(2021, 11, 30)) == "ngày 30 tháng 11 năm 2021"
    # The Vietnamese form comes from the catalogue: English keeps the source pattern.
    with translation.override("en"):
        assert vn_date(dt.date(2026, 1, 5)) == "05/01/2026"


@pytest.mark.parametrize(
    ("period", "vietnamese"),
    [
        ("202603", "Tháng 3 năm 2026"),
        ("2026Q1", "Quý I năm 2026"),
        ("2026S1", "6 tháng đầu năm 2026"),
        ("2026S2", "6 tháng cuối năm 2026"),
        ("2026N9", "9 tháng năm 2026"),
        ("2026", "Năm 2026"),
    ],
)
def test_report_periods_are_named_as_in_vietnamese_reports(period, vietnamese):
    with translation.override("vi"):
        assert parse_period(period).label == vietnamese


def test_the_words_of_the_organisation_are_the_administrative_ones():
    with translation.override("vi"):
        assert str(dict(settings.LANGUAGES)["vi"]) == "Tiếng Việt"
        assert str(dict(settings.LANGUAGES)["en"]) == "Tiếng Anh"
        assert Unit.Kind.COMMUNE.label == "Xã, phường, đặc khu"
        assert Unit.Kind.FRONT_COMMITTEE.label == "Ủy ban Mặt trận Tổ quốc"
        assert Unit.Kind.MASS_ORG.label == "Tổ chức chính trị - xã hội"
        assert [str(role.label) for role in Role] == [
            "Xem",
            "Cán bộ, chuyên viên",
            "Lãnh đạo",
            "Quản trị đơn vị",
            "Quản trị hệ thống",
        ]
