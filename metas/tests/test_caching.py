"""HTTP caching keyed on publication (speed): validators, 304s and cached copies that never
outlive a publication, through the local-memory cache and through the real Redis server."""
import os
import uuid

import pytest
import redis
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from metas.importer import import_report
from metas.models import SourceFile

from .factories import make_goal, make_institution, make_report
from .importer_files import sample_file
from .test_importer_store import september_file

pytestmark = pytest.mark.django_db

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture(params=["locmem", "redis"])
def page_cache(request, settings):
    """The pages cache, as embedded (local memory) and as in production (Redis)."""
    if request.param == "redis":
        try:
            redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
        except redis.exceptions.ConnectionError:
            if os.environ.get("CI") == "true":
                pytest.fail(f"No Redis server answers at {REDIS_URL}, and CI=true requires it.")
            pytest.skip(f"No Redis server answers at {REDIS_URL}")
        settings.CACHES = {
            **settings.CACHES,
            "pages": {"BACKEND": "metas.http.breaker.CircuitBreakerCache",
                      "LOCATION": REDIS_URL, "KEY_PREFIX": f"test-{uuid.uuid4()}"},
        }
    yield caches["pages"]
    caches["pages"].clear()


@pytest.fixture
def august(db):
    return import_report([sample_file()]).report


def get(client, path, **headers):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, **headers)
    return response, len(queries)


PAGES = ["/", "/metas/", "/municipio-de-loja/", "/parroquias/", "/reportes/", "/metas.atom",
         "/reportes/municipio-de-loja/2019-08/"]


@pytest.mark.parametrize("path", PAGES)
def test_a_repeated_page_costs_one_query_and_a_conditional_one_is_answered_304(
    client, august, page_cache, path
):
    first, _queries = get(client, path)
    assert first.status_code == 200
    assert first["ETag"].startswith('W/"')
    assert first["Last-Modified"]
    assert first["Cache-Control"] == (
        "public, max-age=60, stale-while-revalidate=600, stale-if-error=86400"
    )
    again, queries = get(client, path)
    assert (again.status_code, queries) == (200, 1)  # the version; the page comes from the cache
    assert again.content == first.content
    not_modified, queries = get(client, path, HTTP_IF_NONE_MATCH=first["ETag"])
    assert (not_modified.status_code, queries, not_modified.content) == (304, 1, b"")
    since, queries = get(client, path, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert (since.status_code, queries) == (304, 1)


def test_a_publication_is_visible_at_once(client, august, page_cache,
                                          publishing):
    before = client.get("/metas/?periodo=todos")
    assert "septiembre de 2019" not in before.content.decode().lower()
    import_report([september_file()], period="2019-09")
    after = client.get("/metas/?periodo=todos", HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]
    assert "septiembre de 2019" in after.content.decode().lower()


def test_a_publication_changes_the_validators_of_exactly_the_pages_it_affects(
    client, august, page_cache
):
    zamora = make_report(make_institution("Municipio de Zamora"), "2019-08")
    make_goal(zamora, objective="Agua potable para Zamora")
    loja_page, zamora_page, site_page = (
        client.get(path) for path in ("/municipio-de-loja/", "/municipio-de-zamora/", "/")
    )
    make_goal(zamora, objective="Otra meta de Zamora")  # Zamora publishes again
    assert client.get("/municipio-de-loja/")["ETag"] == loja_page["ETag"]
    assert client.get("/municipio-de-zamora/")["ETag"] != zamora_page["ETag"]
    assert client.get("/")["ETag"] != site_page["ETag"]


def test_signed_in_staff_always_get_a_fresh_page(client, august, page_cache, django_user_model):
    client.get("/")
    client.force_login(django_user_model.objects.create_user("alicia", password="x"))
    response, queries = get(client, "/")
    assert response.status_code == 200 and queries > 1
    assert "ETag" not in response


@pytest.mark.parametrize("path", ["/metas/", "/metas.csv?avance=100", "/metas.json?avance=100",
                                  "/metas.atom"])
@pytest.mark.parametrize("encoding", ["gzip", "br"])
def test_pages_exports_and_feeds_are_compressed(client, august, page_cache, path, encoding):
    import_report([september_file()], period="2019-09")  # the feed has its changes
    response = client.get(path, HTTP_ACCEPT_ENCODING=encoding)
    assert response["Content-Encoding"] == encoding
    assert "Accept-Encoding" in response["Vary"]
    plain = client.get(path)
    assert not plain.has_header("Content-Encoding")


def test_files_compressed_already_are_sent_as_they_are(client, august, page_cache):
    workbook = client.get("/metas.xlsx?avance=100", HTTP_ACCEPT_ENCODING="gzip, br")
    assert workbook.status_code == 200 and not workbook.has_header("Content-Encoding")
    assert b"".join(workbook.streaming_content)[:2] == b"PK"  # the ZIP inside every .xlsx
    # An original file served as a workbook: its bytes as stored, not compressed again.
    source = august.files.get()
    SourceFile.objects.filter(pk=source.pk).update(detected_format="xlsx")
    original = client.get(f"{august.get_absolute_url()}archivos/{source.pk}/",
                          HTTP_ACCEPT_ENCODING="gzip, br")
    assert original["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert not original.has_header("Content-Encoding")
    assert b"".join(original.streaming_content) == source.file.open("rb").read()
