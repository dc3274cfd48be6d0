"""/parroquias/ (every parish and neighbourhood council with its goals) and /parroquias/<slug>/."""
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from metas.importer import InputFile, import_report
from metas.models import Goal, GoalParish, Parish

from .browser import PHONE, assert_accessible
from .factories import make_goal, make_institution, make_level, make_report, make_unit

PARISHES = reverse("metas:parish-list")
LOJA_CANTON = "1101"  # the parishes of the canton the goals name are listed


def text_of(response):
    html = response.content.decode()
    main = html[html.index("<main") : html.index("</main>")]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))


def row_of(response, slug):
    """The cells of the table row headed by the place with this slug, as text."""
    html = response.content.decode()
    start = html.index(f'href="/parroquias/{slug}/')
    row = html[start : html.index("</tr>", start)]
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in cells]


def cover_all_rural(goal):
    """Tag a goal as the tagger does for "las parroquias rurales": every rural parish, covered
    collectively."""
    goal.coverage = Goal.Coverage.RURAL
    goal.save(update_fields=["coverage"])
    for parish in Parish.objects.filter(kind=Parish.Kind.RURAL, canton__code=LOJA_CANTON):
        GoalParish.objects.create(
            goal=goal, parish=parish, matched_text="parroquias rurales", via_coverage=True
        )


@pytest.fixture
def loja(db):
    """August 2019: two goals name Vilcabamba (one also JDB Carigán), one names Sucre, one is
    for all rural parishes; July 2019, older, names Malacatos."""
    loja = make_institution("Municipio de Loja")
    unit = make_unit(loja, "Gestión de Higiene", level=make_level(loja), code="7")
    august = make_report(loja, "2019-08")
    make_goal(
        august, unit, objective="Abono orgánico parroquia Vilcabamba", parishes=["vilcabamba"]
    )
    make_goal(
        august,
        unit,
        objective="Vía a Vilcabamba y JDB Carigán",
        progress=30,
        parishes=["vilcabamba"],
        neighbourhoods=["jdb-carigan"],
    )
    make_goal(august, unit, objective="Mercado de Sucre", parishes=["sucre"])
    cover_all_rural(
        make_goal(august, unit, objective="Vías de las parroquias rurales", progress=50)
    )
    july = make_report(loja, "2019-07")
    make_goal(july, unit, objective="Julio en Malacatos", parishes=["malacatos"])
    return loja


def test_it_counts_named_goals_and_apart_those_for_all_rural_parishes(client, loja):
    response = client.get(PARISHES)

    assert response.status_code == 200
    assert row_of(response, "vilcabamba") == ["2", "1"]
    assert row_of(response, "malacatos") == ["0", "1"]
    assert row_of(response, "sucre") == ["1", "0"]
    assert row_of(response, "el-sagrario") == ["0", "0"]
    text = text_of(response)
    assert "Metas para todas las parroquias rurales" in text
    assert text.index("Parroquias urbanas") < text.index("Sucre") < text.index("Parroquias rurales")


def test_it_lists_every_parish_and_neighbourhood_council(client, loja):
    response = client.get(PARISHES)

    html = response.content.decode()
    # Loja's seat is left out: it is the sum of its urban parishes.
    for parish in Parish.objects.filter(canton__code=LOJA_CANTON).exclude(kind="cabecera"):
        assert f'href="/parroquias/{parish.slug}/"' in html
    # Carigán is both an urban parish and a neighbourhood council.
    assert row_of(response, "carigan") == ["0", "0"]
    assert row_of(response, "jdb-carigan")[1] == "1"
    assert 'href="/metas/?jdb=jdb-carigan"' in html
    assert html.count("<h1") == 1


def test_it_counts_the_period_asked_for(client, loja):
    response = client.get(PARISHES, {"periodo": "2019-07"})

    assert row_of(response, "malacatos") == ["1", "0"]
    assert row_of(response, "vilcabamba") == ["0", "0"]
    # Each parish's page counts the same month.
    assert 'href="/parroquias/malacatos/?periodo=2019-07"' in response.content.decode()


