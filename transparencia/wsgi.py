import os

import django
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "transparencia.settings")
django.setup(set_prefix=False)

# Before WhiteNoise looks for the files: fail at start-up in one line, rather than answer 500
# on every page.
from metas.http.security import (
    require_collected_static,  # noqa: E402 (needs Django set up)
)

require_collected_static()
application = get_wsgi_application()
