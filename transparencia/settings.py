"""Settings for Transparencia Metas, all read from the environment.

Every value has a safe default for a developer's machine except SECRET_KEY, which must be
set whenever DEBUG is off (production). A development checkout keeps its own in `.env` (written
by `make run`), read first without overriding the real environment; ENV_FILE names another
file, or none when empty.
"""
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from dotenv import load_dotenv

BASE_DIR = Path(__file__).resolve().parent.parent

if _env_file := os.environ.get("ENV_FILE", str(BASE_DIR / ".env")):
    load_dotenv(_env_file, override=False)


def env_bool(name, default=False):
    """Strict boolean parsing: a typo must not silently turn DEBUG on or off."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), not {value!r}")


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name, default):
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


DEBUG = env_bool("DEBUG", False)

INSECURE_DEV_KEY = "django-insecure-only-for-local-development"
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it in the environment, or set DEBUG=true for local use."
        )
    SECRET_KEY = INSECURE_DEV_KEY

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "csp",
    "django_filters",
    "axes",
    "health_check",
    # Before django_tasks_db: its `db_worker` command is metas's (metas.management.commands),
    # which first enqueues again what a killed worker left.
    "metas",
    # The worker that rebuilds the prebuilt files after a publication (metas.publication.files):
    # Django's tasks framework (the django-tasks backport) with its database backend, so the
    # queue lives in the site's own database and SQLite needs nothing else.
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outside compression, so a cached page is kept (and sent again) already compressed.
    "metas.http.caching.PublicationCacheMiddleware",
    # gzip, brotli or zstd, as the client accepts; static files come compressed from WhiteNoise.
    "metas.http.compression.CompressUnlessCompressed",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "metas.http.security.PermissionsPolicyMiddleware",
    # Last, as django-axes requires.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # First, so locked-out users are refused before their password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "transparencia.urls"
WSGI_APPLICATION = "transparencia.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# SQLite is the embedded default so that a new user needs nothing else; PostgreSQL
# (DATABASE_URL=postgres://...) is the production and scale-out path.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        # Kept open between requests: opening one (and setting SQLite's WAL) cost more than
        # a cached page.
        conn_max_age=env_int("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update({
        # WAL lets readers (the public site) go on while an import writes.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        # A transaction takes the write lock when it begins, as select_for_update does on
        # PostgreSQL: of two "Publicar" at once, the second waits, then finds the upload
        # published (409) instead of failing on "database is locked" halfway.
        "transaction_mode": "IMMEDIATE",
        # Seconds a writer waits for another's lock (an import of 10,000 goals takes a few).
        "timeout": 20,
    })

# PostgreSQL's parallel workers per query: 0 by default. A page's queries read a few hundred
# rows; starting workers for them cost more than it saved (a parish's page at 1,000
# institutions: 69 ms of SQL with them, 35 without, bench/README.md) and takes cores other
# requests need. Empty: the server's own setting (for a pooler that refuses startup options).
PG_PARALLEL_WORKERS = (None if os.environ.get("PG_PARALLEL_WORKERS", "0").strip() == ""
                       else env_int("PG_PARALLEL_WORKERS", 0))
if PG_PARALLEL_WORKERS is not None and PG_PARALLEL_WORKERS < 0:
    raise ImproperlyConfigured(f"PG_PARALLEL_WORKERS must be 0 or more, not {PG_PARALLEL_WORKERS}")


def _postgresql_options(database: dict) -> dict:
    if database["ENGINE"] == "django.db.backends.postgresql" and PG_PARALLEL_WORKERS is not None:
        database.setdefault("OPTIONS", {})["options"] = (
            f"-c max_parallel_workers_per_gather={PG_PARALLEL_WORKERS}")
    return database


_postgresql_options(DATABASES["default"])

# A PostgreSQL streaming replica for the public pages' reads (metas.http.replica); the staff,
# commands, the worker and every write use the primary.
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = _postgresql_options(dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"],
        conn_max_age=env_int("CONN_MAX_AGE", 60), conn_health_checks=True,
    ))
    # In the test suite the alias is the primary's connection (test_replica.py runs the site
    # against the real replica in a process of its own).
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["metas.http.replica.ReplicaRouter"]
    MIDDLEWARE.insert(
        MIDDLEWARE.index("metas.http.caching.PublicationCacheMiddleware"),
        "metas.http.replica.PublicReadsMiddleware",
    )

if os.environ.get("TEST_DATABASE_NAME"):
    # Lets several test runs share one PostgreSQL server without clashing.
    DATABASES["default"]["TEST"] = {"NAME": os.environ["TEST_DATABASE_NAME"]}

# Rendered public pages (metas.http.caching) and other shared values: Redis when REDIS_URL is set
# (production, several processes share it), else each process's memory. Keys carry the
# publication version, so neither ever serves a page older than the latest publication.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    # A cache is never needed: with Redis down, hung or full, every call is answered as a miss
    # within REDIS_TIMEOUT seconds (django-redis' IGNORE_EXCEPTIONS), pages render from the
    # database, and caching resumes by itself when Redis is back (metas.http.outage). After
    # one such failure the cache is not asked for CACHE_BREAKER_SECONDS (a circuit breaker,
    # metas.http.breaker): a hung Redis costs one wait, not one per call.
    _redis_timeout = float(os.environ.get("REDIS_TIMEOUT", "0.25"))
    _cache = {
        "BACKEND": "metas.http.breaker.CircuitBreakerCache",
        "LOCATION": REDIS_URL,
        "OPTIONS": {
            "SOCKET_CONNECT_TIMEOUT": _redis_timeout,
            "SOCKET_TIMEOUT": _redis_timeout,
            "IGNORE_EXCEPTIONS": True,
        },
    }
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
    DJANGO_REDIS_LOGGER = "metas.cache"
else:
    _cache = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
# Files made on request (exports that are not prebuilt) that one node makes at once; beyond,
# a Spanish 503 at once (metas.http.slots): the other workers stay free for the pages.
METAS_EXPORT_SLOTS = env_int("EXPORT_SLOTS", 1)
METAS_CACHE_BREAKER_SECONDS = float(os.environ.get("CACHE_BREAKER_SECONDS", "2"))
# A search finding more goals than this lists them newest first, uncounted beyond it and
# without facets, rather than ranking and counting every match (metas.search.broad).
METAS_BROAD_SEARCH = env_int("BROAD_SEARCH", 5000)
if METAS_BROAD_SEARCH < 1:
    raise ImproperlyConfigured(f"BROAD_SEARCH must be 1 or more, not {METAS_BROAD_SEARCH}")
CACHES = {
    "default": {**_cache, "KEY_PREFIX": "metas"},
    "pages": {**_cache, "KEY_PREFIX": "metas-pages", "TIMEOUT": 24 * 3600,
              "OPTIONS": _cache["OPTIONS"] if REDIS_URL else {"MAX_ENTRIES": 2000}},
}
if not REDIS_URL:
    # Each its own memory: local-memory caches of one LOCATION share their entries, so the
    # default cache's 300-entry limit would cull the pages', and clearing one would clear both.
    for _alias, _settings in CACHES.items():
        _settings["LOCATION"] = _alias

# The tasks' queue, in the site's database; `manage.py db_worker` runs them (`make run` starts it).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# A failed rebuild of the files is tried again after this many seconds times the attempts made.
METAS_FILE_BUILD_RETRY_SECONDS = int(os.environ.get("FILE_BUILD_RETRY_SECONDS", "10"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "es-ec"
LANGUAGES = [("es-ec", _("Spanish (Ecuador)"))]
# One catalogue per area of the product, merged by Django at run time.
LOCALE_PATHS = [BASE_DIR / "locale" / area for area in ("core", "importer", "site", "staff", "tools")]
TIME_ZONE = "America/Guayaquil"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "metas:staff-upload"

# Uploads above this size are refused before they are parsed.
METAS_MAX_UPLOAD_BYTES = 10 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = METAS_MAX_UPLOAD_BYTES + 1024 * 1024
# The site's address as readers reach it: the prebuilt downloads (written without a request)
# link each goal with it.
METAS_SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")
# Where the prebuilt downloads are written (default: MEDIA_ROOT/descargas); with
# DOWNLOADS_ACCEL_PREFIX (an nginx `internal` location aliased to that folder) the proxy sends
# the files itself (X-Accel-Redirect) and no worker is held by a slow download.
METAS_DOWNLOADS_ROOT = os.environ.get("DOWNLOADS_ROOT") or None
METAS_DOWNLOADS_ACCEL_PREFIX = os.environ.get("DOWNLOADS_ACCEL_PREFIX", "")
# Used when neither --institution nor a Format B dictionary names the institution.
METAS_DEFAULT_INSTITUTION = os.environ.get("METAS_DEFAULT_INSTITUTION", "Municipio de Loja")

# Login attempts are limited per user name and address (django-axes).
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The lockout answer (HTTP 429) is a Spanish page in the site's layout.
AXES_LOCKOUT_TEMPLATE = "metas/staff/lockout.html"
# The client's address, from X-Forwarded-For only behind PROXY_COUNT proxies (see below).
AXES_CLIENT_IP_CALLABLE = "metas.http.security.client_ip"

# E-mail (the staff's password reset links). With EMAIL_HOST: SMTP through it (port 587 and
# STARTTLS unless EMAIL_PORT / EMAIL_USE_TLS say otherwise). Without it: printed on the console
# in development, handed to a mail server on localhost:25 in production. A message that cannot
# be sent is logged by Django; the page answers the same.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 587 if EMAIL_HOST else 25)
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", bool(EMAIL_HOST))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
if EMAIL_HOST or not DEBUG:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = EMAIL_HOST or "localhost"
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
EMAIL_TIMEOUT = 10  # seconds: a mail server that hangs must not hold the request
DEFAULT_FROM_EMAIL = os.environ.get(
    "DEFAULT_FROM_EMAIL", "Transparencia Metas <no-responder@localhost>"
)
# The password reset's limits (metas.staff.password) count in the shared cache (Redis in
# production; each process's memory in the embedded set-up), per client address as the login
# lockout sees it.
RATELIMIT_USE_CACHE = "default"
RATELIMIT_IP_META_KEY = "metas.http.security.client_ip"
# Password reset links work for three days, once.
PASSWORD_RESET_TIMEOUT = 3 * 24 * 3600

# --- Production headers ---------------------------------------------------------------------
# PROXY_COUNT: how many reverse proxies stand in front of gunicorn (a TLS proxy such as nginx:
# 1). Each must append the address it received the request from to X-Forwarded-For and set
# X-Forwarded-Proto. Then requests are known to be HTTPS, plain HTTP is redirected, and the
# login lockout counts the client's address, not the proxy's.
PROXY_COUNT = env_int("PROXY_COUNT", 0)
if PROXY_COUNT:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", PROXY_COUNT > 0)
# Sent on HTTPS responses only (Django's SecurityMiddleware), so harmless in development.
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = []
if not SECURE_HSTS_PRELOAD:
    # Preloading is the domain owner's commitment (submitted to the browsers' lists, hard to
    # undo), not a default an application may make for a municipality's domain.
    SILENCED_SYSTEM_CHECKS.append("security.W021")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# No inline script or style anywhere (charts are SVG with attributes, not styles).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'none'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "manifest-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    },
}


def _static_file_headers(headers, path, url):
    """Static files leave through WhiteNoise, before the middleware that sets these on pages."""
    from metas.http.security import static_file_headers

    static_file_headers(headers, path, url)


WHITENOISE_ADD_HEADERS_FUNCTION = _static_file_headers

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # A part that is down (database, Redis) is logged in one line a minute, not per request.
    "filters": {"outage": {"()": "metas.http.outage.OncePerInterval", "seconds": 60}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["outage"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