def test_it_counts_every_period_or_one_institution(client, loja):
    catamayo = make_institution("Municipio de Catamayo")
    make_goal(
        make_report(catamayo, "2019-08"),
        objective="Vía a Malacatos y JDB Carigán",
        parishes=["malacatos"],
        neighbourhoods=["jdb-carigan"],
    )

    every = client.get(PARISHES, {"periodo": "todos"})
    loja_only = client.get(PARISHES, {"institucion": loja.slug, "periodo": "todos"})
    catamayo_latest = client.get(PARISHES, {"institucion": catamayo.slug})

    assert row_of(every, "malacatos") == ["2", "1"]
    assert row_of(every, "vilcabamba") == ["2", "1"]
    assert row_of(every, "jdb-carigan")[1] == "2"
    assert row_of(loja_only, "malacatos") == ["1", "1"]
    assert row_of(loja_only, "jdb-carigan")[1] == "1"
    assert row_of(catamayo_latest, "malacatos") == ["1", "0"]
    assert row_of(catamayo_latest, "vilcabamba") == ["0", "0"]
    assert 'href="/metas/?jdb=jdb-carigan&amp;periodo=todos"' in every.content.decode()
    assert 'href="/parroquias/jdb-carigan/?periodo=todos"' in every.content.decode()


def test_it_makes_each_table_a_named_region_the_keyboard_can_scroll(client, loja):
    """A table wider than a phone scrolls inside its box; a keyboard user must be able to reach
    that box (tabindex) and a screen reader to name it (the heading above it)."""
    html = client.get(PARISHES).content.decode()

    boxes = re.findall(r'<div class="table-scroll"([^>]*)>', html)
    assert len(boxes) == 3
    titles = []
    for attributes in boxes:
        assert 'role="region"' in attributes and 'tabindex="0"' in attributes
        [title_id] = re.findall(r'aria-labelledby="([^"]+)"', attributes)
        [title] = re.findall(rf'<h2 id="{title_id}">(.*?)</h2>', html)
        titles.append(title)
    assert titles == [
        "Parroquias urbanas", "Parroquias rurales", "Juntas de Desarrollo Barrial (JDB)"
    ]


def test_it_answers_invalid_values_with_a_spanish_message(client, loja):
    response = client.get(PARISHES, {"periodo": "julio"})

    assert response.status_code == 400
    assert "Algunos valores de esta dirección no son válidos" in text_of(response)


def test_it_lists_parishes_with_a_constant_number_of_queries(
    client, loja, django_assert_max_num_queries
):
    with django_assert_max_num_queries(10) as few:
        client.get(PARISHES)
    august = loja.reports.get(period__month=8)
    unit = loja.units.get()
    for number in range(30):
        make_goal(august, unit, objective=f"Obra {number}", parishes=["el-valle", "taquil"],
                  neighbourhoods=["jdb-carigan"])

    with django_assert_max_num_queries(len(few)):
        response = client.get(PARISHES)
    assert row_of(response, "el-valle") == ["30", "0"]


# --- /parroquias/<slug>/ -------------------------------------------------------------------


def test_it_shows_the_goals_that_name_a_parish_with_the_words_matched(client, loja):
    GoalParish.objects.filter(goal__objective__startswith="Vía a").update(matched_text="Vilcabamba")

    response = client.get(reverse("metas:parish-detail", args=["vilcabamba"]))

    assert response.status_code == 200
    text = text_of(response)
    assert "2 metas la nombran" in text
    assert "Abono orgánico parroquia Vilcabamba" in text
    assert "Palabras encontradas «Vilcabamba»" in text
    assert "Mercado de Sucre" not in text
    html = response.content.decode()
    assert 'href="/metas/?parroquia=vilcabamba"' in html


def test_it_shows_apart_the_goals_that_cover_a_parish_with_all_rural_parishes(client, loja):
    response = client.get(reverse("metas:parish-detail", args=["vilcabamba"]))

    text = text_of(response)
    named, collective = text.split("1 meta para todas las parroquias rurales")
    assert "Vías de las parroquias rurales" not in named
    assert "Vías de las parroquias rurales" in collective
    assert "Estas metas no nombran Vilcabamba" in collective
    assert "«parroquias rurales»" in collective


def test_it_shows_a_neighbourhood_council_by_its_jdb_slug(client, loja):
    response = client.get(reverse("metas:parish-detail", args=["jdb-carigan"]))

    assert response.status_code == 200
    text = text_of(response)
    assert "Carigán" in text
    assert "Junta de Desarrollo Barrial de la ciudad de Loja." in text
    assert "1 meta la nombra" in text
    assert "Vía a Vilcabamba y JDB Carigán" in text
    assert "parroquias rurales" not in text
    assert 'href="/metas/?jdb=jdb-carigan"' in response.content.decode()


def test_it_says_when_no_goal_names_a_parish(client, loja):
    text = text_of(client.get(reverse("metas:parish-detail", args=["el-sagrario"])))

    assert "0 metas la nombran" in text
    assert "0 metas para todas las parroquias urbanas" in text


def test_it_answers_an_unknown_parish_with_404(client, loja):
    assert client.get(reverse("metas:parish-detail", args=["atlantida"])).status_code == 404


