"""Tagging scoped to each institution's territory, across Ecuador: a municipality's parishes,
a provincial government's cantons and parishes, a rural parish government's parish; the
national false positives; re-tagging when a territory is set or changed.

The reports are made up, written as municipalities write them (portal files).
"""
from io import StringIO

import pytest
from django.core.management import call_command

from metas.importer import InputFile, import_report
from metas.models import Canton, Goal, GoalCanton, GoalParish, Institution, Parish, Province
from metas.territory import Atlas, recognise
from metas.territory.dpa import base_name, old_codes, read_dpa, reading_name

from .importer_files import PORTAL_METADATA, csv_bytes, portal_dataset

pytestmark = pytest.mark.django_db

CATAMAYO_RURAL = ["el-tambo-catamayo", "guayquichuma", "san-pedro-de-la-bendita", "zambi"]


def report_of(institution: str, *objectives: str, month="31/1/2025"):
    """A month's portal files of `institution` with these objectives, each 50 % done."""
    rows = [["Dirección de Obras Públicas", text, "Porcentaje de avance", "50%", ""]
            for text in objectives]
    metadata = [[label, month] if index == 0 else [label, value]
                for index, (label, value) in enumerate(PORTAL_METADATA)]
    return [
        InputFile("datos.csv", portal_dataset(rows, encoding="utf-8")),
        InputFile("metadatos.csv", csv_bytes(metadata, delimiter=";")),
        InputFile("diccionario.csv", csv_bytes([["Institución", institution]])),
    ]


def tags_of(report, objective):
    goal = report.goals.get(objective=objective)
    return {
        "parishes": [(t.parish.slug, t.matched_text) for t in
                     goal.parish_tags.select_related("parish").filter(via_coverage=False)
                     .order_by("pk")],
        "covered": sorted(t.parish.slug for t in
                          goal.parish_tags.select_related("parish").filter(via_coverage=True)),
        "cantons": [(t.canton.slug, t.matched_text) for t in
                    goal.canton_tags.select_related("canton").order_by("pk")],
    }


def gazetteer(kind, code):
    model = {"canton": Canton, "province": Province, "parish": Parish}[kind]
    return Atlas.from_database().gazetteer((kind, model.objects.get(code=code).pk))


def named(tags):
    return [(m.slug, m.matched_text) for m in tags.parishes if not m.via_coverage]


# --- A municipality: its canton's parishes, none of another canton's ---------------------------

def test_catamayo_s_report_is_tagged_with_catamayo_s_parishes_and_none_of_loja_s():
    report = import_report(report_of(
        "GAD Municipal del Cantón Catamayo",
        "Reforestación en Campana Malacatos y vía a El Tambo",
        "Alcantarillado de San Pedro de la Bendita",
        "Vía a Guayquichuma y Zambi",
        "Adoquinado en Vilcabamba y San Pedro de Vilcabamba",
        "Mantenimiento vial en las parroquias rurales",
    )).report

    catamayo = report.institution
    assert (catamayo.kind, catamayo.canton.code) == ("municipio", "1103")
    assert tags_of(report, "Reforestación en Campana Malacatos y vía a El Tambo")["parishes"] == [
        ("el-tambo-catamayo", "El Tambo")
    ]
    assert tags_of(report, "Alcantarillado de San Pedro de la Bendita")["parishes"] == [
        ("san-pedro-de-la-bendita", "San Pedro de la Bendita")
    ]
    assert tags_of(report, "Vía a Guayquichuma y Zambi")["parishes"] == [
        ("guayquichuma", "Guayquichuma"), ("zambi", "Zambi")
    ]
    assert tags_of(report, "Adoquinado en Vilcabamba y San Pedro de Vilcabamba")["parishes"] == []
    assert tags_of(report, "Mantenimiento vial en las parroquias rurales")["covered"] == (
        CATAMAYO_RURAL
    )
    assert not GoalParish.objects.filter(parish__canton__code="1101").exists()


def test_the_canton_s_own_name_is_the_canton_not_its_seat_or_its_urban_parish():
    catamayo = gazetteer("canton", "1103")

    assert named(catamayo.tag("Regeneración urbana de Catamayo")) == []
    assert named(catamayo.tag("Parque central de la parroquia Catamayo")) == [
        ("catamayo", "Catamayo")
    ]
    # Quilanga has no urban parish: its seat is named like the canton.
    quilanga = gazetteer("canton", "1115")
    assert named(quilanga.tag("Agua potable para Quilanga y Fundochamba")) == [
        (Parish.objects.get(code="111551").slug, "Fundochamba")
    ]
    assert [m.slug for m in quilanga.tag("Obras en las parroquias urbanas").parishes] == [
        Parish.objects.get(code="111550").slug
    ]


