"""The sample report (Loja, August 2019) gives exactly what was published."""
import hashlib
from datetime import date
from decimal import Decimal

import pytest

from metas.importer import import_report, read_report
from metas.models import Goal, ProcessLevel, Report, SourceFile, Unit
from metas.text import fold

from .importer_files import SAMPLE_NAME, sample_bytes, sample_file, sample_rows

LEVELS = [
    "PROCESOS GOBERNANTES / NIVEL DIRECTIVO",
    "PROCESOS AGREGADORES DE VALOR / NIVEL OPERATIVO",
    "NIVEL DE APOYO / ASESORÍA",
    "NIVEL DE GESTIÓN INSTITUCIONAL",
    "PROCESOS DESCONCENTRADOS",
]
FINANCING_NOTE = "Sólo posee estudios, no se ejecutó por falta de financiamiento"


@pytest.fixture
def august(db):
    """The sample, imported: Loja's report of August 2019."""
    return import_report([sample_file()]).report


def test_it_reads_the_sample_without_a_database():
    parsed = read_report([sample_file()])
    assert parsed.format == "A"
    assert parsed.levels == LEVELS
    assert len(parsed.goals) == 137
    assert sum(goal.status == "not_applicable" for goal in parsed.goals) == 15
    assert sum(goal.lacks_financing for goal in parsed.goals) == 32
    assert parsed.files[0].detected_format == "tsv"
    assert parsed.files[0].encoding == "utf-8"


def test_it_stores_the_period_and_the_seven_footer_fields(august):
    assert august.period == date(2019, 8, 1)
    assert august.format == Report.Format.MATRIX
    assert august.updated_on == date(2019, 8, 31)
    assert august.periodicity == "Mensual"
    assert august.holder_unit == "DIRECCIÓN DE PLANIFICACIÓN"
    assert august.responsible == "Mgs. Econ. Víctor Pucha"
    assert august.email == "vhpucha@loja.gob.ec"
    # The last line of the file, which has no line break.
    assert august.phone == "(593-7) 2570407 EXT 206"
    assert august.link_text == "Reporte del GPR"
    assert august.institution.name == "Municipio de Loja"


def test_it_stores_the_five_levels_in_the_report_order(august):
    levels = ProcessLevel.objects.filter(institution=august.institution).order_by("position")
    assert [level.name for level in levels] == LEVELS
    assert [level.position for level in levels] == [1, 2, 3, 4, 5]


def test_it_counts_goals_that_do_not_apply_and_lack_financing(august):
    goals = august.goals
    assert goals.count() == august.goal_count == 137
    summary = goals.summary()
    assert summary["not_applicable"] == 15
    assert summary["lacking_financing"] == 32
    assert summary["not_available"] == 0
    assert goals.filter(status=Goal.Status.PERCENT).count() == 122


def test_it_keeps_the_target_as_published_with_its_progress_and_note(august):
    goal = august.goals.get(objective="Construcción de alcantarillado en el barrio cera")
    assert goal.target == f"20% {FINANCING_NOTE}"
    assert goal.progress == Decimal("20")
    assert goal.note == FINANCING_NOTE
    assert goal.lacks_financing is True
    alcaldia = august.goals.get(unit__published_name="Alcaldía")
    assert alcaldia.status == Goal.Status.NOT_APPLICABLE
    assert alcaldia.progress is None
    assert alcaldia.target.startswith("NO APLICA, los planes operativos anuales")


def test_each_goal_points_at_its_line_in_the_original_file(august):
    lines = sample_rows()
    for goal in august.goals.all():
        cells = lines[goal.source_line - 1]
        assert cells[2] == goal.objective
        assert cells[4] == goal.target
    first = august.goals.get(position=1)
    assert (first.source_line, first.unit.published_name) == (9, "Alcaldía")
    ruta = august.goals.get(objective='Proyecto "Ruta natural" Gualel')
    assert ruta.source_line == 88
    last = august.goals.order_by("position").last()
    assert (last.position, last.source_line) == (137, 213)
    assert last.unit.published_name == "Distrito Chuquiribamba"


def test_it_keeps_the_original_file_byte_for_byte(august):
    stored = SourceFile.objects.get(report=august)
    data = sample_bytes()
    assert stored.original_name == SAMPLE_NAME
    assert stored.role == SourceFile.Role.MATRIX
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert stored.size == len(data)
    assert (stored.detected_format, stored.encoding, stored.row_count) == ("tsv", "utf-8", 220)
    with stored.file.open("rb") as handle:
        assert handle.read() == data
    # The server chose the stored name, not the user.
    assert SAMPLE_NAME not in stored.file.name
    assert august.goals.filter(source_file=stored).count() == 137


def test_a_sub_unit_hangs_under_its_parent_in_the_same_level(august):
    calidad = Unit.objects.get(code="6.1", name="Gestión de Calidad Ambiental")
    assert calidad.published_name == "Gestión Ambiental - Gestión de Calidad Ambiental"
    assert (calidad.parent.code, calidad.parent.name) == ("6", "Gestión Ambiental")
    assert calidad.parent.level == calidad.level
    assert calidad.level.name == "PROCESOS AGREGADORES DE VALOR / NIVEL OPERATIVO"
    assert calidad.parent.goals.count() == 0  # only named as the parent


