from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.module_loading import import_string
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from phoihop.agreements.demo import load_agreements
from phoihop.demo.personas import DEMO_PASSWORD, load_personas
from phoihop.demo.quang_ninh import load_structure
from phoihop.orgs.models import User
from phoihop.reporting.demo import load_reporting

# The later modules' demo data, in the order they build on each other: each `load()` is
# idempotent and reads what the ones before it made (plans under 194/QCPH, meetings whose
# conclusions became tasks, the notification history of all of them, the review drawn from it).
LATER_MODULES = (
    "phoihop.tasks.demo.load",
    "phoihop.meetings.demo.load",
    "phoihop.criticism.demo.load",
    "phoihop.oversight.demo.load",
    "phoihop.notify.demo.load",
    "phoihop.insights.demo.load",
)


class Command(BaseCommand):
    help = "Migrate, load the Quảng Ninh demo (idempotent), print the logins and serve on 127.0.0.1."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-serve", action="store_true", help="load the demo and exit")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO:
            raise CommandError("run the demo through the `phoihop demo` command (it sets PHOIHOP_DEMO=true)")
        port = options["port"]
        if not 1 <= port <= 65535:
            raise CommandError(f"--port must be between 1 and 65535, not {port}")
        call_command("migrate", interactive=False, verbosity=0)
        counts = load_structure()
        load_personas()
        load_agreements()
        load_reporting()
        for loader in LATER_MODULES:
            import_string(loader)()
        codes = self._admin_backup_codes()
        self.stdout.write(self._banner(port, counts, codes))
        if options["no_serve"]:
            return
        sys.stdout.flush()
        # The background worker for queued jobs (DHIS2 imports from the web). It shares the
        # terminal's process group, so Ctrl-C stops it with the server.
        subprocess.Popen(
            [sys.executable, "-c", "from phoihop.cli import main; main()", "db_worker", "--no-reload", "-v", "0"]
        )
        # Serve the way production does (gunicorn), on loopback only: the demo's passwords are public.
        os.execvp(  # noqa: S606 - replace this process with the server, no shell involved
            sys.executable,
            [
                sys.executable,
                "-m",
                "gunicorn",
                "phoihop.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--threads",
                "4",
                "--log-level",
                "warning",
            ],
        )

    def _admin_backup_codes(self) -> list[str]:
        """Give the demo admin ten single-use backup codes for the two-step login, fresh each run."""
        admin = User.objects.get(username="admin")
        device, _ = StaticDevice.objects.get_or_create(
            user=admin, name="demo backup codes", defaults={"confirmed": True}
        )
        device.token_set.all().delete()
        codes = [StaticToken.random_token() for _ in range(10)]
        StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
        return codes

    def _banner(self, port: int, counts: dict[str, int], codes: list[str]) -> str:
        from phoihop.demo.personas import PERSONAS

        loaded = (
            f"loaded {counts['created']} units ({counts['new_communes']} communes today; history: "
            f"{counts['old_districts']} districts, {counts['old_communes']} communes closed 30/06/2025)"
            if counts.get("created")
            else "demo data already present (kept as it is)"
        )
        lines = [
            "",
            "phoihop demo — Quảng Ninh",
            loaded,
            f"data folder: {settings.DATA_DIR}",
            f"address:     http://127.0.0.1:{port}/",
            f"API docs:    http://127.0.0.1:{port}/api/v1/docs",
            "",
            f"Demo logins (password for all: {DEMO_PASSWORD})",
        ]
        lines += [f"  {p.username:<13} {p.description}" for p in PERSONAS]
        lines += [
            "",
            "admin must pass a two-step login: use one of these single-use backup codes,",
            "or enrol an authenticator app after logging in with one:",
            "  " + "  ".join(codes[:5]),
            "  " + "  ".join(codes[5:]),
            "",
            "E-mails (password reset, notifications, invitations) are written to "
            f"{getattr(settings, 'EMAIL_FILE_PATH', 'the console')}",
            "",
        ]
        return "\n".join(lines)
