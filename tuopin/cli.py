"""The ``tuopin`` command: Django's management commands with two-word names.

``tuopin org import FILE`` runs the management command ``org_import``; ``tuopin serve`` runs
``serve``; any other Django command works as usual (``tuopin migrate``, ``tuopin shell``).
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tuopin.settings")
    args = list(sys.argv[1:] if argv is None else argv)
    from tuopin.lib.env import SettingError

    try:
        import django
        from django.core.management import execute_from_command_line, get_commands

        django.setup()
    except SettingError as error:
        sys.stderr.write(f"配置错误：{error}\n")
        raise SystemExit(2) from None
    if len(args) >= 2 and not args[1].startswith("-"):
        joined = f"{args[0]}_{args[1]}".replace("-", "_")
        if joined in get_commands():
            args = [joined, *args[2:]]
    execute_from_command_line(["tuopin", *args])


if __name__ == "__main__":
    main()
