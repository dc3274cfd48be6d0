"""What readers and staff get while a part is down, with the real part stopped (issue 19).

Redis: a redis-server of the test's own, killed with SIGKILL and started again on the same port:
pages keep answering from the database, the failure is logged once, caching resumes by itself.
PostgreSQL: the test database refuses connections (ALLOW_CONNECTIONS false, every session
terminated) as a server that went away does: the pages that were cached are served with the date
of their data, the others and the staff area answer a Spanish 503 with Retry-After, and
everything answers normally as soon as the database accepts connections again.
"""
import io
import logging
import signal
import time
import urllib.error
import urllib.request
import uuid
from datetime import timedelta

import psycopg
import pybreaker
import pytest
import redis
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from metas.http.breaker import breaker_of
from metas.importer import import_report

from .conftest import run_worker
from .importer_files import sample_file
from .servers import free_port, start_redis
from .staff_helpers import make_user

OUTAGE_NOTICE = "el sitio se está actualizando"
PAGES = ["/", "/metas/", "/metas/?periodo=todos", "/parroquias/", "/reportes/"]
BREAKER_SECONDS = 2


@pytest.fixture
def own_redis(settings):
    """A Redis server this test may kill, configured as production configures it."""
    port = free_port()
    servers = [start_redis(port)]
    options = {"SOCKET_CONNECT_TIMEOUT": 0.25, "SOCKET_TIMEOUT": 0.25, "IGNORE_EXCEPTIONS": True}
    settings.CACHES = {
        **settings.CACHES,
        "pages": {"BACKEND": "metas.http.breaker.CircuitBreakerCache",
                  "LOCATION": f"redis://127.0.0.1:{port}/0", "OPTIONS": options,
                  "KEY_PREFIX": f"test-{uuid.uuid4()}"},
    }
    settings.METAS_CACHE_BREAKER_SECONDS = BREAKER_SECONDS
    settings.DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
    settings.DJANGO_REDIS_LOGGER = "metas.cache"
    yield port, servers
    for server in servers:
        server.kill()
        server.wait()
    del caches["pages"]  # the next test gets its own connection pool


@pytest.fixture
def august(db):
    return import_report([sample_file()]).report


def kept_pages(port: int) -> int:
    return len(redis.Redis(port=port).keys("*"))


@pytest.fixture
def site_log():
    """What the site's configured log handler (settings.LOGGING, its filter included) writes."""
    handler = next(h for h in logging.getLogger().handlers if h.filters)
    for once in handler.filters:
        once.last.clear()  # a new interval: what an earlier test logged is not held against it
    written = io.StringIO()
    former = handler.setStream(written)
    yield written
    handler.setStream(former)


def test_with_redis_killed_pages_render_from_the_database_and_caching_resumes(
    august, own_redis, site_log
):
    port, servers = own_redis
    client = Client()
    before = {path: client.get(path).content for path in PAGES}
    assert kept_pages(port) > 0

    servers[0].send_signal(signal.SIGKILL)
    servers[0].wait()
    for _round in range(3):
        for path in PAGES:
            started = time.monotonic()
            response = client.get(path)
            assert response.status_code == 200, path
            assert response.content == before[path], path
            assert time.monotonic() - started < 2, path
    # A node stays in service (pages render without the cache); monitoring sees the cache down.
    assert client.get("/salud/listo/").status_code == 200
    status = client.get("/salud/")
    assert status.status_code == 503
    assert "Cache(alias='pages'): Unavailable" in status.content.decode()
    logged = site_log.getvalue()
    # One line for the whole outage, not a traceback per request.
    assert logged.count("Exception ignored") == 1, logged
    assert "Traceback" not in logged

    servers.append(start_redis(port))
    assert kept_pages(port) == 0
    # Cached again, without a restart of anything, once the breaker lets a call through.
    assert seconds_until_cached(client, port) < 5


