"""import_report with a folder or the files of several reports: grouped, each imported on its
own, a table at the end, one bad report not stopping the others."""
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from metas.importer.batch import collect
from metas.models import ImportLog, Report

from .importer_files import (
    PORTAL_DICTIONARY,
    PORTAL_METADATA,
    csv_bytes,
    portal_dataset,
    sample_bytes,
    sample_rows,
    tsv_bytes,
)

pytestmark = pytest.mark.django_db


def month_of_portal(folder, prefix="", date="31/1/2025"):
    folder.mkdir(parents=True, exist_ok=True)
    metadata = [[PORTAL_METADATA[0][0], date], *PORTAL_METADATA[1:]]
    (folder / f"{prefix}datos.csv").write_bytes(portal_dataset(encoding="utf-8"))
    (folder / f"{prefix}metadatos.csv").write_bytes(csv_bytes(metadata, delimiter=";"))
    (folder / f"{prefix}diccionario.csv").write_bytes(csv_bytes(PORTAL_DICTIONARY))


@pytest.fixture
def folder(tmp_path):
    """informes/: Loja's August 2019 matrix, a bad matrix (a 150 % target), and two months of
    portal files, one in a folder of its own and one beside another month's, by name."""
    root = tmp_path / "informes"
    (root / "2019").mkdir(parents=True)
    (root / "2019" / "loja-2019-08.tsv").write_bytes(sample_bytes())
    rows = [list(row) for row in sample_rows()]
    rows[12][4] = "150%"
    (root / "2019" / "malo.tsv").write_bytes(tsv_bytes(rows))
    month_of_portal(root / "2025" / "enero")
    month_of_portal(root / "2025" / "otros", "2025-02-", "28/2/2025")
    month_of_portal(root / "2025" / "otros", "2025-03-", "31/3/2025")
    (root / "2025" / ".DS_Store").write_bytes(b"\0\0")
    return root


def test_it_says_none_was_imported_when_every_report_failed(tmp_path):
    rows = [list(row) for row in sample_rows()]
    rows[12][4] = "150%"
    for name in ("malo-1.tsv", "malo-2.tsv", "malo-3.tsv"):
        (tmp_path / name).write_bytes(tsv_bytes(rows))
    with pytest.raises(CommandError) as failure:
        call_command("import_report", str(tmp_path), stdout=StringIO(), stderr=StringIO())
    assert str(failure.value) == (
        "Ninguno de los 3 reportes se importó (problemas indicados arriba). Corríjalos e "
        "impórtelos de nuevo."
    )
    assert not Report.objects.exists()


def test_it_groups_a_month_s_portal_files_and_keeps_each_matrix_apart(folder):
    batch = collect([folder])

    names = [[path.name for path in report.paths] for report in batch.reports]
    assert names == [
        ["loja-2019-08.tsv"],
        ["malo.tsv"],
        ["datos.csv", "diccionario.csv", "metadatos.csv"],
        ["2025-02-datos.csv", "2025-02-diccionario.csv", "2025-02-metadatos.csv"],
        ["2025-03-datos.csv", "2025-03-diccionario.csv", "2025-03-metadatos.csv"],
    ]


def test_it_imports_every_good_report_and_reports_the_bad_one(folder):
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("import_report", str(folder), stdout=out, stderr=err)

    assert str(failure.value) == (
        "1 de 5 reportes no se importó (problemas indicados arriba); los demás sí. "
        "Corríjalo e impórtelo de nuevo."
    )
    table = out.getvalue().splitlines()
    assert table[0].split() == ["Archivos", "Institución", "Periodo", "Resultado", "Metas",
                                "Problemas"]
    assert " ".join(table[1].split()) == (
        "loja-2019-08.tsv Municipio de Loja 2019-08 aceptado 137 0"
    )
    assert " ".join(table[2].split()) == "malo.tsv rechazado 1"
    assert " ".join(table[3].split()).endswith("2025-01 aceptado 5 0")
    assert len(table) == 6
    assert "malo.tsv, línea 13, columna “Meta cuantificable”" in err.getvalue()
    periods = sorted(r.period.strftime("%Y-%m") for r in Report.objects.all())
    assert periods == ["2019-08", "2025-01", "2025-02", "2025-03"]
    outcomes = list(ImportLog.objects.order_by("pk").values_list("outcome", flat=True))
    assert outcomes == ["accepted", "rejected", "accepted", "accepted", "accepted"]


def test_it_exits_zero_when_every_report_was_imported(folder):
    (folder / "2019" / "malo.tsv").unlink()
    out = StringIO()
    call_command("import_report", str(folder), "--dry-run", stdout=out, stderr=StringIO())

    assert out.getvalue().count("vista previa") == 4
    assert not Report.objects.exists()


def test_it_refuses_one_period_for_several_reports(folder):
    with pytest.raises(CommandError, match="--period se aplica a un reporte; estos archivos"):
        call_command("import_report", str(folder), "--period", "2019-08")
    assert not Report.objects.exists()


def test_it_says_so_when_a_folder_holds_no_file(tmp_path):
    with pytest.raises(CommandError, match="No se encontró ningún archivo"):
        call_command("import_report", str(tmp_path))
