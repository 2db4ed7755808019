"""The `phoihop` command: Django's management commands plus ours (demo, serve, audit, …)."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    argv[0] = "phoihop"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "phoihop.settings")
    if len(argv) > 1 and argv[1] == "demo":
        # Demo mode is decided before settings load: it picks the data folder's generated key
        # and is the only mode in which demo passwords exist.
        os.environ["PHOIHOP_DEMO"] = "true"
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
