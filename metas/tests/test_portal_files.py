"""The transparency portal's three CSV files for numeral 1.3, written from any imported report
(issue 20): downloadable from the report page and from the staff's confirmation after
"Publicar", in the portal's layout, and read back by the importer as the same goals and footer
(round trip)."""
import pytest
from django.urls import reverse

from metas.importer import InputFile, import_report
from metas.models import Goal, Report

from .importer_files import portal_files, sample_file
from .staff_helpers import alicia, loja, september_bytes, upload  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

PARTS = ("conjunto-de-datos", "metadatos", "diccionario")


def goals_of(report):
    return list(
        Goal.objects.filter(report=report).order_by("position").values_list(
            "unit__published_name", "objective", "indicator", "target", "progress", "status",
            "note", "lacks_financing", "verification_link",
        )
    )


def footer_of(report):
    return (report.institution.name, report.period, report.updated_on, report.periodicity,
            report.holder_unit, report.responsible, report.email, report.phone,
            report.link_text, report.link_url)


def downloaded(client, report) -> dict[str, bytes]:
    files = {}
    for part in PARTS:
        url = reverse("metas:report-portal-file",
                      args=[report.institution.slug, report.period_slug, part])
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Disposition"] == (
            f'attachment; filename="{report.institution.slug}-{report.period_slug}-{part}.csv"'
        )
        assert not response.cookies
        files[part] = response.content
    return files


def round_trip(client, report):
    files = downloaded(client, report)
    again = import_report([InputFile(f"{part}.csv", data) for part, data in files.items()])
    return files, again.report


def test_a_portal_report_round_trips_with_the_same_goals_and_footer(client):
    report = import_report([InputFile(name, data) for name, data in portal_files().items()]).report
    goals, footer = goals_of(report), footer_of(report)

    _files, again = round_trip(client, report)

    assert again.format == "B"
    assert goals_of(again) == goals
    assert footer_of(again) == footer
    assert Report.objects.count() == 1  # the same institution and month: replaced


def test_a_matrix_round_trips_with_the_same_goals_and_footer_without_codes_or_levels(client):
    report = import_report([sample_file()]).report
    goals, footer = goals_of(report), footer_of(report)

    files, again = round_trip(client, report)

    assert len(goals) == 137
    assert goals_of(again) == goals
    assert footer_of(again) == footer
    assert not again.goals.exclude(unit__code="").exists()  # the portal has no codes
    assert files["metadatos"].decode("utf-8-sig").splitlines()[0] == (
        "FECHA ACTUALIZACIÓN DE LA INFORMACIÓN,31/08/2019"
    )


def test_the_files_have_the_portal_layout(client):
    report = import_report([InputFile(name, data) for name, data in portal_files().items()]).report
    files = downloaded(client, report)
    assert all(data.startswith(b"\xef\xbb\xbf") for data in files.values())  # UTF-8, BOM
    dataset = files["conjunto-de-datos"].decode("utf-8-sig").split("\r\n")
    assert dataset[0] == (
        "Unidad,Objetivo,Indicador,Meta cuantificable,Enlace al sistema de gestión de "
        "planificación para verificación de los indicadores y metas cuantificables por "
        "procesos o niveles"
    )
    assert dataset[1] == (
        "Dirección de Planificación - Promoción Popular,Adecuación de canchas en la JDB La "
        "Banda,Porcentaje de avance,45%,https://gpr.loja.gob.ec/reportes/2025-01"
    )
    assert files["metadatos"].decode("utf-8-sig").split("\r\n")[:2] == [
        "FECHA ACTUALIZACIÓN DE LA INFORMACIÓN,31/01/2025",
        "PERIODICIDAD DE ACTUALIZACIÓN DE LA INFORMACIÓN,Mensual",
    ]
    assert files["diccionario"].decode("utf-8-sig").split("\r\n")[0] == (
        "Institución,Gobierno Autónomo Descentralizado Municipal de Loja"
    )


def test_a_cell_a_spreadsheet_would_run_is_neutralised(client):
    report = import_report([sample_file()]).report
    Goal.objects.filter(report=report, position=1).update(objective="=HIPERVINCULO(\"x\")")
    dataset = downloaded(client, report)["conjunto-de-datos"].decode("utf-8-sig")
    assert dataset.split("\r\n")[1].startswith('Alcaldía,"\'=HIPERVINCULO(""x"")"')


