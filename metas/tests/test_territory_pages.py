"""/instituciones/, /territorio/<provincia>/, /territorio/<provincia>/<canton>/, the parish
page's institutions and the goal list's provincia and canton filters."""
import re

import pytest

from metas.importer import InputFile, import_report
from metas.models import Institution

from .test_territory_scope import report_of

pytestmark = pytest.mark.django_db


def text_of(response):
    html = response.content.decode()
    main = html[html.index("<main") : html.index("</main>")]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))


@pytest.fixture
def three(db):
    """Catamayo's municipality, Loja's provincial government and a national body."""
    import_report(report_of("GAD Municipal del Cantón Catamayo", "Vía a Zambi",
                            "Parque de El Tambo y Zambi", month="30/6/2025"))
    import_report(report_of("Prefectura de Loja", "Vialidad Catamayo - El Tambo",
                            "Riego en Malacatos", month="31/1/2025"))
    import_report(report_of("Ministerio de Obras Públicas", "Vía a Zambi", month="31/3/2025"))


def test_the_directory_lists_every_institution_with_kind_territory_and_figures(client, three):
    response = client.get("/instituciones/")

    assert response.status_code == 200
    text = text_of(response)
    assert "3 instituciones" in text
    assert "GAD Municipal del Cantón Catamayo Municipio Cantón Catamayo , Loja" in text
    assert "Prefectura de Loja Gobierno provincial Provincia de Loja" in text
    assert "Ministerio de Obras Públicas Otra institución sin establecer" in text
    assert "50 %" in text


def test_the_directory_searches_filters_and_sorts(client, three):
    assert "1 institución" in text_of(client.get("/instituciones/", {"q": "catamayo"}))
    by_kind = text_of(client.get("/instituciones/", {"tipo": "provincial"}))
    assert "1 institución" in by_kind and "Prefectura de Loja" in by_kind
    in_loja = text_of(client.get("/instituciones/", {"provincia": "loja"}))
    assert "2 instituciones" in in_loja and "Ministerio" not in in_loja
    newest = text_of(client.get("/instituciones/", {"orden": "-periodo"}))
    assert newest.index("Catamayo") < newest.index("Ministerio") < newest.index("Prefectura")
    bad = client.get("/instituciones/", {"tipo": "banco"})
    assert bad.status_code == 400
    assert "“banco” no es un tipo de institución" in text_of(bad)


def test_the_directory_runs_a_constant_number_of_queries(client, three,
                                                          django_assert_max_num_queries):
    with django_assert_max_num_queries(12) as few:
        client.get("/instituciones/")
    import_report(report_of("Municipio de Cuenca", "Obras en Baños"))
    import_report(report_of("GAD Parroquial Rural de Malacatos", "Vía a Malacatos"))
    with django_assert_max_num_queries(len(few)):
        assert "5 instituciones" in text_of(client.get("/instituciones/"))


def test_the_province_page_groups_the_goals_by_institution(client, three):
    text = text_of(client.get("/territorio/loja/"))

    assert "Provincia de Loja" in text
    # Catamayo: 2 goals name its parishes; the provincial government: 2; the ministry none
    # (no territory, no tags).
    assert "GAD Municipal del Cantón Catamayo 2 0 50 %" in text
    assert "Prefectura de Loja 2 0 50 %" in text
    by_institution = text[text.index("Metas por institución"):text.index("Cantones")]
    assert "Ministerio" not in by_institution
    # The canton named once (by the province); its parishes by 3 goals (2 of Catamayo's).
    assert "Catamayo 1 3 0" in text


def test_the_province_page_keeps_the_period_chosen_in_its_canton_links(client, three):
    """A canton's page counts the same reports as the province's: its link keeps `periodo`,
    as the parish list's canton links do."""
    for page in ("/territorio/loja/", "/parroquias/"):
        chosen = client.get(page, {"periodo": "todos"}).content.decode()
        assert 'href="/territorio/loja/catamayo/?periodo=todos"' in chosen, page
        latest = client.get(page).content.decode()
        assert 'href="/territorio/loja/catamayo/"' in latest, page


def test_the_canton_page_lists_its_parishes_and_institutions(client, three):
    response = client.get("/territorio/loja/catamayo/")

    assert response.status_code == 200
    text = text_of(response)
    assert "Cantón Catamayo" in text
    assert "1 meta de un gobierno provincial nombra el cantón mismo" in text
    assert "Zambi 2 0" in text
    assert "Instituciones de este cantón: GAD Municipal del Cantón Catamayo" in text
    assert client.get("/territorio/azuay/catamayo/").status_code == 404


def test_the_goal_list_filters_by_province_and_canton(client, three):
    canton = text_of(client.get("/metas/", {"canton": "catamayo"}))
    assert "3 metas" in canton  # Catamayo's two, and the provincial government's "Catamayo"
    province = text_of(client.get("/metas/", {"provincia": "loja"}))
    assert "4 metas" in province
    unknown = client.get("/metas/", {"canton": "atlantida"})
    assert unknown.status_code == 400
    assert "No hay ningún cantón “atlantida”" in text_of(unknown)


def test_a_parish_page_groups_its_goals_by_institution(client, three):
    text = text_of(client.get("/parroquias/zambi/"))
    assert "Cantón Catamayo" in text and "Parroquia rural del cantón Catamayo" in text
    assert "GAD Municipal del Cantón Catamayo 2 0 50 %" in text


def test_the_parish_list_lists_the_cantons_when_several_are_named(client, three):
    text = text_of(client.get("/parroquias/"))
    assert "Cantones cuyas parroquias nombran las metas" in text
    assert "Catamayo Loja" in text and "Loja Loja" in text


def test_the_institution_page_shows_its_kind_and_territory(client, three):
    catamayo = Institution.objects.get(canton__code="1103")
    assert "Municipio · Territorio: Cantón Catamayo , Loja" in text_of(
        client.get(catamayo.get_absolute_url())
    )
    ministry = Institution.objects.get(kind="otra")
    assert "Sus metas no se etiquetan con ninguna parroquia" in text_of(
        client.get(ministry.get_absolute_url())
    )
