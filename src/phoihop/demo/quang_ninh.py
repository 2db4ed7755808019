"""Quảng Ninh as it is today and as it was before the 2025 reform, for the demo.

Today (from 1/7/2025): the province with its People's Committee (and the 14 departments of
DOMAIN.md §7 under it), People's Council and Fatherland Front committee (with the five
socio-political organisations under it), and the 54 commune-level units from
`vietnam-provinces`, each with its People's Committee and Front committee.

History: the 13 district-level units and 171 communes of 1/11/2024 from `vietnamadminunits`,
closed on 30/06/2025, each old commune linked to the new unit(s) it became (that package's
old → new mapping; an old commune divided between several new ones gets one link to each).
"""

from __future__ import annotations

import datetime as dt
import importlib.resources
import json
from dataclasses import dataclass

import vietnam_provinces as vp
from django.db import transaction
from vietnamadminunits.database import query as vau_query

from phoihop.core.audit import audit_record
from phoihop.orgs import services
from phoihop.orgs.models import Unit, UnitSuccession

PROVINCE_CODE = "22"
REFORM_DATE = dt.date(2025, 7, 1)
REFORM_BASIS = "Nghị quyết 1679/NQ-UBTVQH15 ngày 16/6/2025"
K = Unit.Kind

PROVINCE_BODIES = [
    ("UBND", "Ủy ban nhân dân tỉnh Quảng Ninh", K.PEOPLE_COMMITTEE),
    ("HDND", "Hội đồng nhân dân tỉnh Quảng Ninh", K.PEOPLE_COUNCIL),
    ("MTTQ", "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh Quảng Ninh", K.FRONT_COMMITTEE),
]
# Under the Front since 1/7/2025 (Luật 97/2025/QH15).
MASS_ORGS = [
    ("HLHPN", "Hội Liên hiệp Phụ nữ tỉnh Quảng Ninh"),
    ("HND", "Hội Nông dân tỉnh Quảng Ninh"),
    ("DTN", "Tỉnh đoàn Quảng Ninh (Đoàn TNCS Hồ Chí Minh)"),
    ("HCCB", "Hội Cựu chiến binh tỉnh Quảng Ninh"),
    ("LDLD", "Liên đoàn Lao động tỉnh Quảng Ninh"),
]
# DOMAIN.md §7: the 14 provincial agencies after the early-2025 restructuring.
DEPARTMENTS = [
    ("VPUBND", "Văn phòng UBND tỉnh"),
    ("SONV", "Sở Nội vụ"),
    ("SOTC", "Sở Tài chính"),
    ("SOXD", "Sở Xây dựng"),
    ("SOKHCN", "Sở Khoa học và Công nghệ"),
    ("SOVHTTDL", "Sở Văn hóa, Thể thao và Du lịch"),
    ("SODTTG", "Sở Dân tộc và Tôn giáo"),
    ("SONNMT", "Sở Nông nghiệp và Môi trường"),
    ("SONGV", "Sở Ngoại vụ"),
    ("SOYT", "Sở Y tế"),
    ("SOGDDT", "Sở Giáo dục và Đào tạo"),
    ("SOTP", "Sở Tư pháp"),
    ("SOCT", "Sở Công Thương"),
    ("TTT", "Thanh tra tỉnh"),
]


# Queries of vietnamadminunits' own SQLite data set (its documented `query()` entry point).
_LEGACY_SQL = (
    "SELECT provinceKey, districtKey, wardKey, ward, wardType, wardCode, district, districtType, districtCode "
    "FROM admin_units_legacy WHERE provinceCode = '22' ORDER BY districtCode, wardCode"
)
_NEW_SQL = "SELECT wardKey, wardCode FROM admin_units WHERE provinceCode = '22'"


@dataclass(frozen=True)
class OldCommune:
    key: str  # vietnamadminunits' "province_district_ward" key
    code: str
    name: str
    division_type: str
    district_code: str


def _lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


def new_communes() -> list[vp.Ward]:
    return sorted(vp.Ward.iter_by_province(vp.ProvinceCode(int(PROVINCE_CODE))), key=lambda w: w.code.value)


def old_structure() -> tuple[list[dict], list[OldCommune]]:
    rows = vau_query(_LEGACY_SQL)
    districts: dict[str, dict] = {}
    communes = []
    for row in rows:
        districts.setdefault(
            row["districtCode"],
            {"code": row["districtCode"], "name": row["district"], "division_type": row["districtType"].lower()},
        )
        communes.append(
            OldCommune(
                key=f"{row['provinceKey']}_{row['districtKey']}_{row['wardKey']}",
                code=row["wardCode"],
                name=row["ward"],
                division_type=row["wardType"].lower(),
                district_code=row["districtCode"],
            )
        )
    return list(districts.values()), communes


