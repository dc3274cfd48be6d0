"""Tagging goals with the parishes and neighbourhood councils (JDB) their objectives name.

Objectives in quotes are copied from the sample report, fixtures/loja-lotaip-a4-2019-08.tsv,
unless a test says it made one up to pin down a rule.
"""
import unicodedata
from pathlib import Path

import pytest

from metas.importer import InputFile, import_report
from metas.models import Canton, Goal, Neighbourhood, Parish
from metas.territory import Atlas
from metas.territory.tagger import Gazetteer, Match, Place
from metas.text import fold

URBAN_PARISHES = ["el-sagrario", "san-sebastian", "sucre", "el-valle", "punzara", "carigan"]
RURAL_PARISHES = [
    "chantaco", "chuquiribamba", "el-cisne", "gualel", "jimbilla", "malacatos", "san-lucas",
    "san-pedro-de-vilcabamba", "santiago", "taquil", "vilcabamba", "yangana", "quinara",
]


def loja_gazetteer() -> Gazetteer:
    return Atlas.from_database().gazetteer(("canton", Canton.objects.get(code="1101").pk))


@pytest.fixture(scope="session")
def gazetteer(django_db_setup, django_db_blocker):
    """Cantón Loja's 19 parishes and 62 JDB, as the migrations load them, with every other
    place of the country as names that tag nothing."""
    with django_db_blocker.unblock():
        return loja_gazetteer()


def parishes(tags):
    return [(match.slug, match.matched_text) for match in tags.parishes]


def councils(tags):
    return [(match.slug, match.matched_text) for match in tags.neighbourhoods]


# --- Parishes named in the objective ---------------------------------------------------------

@pytest.mark.parametrize(
    "objective, expected",
    [
        (
            "Continuación de alcantarillado sanitario parte urbana de la parroquia Chantaco",
            [("chantaco", "Chantaco")],
        ),
        (
            "Estudio para la ampliación de la planta de tratamiento de aguas servidas cabecera "
            "parroquial de Gualiel",
            [("gualel", "Gualiel")],
        ),
        (
            "Estudio y construcción del sistema de alcantarillado pluvial del centro parroquial "
            "de Santiago",
            [("santiago", "Santiago")],
        ),
        ('Proyecto "Ruta natural" Gualel', [("gualel", "Gualel")]),
        (
            "Sistema de agua potable del centro parroquial de san Lucas, etapa ii",
            [("san-lucas", "san Lucas")],
        ),
        (
            "Procesamiento de la basura con fines de obtener abono orgánico parroquia Vilcabamba",
            [("vilcabamba", "Vilcabamba")],
        ),
        ('Repotenciación del Proyecto "Destino Vilcabamba"', [("vilcabamba", "Vilcabamba")]),
        ("Mujeres y desarrollo local Taquil", [("taquil", "Taquil")]),
        ("Apoyo a la producción de cacao (Malacatos)", [("malacatos", "Malacatos")]),
        ("CAMPAMENTO VACACIONAL Chantaco", [("chantaco", "Chantaco")]),
        (
            "Estudios de la Terminal Terrestre de la parroquia El Cisne",
            [("el-cisne", "El Cisne")],
        ),
        # "calles" here is followed by "de la parroquia", not by a street's name.
        ("Adoquinado de calles de la parroquia Yangana", [("yangana", "Yangana")]),
    ],
)
def test_it_tags_the_parish_an_objective_names(gazetteer, objective, expected):
    tags = gazetteer.tag(objective)

    assert parishes(tags) == expected
    assert tags.neighbourhoods == []
    assert tags.coverage == Goal.Coverage.NAMED


def test_it_gives_the_parish_s_name_with_the_words_that_named_it(gazetteer):
    tags = gazetteer.tag(
        "Estudio para la ampliación de la planta de tratamiento de aguas servidas cabecera "
        "parroquial de Gualiel"
    )

    assert tags.parishes == [Match("gualel", "Gualel", "Gualiel")]


def test_san_pedro_de_vilcabamba_is_not_also_vilcabamba(gazetteer):
    for objective in [
        "Mujeres y desarrollo local San Pedro de Vilcabamba",
        "Construcción del sistema de alcantarillado de las barrios rurales de la parroquia San "
        "Pedro de Vilcabamba, I etapa.",
        "Restauración y Reestructuración de Iglesias Patrimoniales de Parroquias del cantón Loja "
        "(Intervención Iglesia Matriz de San Pedro de Vilcabamba 1era Etapa)",
    ]:
        tags = gazetteer.tag(objective)

        assert parishes(tags) == [("san-pedro-de-vilcabamba", "San Pedro de Vilcabamba")]