def seconds_until_cached(client, port: int, limit: float = 10) -> float:
    started = time.monotonic()
    while time.monotonic() - started < limit:
        assert client.get("/metas/").status_code == 200
        if kept_pages(port) > 0:
            break
        time.sleep(0.1)
    return time.monotonic() - started


class CallsThrough(pybreaker.CircuitBreakerListener):
    """Counts the cache calls the breaker lets through to Redis (and so may wait)."""

    def __init__(self):
        self.count = 0

    def before_call(self, cb, func, *args, **kwargs):
        self.count += 1


def test_a_hung_redis_costs_one_wait_then_pages_skip_the_cache_until_it_answers(
    august, own_redis
):
    """Redis accepting connections and never answering (the real server, SIGSTOPped): the
    first call waits REDIS_TIMEOUT, then the cache is skipped (metas.http.breaker) and pages
    render from the database without asking Redis; caching resumes by itself after SIGCONT.
    What is counted is the calls that reach Redis, not wall time, which a loaded machine
    stretches."""
    port, servers = own_redis
    client = Client()
    through = CallsThrough()
    breaker = breaker_of(f"redis://127.0.0.1:{port}/0")
    breaker.add_listener(through)
    try:
        for path in PAGES:
            assert client.get(path).status_code == 200, path
        redis.Redis(port=port).flushall()  # every page must render and ask to be kept
        asked_when_answering = through.count

        servers[0].send_signal(signal.SIGSTOP)
        try:
            hung_at = time.monotonic()
            assert client.get("/reportes/").status_code == 200
            assert time.monotonic() - hung_at >= 0.25, "the first call waited for the timeout"
            assert breaker.current_state == pybreaker.STATE_OPEN
            through.count = 0
            for _round in range(2):
                for path in PAGES:
                    assert client.get(path).status_code == 200, path
            # Once every BREAKER_SECONDS after it opened (within the first page) one call is let
            # through to try Redis again (a slow machine may get there within the rounds);
            # every other call skips it.
            assert through.count <= (time.monotonic() - hung_at) // BREAKER_SECONDS, through.count
            assert asked_when_answering >= 2 * len(PAGES), "pages do ask an answering cache"
        finally:
            servers[0].send_signal(signal.SIGCONT)
    finally:
        breaker.remove_listener(through)

    redis.Redis(port=port).flushall()
    assert seconds_until_cached(client, port) < BREAKER_SECONDS + 2


def test_only_a_failure_to_reach_redis_opens_the_breaker(own_redis):
    cache = caches["pages"]
    with pytest.raises(ValueError):
        cache.incr("never-set")  # Redis answered: the key is missing
    cache.set("answered", 1)
    assert cache.get("answered") == 1, "the cache is still asked"


# --- The database ---------------------------------------------------------------------------

def admin_connection():
    """A connection to the server's maintenance database, to close and open the test's."""
    settings_dict = connection.settings_dict
    return psycopg.connect(
        host=settings_dict["HOST"] or "127.0.0.1", port=settings_dict["PORT"] or 5432,
        user=settings_dict["USER"], password=settings_dict["PASSWORD"] or None,
        dbname="postgres", autocommit=True,
    )


def refuse_connections(refuse: bool) -> None:
    name = connection.settings_dict["NAME"]
    with admin_connection() as admin:
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {"false" if refuse else "true"}')
        if refuse:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                [name],
            )


