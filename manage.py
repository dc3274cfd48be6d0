#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "transparencia.settings")
    from django.core.management import execute_from_command_line
    from django.db import OperationalError, connection

    try:
        execute_from_command_line(sys.argv)
    except OperationalError as error:
        # A PostgreSQL database nobody created yet: say what to do in one line, not 91.
        name = connection.settings_dict["NAME"]
        if f'database "{name}" does not exist' not in str(error):
            raise  # another cause (a role that does not exist, a server down) keeps its words
        sys.exit(f"The database {name!r} does not exist: create it (createdb {name}) and run "
                 "this command again.")


if __name__ == "__main__":
    main()
