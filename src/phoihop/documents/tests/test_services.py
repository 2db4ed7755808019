"""Document numbers: per issuing body per year from 1, only at issue, never twice, audited."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection
from django.utils import translation

from phoihop.core.models import AuditEvent
from phoihop.documents.models import DocumentKind, IssuedNumber
from phoihop.documents.selectors import issued_number_get_for_target
from phoihop.documents.services import document_issue, kind_from_symbol, target_key
from phoihop.orgs import services as org_services
from phoihop.orgs.models import Unit

pytestmark = pytest.mark.django_db


def issue(unit, target, *, on=dt.date(2026, 1, 5), symbol="BC-MTTQ", actor=None):
    return document_issue(actor=actor, issuing_unit=unit, symbol=symbol, on_date=on, target=target)


def test_two_issues_in_a_row_get_1_and_2(tree, front_officer):
    assert issue(tree["mttq"], "reporting.submission:1", actor=front_officer) == 1
    assert issue(tree["mttq"], "reporting.submission:2", actor=front_officer) == 2
    entry = IssuedNumber.objects.get(sequence=2)
    assert (entry.year, entry.symbol, entry.kind, entry.issued_by) == (2026, "BC-MTTQ", "BC", front_officer)
    assert str(entry) == "02/BC-MTTQ"


def test_a_new_year_starts_again_at_1(tree):
    assert issue(tree["mttq"], "a:1", on=dt.date(2026, 12, 31)) == 1
    assert issue(tree["mttq"], "a:2", on=dt.date(2026, 12, 31)) == 2
    assert issue(tree["mttq"], "a:3", on=dt.date(2027, 1, 1)) == 1
    # A late entry dated in the old year continues the old year's numbers.
    assert issue(tree["mttq"], "a:4", on=dt.date(2026, 12, 31)) == 3


def test_each_issuing_body_has_its_own_numbers(tree):
    assert issue(tree["mttq"], "a:1") == 1
    assert issue(tree["ubnd"], "a:2", symbol="UBND-VX") == 1
    assert issue(tree["mttq"], "a:3") == 2


def test_issuing_the_same_record_twice_returns_its_number(tree):
    submission = tree["commune_ubnd"]  # any saved record will do as the target
    first = issue(tree["mttq"], submission)
    events = AuditEvent.objects.count()
    assert issue(tree["mttq"], submission) == first
    assert IssuedNumber.objects.count() == 1
    assert AuditEvent.objects.count() == events  # nothing happened, nothing audited


def test_issue_is_audited_with_the_number_and_the_body(tree, front_officer):
    issue(tree["mttq"], "reporting.submission:7", actor=front_officer)
    event = AuditEvent.objects.get(verb="document.issued")
    assert event.actor == front_officer
    assert event.unit == tree["mttq"]
    assert event.target_type == "documents.issuednumber"
    assert event.changes["sequence"] == [None, 1]
    assert event.changes["target"] == [None, "reporting.submission:7"]
    assert event.target_repr == "01/BC-MTTQ"


def test_a_collision_with_another_writer_is_retried(tree):
    """Another writer takes number 1 between our read of the highest number and our insert.

    Right after our SELECT MAX(...) has run, the database wrapper inserts the competitor's
    row, as a concurrent transaction committing at that moment would; the unique constraint
    then refuses our INSERT, and the service reads again and takes number 2.
    """
    unit = tree["mttq"]
    state = {"done": False}

    def competitor(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if not state["done"] and "MAX(" in sql.upper() and "documents_issuednumber" in sql:
            state["done"] = True
            IssuedNumber.objects.create(
                issuing_unit=unit,
                year=2026,
                sequence=1,
                symbol="BC-MTTQ",
                kind="BC",
                target="other:1",
                issued_on=dt.date(2026, 1, 5),
                issued_at=dt.datetime(2026, 1, 5, tzinfo=dt.UTC),
            )
        return result

    with connection.execute_wrapper(competitor):
        number = issue(unit, "mine:1")
    assert state["done"]
    assert number == 2
    assert dict(IssuedNumber.objects.values_list("target", "sequence")) == {"other:1": 1, "mine:1": 2}


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite runs one writer at a time: no race to lose")
def test_concurrent_issues_on_postgresql_get_distinct_numbers(tree):
    unit_id = tree["mttq"].pk
    results: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def worker(n: int) -> None:
        try:
            unit = Unit.objects.get(pk=unit_id)
            barrier.wait()
            results.append(issue(unit, f"t:{n}"))
        except BaseException as exc:
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(results) == [1, 2, 3, 4]


def test_drafts_have_no_number_until_issued(tree):
    assert issued_number_get_for_target(issuing_unit=tree["mttq"], target="reporting.submission:9") is None
    issue(tree["mttq"], "reporting.submission:9")
    entry = issued_number_get_for_target(issuing_unit=tree["mttq"], target="reporting.submission:9")
    assert entry is not None and entry.number_and_symbol == "01/BC-MTTQ"


def test_a_blank_symbol_is_refused(tree):
    with pytest.raises(ValidationError) as excinfo:
        issue(tree["mttq"], "a:1", symbol="  ")
    assert "symbol" in excinfo.value.message_dict
    assert not IssuedNumber.objects.exists()


def test_a_closed_unit_cannot_issue_after_its_closing_day(tree):
    unit = tree["other_ubnd"]
    org_services.unit_close(actor=None, unit=unit, on=dt.date(2026, 1, 1))
    unit.refresh_from_db()
    with translation.override("en"), pytest.raises(ValidationError, match="was not open"):
        issue(unit, "a:1", on=dt.date(2026, 1, 5))
    assert issue(unit, "a:2", on=dt.date(2025, 12, 31)) == 1  # a document dated while it was open


@pytest.mark.parametrize(
    ("symbol", "kind"),
    [
        ("BC-MTTQ", DocumentKind.REPORT),
        ("QĐ-UBND", DocumentKind.DECISION),
        ("ctr-mttq", DocumentKind.PROGRAMME),
        ("UBND-VX", DocumentKind.LETTER),
        ("CV-XYZ", DocumentKind.LETTER),
    ],
)
def test_document_kind_is_read_from_the_symbol(symbol, kind):
    assert kind_from_symbol(symbol) == kind


def test_target_key_names_the_record(tree):
    assert target_key(tree["mttq"]) == f"orgs.unit:{tree['mttq'].pk}"
    with pytest.raises(ValueError):
        target_key(Unit(code="x", name="x"))
