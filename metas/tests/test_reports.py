"""/reportes/, /reportes/<institution>/<YYYY-MM>/ and the download of a report's original files."""
import hashlib
import math
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from metas.importer import InputFile, import_report
from metas.views.reports import REPORTS_PER_PAGE

from .factories import (
    make_goal,
    make_institution,
    make_level,
    make_report,
    make_source_file,
    make_unit,
)

REPORTS = reverse("metas:report-list")
SAMPLE = Path(settings.BASE_DIR) / "fixtures" / "loja-lotaip-a4-2019-08.tsv"


def text_of(response):
    html = response.content.decode()
    main = html[html.index("<main") : html.index("</main>")]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))


def download_url(source):
    report = source.report
    return reverse(
        "metas:source-file-download",
        args=[report.institution.slug, report.period_slug, source.pk],
    )


@pytest.fixture
def sample(db):
    """The Municipio de Loja's August 2019 report, imported from the published file."""
    return import_report([InputFile(SAMPLE.name, SAMPLE.read_bytes())]).report


@pytest.fixture
def august(db):
    """A small report with two goals, one of a sub-unit, and its original file."""
    loja = make_institution("Municipio de Loja")
    report = make_report(loja, "2019-08")
    unit = make_unit(loja, "Gestión Ambiental", level=make_level(loja), code="6")
    make_goal(report, unit, objective="Reforestar", progress=40, lacks_financing=True)
    make_goal(
        report,
        make_unit(name="Gestión de Calidad Ambiental", parent=unit, code="6.1"),
        objective="Educación ambiental",
        progress=None,
    )
    make_source_file(
        report,
        name="matriz agosto.tsv",
        data="No.\tDescripción\n6\tGestión Ambiental\n".encode(),
        encoding="utf-8",
        row_count=2,
    )
    return report


def test_it_shows_a_report_with_its_metadata_figures_and_files(client, sample):
    response = client.get(sample.get_absolute_url())

    assert response.status_code == 200
    text = text_of(response)
    assert "Municipio de Loja: reporte de agosto de 2019" in text
    for figure in ("137 metas", "15 no aplican", "32 sin financiamiento", "5 niveles de proceso"):
        assert figure in text
    assert "Fecha de actualización de la información 31 de agosto de 2019" in text
    assert "Periodicidad Mensual" in text
    assert "Formato Matriz 2015–2023 (Art. 7 a4)" in text
    for field in ("holder_unit", "responsible", "email", "phone"):
        assert getattr(sample, field) and getattr(sample, field) in text
    [source] = sample.files.all()
    # The fingerprint may break only between groups of 16 characters (<wbr>); copied, it is whole.
    sha = hashlib.sha256(SAMPLE.read_bytes()).hexdigest()
    groups = "<wbr>".join(sha[i : i + 16] for i in range(0, 64, 16))
    assert f'<dt>SHA-256</dt><dd><code class="hash">{groups}</code></dd>' in response.content.decode()
    assert f"Filas leídas {source.row_count}" in text
    assert f"Codificación detectada {source.encoding}" in text
    assert "Formato detectado TSV" in text
    html = response.content.decode()
    assert f'href="{download_url(source)}"' in html
    assert f'href="/metas/?institucion={sample.institution.slug}&amp;periodo=2019-08"' in html
    assert f'href="/metas.csv?institucion={sample.institution.slug}&amp;periodo=2019-08"' in html
    assert html.count("<h1") == 1


def test_it_serves_the_original_file_byte_for_byte_as_an_attachment(client, sample):
    source = sample.files.get()

    response = client.get(download_url(source))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == SAMPLE.read_bytes()
    assert response["Content-Disposition"] == (
        f'attachment; filename="municipio-de-loja-2019-08-{source.pk}.tsv"'
    )
    assert response["Content-Type"] == "text/tab-separated-values"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert not response.cookies


def test_it_names_the_download_itself_whatever_the_uploaded_name(client, august):
    source = make_source_file(
        august, name='../../"evil".html', data=b"<script>alert(1)</script>", detected_format="csv"
    )

    response = client.get(download_url(source))

    assert response["Content-Disposition"] == (
        f'attachment; filename="municipio-de-loja-2019-08-{source.pk}.csv"'
    )
    assert response["Content-Type"] == "text/csv"