def test_the_report_page_and_the_staff_confirmation_link_the_three_files(client, alicia, loja):
    report = import_report([sample_file()], institution=loja.name).report
    page = client.get(report.get_absolute_url()).content.decode()
    for part in PARTS:
        assert f"/reportes/municipio-de-loja/2019-08/portal/{part}.csv" in page
    assert "Para el portal de transparencia (numeral 1.3), sus tres archivos CSV:" in page

    client.force_login(alicia)
    response = upload(client, {"septiembre.tsv": september_bytes()}, loja)
    pending = response["Location"].rstrip("/").rsplit("/", 1)[-1]
    published = client.post(reverse("metas:staff-publish", args=[pending]), follow=True)
    page = published.content.decode()
    assert "/reportes/municipio-de-loja/2019-09/portal/conjunto-de-datos.csv" in page


def test_an_unknown_part_or_a_withdrawn_report_is_not_found(client):
    report = import_report([sample_file()]).report
    url = reverse("metas:report-portal-file",
                  args=[report.institution.slug, report.period_slug, "otro"])
    assert client.get(url).status_code == 404
    Report.objects.filter(pk=report.pk).update(withdrawn_at="2026-01-01T00:00Z")
    url = reverse("metas:report-portal-file",
                  args=[report.institution.slug, report.period_slug, "metadatos"])
    assert client.get(url).status_code == 404


# --- Reading the triad as another municipality publishes it ----------------------------------

ODD_HEADER = (
    "Unidad;Objetivos;Indicador;Meta cuantificable;Enlace al sistema de gestiÓn de "
    "planificaciÓn para verificaciÓn de los indicadores y metas cuantificables por procesos o "
    "niveles"
)


def another_municipality() -> list[InputFile]:
    """The data set in CP850 (Excel's "CSV (MS-DOS)"), a separator without quotes inside an
    objective, trailing empty fields, a text where the address goes; the metadata in UTF-8,
    labels ending in a colon, the date as 31/1/2025; the dictionary in Windows-1252."""
    dataset = "\r\n".join([
        ODD_HEADER + ";;;",
        "Dirección de Obras Públicas;Pavimentación de vías; aceras y bordillos en Malacatos;"
        "Porcentaje de avance;45%;https://gpr.catamayo.gob.ec/reporte",
        "Alcaldía;Cumplir y hacer cumplir la Constitución;N/A;NO APLICA;Reporte del GPR;;;;;",
        "Dirección Financiera;Ejecución presupuestaria;Porcentaje;50%;;",
    ]).encode("cp850")
    metadata = "\r\n".join([
        "FECHA ACTUALIZACIÓN DE LA INFORMACIÓN:;31/1/2025",
        "PERIODICIDAD DE ACTUALIZACIÓN DE LA INFORMACIÓN:;Mensual",
        "RESPONSABLE DE LA UNIDAD POSEEDORA DE LA INFORMACIÓN:;Ing. Rosa Jaramillo",
    ]).encode("utf-8")
    dictionary = "Institución:;GAD Municipal del Cantón Catamayo\r\n".encode("cp1252")
    return [InputFile("datos.csv", dataset), InputFile("metadatos.csv", metadata),
            InputFile("diccionario.csv", dictionary)]


def test_another_municipality_s_triad_is_read_and_the_repair_said():
    result = import_report(another_municipality())
    report = result.report
    assert (report.institution.name, report.period_slug, report.responsible) == (
        "GAD Municipal del Cantón Catamayo", "2025-01", "Ing. Rosa Jaramillo")
    assert [goal[:4] + goal[-1:] for goal in goals_of(report)] == [
        ("Dirección de Obras Públicas", "Pavimentación de vías; aceras y bordillos en Malacatos",
         "Porcentaje de avance", "45%", "https://gpr.catamayo.gob.ec/reporte"),
        ("Alcaldía", "Cumplir y hacer cumplir la Constitución", "N/A", "NO APLICA",
         "Reporte del GPR"),
        ("Dirección Financiera", "Ejecución presupuestaria", "Porcentaje", "50%", ""),
    ]
    assert [str(warning) for warning in result.parsed.warnings] == [
        "datos.csv, línea 2, columna “Objetivos”: Esta fila tiene 6 celdas y el encabezado 5: "
        "un separador sin comillas dentro de un texto la partió. Sus partes se unieron de nuevo "
        "en esta columna; revise la fila."
    ]


def test_the_staff_preview_says_what_was_repaired(client, alicia, loja):
    from metas.models import Institution

    catamayo = Institution.objects.create(name="GAD Municipal del Cantón Catamayo",
                                          slug="catamayo")
    catamayo.staff.add(alicia)
    client.force_login(alicia)
    files = {file.name: file.data for file in another_municipality()}
    response = upload(client, files, catamayo)
    page = client.get(response["Location"]).content.decode()
    assert "un separador sin comillas dentro de un texto la partió" in page


def test_the_repaired_triad_round_trips(client):
    report = import_report(another_municipality()).report
    goals, footer = goals_of(report), footer_of(report)
    _files, again = round_trip(client, report)
    assert goals_of(again) == goals
    assert footer_of(again) == footer
