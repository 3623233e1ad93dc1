#!/usr/bin/env python
"""Django's command-line utility for Photosite."""
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "photosite.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as error:  # a setting to fix: its reason, not a traceback
        sys.exit(f"Photosite cannot start: {error}")


if __name__ == "__main__":
    main()
