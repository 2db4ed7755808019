from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from phoihop.oversight import services
from phoihop.oversight.models import Recommendation


class Command(BaseCommand):
    help = (
        "Escalate every recommendation left unanswered PHOIHOP_RECOMMENDATION_ESCALATE_DAYS days past its "
        "deadline to the Front committee above, with a numbered letter. Idempotent: run it nightly beside "
        "run-schedules; a recommendation is escalated once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--today", type=dt.date.fromisoformat, help="the day to count from (YYYY-MM-DD)")
        parser.add_argument("--dry-run", action="store_true", help="list what would be escalated, write nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        today = options["today"] or timezone.localdate()
        if options["dry_run"]:
            due = [
                r
                for r in Recommendation.objects.filter(status=Recommendation.Status.SENT, escalation__isnull=True)
                .select_related("front_unit")
                .order_by("deadline", "pk")
                if services.is_escalation_due(r, today)
            ]
            self.stdout.write(f"dry run: {len(due)} recommendations would be escalated")
            return
        done = services.run_escalations(today)
        self.stdout.write(f"{len(done)} recommendations escalated")
