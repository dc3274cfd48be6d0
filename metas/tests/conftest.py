"""Fixtures shared by every test. Feature-specific fixtures live beside their tests."""
import os
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.core.management import call_command
from django_tasks_db.management.commands import db_worker

from .browser import CHROMIUM, CHROMIUM_ARGS, DESKTOP


def _is_transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    if marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")):
        return True
    fixtures = getattr(item, "fixturenames", ())
    return "transactional_db" in fixtures or "live_server" in fixtures


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Transactional tests (the browser tests, for their live server) run last of all.

    They end by emptying every table, the parishes and councils the migrations loaded
    included; pytest-django runs them before the tests without a database mark, some of which
    read that territory through a session fixture.
    """
    items.sort(key=_is_transactional)  # stable: the order is otherwise kept


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """SQLite tests use a database file in WAL mode, as production does, rather than Django's
    shared in-memory database: with that, a reader waits for (or fails on) a writer's lock,
    which production never does, so tests of concurrent imports would test something else."""
    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3") and not database.get("TEST", {}).get("NAME"):
        folder = tmp_path_factory.mktemp("database")
        database.setdefault("TEST", {})["NAME"] = str(folder / "tests.sqlite3")


@pytest.fixture(scope="session", autouse=True)
def collected_static(tmp_path_factory):
    """Pages are rendered with the production static storage (hashed, compressed names),
    so the static files are collected once per run into a private folder."""
    settings.STATIC_ROOT = str(tmp_path_factory.mktemp("staticfiles"))
    call_command("collectstatic", interactive=False, verbosity=0)


@pytest.fixture(scope="session", autouse=True)
def live_server_serves_static_like_production():
    """pytest-django's live server answers /static/ itself, looking files up by their source
    names, so the hashed names pages link to were 404 and browser tests saw unstyled pages.
    Leaving /static/ to the site's WhiteNoise serves exactly what production serves."""
    from django.contrib.staticfiles.handlers import StaticFilesHandler

    original = StaticFilesHandler._should_handle
    StaticFilesHandler._should_handle = lambda self, path: False
    yield
    StaticFilesHandler._should_handle = original


@pytest.fixture(scope="session", autouse=True)
def fast_password_hashing():
    """Passwords are hashed the slow way in production, on purpose; tests sign in hundreds of
    times and need no such protection."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def empty_caches():
    """Each test starts without the pages another test rendered (metas.http.caching)."""
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()


@pytest.fixture(autouse=True)
def private_media_root(settings, tmp_path):
    """Stored original files go to a folder of each test's own."""
    settings.MEDIA_ROOT = str(tmp_path / "media")


# --- Browser tests: Debian's headless Chromium driven by Playwright -------------------------

@pytest.fixture(scope="session")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        message = f"Chromium is not installed at {CHROMIUM} (make test installs it as root)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def territory():
    """Ecuador's DPA and cantón Loja's parishes and councils, loaded again as migrations 0002
    and 0011 load them.

    Transactional tests (those with a live server) empty every table when they end, the
    migration's rows included, and serialized_rollback cannot restore them once Playwright runs
    (the test then holds other connection objects than the ones the database was serialized
    with), so each browser test starts from the territory a migrated database has.
    """
    from metas.territory.dpa import load_territory

    load_territory()


@pytest.fixture
def page(browser, live_server, territory):
    """A fresh browser tab at desktop size; `page.goto(live_server.url + path)`."""
    context = browser.new_context(viewport=DESKTOP, locale="es-EC")
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def run_worker() -> None:
    """The worker, for real: `manage.py db_worker` runs every task waiting in the queue
    (the prebuilt files a publication asked for, metas.publication.files), then stops.

    Between tasks it closes the database connection when it is inside a transaction, as
    Django closes it between requests; the test's transaction holds the test's data, so, as
    Django's test client does for requests, that one call is left out while it runs."""
    closing = db_worker.close_old_connections
    db_worker.close_old_connections = lambda **kwargs: None
    try:
        call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    finally:
        db_worker.close_old_connections = closing


@pytest.fixture
def publishing(django_capture_on_commit_callbacks):
    """`with publishing(): …` publishes as the site does: the transactions' on-commit work
    runs (the worker's tasks are enqueued), then the worker runs them."""
    @contextmanager
    def publishing_and_building():
        with django_capture_on_commit_callbacks(execute=True):
            yield
        run_worker()

    return publishing_and_building