def test_it_refuses_a_file_through_another_report(client, august):
    source = august.files.get()
    july = make_report(august.institution, "2019-07")
    catamayo = make_report(make_institution("Municipio de Catamayo"), "2019-08")

    for report in (july, catamayo):
        url = reverse(
            "metas:source-file-download",
            args=[report.institution.slug, report.period_slug, source.pk],
        )
        assert client.get(url).status_code == 404, url


def test_it_answers_404_when_the_stored_file_is_gone(client, august):
    source = august.files.get()
    source.file.delete(save=False)

    assert client.get(download_url(source)).status_code == 404


@pytest.mark.parametrize(
    "institution, period",
    [("municipio-de-loja", "2019-09"), ("no-existe", "2019-08"), ("municipio-de-loja", "2019-13")],
)
def test_it_answers_an_unknown_report_with_404(client, august, institution, period):
    url = reverse("metas:report-detail", args=[institution, period])

    assert client.get(url).status_code == 404


def test_it_counts_the_goals_levels_and_units_of_a_small_report(client, august):
    text = text_of(client.get(august.get_absolute_url()))

    for figure in ("2 metas", "1 no aplican", "0 sin información", "1 sin financiamiento",
                   "1 nivel de proceso", "2 unidades"):
        assert figure in text
    source = august.files.get()
    assert source.original_name in text
    assert f"Tamaño {source.size} bytes" in text


def test_it_escapes_imported_metadata(client, db):
    report = make_report(responsible="<img src=x onerror=alert(1)>", link_url="javascript:alert(1)")

    html = client.get(report.get_absolute_url()).content.decode()

    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert 'href="javascript:' not in html


def test_it_shows_a_report_with_a_constant_number_of_queries(
    client, august, django_assert_max_num_queries
):
    with django_assert_max_num_queries(6) as few:
        client.get(august.get_absolute_url())
    unit = august.goals.first().unit
    for number in range(40):
        make_goal(august, unit, objective=f"Meta {number}")
        make_source_file(august, name=f"parte {number}.csv", data=f"{number}".encode())

    with django_assert_max_num_queries(len(few)):
        response = client.get(august.get_absolute_url())
    assert "42 metas" in text_of(response)


# --- /reportes/ ----------------------------------------------------------------------------


def test_it_lists_every_report_with_its_files_and_their_sha256(client, sample):
    catamayo = make_report(make_institution("Municipio de Catamayo"), "2019-07")

    response = client.get(REPORTS)

    assert response.status_code == 200
    text = text_of(response)
    assert "2 reportes" in text
    assert text.index("Municipio de Catamayo · julio de 2019") < text.index("Municipio de Loja")
    source = sample.files.get()
    # Breakable between groups of 16 characters only; copied, the fingerprint is whole.
    html = response.content.decode()
    assert f'<code class="hash">{source.sha256[:16]}<wbr>' in html
    assert f'SHA-256:</span> <code class="hash">{source.sha256}</code>' in html.replace("<wbr>", "")
    assert "Metas 137" in text
    assert "Periodicidad Mensual" in text
    assert "Formato Matriz 2015–2023 (Art. 7 a4)" in text
    html = response.content.decode()
    assert f'href="{download_url(source)}"' in html
    assert f'href="{catamayo.get_absolute_url()}"' in html
    assert "ninguno guardado" in text


def test_it_pages_the_report_list_with_a_constant_number_of_queries(
    client, db, django_assert_max_num_queries
):
    loja = make_institution()
    make_source_file(make_report(loja, "2015-01"))
    with django_assert_max_num_queries(6) as few:
        client.get(REPORTS)
    for month in range(2, 13):
        for year in range(2015, 2021):
            report = make_report(loja, f"{year}-{month:02d}")
            make_source_file(report, name=f"{year}-{month}.tsv")

    with django_assert_max_num_queries(len(few)):
        response = client.get(REPORTS)
    pages = math.ceil(67 / REPORTS_PER_PAGE)
    assert f"Página 1 de {pages}" in text_of(response)
    assert "enero de 2015" not in text_of(response)
    assert "enero de 2015" in text_of(client.get(REPORTS, {"page": pages}))


def test_it_sets_no_cookie(client, august):
    for url in (REPORTS, august.get_absolute_url(), download_url(august.files.get())):
        assert not client.get(url).cookies, url

