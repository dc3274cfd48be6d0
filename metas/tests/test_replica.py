"""Public pages read from a real PostgreSQL streaming replica; the staff and the publication
version read the primary, so a publication is never missing where it must be seen (issue 19).

The replica is the one `.ci/postgres-replica` starts (port 5433, `make test` as root); the site
runs under gunicorn in its own process with DATABASE_URL and DATABASE_REPLICA_URL naming the
test database on each server. Replay is paused on the replica to make it lag on purpose.
"""
import os
import time

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from metas.importer import import_report, run_attempt

from .importer_files import sample_file
from .servers import site_process
from .staff_helpers import make_user
from .test_importer_store import september_file

REPLICA_PORT = int(os.environ.get("TEST_REPLICA_PORT", "5433"))
pytestmark = pytest.mark.django_db(transaction=True)


def server_url(port: int) -> str:
    data = connection.settings_dict
    return (f"postgres://{data['USER']}@{data['HOST'] or '127.0.0.1'}:{port}/{data['NAME']}"
            "?application_name=metas-test-site")


def replica():
    return psycopg.connect(server_url(REPLICA_PORT).split("?")[0], autocommit=True)


@pytest.fixture
def replica_server():
    if connection.vendor != "postgresql":
        pytest.skip("A PostgreSQL replica is tested in the PostgreSQL run")
    try:
        with replica() as probe:
            assert probe.execute("SELECT pg_is_in_recovery()").fetchone() == (True,)
    except psycopg.OperationalError:
        if os.environ.get("CI") == "true":
            pytest.fail(f"No PostgreSQL replica answers on port {REPLICA_PORT}, and CI=true "
                        "requires it (.ci/postgres-replica starts it)")
        pytest.skip(f"No PostgreSQL replica on port {REPLICA_PORT} (.ci/postgres-replica)")
    yield
    with replica() as standby:
        standby.execute("SELECT pg_wal_replay_resume()")


def caught_up(seconds: float = 15) -> None:
    with connection.cursor() as primary:
        primary.execute("SELECT pg_current_wal_lsn()")
        target = primary.fetchone()[0]
    deadline = time.monotonic() + seconds
    with replica() as standby:
        while time.monotonic() < deadline:
            behind = standby.execute(
                "SELECT pg_wal_lsn_diff(%s, pg_last_wal_replay_lsn()) > 0", [target]
            ).fetchone()[0]
            if not behind:
                return
            time.sleep(0.05)
    pytest.fail("the replica did not replay the primary's changes in time")


def site_sessions_on_replica() -> int:
    with replica() as standby:
        return standby.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'metas-test-site'"
        ).fetchone()[0]


def test_public_pages_read_the_replica_and_never_miss_a_publication(replica_server, tmp_path):
    import_report([sample_file()])
    staff = Client()
    staff.force_login(make_user("ana", superuser=True))
    cookie = f"sessionid={staff.cookies['sessionid'].value}"
    caught_up()
    with site_process(tmp_path, DATABASE_URL=server_url(5432),
                      DATABASE_REPLICA_URL=server_url(REPLICA_PORT),
                      SECRET_KEY=settings.SECRET_KEY) as site:  # the staff's session stays valid
        status, _headers, page = site.get("/reportes/")
        assert status == 200 and "agosto de 2019" in page
        assert site_sessions_on_replica() >= 1  # the public page was read there

        with replica() as standby:
            standby.execute("SELECT pg_wal_replay_pause()")
        # Published on the primary, with its import-log row; the replica does not replay it.
        run_attempt([september_file()], source="command")
        # The version (primary) is newer than the replica's: the page reads the primary.
        status, headers, page = site.get("/reportes/")
        assert status == 200 and "septiembre de 2019" in page
        etag = headers["ETag"]
        # The staff read the primary whatever the replica says.
        status, _headers, page = site.get("/gestion/registro/", cookie)
        assert status == 200 and "loja-2019-09.tsv" in page

        with replica() as standby:
            standby.execute("SELECT pg_wal_replay_resume()")
        caught_up()
        status, _headers, page = site.get("/metas/?periodo=2019-09")  # from the replica now
        assert status == 200 and "Periodo: Septiembre de 2019" in page
        assert site.get("/reportes/")[1]["ETag"] == etag
