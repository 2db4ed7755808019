from __future__ import annotations

import os
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from phoihop.checks import refuse_unsafe_production
from phoihop.env import env_int, env_str


class Command(BaseCommand):
    help = "Serve phoihop in production with gunicorn (configure with DATABASE_URL, SECRET_KEY, ALLOWED_HOSTS …)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default=env_str("PHOIHOP_BIND", "0.0.0.0:8000"))
        parser.add_argument("--workers", type=int, default=env_int("PHOIHOP_WORKERS", 3))
        parser.add_argument("--migrate", action="store_true", help="apply migrations before starting")

    def handle(self, *args: Any, **options: Any) -> None:
        refuse_unsafe_production()
        if options["migrate"]:
            call_command("migrate", interactive=False, verbosity=1)
        if settings.STATIC_ROOT:
            call_command("collectstatic", interactive=False, verbosity=0)
        sys.stdout.flush()
        os.execvp(  # noqa: S606 - replace this process with the server, no shell involved
            sys.executable,
            [
                sys.executable,
                "-m",
                "gunicorn",
                "phoihop.wsgi:application",
                "--bind",
                options["bind"],
                "--workers",
                str(options["workers"]),
                "--access-logfile",
                "-" if not settings.PRODUCTION else "/dev/null",
                "--forwarded-allow-ips",
                env_str("FORWARDED_ALLOW_IPS", "127.0.0.1"),
            ],
        )
