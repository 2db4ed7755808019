"""A tiny Vietnamese message catalogue for tests of language behaviour.

The real catalogue (locale/vi) is written at the end of each issue; until then the Vietnamese
screen text equals the English source and a test could not tell the two languages apart. This
writes a compiled .mo with a few entries into a temporary LOCALE_PATHS, so a test proves that
the right language is active where it matters (pages, e-mails), whatever the real catalogue holds.
"""

from __future__ import annotations

import array
import struct
from pathlib import Path

# English source → Vietnamese, for strings the tests look for.
VIETNAMESE = {
    "Log in to phoihop": "Đăng nhập phoihop",
    "phoihop: set a new password": "phoihop: đặt mật khẩu mới",
    "Search": "Tìm kiếm",
}


def _mo_bytes(messages: dict[str, str]) -> bytes:
    """Encode messages in the GNU .mo format (as CPython's Tools/i18n/msgfmt.py does)."""
    catalog = {"": "Content-Type: text/plain; charset=UTF-8\n", **messages}
    keys = sorted(catalog)
    ids = strs = b""
    offsets = []
    for key in keys:
        source, target = key.encode("utf-8"), catalog[key].encode("utf-8")
        offsets.append((len(ids), len(source), len(strs), len(target)))
        ids += source + b"\0"
        strs += target + b"\0"
    key_start = 7 * 4 + 16 * len(keys)
    value_start = key_start + len(ids)
    key_offsets: list[int] = []
    value_offsets: list[int] = []
    for id_offset, id_length, str_offset, str_length in offsets:
        key_offsets += [id_length, id_offset + key_start]
        value_offsets += [str_length, str_offset + value_start]
    header = struct.pack("Iiiiiii", 0x950412DE, 0, len(keys), 7 * 4, 7 * 4 + len(keys) * 8, 0, 0)
    return header + array.array("i", key_offsets + value_offsets).tobytes() + ids + strs


def write_catalog(root: Path, messages: dict[str, str] | None = None) -> Path:
    """Write root/vi/LC_MESSAGES/django.mo and return root (to put in LOCALE_PATHS)."""
    folder = root / "vi" / "LC_MESSAGES"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "django.mo").write_bytes(_mo_bytes(messages or VIETNAMESE))
    return root
