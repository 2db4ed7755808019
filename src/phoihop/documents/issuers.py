"""Who issues a document, as Decree 30 prints it: the body above, the place, "TM." of a collective.

Every module that writes an official document (reports, supervision documents, critiques,
review reports, urging letters) reads the header and the signature block from here, so a
territory renamed or a body moved prints the same way in all of them.
"""

from __future__ import annotations

from phoihop.orgs.models import Unit

# Division words a territory's name starts with; the place line uses the name without them
# ("Tỉnh Quảng Ninh" → "Quảng Ninh, ngày …"), as Decree 30 writes the place.
DIVISION_WORDS = ("thành phố", "đặc khu", "thị trấn", "thị xã", "tỉnh", "phường", "xã", "huyện", "quận")

# A collective body signs "on behalf of" (thay mặt) the whole body.
ON_BEHALF = {
    Unit.Kind.PEOPLE_COMMITTEE: "TM. ỦY BAN NHÂN DÂN",
    Unit.Kind.PEOPLE_COUNCIL: "TM. THƯỜNG TRỰC HỘI ĐỒNG NHÂN DÂN",
    Unit.Kind.FRONT_COMMITTEE: "TM. BAN THƯỜNG TRỰC",
}


def ancestors(unit: Unit) -> list[Unit]:
    """The units above `unit`, nearest first."""
    return list(reversed(list(Unit.objects.get_ancestors(unit))))


def place(unit: Unit, above: list[Unit]) -> str:
    """The place of the date line: the nearest territory's name without its division word."""
    territory = next((u for u in [unit, *above] if u.kind in Unit.TERRITORY_KINDS), None)
    if territory is None:
        return ""
    name = territory.name
    lowered = name.lower()
    for word in sorted({territory.division_type.lower(), *DIVISION_WORDS} - {""}, key=len, reverse=True):
        if lowered.startswith(word + " "):
            return name[len(word) + 1 :].strip()
    return name


def parent_body(above: list[Unit]) -> str:
    """The body above the issuer (Sở Nội vụ → UBND tỉnh); none for a body directly in its territory."""
    body = next((u for u in above if u.kind not in Unit.TERRITORY_KINDS), None)
    return body.name if body else ""