def test_it_reads_every_spelling_variant(gazetteer):
    # Made up: the variants of the parish list, with the parish they stand for.
    tags = gazetteer.tag(
        "Caminos a Taquil (Miguel Riofrío), Malacatos (Valladolid), Yangana (Arsenio Castillo), "
        "Sagrario y San Sebastian"
    )

    assert parishes(tags) == [
        ("taquil", "Taquil (Miguel Riofrío)"),
        ("malacatos", "Malacatos (Valladolid)"),
        ("yangana", "Yangana (Arsenio Castillo)"),
        ("el-sagrario", "Sagrario"),
        ("san-sebastian", "San Sebastian"),
    ]


def test_it_ignores_case_and_accents_and_returns_the_words_as_written(gazetteer):
    # Made up: capitals, a missing accent, and accents typed as separate combining marks.
    decomposed = unicodedata.normalize("NFD", "Carigán")
    tags = gazetteer.tag(f"OBRAS EN SAN PEDRO DE VILCABAMBA, carigan y {decomposed}")

    assert parishes(tags) == [
        ("san-pedro-de-vilcabamba", "SAN PEDRO DE VILCABAMBA"),
        ("carigan", "carigan"),
    ]


def test_it_returns_the_original_words_when_folding_changes_the_text_s_length(gazetteer):
    # Made up: "ß" folds to "ss" and a lone accent to nothing, so positions shift.
    decomposed = unicodedata.normalize("NFD", "Carigán")
    tags = gazetteer.tag(f"Straße Gualiel und {decomposed}")

    assert parishes(tags) == [("gualel", "Gualiel"), ("carigan", decomposed)]


def test_it_matches_whole_words_only(gazetteer):
    # Made up: words that contain a parish's name.
    tags = gazetteer.tag("Festival vilcabambeño en Santiaguito y Sucremanta")

    assert tags.parishes == []


def test_it_lists_each_parish_once_in_text_order(gazetteer):
    # Made up.
    tags = gazetteer.tag("Vía Vilcabamba - Malacatos y retorno a Vilcabamba")

    assert parishes(tags) == [("vilcabamba", "Vilcabamba"), ("malacatos", "Malacatos")]


# --- Streets, watersheds and barrios are not parishes ---------------------------------------

def test_a_watershed_is_not_the_parish_it_is_named_after(gazetteer):
    tags = gazetteer.tag(
        "Manejo de sistemas agroforestales, alternativas para implementar la reforestación en "
        "las microcuencas de Shucos, Celen, Campana Malacatos y Tambo Blanco y sistemas "
        "silvopastoriles en las zonas de amortiguamiento"
    )

    assert tags.parishes == []


def test_a_river_is_not_the_parish_it_is_named_after(gazetteer):
    # Made up: the river Malacatos runs through Vilcabamba.
    tags = gazetteer.tag("Limpieza de las riberas del río Malacatos en la parroquia Vilcabamba")

    assert parishes(tags) == [("vilcabamba", "Vilcabamba")]


def test_streets_are_not_the_parishes_they_are_named_after(gazetteer):
    tags = gazetteer.tag("Adecuación de canchas en las calles Landangui y Santiago JDB La Banda")

    assert tags.parishes == []
    assert councils(tags) == [("jdb-la-banda", "JDB La Banda")]


def test_a_street_ends_where_the_parish_is_named(gazetteer):
    # Made up, in sentence case and in capitals.
    for objective, words in [
        ("Adoquinado de la calle Sucre de la parroquia El Valle", "El Valle"),
        ("ADOQUINADO DE LA CALLE SUCRE Y BOLÍVAR DE LA PARROQUIA EL VALLE", "EL VALLE"),
        ("Asfaltado de la Av. Santiago de las Montañas, El Valle", "El Valle"),
    ]:
        assert parishes(gazetteer.tag(objective)) == [("el-valle", words)]


def test_an_avenue_and_the_barrios_after_it_are_not_parishes(gazetteer):
    tags = gazetteer.tag(
        "Construcción del alcantarillado en la Av. Loja, Taxiche, Trinidad (colegio) y conexión "
        "Saguaynuma, Belén y Ceibopamba de la parroquia Malacatos, Etapa II"
    )

    assert parishes(tags) == [("malacatos", "Malacatos")]
    assert tags.neighbourhoods == [], "Belén without “JDB” is a barrio, not the JDB Belén"


