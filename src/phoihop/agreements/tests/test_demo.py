"""The Regulation 194 demo: its duties, rates per party, programmes, communes, idempotence, next year."""

import datetime as dt
from zoneinfo import ZoneInfo

from phoihop.agreements import selectors
from phoihop.agreements.demo import load_agreements
from phoihop.agreements.models import Agreement, Event, Evidence, Obligation, Occurrence
from phoihop.core.audit import audit_verify
from phoihop.core.models import AuditEvent
from phoihop.demo.personas import load_personas
from phoihop.demo.quang_ninh import load_structure
from phoihop.orgs.models import Unit, User

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def load(settings, clock, on: dt.date) -> dict:
    """Load the demo on a given day and keep the clock there for the rest of the test."""
    settings.DEMO = True
    clock.move_to(dt.datetime(on.year, on.month, on.day, 9, 0, tzinfo=VN), tick=False)
    load_structure()
    load_personas()
    return load_agreements()


def unit(code):
    return Unit.objects.get(code=code, valid_to__isnull=True)


def test_regulation_194_has_its_duties_sessions_and_on_time_rates_per_party(db, settings, time_machine):
    loaded = load(settings, time_machine, dt.date(2026, 11, 27))
    admin = User.objects.get(username="admin")
    regulation = Agreement.objects.get(number="194/QCPH")
    assert (regulation.signed_on, regulation.effective_from, regulation.effective_to) == (
        dt.date(2021, 11, 30),
        dt.date(2021, 11, 30),
        dt.date(2025, 12, 31),
    )
    # Its period is over by the end of 2025: marked expired, its record kept.
    assert regulation.status == Agreement.Status.EXPIRED
    parties = {p.unit.code: (p.role, p.focal_unit.code if p.focal_unit else None) for p in regulation.parties.all()}
    assert parties["22-UBND"] == ("signatory", "22-VPUBND")
    assert parties["22-MTTQ"] == ("signatory", None)
    assert sorted(code for code, (role, _f) in parties.items() if role == "member") == [
        "22-DTN",
        "22-HCCB",
        "22-HLHPN",
        "22-HND",
        "22-LDLD",
    ]
    duties = Obligation.objects.filter(agreement=regulation)
    assert duties.count() == 17
    assert set(duties.values_list("schedule_kind", flat=True)) == {"once", "recurring", "event"}
    assert duties.filter(deadline_rule="date_of_previous_year").count() == 1
    # The council's regular sessions 2022-2026 are in the calendar; 2022-2025 carry 194's reports.
    sessions = Event.objects.filter(kind=Event.Kind.COUNCIL_REGULAR_SESSION)
    assert sorted({e.starts_on.year for e in sessions}) == [2022, 2023, 2024, 2025, 2026]
    session_report = duties.get(event_kind=Event.Kind.COUNCIL_REGULAR_SESSION)
    assert session_report.occurrences.count() == 8
    # The interim review of 31/05/2024, held that day, with its evidence.
    interim = Occurrence.objects.get(obligation__agreement=regulation, obligation__title__startswith="Sơ kết")
    assert (interim.due_on, interim.completed_on, interim.state) == (dt.date(2024, 5, 31),) * 2 + ("done",)
    assert "31/05/2024" in interim.evidence.get().note
    assert Event.objects.filter(kind=Event.Kind.CONFERENCE, starts_on=dt.date(2024, 5, 31)).exists()

    total = selectors.compliance(user=admin, agreement=regulation)
    # Deterministic (random.Random(194)): about 75 % on time, 15 % late, the rest overdue.
    assert (total.due, total.done_on_time, total.done_late, total.overdue_open) == (204, 153, 32, 19)
    by_party = {u.code: c for u, c in selectors.compliance_by_party(user=admin, agreement=regulation)}
    assert {"22-UBND", "22-MTTQ", "22-HLHPN", "22-SONV", "22-SOTP"} <= set(by_party)
    for code, party in by_party.items():
        assert party.on_time_rate is not None and 0.4 <= party.on_time_rate <= 1.0, code
    assert any(c.overdue_open for c in by_party.values())
    assert any(c.done_late for c in by_party.values())
    # Every completion carries a Vietnamese note as evidence, recorded by a demo persona.
    done = Occurrence.objects.filter(state="done")
    assert Evidence.objects.filter(occurrence__in=done).count() == done.count()
    assert set(done.values_list("completed_by__username", flat=True)) <= {
        "admin",
        "mttq",
        "ubnd",
        "phunu",
        "sonoivu",
        "xa",
    }
    assert loaded["agreements"] == 13
    assert audit_verify().ok


