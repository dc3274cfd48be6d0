"""The import log in Ecuador's time, filtered by institution, outcome and days, paginated in a
constant number of queries."""
from datetime import datetime, timezone

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from metas.models import ImportLog

from .staff_helpers import alicia, bruno, catamayo, loja, sofia  # noqa: F401 (fixtures)
from .test_staff_upload import text_of

pytestmark = pytest.mark.django_db

LOG = reverse("metas:staff-import-log")


def entry(when, outcome="accepted", institution="Municipio de Loja", name="loja.tsv"):
    log = ImportLog.objects.create(
        source="command", outcome=outcome, institution=institution, file_names=name
    )
    ImportLog.objects.filter(pk=log.pk).update(created_at=when)
    return log


def utc(*args):
    return datetime(*args, tzinfo=timezone.utc)


def signed_in_as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def file_names(response) -> list[str]:
    return [
        name for name in ("agosto.tsv", "septiembre.tsv", "rechazado.tsv", "catamayo.tsv")
        if name in response.content.decode()
    ]


@pytest.fixture
def log(loja, catamayo):
    entry(utc(2019, 9, 1, 3, 0), name="agosto.tsv")  # 31 August, 22:00 in Ecuador
    entry(utc(2019, 10, 1, 15, 30), name="septiembre.tsv")
    entry(utc(2019, 10, 2, 12, 0), outcome="rejected", name="rechazado.tsv")
    entry(utc(2019, 10, 3, 12, 0), institution="Municipio de Catamayo", name="catamayo.tsv")


def test_times_are_ecuador_s(alicia, log):
    text = text_of(signed_in_as(alicia).get(LOG))
    assert "31 de agosto de 2019 a las 22:00" in text
    assert "1 de septiembre de 2019" not in text
    assert "1 de octubre de 2019 a las 10:30" in text
    assert "Las horas son las de Ecuador" in text


def test_the_filter_offers_only_the_institutions_one_may_see(alicia, sofia, log):
    html = signed_in_as(alicia).get(LOG).content.decode()
    assert '<option value="Municipio de Loja">' in html
    assert "Municipio de Catamayo" not in html
    html = signed_in_as(sofia).get(LOG).content.decode()
    assert '<option value="Municipio de Catamayo">' in html


@pytest.mark.parametrize(
    "query, names",
    [
        ({}, ["agosto.tsv", "septiembre.tsv", "rechazado.tsv", "catamayo.tsv"]),
        ({"institucion": "Municipio de Catamayo"}, ["catamayo.tsv"]),
        ({"resultado": "rejected"}, ["rechazado.tsv"]),
        # Days are Ecuador's: 03:00 UTC on 1 September is 31 August.
        ({"hasta": "2019-08-31"}, ["agosto.tsv"]),
        ({"desde": "2019-09-01", "hasta": "2019-10-01"}, ["septiembre.tsv"]),
        ({"desde": "2019-10-02", "resultado": "accepted"}, ["catamayo.tsv"]),
    ],
)
def test_each_filter(sofia, log, query, names):
    response = signed_in_as(sofia).get(LOG, query)
    assert response.status_code == 200
    assert file_names(response) == names
    assert f"{len(names)} intento" in text_of(response)


@pytest.mark.parametrize(
    "query",
    [
        {"resultado": "borrado"},
        {"desde": "2019-02-30"},
        {"hasta": "mañana"},
        {"institucion": "Municipio de Catamayo"},  # not hers
        {"desde": "99999-01-01", "page": "x"},
        {"resultado": "\x00"},
    ],
)
def test_a_filter_value_that_is_not_valid_is_said_and_ignored(alicia, log, query):
    response = signed_in_as(alicia).get(LOG, query)
    assert response.status_code == 200
    assert "Algunos filtros no se entendieron y no se aplican" in text_of(response)
    assert file_names(response) == ["agosto.tsv", "septiembre.tsv", "rechazado.tsv"]


def test_no_match_says_so_and_offers_the_whole_log(alicia, log):
    response = signed_in_as(alicia).get(LOG, {"resultado": "forbidden"})
    text = text_of(response)
    assert "0 intentos" in text and "Ningún intento coincide con estos filtros" in text
    assert "Ver todo el registro" in text


def test_pages_keep_the_filters(sofia, loja):
    ImportLog.objects.bulk_create(
        ImportLog(source="command", outcome=outcome, institution="Municipio de Loja",
                  file_names=f"archivo-{n}.tsv")
        for n in range(60) for outcome in ("accepted", "rejected")
    )
    client = signed_in_as(sofia)
    first = client.get(LOG, {"resultado": "rejected"})
    assert "60 intentos" in text_of(first)
    assert 'href="?resultado=rejected&amp;page=2"' in first.content.decode()
    second = client.get(LOG, {"resultado": "rejected", "page": 2})
    assert second.content.decode().count("archivo-") == 10


def queries_for(client, **query) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(LOG, query).status_code == 200
    return len(captured)


def test_a_constant_number_of_queries(alicia, loja, django_user_model):
    client = signed_in_as(alicia)
    entry(utc(2019, 9, 1, 3, 0))
    few = queries_for(client, resultado="accepted")
    users = [django_user_model.objects.create_user(f"u{n}") for n in range(30)]
    ImportLog.objects.bulk_create(
        ImportLog(source="web", outcome="accepted", institution="Municipio de Loja", user=user,
                  file_names="loja.tsv")
        for user in users
    )
    assert queries_for(client, resultado="accepted") == few
