"""/metas/'s filter form on a published site: its selects are written once per publication
(metas.filters.narrowing), so a list never asked before costs no query for them, and shows the
same options, the chosen ones selected, and the new ones once something is published."""
import re

import pytest
from django.core.cache import caches
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from metas.filters import GoalFilter
from metas.models import Institution, Parish

from .factories import make_goal, make_institution, make_level, make_report, make_unit

pytestmark = pytest.mark.django_db

SELECTS = ("periodo", "institucion", "nivel", "unidad", "provincia", "canton", "parroquia", "jdb")


@pytest.fixture
def published(db):
    """Loja (August and July) and Zamora (June), published, Loja with its canton."""
    loja = make_institution("Municipio de Loja")
    parish = Parish.objects.get(slug="vilcabamba")
    Institution.objects.filter(pk=loja.pk).update(canton=parish.canton)
    level = make_level(loja, "PROCESOS AGREGADORES DE VALOR / NIVEL OPERATIVO")
    parks = make_unit(loja, "Gestión de Parques", level=level, code="6")
    make_goal(make_report(loja, "2019-07"), parks, objective="Reforestación", progress=50)
    make_goal(make_report(loja, "2019-08"), parks, objective="Parques en Vilcabamba",
              progress=45, parishes=["vilcabamba"], neighbourhoods=["jdb-belen"])
    zamora = make_institution("Municipio de Zamora")
    make_goal(make_report(zamora, "2019-06"), objective="Educación vial", progress=30)
    Institution.objects.all().mark_published()
    return loja


def page(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), [query["sql"] for query in queries]


def selects(content) -> dict:
    return {
        name: re.search(rf'<select[^>]*name="{name}"[^>]*>.*?</select>', content, re.S).group(0)
        for name in SELECTS
    }


def test_a_new_list_reads_no_option_a_previous_list_wrote(client, published):
    page(client, "/metas/?institucion=municipio-de-loja&periodo=2019-08")
    content, queries = page(client, "/metas/?institucion=municipio-de-loja&periodo=2019-07")
    assert "2019-07" in content
    for table in ("metas_parish", "metas_neighbourhood", "metas_province", "metas_canton",
                  "metas_processlevel", "metas_unit\""):
        assert not [sql for sql in queries if sql.startswith("SELECT") and
                    f'FROM "{table}' in sql], table
    assert not [sql for sql in queries if 'DISTINCT "metas_report"."period"' in sql]


def test_kept_options_are_those_written_afresh_with_the_chosen_selected(client, published):
    url = "/metas/?institucion=municipio-de-loja&periodo=2019-08&parroquia=vilcabamba"
    other = "/metas/?institucion=municipio-de-loja&periodo=todos&parroquia=malacatos"
    fresh = selects(page(client, url)[0])
    written_for_another = selects(page(client, other)[0])
    caches["pages"].clear()  # the page itself, not the options
    kept = selects(page(client, url)[0])
    assert kept == fresh
    assert written_for_another != fresh
    assert '<option value="vilcabamba" selected>Vilcabamba</option>' in kept["parroquia"]
    assert '<option value="2019-08" selected>' in kept["periodo"]
    assert '<option value="municipio-de-loja" selected>Municipio de Loja</option>' in (
        kept["institucion"])
    assert "Gestión de Parques" in kept["unidad"]
    assert 'selected' not in kept["jdb"].split("</option>", 1)[1]


def test_a_chosen_parish_of_another_canton_is_offered_too(client, published):
    page(client, "/metas/")
    content, _queries = page(client, "/metas/?parroquia=yaruqui")
    options = selects(content)["parroquia"]
    assert '<option value="yaruqui" selected>Yaruquí (Quito)</option>' in options
    assert '<option value="vilcabamba">Vilcabamba (Loja)</option>' in options
    assert '<option value="yaruqui"' not in selects(page(client, "/metas/?periodo=todos")[0])[
        "parroquia"]


def test_a_publication_shows_its_new_options_at_once(client, published):
    before = selects(page(client, "/metas/")[0])
    assert "Municipio de Catamayo" not in before["institucion"]
    assert "2019-09" not in before["periodo"]
    catamayo = make_institution("Municipio de Catamayo")
    make_goal(make_report(catamayo, "2019-09"), objective="Agua potable", progress=10)
    Institution.objects.filter(pk=catamayo.pk).mark_published()
    after = selects(page(client, "/metas/?periodo=todos")[0])
    assert '<option value="municipio-de-catamayo">Municipio de Catamayo</option>' in (
        after["institucion"])
    assert '<option value="2019-09">' in after["periodo"]


def test_the_kept_options_have_a_memory_of_their_own(client, published):
    """Local-memory caches of one location share their entries: emptying the page cache (or
    filling it past its limit) would then take the options with it."""
    page(client, "/metas/?institucion=municipio-de-loja&periodo=2019-08")
    caches["pages"].clear()
    _content, queries = page(client, "/metas/?institucion=municipio-de-loja&periodo=2019-07")
    assert not [sql for sql in queries if 'FROM "metas_parish"' in sql]


def test_the_form_is_declared_once_and_what_a_request_changes_stays_in_it():
    """GoalFilter reuses its declarations (ReusedDeclarations): one form class for every
    request, while each FilterSet has its own filters and each form its own fields."""
    first, second = GoalFilter(QueryDict("q=agua")), GoalFilter(QueryDict(""))
    assert type(first.form) is type(second.form)
    first.form.fields["nivel"].widget.attrs["data-narrowed"] = "1"
    first.form.fields["orden"].choices = [("avance", "menor avance")]
    third = GoalFilter(QueryDict("orden=posicion"))
    assert "data-narrowed" not in third.form.fields["nivel"].widget.attrs
    assert third.is_valid(), third.form.errors
    assert all(filter_.parent is third for filter_ in third.filters.values())
    assert all(filter_.parent is first for filter_ in first.filters.values())
    assert first.filters["q"].filter.f is first.filters["q"], "a method filter finds its own set"