def test_a_name_with_its_parenthesised_alias_is_the_parish_and_the_alias_alone_is_not():
    loja = gazetteer("canton", "1101")

    assert named(loja.tag("Riego en MALACATOS (VALLADOLID)")) == [
        ("malacatos", "MALACATOS (VALLADOLID)")
    ]
    assert named(loja.tag("Escuela Victoria y calle Miguel Riofrío, Valladolid")) == []
    quilanga = gazetteer("canton", "1115")
    assert named(quilanga.tag("Vía a San Antonio de las Aradas (Cab. en Las Aradas)")) == [
        (Parish.objects.get(code="111552").slug, "San Antonio de las Aradas (Cab. en Las Aradas)")
    ]


# --- National false positives -------------------------------------------------------------------

@pytest.mark.parametrize(
    "kind, code, objective, expected",
    [
        # People: a school, a street, a statue.
        ("canton", "1101", "Mantenimiento de la Unidad Educativa Sucre", []),
        ("canton", "1101", "Mejoramiento del mercado de la parroquia Sucre", [("sucre", "Sucre")]),
        ("canton", "0709", "Monumento a Bolívar en el parque central", []),
        ("canton", "0709", "Aceras de las parroquias Loma de Franco y Bolívar",
         [("loma-de-franco", "Loma de Franco"), ("bolivar-pasaje", "Bolívar")]),
        # Saints and virgins.
        ("canton", "1103", "Fiestas de San José y de la Virgen del Cisne", []),
        ("canton", "1103", "Casa comunal de la parroquia urbana San José",
         [("san-jose-catamayo", "San José")]),
        ("canton", "0502", "Procesión de la Virgen de El Carmen", []),
        ("canton", "0502", "Parque de la parroquia El Carmen", [("el-carmen", "El Carmen")]),
        # Common words.
        ("canton", "0405", "Cultura de paz: campaña La Paz empieza en casa", []),
        ("canton", "0405", "Vía a la cabecera parroquial de La Paz", [("la-paz", "La Paz")]),
    ],
)
def test_a_parish_named_like_a_person_or_a_common_word_needs_the_word_parroquia(
    kind, code, objective, expected
):
    assert named(gazetteer(kind, code).tag(objective)) == expected


def test_a_longer_name_of_another_canton_is_not_a_shorter_parish_of_this_one():
    # Paltas has a parish San Antonio; San Antonio de las Aradas is Quilanga's.
    paltas = gazetteer("canton", "1109")

    assert named(paltas.tag("Vía a San Antonio de las Aradas")) == []
    assert named(paltas.tag("Vía a San Antonio, parroquia de Paltas")) == []  # guarded saint
    assert named(paltas.tag("Vía a la parroquia San Antonio")) == [
        (Parish.objects.get(code="110957").slug, "San Antonio")
    ]


# --- A provincial government: cantons and parishes of its province ------------------------------

def test_a_provincial_government_s_report_is_tagged_across_its_cantons():
    report = import_report(report_of(
        "Gobierno Autónomo Descentralizado Provincial de Loja",
        "Vialidad Catamayo - El Tambo",
        "Puente en Malacatos y en el cantón Calvas",
        "Riego en las parroquias rurales",
        "Asfaltado de la vía a Cuenca",
    )).report

    assert (report.institution.kind, report.institution.province.code) == ("provincial", "11")
    assert tags_of(report, "Vialidad Catamayo - El Tambo") == {
        "parishes": [("el-tambo-catamayo", "El Tambo")],
        "covered": [],
        "cantons": [("catamayo", "Catamayo")],
    }
    assert tags_of(report, "Puente en Malacatos y en el cantón Calvas")["parishes"] == [
        ("malacatos", "Malacatos")
    ]
    assert tags_of(report, "Puente en Malacatos y en el cantón Calvas")["cantons"] == [
        ("calvas", "Calvas")
    ]
    rural = Parish.objects.filter(canton__province__code="11", kind="rural")
    covered = tags_of(report, "Riego en las parroquias rurales")["covered"]
    assert covered == sorted(rural.values_list("slug", flat=True)) and len(covered) > 70
    assert tags_of(report, "Asfaltado de la vía a Cuenca") == {
        "parishes": [], "covered": [], "cantons": []
    }


def test_a_rural_parish_government_s_report_is_tagged_with_its_parish():
    report = import_report(report_of(
        "GAD Parroquial Rural de Malacatos",
        "Mejoramiento del parque central de Malacatos",
        "Vía Malacatos - Vilcabamba",
    )).report

    assert (report.institution.kind, report.institution.parish.slug) == (
        "parroquial", "malacatos"
    )
    assert tags_of(report, "Vía Malacatos - Vilcabamba")["parishes"] == [
        ("malacatos", "Malacatos")
    ]


def test_an_institution_without_territory_tags_nothing():
    report = import_report(report_of(
        "Empresa Pública de Vialidad", "Vía a Malacatos", "Obras en las parroquias rurales",
    )).report

    assert report.institution.kind == "otra" and report.institution.territory is None
    assert not GoalParish.objects.exists() and not GoalCanton.objects.exists()
    assert set(report.goals.values_list("coverage", flat=True)) == {""}


# --- Re-tagging ---------------------------------------------------------------------------------

