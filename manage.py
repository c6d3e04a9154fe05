#!/usr/bin/env python
"""Django's command-line utility for the Thredd onboarding portal."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "thredd_onboard.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as problem:
        # Settings come from the environment: say what is missing, not a traceback.
        sys.exit(
            f"manage.py: {problem}.\nSet it in the environment or in .env (see README), or run "
            "the command on the embedded database: python -m thredd_onboard.embedded -- "
            "python manage.py ..."
        )


if __name__ == "__main__":
    main()