def test_it_shows_a_parish_with_a_constant_number_of_queries(
    client, loja, django_assert_max_num_queries
):
    url = reverse("metas:parish-detail", args=["vilcabamba"])
    # The scope, the tags, the institutions table, the summary sentence and the scope form.
    with django_assert_max_num_queries(12) as few:
        client.get(url)
    august = loja.reports.get(period__month=8)
    for number in range(30):
        unit = make_unit(loja, f"Unidad {number}", code=str(number))
        make_goal(august, unit, objective=f"Obra {number} en Vilcabamba", parishes=["vilcabamba"])
        cover_all_rural(make_goal(august, unit, objective=f"Rural {number}"))

    with django_assert_max_num_queries(len(few)):
        response = client.get(url)
    assert "32 metas la nombran" in text_of(response)


def test_it_shows_the_first_goals_and_links_to_all_of_them(client, loja):
    august = loja.reports.get(period__month=8)
    unit = loja.units.get()
    for number in range(55):
        make_goal(august, unit, objective=f"Obra {number} en Sucre", parishes=["sucre"])

    text = text_of(client.get(reverse("metas:parish-detail", args=["sucre"])))

    assert "56 metas la nombran" in text
    assert "Aquí se muestran solo las primeras 20" in text


def test_it_shows_first_the_goals_the_goal_list_shows_first(client, loja):
    """By institution, newest report first, then in the report's order; each kind counted in
    full beyond the goals shown."""
    unit = loja.units.get()
    catamayo = make_institution("Municipio de Catamayo")
    august, july = loja.reports.get(period__month=8), loja.reports.get(period__month=7)
    for number in reversed(range(12)):
        make_goal(august, unit, objective=f"Agosto {number:02} en Taquil", parishes=["taquil"],
                  position=100 + number)
        make_goal(july, unit, objective=f"Julio {number:02} en Taquil", parishes=["taquil"],
                  position=100 + number)
        cover_all_rural(make_goal(july, unit, objective=f"Rural {number:02}"))
    make_goal(make_report(catamayo, "2019-06"), objective="Catamayo en Taquil",
              parishes=["taquil"])

    response = client.get(reverse("metas:parish-detail", args=["taquil"]), {"periodo": "todos"})

    named = [goal.objective for goal in response.context["named"]["items"]]
    assert named == [
        "Catamayo en Taquil",
        *(f"Agosto {number:02} en Taquil" for number in range(12)),
        *(f"Julio {number:02} en Taquil" for number in range(7)),
    ]
    text = text_of(response)
    assert "25 metas la nombran" in text
    # August's goal for the rural parishes, and July's twelve.
    assert "13 metas para todas las parroquias rurales" in text
    assert len(response.context["collective"]["items"]) == 13


def test_it_sets_no_cookie(client, loja):
    for url in (PARISHES, reverse("metas:parish-detail", args=["vilcabamba"])):
        assert not client.get(url).cookies, url


def test_it_counts_the_tags_of_the_imported_sample_report(client, db):
    sample = Path(settings.BASE_DIR) / "fixtures" / "loja-lotaip-a4-2019-08.tsv"
    import_report([InputFile(sample.name, sample.read_bytes())])

    response = client.get(PARISHES)

    tagged = 0
    # Loja's seat is left out: it is the sum of its urban parishes.
    for parish in Parish.objects.filter(canton__code=LOJA_CANTON).exclude(kind="cabecera"):
        named = GoalParish.objects.filter(parish=parish, via_coverage=False).count()
        collective = GoalParish.objects.filter(parish=parish, via_coverage=True).count()
        assert row_of(response, parish.slug) == [str(named), str(collective)], parish.name
        tagged += named
    assert tagged > 0
    vilcabamba = text_of(client.get(reverse("metas:parish-detail", args=["vilcabamba"])))
    assert "Palabras encontradas «" in vilcabamba


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_it_lets_a_phone_keyboard_scroll_tables_wider_than_the_screen(page, live_server):
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + PARISHES)
    # Today's tables fit on a phone; longer names, or a reader's larger text, make them wider.
    # (Through the CSSOM: the site's Content-Security-Policy refuses an injected <style>.)
    page.evaluate("document.querySelectorAll('table').forEach(t => t.style.minWidth = '50rem')")

    for title in ("Parroquias urbanas", "Parroquias rurales", "Juntas de Desarrollo Barrial (JDB)"):
        region = page.get_by_role("region", name=title)
        assert region.evaluate("box => box.scrollWidth > box.clientWidth"), title
        region.focus()
        assert region.evaluate("box => box === document.activeElement"), title
        page.keyboard.press("ArrowRight")
        page.wait_for_function("box => box.scrollLeft > 0", arg=region.element_handle())
    assert_accessible(page)