def test_setting_a_territory_with_the_import_re_tags_the_other_reports(tmp_path):
    name = "Empresa Municipal de Agua Potable"
    import_report(report_of(name, "Agua para Zambi", month="31/12/2024"))
    assert not GoalParish.objects.exists()
    files = report_of(name, "Agua para El Tambo")
    for file in files:
        (tmp_path / file.name).write_bytes(file.data)

    out = StringIO()
    call_command("import_report", *(str(tmp_path / f.name) for f in files),
                 "--territorio", "1103", stdout=out)

    institution = Institution.objects.get(name=name)
    assert institution.canton.code == "1103"
    assert list(GoalParish.objects.order_by("goal__report__period").values_list(
        "goal__report__period", "parish__slug")) == [
        (institution.reports.get(period__month=12).period, "zambi"),
        (institution.reports.get(period__month=1).period, "el-tambo-catamayo"),
    ]


def test_the_retag_command_re_tags_when_a_territory_changes():
    report = import_report(report_of("GAD Municipal del Cantón Catamayo", "Vía a Zambi")).report
    institution = report.institution
    institution.canton = Canton.objects.get(code="1101")
    institution.save()

    out = StringIO()
    call_command("retag", "--institution", institution.slug, stdout=out)

    assert not GoalParish.objects.exists(), "Zambi is not a parish of cantón Loja"
    assert out.getvalue().strip() == (
        "Etiquetado de nuevo: 1 instituciones, 1 metas: 0 etiquetas de parroquia, 0 etiquetas "
        "de cantón y 0 etiquetas de JDB; 0 metas cambiaron su cobertura."
    )
    institution.canton = Canton.objects.get(code="1103")
    institution.save()
    call_command("retag", stdout=out)
    assert list(GoalParish.objects.values_list("parish__slug", "matched_text")) == [
        ("zambi", "Zambi")
    ]


def test_the_retag_command_refuses_an_unknown_institution_in_spanish():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No hay ninguna institución “nadie”"):
        call_command("retag", "--institution", "nadie")


def test_import_report_refuses_an_unknown_territory_code_in_spanish():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No hay ninguna provincia, cantón o parroquia con "
                                           "el código INEC “9999”"):
        call_command("import_report", "x.tsv", "--territorio", "9999")


# --- Names and the DPA --------------------------------------------------------------------------

@pytest.mark.parametrize(
    "name, kind, territory",
    [
        ("Municipio de Catamayo", "municipio", ("canton", "1103")),
        ("GAD Municipal del Cantón Catamayo", "municipio", ("canton", "1103")),
        ("Ilustre Municipalidad de La Troncal", "municipio", ("canton", "0304")),
        ("Gobierno Autónomo Descentralizado Provincial de Loja", "provincial", ("province", "11")),
        ("Prefectura del Azuay", "provincial", ("province", "01")),
        ("GAD Parroquial Rural de Malacatos", "parroquial", ("parish", "110156")),
        ("G.A.D. Parroquial de El Tambo del cantón Catamayo", "parroquial", ("parish", "110351")),
        ("Municipio de Bolívar", "municipio", None),  # Carchi's or Manabí's?
        ("Ministerio de Salud Pública", "otra", None),
    ],
)
def test_it_reads_the_kind_and_territory_from_the_name(name, kind, territory):
    models = {"canton": Canton, "province": Province, "parish": Parish}
    recognised = recognise(name, Atlas.from_database())

    assert recognised.kind == kind
    if territory is None:
        assert recognised.territory is None
    else:
        model_name, code = territory
        assert recognised.territory == (model_name, models[model_name].objects.get(code=code).pk)


def test_it_loads_the_whole_dpa_without_the_old_codes_of_parishes_that_became_cantons():
    rows = read_dpa()
    skipped = old_codes(rows)

    assert (Province.objects.count(), Canton.objects.count()) == (24, 221)
    assert Parish.objects.exclude(code=None).count() == len(rows) - len(skipped) == 1396 - 50
    assert "010555" in skipped and Parish.objects.filter(folded_name="guachapala").get().code == (
        "011450"
    )
    assert "110159" not in skipped, "Santiago of cantón Loja is real (the canton is elsewhere)"
    assert Parish.objects.filter(code=None).count() == 2  # Punzara and Carigán
    assert Parish.objects.get(code="110104").slug == "el-valle"
    assert Parish.objects.get(code="010104").slug == "el-sagrario-cuenca"
    assert reading_name("SAN PEDRO DE LA BENDITA") == "San Pedro de la Bendita"
    assert base_name("MALACATOS (VALLADOLID)") == "MALACATOS"


def test_loading_the_dpa_again_changes_nothing():
    from metas.territory.dpa import load_territory

    before = sorted(Parish.objects.values_list("pk", "code", "slug", "name", "canton_id"))
    load_territory()
    assert sorted(Parish.objects.values_list("pk", "code", "slug", "name", "canton_id")) == before


def test_a_goal_is_counted_once_whatever_its_tags():
    report = import_report(report_of("Prefectura de Loja", "Vía Catamayo - El Tambo")).report
    assert Goal.objects.filter(canton_tags__isnull=False).count() == 1
    assert report.goal_count == 1
