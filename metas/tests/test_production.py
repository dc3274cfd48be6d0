"""Production: strict headers on every URL and static file, `check --deploy` clean with the
documented environment, the login lockout behind a TLS proxy, and a clear refusal to start
without collected static files (hardening, items 9, 10 and 11)."""
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.templatetags.static import static
from django.test import Client
from django.urls import reverse

from metas.importer import import_report

from .importer_files import sample_file
from .site_urls import addresses, pattern_names
from .staff_helpers import make_user

pytestmark = pytest.mark.django_db

LOGIN = reverse("login")
CSP_DIRECTIVES = [
    "default-src 'none'", "script-src 'self'", "style-src 'self'", "object-src 'none'",
    "base-uri 'none'", "frame-ancestors 'none'", "form-action 'self'",
]


@pytest.fixture
def august(db, publishing):
    """The sample, published and its files built by the worker (a month's ZIP not yet built
    answers 503 "se está preparando", on purpose)."""
    with publishing():
        return import_report([sample_file()]).report


def production_headers_missing(response) -> list[str]:
    headers = response.headers
    csp = headers.get("Content-Security-Policy", "")
    missing = [directive for directive in CSP_DIRECTIVES if directive not in csp]
    if "unsafe-inline" in csp:
        missing.append("CSP without 'unsafe-inline'")
    expected = {
        "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
    }
    missing += [f"{name}: {value}" for name, value in expected.items()
                if headers.get(name) != value]
    policy = headers.get("Permissions-Policy", "")
    missing += [f"Permissions-Policy {feature}=()" for feature in ("camera", "geolocation")
                if f"{feature}=()" not in policy]
    return missing


def test_every_url_pattern_has_an_address(august):
    assert pattern_names() <= set(addresses(august))


def test_every_url_sends_the_production_headers(client, august):
    problems = {}
    for name, url in addresses(august).items():
        response = client.get(url, secure=True)
        missing = production_headers_missing(response)
        if response.status_code >= 500 or missing:
            problems[name] = (response.status_code, missing)
    assert problems == {}


def test_static_files_send_the_same_headers(client):
    response = client.get(static("metas/site.css"), secure=True)
    assert response.status_code == 200
    assert production_headers_missing(response) == []


def run(command, **environment):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "ENV_FILE": "", **environment}
    return subprocess.run(
        [sys.executable, *command], cwd=settings.BASE_DIR, env=env,
        capture_output=True, text=True, timeout=120,
    )


def production_environment(tmp_path, **more) -> dict:
    """The environment the README's "Running in production" documents."""
    return {
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "metas.example.ec",
        "PROXY_COUNT": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "STATIC_ROOT": str(tmp_path / "static"),
        **more,
    }


def test_check_deploy_passes_with_the_documented_environment(tmp_path):
    checked = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                  **production_environment(tmp_path))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "no issues" in checked.stdout


def test_without_collected_static_files_the_site_refuses_to_start_in_one_line(tmp_path):
    started = run(["-c", "import transparencia.wsgi"], **production_environment(tmp_path))
    assert started.returncode != 0
    assert started.stderr.strip().splitlines() == [
        f"Static files are not collected in {tmp_path / 'static'}: run "
        "`manage.py collectstatic --noinput` before starting the site."
    ]


def test_gunicorn_without_collected_static_files_stops_once_instead_of_looping(tmp_path):
    """Its master used to start a new worker 52 times in 30 s, each failing the same way."""
    gunicorn = Path(sys.executable).parent / "gunicorn"
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "ENV_FILE": "",
           **production_environment(tmp_path)}
    started = subprocess.run(
        [str(gunicorn), "transparencia.wsgi", "--bind", "127.0.0.1:0", "--workers", "2"],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=60,
    )
    assert started.returncode != 0
    assert started.stderr.count("Static files are not collected") <= 2  # one per worker
    assert "Worker failed to boot" in started.stderr
    assert started.stderr.count("Booting worker") <= 2


def test_a_postgresql_database_nobody_created_is_said_in_one_line(tmp_path):
    server = os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    missing = f"{server.rsplit('/', 1)[0]}/metas_never_created_{secrets.token_hex(4)}"
    migrated = run(["manage.py", "migrate"],
                   **production_environment(tmp_path, DATABASE_URL=missing))
    if "Connection refused" in migrated.stderr and os.environ.get("CI") != "true":
        pytest.skip("no PostgreSQL server answers")
    name = missing.rsplit("/", 1)[1]
    assert migrated.returncode == 1
    assert migrated.stderr.strip().splitlines() == [
        f"The database {name!r} does not exist: create it (createdb {name}) and run this "
        "command again."
    ]


def sign_in(client, password, **headers):
    return client.post(LOGIN, {"username": "alicia", "password": password}, **headers)


@pytest.fixture
def alicia(db):
    return make_user("alicia")


def test_behind_a_proxy_the_lockout_counts_the_clients_address(alicia, settings):
    """With PROXY_COUNT=1 the proxy's X-Forwarded-For names each client; an attacker who
    writes an address of their own in it still gets their real one counted."""
    settings.PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    attacker = Client(**proxy)
    spoofed = {"HTTP_X_FORWARDED_FOR": "198.51.100.20, 203.0.113.7"}  # the proxy appended .7
    statuses = [sign_in(attacker, f"guess-{n}", **spoofed).status_code for n in range(5)]
    assert statuses == [200, 200, 200, 200, 429]
    assert sign_in(attacker, "x-Secret-42", HTTP_X_FORWARDED_FOR="203.0.113.7").status_code == 429

    office = Client(**proxy)
    signed_in = sign_in(office, "x-Secret-42", HTTP_X_FORWARDED_FOR="198.51.100.20")
    assert signed_in.status_code == 302


def test_without_a_proxy_the_lockout_ignores_x_forwarded_for(alicia, settings):
    """Directly on the Internet (PROXY_COUNT=0) the header is the client's own words: a
    different one per attempt does not escape the lockout."""
    settings.PROXY_COUNT = 0
    attacker = Client(REMOTE_ADDR="203.0.113.7")
    statuses = [
        sign_in(attacker, f"guess-{n}", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}").status_code
        for n in range(5)
    ]
    assert statuses == [200, 200, 200, 200, 429]
    office = Client(REMOTE_ADDR="198.51.100.20")
    assert sign_in(office, "x-Secret-42").status_code == 302