def test_a_barrio_is_not_the_parish_it_is_named_after(gazetteer):
    tags = gazetteer.tag(
        "Construcción de graderío en el área deportiva del barrio San Pedro de Bellavista JDB "
        "San Pedro"
    )

    assert tags.parishes == []
    assert councils(tags) == [("jdb-san-pedro", "JDB San Pedro")]


def test_the_barrios_of_a_parish_are_in_the_parish(gazetteer):
    # Made up: "barrios de Malacatos" are barrios in Malacatos, not barrios called Malacatos.
    tags = gazetteer.tag("Alumbrado en los barrios de Malacatos")

    assert parishes(tags) == [("malacatos", "Malacatos")]


# --- Neighbourhood councils ------------------------------------------------------------------

@pytest.mark.parametrize(
    "objective, expected",
    [
        (
            "Construcción de cancha de vóley e iluminación en el sector Milagro Bajo JDB Motupe",
            [("jdb-motupe", "JDB Motupe")],
        ),
        (
            "Construcción de cubierta en glorieta y adecuaciones del área deportiva y batería "
            "sanitaria en el parque Bernabé Luis JDB Pucará",
            [("jdb-pucara", "JDB Pucará")],
        ),
        (
            "Iluminación de canchas y adecuación del área verde del parque La Pradera j JDB "
            "Pradera",
            [("jdb-la-pradera", "JDB Pradera")],
        ),
        (
            "Construcción de batería sanitaria en la JDB El Capulí",
            [("jdb-el-capuli", "JDB El Capulí")],
        ),
        ("Reconstrucción de área verde en JDB Yahuarcona", [("jdb-yahuarcona", "JDB Yahuarcona")]),
        (
            "Iluminación y adecuación de la cancha de uso múltiple en el sector San Cayetano Bajo "
            "JDB San Cayetano",
            [("jdb-san-cayetano", "JDB San Cayetano")],
        ),
        (
            "Adecuación integral del parque deportivo mirador del sector Palmeras JDB Orillas del "
            "Zamora",
            [("jdb-orillas-del-zamora", "JDB Orillas del Zamora")],
        ),
        # Made up: a variant, a full stop after JDB, the council's full name and a list.
        ("Reconstrucción de área verde en JDB Yaguarcuna", [("jdb-yahuarcona", "JDB Yaguarcuna")]),
        ("Cerramiento de la cancha de la JDB. La Paz", [("jdb-la-paz", "JDB. La Paz")]),
        (
            "Asamblea de la Junta de Desarrollo Barrial Motupe",
            [("jdb-motupe", "Junta de Desarrollo Barrial Motupe")],
        ),
        (
            "Canchas en las JDB La Banda, Motupe y Pitas",
            [("jdb-la-banda", "JDB La Banda"), ("jdb-motupe", "Motupe"), ("jdb-pitas", "Pitas")],
        ),
    ],
)
def test_it_tags_the_neighbourhood_council_after_jdb(gazetteer, objective, expected):
    tags = gazetteer.tag(objective)

    assert councils(tags) == expected
    assert tags.parishes == []


def test_the_jdb_carigan_is_not_the_parish_carigan(gazetteer):
    tags = gazetteer.tag(
        "Construcción de cubierta y adecuación del área recreativa de la JDB Carigán."
    )

    assert tags.neighbourhoods == [Match("jdb-carigan", "Carigán", "JDB Carigán")]
    assert tags.parishes == []


@pytest.mark.parametrize(
    "objective",
    [
        "Adecuación de pisos y tumbados de aulas prefabricadas de Escuelas Municipales (Borja, "
        "Ecológica, Tierras Coloradas)",
        "Ampliación y mejoramiento del Zoológico y Protección de Fauna Parque Orillas del Zamora.",
        "Construcción de sistema de alcantarillado sanitario en barrios Sevilla de oro, "
        "Montecristi, san Vicente, primera etapa",
    ],
)
def test_a_council_s_name_without_jdb_is_not_the_council(gazetteer, objective):
    tags = gazetteer.tag(objective)

    assert tags.neighbourhoods == []
    assert tags.parishes == []


# --- Every parish of a kind ------------------------------------------------------------------

def test_the_six_urban_parishes_are_every_urban_parish(gazetteer):
    tags = gazetteer.tag("Mantenimiento de casas comunales en las 6 parroquias urbanas")

    assert tags.coverage == Goal.Coverage.URBAN
    assert [match.slug for match in tags.parishes] == URBAN_PARISHES
    assert {match.matched_text for match in tags.parishes} == {"las 6 parroquias urbanas"}
    assert all(match.via_coverage for match in tags.parishes)