def test_programmes_communes_coverage_and_the_womens_union_page(db, settings, time_machine):
    load(settings, time_machine, dt.date(2026, 11, 27))
    admin = User.objects.get(username="admin")
    regulation = Agreement.objects.get(number="194/QCPH")
    programmes = Agreement.objects.filter(parent=regulation, kind=Agreement.Kind.PROGRAMME)
    assert sorted(p.parties.get(role="lead").unit.code for p in programmes) == ["22-HLHPN", "22-HND"]
    commune_level = selectors.agreement_list(user=admin, level="commune")
    owners = sorted(a.owner_unit.code for a in commune_level)
    assert len(owners) == 10
    assert "07090-MTTQ" in owners
    assert "07093-MTTQ" not in owners
    # The `xa` persona (07090-UBND) sees its ward's regulation; `xa2` (07093) sees none.
    assert [a.owner_unit.code for a in selectors.agreement_list(user=User.objects.get(username="xa"))] == ["07090-MTTQ"]
    assert not selectors.agreement_list(user=User.objects.get(username="xa2")).exists()
    province = selectors.coverage_matrix(user=admin, level_unit=unit("22"))
    assert len(province.communes_without) == 44
    assert "07093" in {c.code for c in province.communes_without}
    assert province.between(unit("22-SOYT"), unit("22-HLHPN"))  # the health programme runs to 2026
    assert province.between(unit("22-SONNMT"), unit("22-HND"))
    commune = selectors.coverage_matrix(user=User.objects.get(username="xa"), level_unit=unit("07090"))
    assert commune.between(unit("07090-UBND"), unit("07090-MTTQ"))
    women = selectors.unit_duties(user=User.objects.get(username="phunu"), unit=unit("22-HLHPN"))
    assert women["owes"].exists()
    assert women["owed"].exists()  # the UBND's half-yearly briefing to the organisations
    assert selectors.compliance(user=admin, unit=unit("22-HLHPN")).on_time_rate is not None


def test_loading_twice_changes_nothing(db, settings, time_machine):
    load(settings, time_machine, dt.date(2026, 11, 27))
    before = (
        Agreement.objects.count(),
        Occurrence.objects.count(),
        Evidence.objects.count(),
        AuditEvent.objects.count(),
    )
    assert load_agreements() == {"agreements": 0}
    after = (
        Agreement.objects.count(),
        Occurrence.objects.count(),
        Evidence.objects.count(),
        AuditEvent.objects.count(),
    )
    assert after == before


def test_run_next_year_the_mix_still_looks_realistic(db, settings, time_machine):
    load(settings, time_machine, dt.date(2027, 9, 15))
    admin = User.objects.get(username="admin")
    overall = selectors.compliance(user=admin)
    communes = selectors.compliance(user=admin, area="dai-doan-ket")
    coverage = selectors.coverage_matrix(user=admin, level_unit=unit("22"))
    assert 0.65 <= overall.on_time_rate <= 0.85
    assert 0.05 <= overall.overdue_open / overall.due <= 0.15
    assert overall.upcoming > 0  # the communes' and the farmers' programme still run
    assert communes.due > 0
    # The health programme ended with 2026; the farmers' one runs to 2030.
    assert coverage.pair_count == 1
    assert Agreement.objects.get(number="05/CTrPH-SYT-HLHPN").status == Agreement.Status.EXPIRED
