"""Django set up inside a benchmark's own process, as production runs it: DEBUG off, a key made
for the run, no .env of the checkout, the given database and folders. For import_bench.py,
pages.py, export_bench.py and hostile.py (bench/peers/ and load.py start real servers instead:
servers.py)."""
from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent


def set_up_django(database_url: str | None = None, *, static_root: Path | None = None,
                  media_root: Path | None = None, collect_static: bool = False) -> None:
    sys.path.insert(0, str(PROJECT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "transparencia.settings"
    os.environ["DEBUG"] = "false"
    os.environ["ENV_FILE"] = ""  # measured with exactly these settings
    os.environ.setdefault("SECRET_KEY", "bench-" + secrets.token_urlsafe(40))
    os.environ["ALLOWED_HOSTS"] = "testserver"
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    if static_root:
        os.environ["STATIC_ROOT"] = str(static_root)
    if media_root:
        os.environ["MEDIA_ROOT"] = str(media_root)
    import django

    django.setup()
    if collect_static:
        from django.core.management import call_command

        call_command("collectstatic", interactive=False, verbosity=0)