def test_rural_parishes_are_every_rural_parish(gazetteer):
    tags = gazetteer.tag("Infraestructura y Vialidad en parroquias rurales del cantón Loja")

    assert tags.coverage == Goal.Coverage.RURAL
    assert [match.slug for match in tags.parishes] == RURAL_PARISHES
    assert {match.matched_text for match in tags.parishes} == {"parroquias rurales"}


def test_urban_sectors_and_rural_parishes_are_every_parish(gazetteer):
    tags = gazetteer.tag(
        "Cumplir con la función encomendada y abarcar todos los sectores urbanos y parroquias "
        "rurales del cantón Loja."
    )

    assert tags.coverage == Goal.Coverage.ALL
    assert parishes(tags) == [(slug, "todos los sectores urbanos") for slug in URBAN_PARISHES] + [
        (slug, "parroquias rurales") for slug in RURAL_PARISHES
    ]


def test_a_named_parish_keeps_its_own_words_beside_every_parish_of_its_kind(gazetteer):
    # Made up.
    tags = gazetteer.tag("Mantenimiento de vías en Vilcabamba y en las parroquias rurales")

    assert tags.coverage == Goal.Coverage.RURAL
    assert tags.parishes[0] == Match("vilcabamba", "Vilcabamba", "Vilcabamba", via_coverage=False)
    assert [match.slug for match in tags.parishes[1:]] == [
        slug for slug in RURAL_PARISHES if slug != "vilcabamba"
    ]


def test_rural_parishes_followed_by_a_parish_in_brackets_mean_that_parish(gazetteer):
    tags = gazetteer.tag(
        "Fomentar la crianza de animales menores y la piscicultura en las parroquias rurales del "
        "cantón Loja (Yangana)"
    )

    assert parishes(tags) == [("yangana", "Yangana")]
    assert tags.coverage == Goal.Coverage.NAMED


def test_the_parishes_of_the_canton_are_not_a_collective_tag_by_themselves(gazetteer):
    tags = gazetteer.tag(
        "Asegurar que las políticas de Gobierno Local para acercar los servicios municipales a la "
        "comunidad, se materialicen en el territorio de las Administraciones Zonales"
    )

    assert tags.parishes == []
    assert tags.coverage == Goal.Coverage.NAMED


# --- The gazetteer itself --------------------------------------------------------------------

@pytest.mark.django_db
def test_it_reads_the_parishes_and_councils_the_migrations_loaded():
    gazetteer = loja_gazetteer()

    assert [place.slug for place in gazetteer.parishes] == URBAN_PARISHES + RURAL_PARISHES
    assert {place.kind for place in gazetteer.parishes} == {Parish.Kind.URBAN, Parish.Kind.RURAL}
    assert gazetteer.parishes[URBAN_PARISHES.index("carigan")] == Place(
        "carigan", "Carigán", "urbana", ("Carigan",)
    )
    assert len(gazetteer.neighbourhoods) == Neighbourhood.objects.count() == 62
    capuli = Place("jdb-el-capuli", "El Capulí", None, ("Capulí", "Capuli"))
    assert capuli in gazetteer.neighbourhoods


@pytest.mark.django_db
def test_it_tags_a_parish_added_to_the_database():
    Parish.objects.create(
        name="Zamora Huayco", slug="zamora-huayco", kind="urbana", variants="Zamorahuayco",
        canton=Canton.objects.get(code="1101"),
    )

    tags = loja_gazetteer().tag("Parque lineal de Zamorahuayco")

    assert parishes(tags) == [("zamora-huayco", "Zamorahuayco")]


def test_it_refuses_a_spelling_that_names_two_parishes():
    with pytest.raises(ValueError, match="Sucre"):
        Gazetteer(
            parishes=[
                Place("sucre", "Sucre", "urbana"),
                Place("el-valle", "El Valle", "urbana", "Sucre"),
            ],
            neighbourhoods=[],
        )


def test_it_tags_nothing_when_it_knows_no_place():
    tags = Gazetteer(parishes=[], neighbourhoods=[]).tag("JDB La Banda, parroquia Chantaco")

    assert (tags.parishes, tags.neighbourhoods, tags.coverage) == ([], [], "")


# --- The sample report, imported -------------------------------------------------------------

SAMPLE = Path(__file__).resolve().parents[2] / "fixtures" / "loja-lotaip-a4-2019-08.tsv"


@pytest.fixture
def sample(db):
    """The Municipio de Loja's report for August 2019, imported as `make run` does."""
    return import_report([InputFile(SAMPLE.name, SAMPLE.read_bytes())]).report


def stored_goal(report, objective):
    return report.goals.get(objective=objective)


