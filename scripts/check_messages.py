"""Fail when the Vietnamese catalogue has an empty or fuzzy entry (`make messages`).

Everything a user reads is Vietnamese first; an untranslated string would show English to a
Vietnamese officer. Usage: python scripts/check_messages.py src/phoihop/locale/vi/LC_MESSAGES/django.po
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from phoihop.core.po import parse_po


def main(path: str) -> int:
    problems = []
    for entry in parse_po(Path(path).read_text(encoding="utf-8")):
        if not entry.msgid:
            continue  # the header
        if entry.fuzzy:
            problems.append(f"fuzzy: {entry.msgid!r}")
        elif not all(entry.msgstr.values()):
            problems.append(f"untranslated: {entry.msgid!r}")
    for problem in problems:
        print(problem)
    print(f"{len(problems)} problem(s) in {path}")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
