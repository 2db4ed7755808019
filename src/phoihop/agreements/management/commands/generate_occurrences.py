from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from phoihop.agreements import services
from phoihop.agreements.models import Agreement, Obligation


class Command(BaseCommand):
    help = (
        "Create the missing occurrences of every duty (or of one agreement's duties). Idempotent: "
        "safe to run from cron and in two processes at once; it never changes or removes an occurrence."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--agreement", type=int, help="only the duties of the agreement with this id")
        parser.add_argument("--dry-run", action="store_true", help="count what would be created, write nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        agreement = None
        if options["agreement"] is not None:
            agreement = Agreement.objects.filter(pk=options["agreement"]).first()
            if agreement is None:
                raise CommandError(f"no agreement with id {options['agreement']}")
        obligations = Obligation.objects.all() if agreement is None else agreement.obligations.all()
        count = obligations.count()
        if options["dry_run"]:
            missing = services.occurrences_missing(agreement=agreement)
            self.stdout.write(f"dry run: {len(missing)} occurrences would be created for {count} duties")
            return
        created = services.occurrences_generate(agreement=agreement)
        self.stdout.write(f"{created} occurrences created for {count} duties")