def stored_parishes(goal):
    tags = goal.parish_tags.select_related("parish").order_by("pk")
    return [(tag.parish.slug, tag.matched_text, tag.via_coverage) for tag in tags]


def stored_councils(goal):
    tags = goal.neighbourhood_tags.select_related("neighbourhood").order_by("pk")
    return [(tag.neighbourhood.slug, tag.matched_text) for tag in tags]


@pytest.mark.parametrize(
    "objective, expected",
    [
        (
            "Continuación de alcantarillado sanitario parte urbana de la parroquia Chantaco",
            [("chantaco", "Chantaco", False)],
        ),
        (
            "Estudio para la ampliación de la planta de tratamiento de aguas servidas cabecera "
            "parroquial de Gualiel",
            [("gualel", "Gualiel", False)],
        ),
        ('Proyecto "Ruta natural" Gualel', [("gualel", "Gualel", False)]),
        (
            "Construcción del alcantarillado en la Av. Loja, Taxiche, Trinidad (colegio) y "
            "conexión Saguaynuma, Belén y Ceibopamba de la parroquia Malacatos, Etapa II",
            [("malacatos", "Malacatos", False)],
        ),
        (
            "Mujeres y desarrollo local San Pedro de Vilcabamba",
            [("san-pedro-de-vilcabamba", "San Pedro de Vilcabamba", False)],
        ),
        ("Mujeres y desarrollo local Taquil", [("taquil", "Taquil", False)]),
    ],
)
def test_an_imported_goal_keeps_the_parish_it_names_and_why(sample, objective, expected):
    goal = stored_goal(sample, objective)

    assert stored_parishes(goal) == expected
    assert stored_councils(goal) == []
    assert goal.coverage == Goal.Coverage.NAMED


@pytest.mark.parametrize(
    "objective, expected",
    [
        (
            "Adecuación de canchas en las calles Landangui y Santiago JDB La Banda",
            [("jdb-la-banda", "JDB La Banda")],
        ),
        (
            "Construcción de cubierta y adecuación del área recreativa de la JDB Carigán.",
            [("jdb-carigan", "JDB Carigán")],
        ),
        (
            "Construcción de graderío en el área deportiva del barrio San Pedro de Bellavista "
            "JDB San Pedro",
            [("jdb-san-pedro", "JDB San Pedro")],
        ),
        (
            "Iluminación de canchas y adecuación del área verde del parque La Pradera j JDB "
            "Pradera",
            [("jdb-la-pradera", "JDB Pradera")],
        ),
        (
            "Manejo de sistemas agroforestales, alternativas para implementar la reforestación en "
            "las microcuencas de Shucos, Celen, Campana Malacatos y Tambo Blanco y sistemas "
            "silvopastoriles en las zonas de amortiguamiento",
            [],
        ),
        (
            "Adecuación de pisos y tumbados de aulas prefabricadas de Escuelas Municipales "
            "(Borja, Ecológica, Tierras Coloradas)",
            [],
        ),
    ],
)
def test_an_imported_goal_names_no_parish_for_a_street_watershed_or_council(
    sample, objective, expected
):
    goal = stored_goal(sample, objective)

    assert stored_parishes(goal) == []
    assert stored_councils(goal) == expected


def test_an_imported_goal_for_the_six_urban_parishes_covers_each_of_them(sample):
    goal = stored_goal(sample, "Mantenimiento de casas comunales en las 6 parroquias urbanas")

    assert goal.coverage == Goal.Coverage.URBAN
    assert sorted(stored_parishes(goal)) == sorted(
        (slug, "las 6 parroquias urbanas", True) for slug in URBAN_PARISHES
    )


def test_imported_goals_for_urban_sectors_and_rural_parishes_cover_every_parish(sample):
    goals = sample.goals.filter(objective__contains="sectores urbanos y parroquias rurales")

    assert goals.count() == 4
    for goal in goals:
        assert goal.coverage == Goal.Coverage.ALL
        slugs = {slug for slug, _, _ in stored_parishes(goal)}
        assert slugs == set(URBAN_PARISHES + RURAL_PARISHES)


def test_the_goals_naming_a_parish_are_the_ones_a_reader_finds_in_the_report(sample):
    named_chantaco = sample.goals.filter(
        parish_tags__parish__slug="chantaco", parish_tags__via_coverage=False
    ).order_by("position")

    objectives = [
        line.split("\t")[2]
        for line in SAMPLE.read_text(encoding="utf-8").splitlines()
        if line.count("\t") >= 2 and "chantaco" in fold(line.split("\t")[2])
    ]
    assert list(named_chantaco.values_list("objective", flat=True)) == objectives
    assert len(objectives) == 5
