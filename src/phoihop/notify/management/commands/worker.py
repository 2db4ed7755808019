"""`phoihop worker`: run the background jobs (e-mails, digests, imports) — django-tasks-db's db_worker.

Every option is passed through: `phoihop worker --queue-name default --interval 2`.
"""

from __future__ import annotations

from django.core.management import load_command_class
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the background worker (django-tasks-db's db_worker); options are passed through to it."

    def run_from_argv(self, argv: list[str]) -> None:
        # Hand the whole command line to db_worker, so its options, help and exit codes are its own.
        worker = load_command_class("django_tasks_db", "db_worker")
        worker.run_from_argv([argv[0], "db_worker", *argv[2:]])

    def handle(self, *args: object, **options: object) -> None:  # pragma: no cover - run_from_argv does it
        worker = load_command_class("django_tasks_db", "db_worker")
        worker.execute(*args, **options)