def test_a_dotted_code_sits_under_the_existing_unit_of_its_parent_code(august):
    seguridad = Unit.objects.get(code="23.2")
    assert seguridad.name == "Seguridad Industrial y Salud Ocupacional"
    recursos_humanos = Unit.objects.get(code="23")
    assert seguridad.parent == recursos_humanos
    assert recursos_humanos.published_name == "Dirección de Recursos Humanos"
    assert recursos_humanos.goals.count() == 2


def test_a_hyphen_with_a_space_on_one_side_separates_the_sub_unit(august):
    mercados = Unit.objects.get(code="7.2")
    assert mercados.published_name == "Gestión de Higiene- Mercados y Abastos"
    assert mercados.name == "Mercados y Abastos"
    assert mercados.parent.name == "Gestión de Higiene"
    assert mercados.parent == Unit.objects.get(code="7.1").parent
    agua = Unit.objects.get(code="9.1")
    assert (agua.name, agua.parent.name) == (
        "Agua Potable", "Unidad Municipal de Agua Potable y Alcantarillado"
    )


def test_a_dotted_code_without_a_separator_goes_under_its_code_parent(august):
    puerto = Unit.objects.get(code="10.5")
    assert puerto.name == puerto.published_name == "Puerto Seco Comercial"
    assert puerto.parent.published_name == "Gestión de Inclusión Económica"
    assert puerto.parent.code == "10"


def test_equal_codes_in_different_levels_are_different_units(august):
    ones = Unit.objects.filter(code="1").order_by("level__position")
    assert [(unit.published_name, unit.level.position) for unit in ones] == [
        ("Alcaldía", 1), ("Unidad de Administración Zonal 1", 5),
    ]
    assert len({unit.slug for unit in Unit.objects.all()}) == Unit.objects.count()


def test_names_are_kept_as_published_typos_included(august):
    assert Unit.objects.filter(published_name="Unidad de AdministrarCIÓN Zonal 4").exists()
    assert Unit.objects.get(code="6.1", name="Gestión de Calidad Ambiental").slug == (
        "6-1-gestion-de-calidad-ambiental"
    )


def test_search_text_is_folded_objective_indicator_target_unit_and_level(august):
    goal = august.goals.get(objective="Batería sanitaria en la parroquia Chantaco")
    assert goal.search_text == fold(
        "Batería sanitaria en la parroquia Chantaco Porcentaje de avance 30% "
        "Gestión de Planificación - Descentralización y Planeamiento Territorial "
        "NIVEL DE APOYO / ASESORÍA"
    )


def test_it_tags_parishes_and_neighbourhood_councils_with_the_words_that_named_them(august):
    chantaco = august.goals.get(objective="Batería sanitaria en la parroquia Chantaco")
    assert list(chantaco.parish_tags.values_list("parish__slug", "matched_text")) == [
        ("chantaco", "Chantaco")
    ]
    gualel = august.goals.get(objective__contains="cabecera parroquial de Gualiel")
    assert list(gualel.parish_tags.values_list("parish__slug", "matched_text")) == [
        ("gualel", "Gualiel")
    ]
    banda = august.goals.get(objective__contains="sector Jaime Roldós JDB La Banda")
    assert list(banda.neighbourhood_tags.values_list("neighbourhood__slug", "matched_text")) == [
        ("jdb-la-banda", "JDB La Banda")
    ]
    assert not banda.parish_tags.exists()


def test_it_avoids_the_known_false_positives(august):
    street = august.goals.get(objective__contains="calles Landangui y Santiago")
    assert not street.parish_tags.exists()
    watershed = august.goals.get(objective__contains="Campana Malacatos")
    assert not watershed.parish_tags.exists()
    barrio = august.goals.get(objective__contains="San Pedro de Bellavista")
    assert not barrio.parish_tags.exists()
    assert list(barrio.neighbourhood_tags.values_list("neighbourhood__slug", flat=True)) == [
        "jdb-san-pedro"
    ]
    san_pedro = august.goals.get(objective="Mujeres y desarrollo local San Pedro de Vilcabamba")
    assert list(san_pedro.parish_tags.values_list("parish__slug", flat=True)) == [
        "san-pedro-de-vilcabamba"
    ]


def test_a_goal_for_the_six_urban_parishes_covers_them_all(august):
    goal = august.goals.get(
        objective="Mantenimiento de casas comunales en las 6 parroquias urbanas"
    )
    assert goal.coverage == Goal.Coverage.URBAN
    tags = goal.parish_tags.all()
    assert {tag.parish.kind for tag in tags} == {"urbana"}
    assert len(tags) == 6
    assert all(tag.via_coverage and tag.matched_text == "las 6 parroquias urbanas" for tag in tags)


def test_the_result_counts_what_was_stored(db):
    result = import_report([sample_file()])
    assert (result.institution, result.period, result.format) == (
        "Municipio de Loja", date(2019, 8, 1), "A"
    )
    assert (result.levels, result.goals, result.not_applicable, result.lacking_financing) == (
        5, 137, 15, 32
    )
    assert result.units == Unit.objects.filter(goals__isnull=False).distinct().count()
    assert result.parishes_tagged == (
        Goal.objects.filter(parish_tags__isnull=False).distinct().count()
    )
    assert result.neighbourhoods_tagged == (
        Goal.objects.filter(neighbourhood_tags__isnull=False).distinct().count()
    )
    assert result.parishes_tagged > 0 and result.neighbourhoods_tagged > 0
    assert result.files == [(SAMPLE_NAME, "tsv", "utf-8", "matrix", 220)]
    assert (result.replaced, result.dry_run) == (False, False)