@pytest.fixture
def database_outage(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("A database server that goes away is tested in the PostgreSQL run")
    yield lambda: refuse_connections(True)
    refuse_connections(False)
    connection.close()  # the test's own session was terminated with the others


def fetch(url: str, cookie: str = "") -> tuple[int, dict, str]:
    """A GET through the live server, where each request opens and closes its connection as
    under gunicorn (Django's test client keeps one, broken, connection for the whole test)."""
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def test_while_the_database_is_down_cached_pages_are_served_dated_and_others_answer_503(
    database_outage, live_server
):
    import_report([sample_file()])
    staff = Client()
    staff.force_login(make_user("alicia"))
    cookie = f"sessionid={staff.cookies['sessionid'].value}"
    for path in PAGES:
        assert fetch(live_server.url + path)[0] == 200

    database_outage()
    for path in PAGES:
        status, headers, page = fetch(live_server.url + path)
        assert status == 200, path
        assert OUTAGE_NOTICE in page, path
        assert "Datos del " in page
        assert headers["Cache-Control"] == "no-store"
        assert "Set-Cookie" not in headers
    status, headers, page = fetch(live_server.url + "/metas/?q=agua")
    assert (status, headers["Retry-After"]) == (503, "30")
    assert "El sitio se está actualizando" in page
    status, _headers, page = fetch(live_server.url + "/gestion/", cookie)
    assert status == 503
    assert "no se pueden publicar reportes en este momento" in page
    assert fetch(live_server.url + "/salud/vivo/")[0] == 200
    status, _headers, report = fetch(live_server.url + "/salud/listo/")
    assert status == 503
    assert "Database(alias='default'): " in report
    assert "127.0.0.1" not in report and "5432" not in report  # no address given away

    refuse_connections(False)
    started = time.monotonic()
    for path in PAGES:
        status, _headers, page = fetch(live_server.url + path)
        assert status == 200
        assert OUTAGE_NOTICE not in page
    assert fetch(live_server.url + "/metas/?q=agua")[0] == 200
    assert fetch(live_server.url + "/salud/listo/")[0] == 200
    assert "<h1>Publicar un reporte</h1>" in fetch(live_server.url + "/gestion/", cookie)[2]
    assert time.monotonic() - started < 5


def test_health_endpoints_say_what_a_load_balancer_needs_and_nothing_more(august, client):
    live = client.get("/salud/vivo/")
    assert (live.status_code, live.content) == (200, b"ok\n")
    ready = client.get("/salud/listo/")
    assert ready.status_code == 200
    assert ready.content.decode().splitlines() == [
        "Database(alias='default'): OK", "MigrationsApplied: OK", "Storage(alias='default'): OK",
    ]
    for response in (live, ready, client.get("/salud/")):
        assert "no-cache" in response["Cache-Control"]
        assert not response.cookies


def test_monitoring_says_when_nobody_runs_the_publication_worker(
    live_server, django_capture_on_commit_callbacks
):
    """Through the live server: the health view is asynchronous, and the browser tests that run
    before this one leave Playwright's event loop in the test's thread."""
    with django_capture_on_commit_callbacks(execute=True):  # the publication enqueues its build
        import_report([sample_file()])
    assert "WorkerKeepsUp: OK" in fetch(live_server.url + "/salud/")[2]  # just enqueued
    # Ten minutes on, the task still waits: no worker is running.
    DBTaskResult.objects.update(enqueued_at=timezone.now() - timedelta(minutes=10))
    status, _headers, report = fetch(live_server.url + "/salud/")
    assert status == 503
    assert "WorkerKeepsUp: Unavailable: Tasks waiting for the worker" in report
    assert fetch(live_server.url + "/salud/listo/")[0] == 200  # the node still serves pages

    run_worker()
    assert fetch(live_server.url + "/salud/")[0] == 200


def test_a_flood_of_refused_exports_is_one_line_in_the_log(client, august, settings, site_log):
    """The designed 503s (every export slot taken) are not errors to log one by one."""
    settings.METAS_EXPORT_SLOTS = 1
    making = client.get("/metas.csv", {"institucion": "municipio-de-loja", "sep": ";"})
    assert making.streaming  # holds the one slot while it is being sent
    for word in ("agua", "vial", "parque", "riego"):
        refused = client.get("/metas.json", {"institucion": "municipio-de-loja", "q": word})
        assert refused.status_code == 503
    b"".join(making.streaming_content)
    logged = site_log.getvalue()
    assert logged.count("Service Unavailable") == 1, logged
    assert "repeated errors of this kind are left out" in logged
