#!/usr/bin/env python
"""Django's command-line utility for the Thredd onboarding portal."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "thredd_onboard.settings")
    import django
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    from thredd_onboard.embedded import migrate_if_behind, use_embedded_unless_configured

    command = sys.argv[1] if len(sys.argv) > 1 else "help"
    try:
        # With no database named, the embedded one, brought up to date as `make run` does;
        # the migration commands themselves are left to act on it as asked.
        if use_embedded_unless_configured() and "migrat" not in command:
            django.setup()
            migrate_if_behind()
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as problem:
        # Settings come from the environment: say what is missing, not a traceback.
        sys.exit(f"manage.py: {problem}.\nSet it in the environment or in .env (see README).")


if __name__ == "__main__":
    main()