def old_to_new() -> dict[str, list[str]]:
    """Map each old commune key to the codes of the new communes it became (main one first)."""
    data = json.loads(
        (importlib.resources.files("vietnamadminunits") / "data" / "converter_2025.json").read_text(encoding="utf-8")
    )
    new_codes = {row["wardKey"]: row["wardCode"] for row in vau_query(_NEW_SQL)}
    mapping: dict[str, list[str]] = {}
    for new_key, old_keys in data["DICT_PROVINCE_WARD_NO_DIVIDED"]["tinhquangninh"].items():
        for old_key in old_keys:
            mapping.setdefault(old_key, []).append(new_codes[new_key])
    for old_key, targets in data["DICT_PROVINCE_WARD_DIVIDED"]["tinhquangninh"].items():
        ordered = sorted(targets, key=lambda t: not t["isDefaultNewWard"])
        mapping[old_key] = [new_codes[t["newWardKey"]] for t in ordered]
    return mapping


@transaction.atomic
def load_structure(*, actor=None) -> dict[str, int]:
    """Create the tree once. Returns counts; a second call finds the province and does nothing."""
    if Unit.objects.filter(code=PROVINCE_CODE, valid_to__isnull=True).exists():
        return {"created": 0}

    def mk(parent, **fields):
        return services.unit_create(actor=actor, parent=parent, audit=False, **fields)

    province = mk(
        None, code=PROVINCE_CODE, name="Tỉnh Quảng Ninh", short_name="QN", kind=K.PROVINCE, division_type="tỉnh"
    )
    bodies = {
        abbr: mk(province, code=f"{PROVINCE_CODE}-{abbr}", name=name, short_name=abbr, kind=kind)
        for abbr, name, kind in PROVINCE_BODIES
    }
    for abbr, name in DEPARTMENTS:
        mk(bodies["UBND"], code=f"{PROVINCE_CODE}-{abbr}", name=name, short_name=abbr, kind=K.DEPARTMENT)
    for abbr, name in MASS_ORGS:
        mk(bodies["MTTQ"], code=f"{PROVINCE_CODE}-{abbr}", name=name, short_name=abbr, kind=K.MASS_ORG)

    new_units: dict[str, Unit] = {}
    for ward in new_communes():
        code = f"{ward.code.value:05d}"
        division = ward.division_type.value
        commune = mk(
            province, code=code, name=ward.name, kind=K.COMMUNE, division_type=division, valid_from=REFORM_DATE
        )
        place = _lower_first(ward.name)
        mk(
            commune,
            code=f"{code}-UBND",
            name=f"Ủy ban nhân dân {place}",
            short_name="UBND",
            kind=K.PEOPLE_COMMITTEE,
            valid_from=REFORM_DATE,
        )
        mk(
            commune,
            code=f"{code}-MTTQ",
            name=f"Ủy ban MTTQ Việt Nam {place}",
            short_name="MTTQ",
            kind=K.FRONT_COMMITTEE,
            valid_from=REFORM_DATE,
        )
        new_units[code] = commune

    # History: the district level and the 171 communes of 1/11/2024, closed the day before the
    # reform. They are created closed, so their codes (reused by the new communes) never clash.
    last_day = REFORM_DATE - dt.timedelta(days=1)
    districts, communes = old_structure()
    district_units = {
        d["code"]: mk(
            province,
            code=d["code"],
            name=d["name"],
            kind=K.DISTRICT,
            division_type=d["division_type"],
            valid_to=last_day,
        )
        for d in districts
    }
    mapping = old_to_new()
    successions = []
    for old in communes:
        unit = mk(
            district_units[old.district_code],
            code=old.code,
            name=old.name,
            kind=K.COMMUNE,
            division_type=old.division_type,
            valid_to=last_day,
        )
        targets = mapping[old.key]
        for position, new_code in enumerate(targets):
            kind = UnitSuccession.Kind.MERGE if len(targets) == 1 else UnitSuccession.Kind.SPLIT
            successions.append(
                UnitSuccession(
                    predecessor=unit,
                    successor=new_units[new_code],
                    date=REFORM_DATE,
                    kind=kind,
                    basis=REFORM_BASIS if position == 0 else f"{REFORM_BASIS} (một phần)",
                )
            )
    UnitSuccession.objects.bulk_create(successions)
    counts = {
        "created": Unit.objects.count(),
        "new_communes": len(new_units),
        "old_districts": len(district_units),
        "old_communes": len(communes),
        "successions": len(successions),
    }
    audit_record(actor=actor, verb="demo.structure_loaded", target=province, changes={"counts": [None, counts]})
    return counts
