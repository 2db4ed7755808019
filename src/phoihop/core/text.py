"""Vietnamese text folding for search: lower case, diacritics removed, đ → d.

Unicode gives đ (U+0111) no decomposition, so neither NFD nor SQLite's FTS5 remove_diacritics
turns it into d (reference/stack-check.md §4): we fold it ourselves, on both the indexed text
and the query, so "doan thanh nien" finds "Đoàn Thanh niên".
"""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"[0-9a-z]+")


def fold(text: str | None) -> str:
    if not text:
        return ""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.lower().split())


def fold_words(text: str | None) -> list[str]:
    """Split folded text into the words a search matches on (letters and digits)."""
    return _WORD.findall(fold(text))
