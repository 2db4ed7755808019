"""`phoihop bench insights` runs at toy scale and prints its table (times are measured, never asserted)."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from phoihop.agreements.models import Agreement, Occurrence
from phoihop.core.models import AuditEvent


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue()


def test_bench_insights_generates_the_coordination_records_once_and_measures_both_pages(db):
    run("generate", "--scale", "test")
    out = run("bench", "insights", "--requests", "2", "--period", "2025")
    assert "generated" in out
    # Six communes: one agreement each under one per province; two duties each, quarterly and six-monthly.
    assert Agreement.objects.filter(number__startswith="BENCH-INSIGHTS").count() == 6 + 2
    assert Occurrence.objects.filter(obligation__agreement__number__startswith="BENCH-INSIGHTS").exists()
    assert AuditEvent.objects.filter(verb="insights.synthetic_generated").count() == 1
    lines = out.splitlines()
    nation = next(line for line in lines if line.startswith("nation (VN)"))
    province = next(line for line in lines if line.startswith("province ("))
    # Both pages answered 200 (the last column), for the admin and the province's leader.
    assert nation.split()[-1] == "200" and province.split()[-1] == "200"
    again = run("bench", "insights", "--requests", "1", "--period", "2025")
    assert "generated" not in again  # the records are made once
    assert AuditEvent.objects.filter(verb="insights.synthetic_generated").count() == 1


def test_bench_insights_without_generated_data_says_what_to_run(db):
    with pytest.raises(CommandError, match="phoihop generate"):
        call_command("bench", "insights")
