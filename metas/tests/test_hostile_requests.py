"""No parameter can break a public page (hardening: the fuzz test).

Every GET parameter each public address reads, and a few it does not, gets every hostile value
below; addresses with a number or slug in their path get hostile ones there. Whatever the
answer (the page, a Spanish 400 or 404), it is never a server error.
"""
import pytest

from metas.filters import GoalFilter, InstitutionFilter
from metas.models import Canton

from .factories import (
    make_goal,
    make_institution,
    make_level,
    make_report,
    make_source_file,
    make_unit,
)
from .site_urls import addresses, public

pytestmark = pytest.mark.django_db

HOSTILE = [
    "", " ", "-1", "1e309", "NaN", "0x10", "10.5", "9223372036854775808", "1" + "0" * 400,
    "\x00", "x\x00y", "\x0c", "'", '"', "\\", "%", "' OR '1'='1", "1; DROP TABLE metas_goal",
    "<script>alert(1)</script>", "../../etc/passwd", "a" * 10_000, "ñ" * 300, "🙂\u202e",
    "2019-13", "0001-01", "9999-12", "2019-08-01", " todos ", "todos\x00", "[]",
]
# Bytes that are not UTF-8, as a hand-written query string sends them.
RAW_QUERIES = ["%ED%A0%80", "%FF%FE", "%25%00"]
# Parameters no page reads: every page ignores them alike, so the goal list stands for all.
UNKNOWN = ["utm_source", "page[]", "format"]

SCOPE = ["institucion", "periodo"]
PARAMETERS = {
    "metas:goal-list": [*GoalFilter.base_filters, "page", *UNKNOWN],
    "metas:goal-export-csv": list(GoalFilter.base_filters),
    "metas:goal-export-json": list(GoalFilter.base_filters),
    "metas:goal-changes-feed": list(GoalFilter.base_filters),
    "metas:unit-list": SCOPE,
    "metas:parish-list": SCOPE,
    "metas:parish-detail": SCOPE,
    "metas:parish-detail (council)": SCOPE,
    "metas:report-list": ["page"],
    "metas:institution-directory": [*InstitutionFilter.base_filters, "page"],
    "metas:province-detail": SCOPE,
    "metas:canton-detail": SCOPE,
}


@pytest.fixture
def urls(db):
    """A small report (each page then answers fast) with what every page needs: a sub-unit,
    parish and council tags, a stored file, and a previous month to compare with."""
    loja = make_institution("Municipio de Loja", kind="municipio",
                            canton=Canton.objects.get(code="1101"))
    unit = make_unit(loja, "Vialidad", level=make_level(loja), code="1")
    july, august = make_report(loja, "2019-07"), make_report(loja, "2019-08")
    make_source_file(august)
    before = make_goal(july, unit, objective="Vía a Malacatos", progress=10)
    make_goal(august, unit, objective="Vía a Malacatos", progress=40, previous=before,
              change="sube", parishes=["malacatos"], neighbourhoods=["jdb-carigan"])
    return public(addresses(august))


def read(response) -> int:
    """The status, once the body is read as a reader reads it: a stream's error shows only
    then, and a stream gives back what it holds (metas.http.slots) when it ends."""
    if response.streaming:
        b"".join(response.streaming_content)
    return response.status_code


def server_errors(client, url, names) -> list[str]:
    errors = []
    for name in names:
        for value in HOSTILE:
            status = read(client.get(url, {name: value}))
            if status >= 500:
                errors.append(f"{url}?{name}={value[:40]!r}: {status}")
        for raw in RAW_QUERIES:
            status = read(client.get(f"{url}?{name}={raw}"))
            if status >= 500:
                errors.append(f"{url}?{name}={raw}: {status}")
    return errors


def test_every_public_address_survives_hostile_parameters(client, urls):
    errors = []
    for pattern, url in urls.items():
        errors += server_errors(client, url, PARAMETERS.get(pattern, []))
    assert errors == []


PATH_SEGMENTS = ["0", "-1", "99999999999999999999", "1" + "0" * 400, "%00", "x%00y", "a" * 300,
                 "..", "%2e%2e", "ñandú", "%ED%A0%80", "<x>"]


def test_every_address_with_a_path_parameter_survives_hostile_ones(client, urls):
    templates = [
        "/metas/{}/", "/unidades/{}/", "/parroquias/{}/", "/reportes/{}/2019-08/",
        "/reportes/municipio-de-loja/{}/", "/reportes/municipio-de-loja/2019-08/archivos/{}/",
        "/reportes/municipio-de-loja/2019-08/cambios/", "/{}/", "/{}/cambios.atom",
        "/territorio/{}/", "/territorio/loja/{}/", "/municipio-de-loja/metas/{}/",
    ]
    errors = [
        f"{template.format(segment)}: {status}"
        for template in templates
        for segment in [*PATH_SEGMENTS, "2019-00", "2019-13"]
        if (status := client.get(template.format(segment)).status_code) >= 500
    ]
    assert errors == []
