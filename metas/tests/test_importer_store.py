"""Storing a report: one transaction that replaces that institution's period and nothing else;
re-imports are safe, dry runs store nothing, every attempt is logged."""
import os
import subprocess
import sys
from datetime import date
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection

from metas.importer import InputFile, ReportInvalid, import_report, read_report, record_attempt
from metas.models import (
    Goal,
    GoalNeighbourhood,
    GoalParish,
    ImportLog,
    Institution,
    ProcessLevel,
    Report,
    SourceFile,
    Unit,
)

from .importer_files import (
    SAMPLE,
    SAMPLE_NAME,
    database_state,
    log_entries,
    portal_files,
    sample_file,
    sample_rows,
    stored_files,
    tsv_bytes,
)

CATAMAYO = "Gobierno Autónomo Descentralizado Municipal de Catamayo"


def row_counts():
    return {model.__name__: model.objects.count()
            for model in (Institution, ProcessLevel, Unit, Report, SourceFile, Goal, GoalParish,
                          GoalNeighbourhood)}


def september_file(progress="95%") -> InputFile:
    """The sample as if published a month later, with one goal progressed."""
    rows = [list(row) for row in sample_rows()]
    rows[12][4] = progress  # line 13
    rows[214][3] = "30/09/2019"
    return InputFile("loja-2019-09.tsv", tsv_bytes(rows))


# --- Replacing, idempotency, isolation --------------------------------------------------------

@pytest.mark.django_db
def test_importing_the_same_report_twice_replaces_it_with_the_same_counts(
    publishing
):
    first = import_report([sample_file()])
    counts = row_counts()
    with publishing():
        second = import_report([sample_file()])
    assert (first.replaced, second.replaced) == (False, True)
    assert row_counts() == counts
    assert Report.objects.get().pk == second.report.pk != first.report.pk
    assert Goal.objects.filter(report=second.report).count() == 137
    # The same bytes are stored once, and still there.
    assert stored_files() == [SourceFile.objects.get().file.name]


@pytest.mark.django_db
def test_a_replaced_file_no_report_refers_to_is_removed_after_commit(
    publishing
):
    import_report([sample_file()])
    old_name = SourceFile.objects.get().file.name
    changed = [list(row) for row in sample_rows()]
    changed[12][4] = "99%"
    with publishing():
        import_report([InputFile(SAMPLE_NAME, tsv_bytes(changed))])
    new_name = SourceFile.objects.get().file.name
    assert new_name != old_name
    assert stored_files() == [new_name]


@pytest.mark.django_db
def test_other_periods_are_untouched_and_units_are_shared_across_months():
    august = import_report([sample_file()]).report
    august_goals = list(august.goals.values_list("pk", "progress"))
    units, levels = Unit.objects.count(), ProcessLevel.objects.count()

    september = import_report([september_file()]).report
    assert september.period == date(2019, 9, 1)
    assert list(august.goals.values_list("pk", "progress")) == august_goals
    assert (Unit.objects.count(), ProcessLevel.objects.count()) == (units, levels)
    first_of = {r: r.goals.get(position=4) for r in (august, september)}  # line 13
    assert first_of[august].unit == first_of[september].unit
    assert (first_of[august].progress, first_of[september].progress) == (100, 95)

    # Re-importing September leaves August alone.
    import_report([september_file("96%")])
    assert list(august.goals.values_list("pk", "progress")) == august_goals
    assert Report.objects.count() == 2


@pytest.mark.django_db
def test_two_institutions_do_not_touch_each_other():
    loja = import_report([sample_file()]).report
    loja_state = list(Goal.objects.filter(report=loja).values_list("pk", "unit_id", "unit__slug"))
    catamayo = import_report([sample_file()], institution=CATAMAYO).report
    assert catamayo.institution.name == CATAMAYO
    assert catamayo.institution.slug == "gobierno-autonomo-descentralizado-municipal-de-catamayo"
    assert not catamayo.goals.filter(unit__institution=loja.institution).exists()
    assert list(Goal.objects.filter(report=loja).values_list("pk", "unit_id", "unit__slug")) == (
        loja_state
    )
    # Slugs are unique across institutions: the second gets its own.
    calidad = Unit.objects.get(institution=catamayo.institution, code="6.1",
                               name="Gestión de Calidad Ambiental")
    assert calidad.slug == (
        "6-1-gestion-de-calidad-ambiental-gobierno-autonomo-descentralizado-municipal-de-catamayo"
    )
    level = ProcessLevel.objects.get(institution=catamayo.institution, position=1)
    assert level.slug.startswith("procesos-gobernantes-nivel-directivo-gobierno-autonomo")

    # Replacing Catamayo's August leaves Loja's August alone.
    import_report([sample_file()], institution=CATAMAYO)
    assert Report.objects.filter(institution=loja.institution).get().pk == loja.pk
    assert Report.objects.count() == 2


@pytest.mark.django_db
def test_equal_slugs_within_an_institution_get_a_counter():
    rows = [list(row) for row in sample_rows()]
    rows[198][1] = "Alcaldía"  # line 199: a second "1 Alcaldía", in the last level
    import_report([InputFile("dos-alcaldias.tsv", tsv_bytes(rows))])
    alcaldias = Unit.objects.filter(code="1", name="Alcaldía").order_by("level__position")
    assert [unit.slug for unit in alcaldias] == ["1-alcaldia", "1-alcaldia-2"]
    import_report([InputFile("dos-alcaldias.tsv", tsv_bytes(rows))], institution=CATAMAYO)
    slugs = Unit.objects.filter(institution__name=CATAMAYO, code="1", name="Alcaldía")
    assert sorted(slugs.values_list("slug", flat=True)) == [
        "1-alcaldia-gobierno-autonomo-descentralizado-municipal-de-catamayo",
        "1-alcaldia-gobierno-autonomo-descentralizado-municipal-de-catamayo-2",
    ]


@pytest.mark.django_db
def test_the_institution_comes_from_the_argument_the_dictionary_or_the_setting(settings):
    files = [InputFile(name, data) for name, data in portal_files().items()]
    assert import_report(files).institution == (
        "Gobierno Autónomo Descentralizado Municipal de Loja"
    )
    assert import_report(files, institution="Municipio de Loja").institution == "Municipio de Loja"
    settings.METAS_DEFAULT_INSTITUTION = "Municipio de Prueba"
    assert import_report([sample_file()]).institution == "Municipio de Prueba"


@pytest.mark.django_db
def test_the_period_argument_wins_over_the_update_date():
    result = import_report([sample_file()], period="2019-07")
    assert result.period == date(2019, 7, 1)
    assert result.report.updated_on == date(2019, 8, 31)


# --- All or nothing -------------------------------------------------------------------------------

def fail_on_insert(table):
    """A connection wrapper that makes the database refuse inserts into `table` (INSERT, or the
    COPY that metas.bulk writes with on PostgreSQL)."""
    def wrapper(execute, sql, params, many, context):
        if sql.lstrip().upper().startswith(("INSERT", "COPY")) and f'"{table}"' in sql:
            raise DatabaseError(f"injected failure inserting into {table}")
        return execute(sql, params, many, context)
    return wrapper


# The tests run inside a transaction, so the import's own transaction is a savepoint here:
# rolled back the same way, and the territory data the migrations load stays for other tests.
@pytest.mark.django_db
@pytest.mark.parametrize("table", ["metas_goal", "metas_goalparish", "metas_goalneighbourhood"])
def test_an_error_midway_leaves_nothing_behind_and_the_previous_report_intact(table):
    previous = import_report([sample_file()]).report
    before = database_state()
    with connection.execute_wrapper(fail_on_insert(table)):
        with pytest.raises(DatabaseError, match="injected"):
            import_report([september_file()], period="2019-08")  # replaces August
    assert database_state() == before
    assert Report.objects.get().pk == previous.pk
    assert previous.goals.count() == 137


@pytest.mark.django_db
def test_an_error_midway_removes_the_files_it_saved():
    before = database_state()
    with connection.execute_wrapper(fail_on_insert("metas_goal")):
        with pytest.raises(DatabaseError):
            import_report([sample_file()])
    assert database_state() == before
    assert stored_files() == []


@pytest.mark.django_db
def test_a_dry_run_stores_nothing_and_says_what_it_would_store():
    before = database_state()
    result = import_report([sample_file()], dry_run=True)
    assert database_state() == before
    assert stored_files() == []
    assert (result.dry_run, result.replaced, result.goals, result.levels) == (True, False, 137, 5)
    assert result.report.pk is None  # an unsaved report, for a preview
    assert result.report.phone == "(593-7) 2570407 EXT 206"
    assert result.summary_lines()[0] == "Simulación: no se guardó nada. Sería un reporte nuevo."

    import_report([sample_file()])
    again = import_report([sample_file()], dry_run=True)
    assert again.replaced is True
    assert (again.goals, again.units, again.parishes_tagged) == (
        137, Unit.objects.filter(goals__isnull=False).distinct().count(),
        Goal.objects.filter(parish_tags__isnull=False).distinct().count(),
    )


# --- The import log ----------------------------------------------------------------------------

@pytest.mark.django_db
def test_record_attempt_keeps_names_size_hashes_counts_and_errors(django_user_model):
    user = django_user_model.objects.create_user("ana", password="x")
    files = [sample_file(), InputFile("otro.csv", b"a;b\n")]
    result = import_report([sample_file()])
    entry = record_attempt(source="web", outcome="accepted", files=files, user=user, result=result)
    assert entry.file_names == f"{SAMPLE_NAME}\notro.csv"
    assert entry.size == len(files[0].data) + 4
    assert entry.sha256.split("\n") == [file.sha256 for file in files]
    assert (entry.institution, entry.period, entry.user) == ("Municipio de Loja", "2019-08", user)
    assert entry.counts["goals"] == 137 and entry.counts["not_applicable"] == 15
    assert entry.error_count == 0

    with pytest.raises(ReportInvalid) as refusal:
        read_report([InputFile("vacio.csv", b"")])
    entry = record_attempt(
        source="command", outcome="rejected", files=[InputFile("vacio.csv", b"")],
        period="2019-08", problems=refusal.value.problems,
    )
    assert (entry.outcome, entry.error_count, entry.counts, entry.size) == ("rejected", 1, {}, 0)


# --- The command --------------------------------------------------------------------------------

def run(*args, verbosity=1):
    out, err = StringIO(), StringIO()
    call_command("import_report", *args, stdout=out, stderr=err, verbosity=verbosity)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_the_command_prints_the_summary_in_spanish_and_logs_the_import():
    out, _err = run(str(SAMPLE))
    assert out.splitlines() == [
        "Reporte nuevo guardado.",
        "  Institución: Municipio de Loja",
        "  Período: 2019-08",
        "  Formato: A, matriz 2015–2023 (Art. 7 a4)",
        f"  Archivo: {SAMPLE_NAME} (matriz del reporte, TSV, utf-8, 220 filas)",
        "  Niveles de proceso: 5",
        f"  Unidades: {Unit.objects.filter(goals__isnull=False).distinct().count()}",
        "  Metas: 137",
        "  No aplican: 15",
        "  Información no disponible: 0",
        "  Por falta de financiamiento: 32",
        "  Metas con parroquia: "
        f"{Goal.objects.filter(parish_tags__isnull=False).distinct().count()}",
        "  Metas con junta de desarrollo barrial: "
        f"{Goal.objects.filter(neighbourhood_tags__isnull=False).distinct().count()}",
    ]
    out, _err = run(str(SAMPLE))
    assert out.splitlines()[0] == (
        "Reporte reemplazado (se eliminó la importación anterior de este período)."
    )
    entry = ImportLog.objects.order_by("pk").last()
    assert (entry.source, entry.outcome, entry.institution, entry.period) == (
        "command", "accepted", "Municipio de Loja", "2019-08"
    )
    assert entry.counts["replaced"] == 1
    assert log_entries() == [("accepted", 0), ("accepted", 0)]


def test_the_command_explains_itself_in_spanish(capsys):
    with pytest.raises(SystemExit) as exited:
        call_command("import_report", "--help")
    assert exited.value.code == 0
    out = " ".join(capsys.readouterr().out.split())  # argparse wraps lines
    assert out.startswith("uso: import_report [-h] [--institution NOMBRE]")
    assert "Importa el reporte mensual de metas y objetivos (LOTAIP, numeral 1.3" in out
    # What it reads: every published form, a folder (issue 20).
    assert "hoja de cálculo (.xlsx, .xls, .ods), un PDF (con su texto, o escaneado" in out
    assert "o un ZIP con ellos. Una carpeta se lee con todo lo que contiene" in out
    assert "validar y mostrar lo que se guardaría, sin guardar nada" in out
    assert "opciones: -h, --help mostrar esta ayuda y salir" in out
    # Django's options for developers are left out; none of argparse's English is left.
    assert "--pythonpath" not in out and "--traceback" not in out
    assert not {"usage", "options", "show", "Verbosity"} & set(out.replace(":", " ").split())


@pytest.mark.django_db
def test_the_command_dry_run_and_verbosity_zero():
    out, _err = run(str(SAMPLE), "--dry-run")
    assert out.startswith("Simulación: no se guardó nada. Sería un reporte nuevo.\n")
    assert "PROCESOS GOBERNANTES" not in out
    out, _err = run(str(SAMPLE), "--dry-run", verbosity=2)
    assert out.splitlines()[-5:] == [
        "    PROCESOS GOBERNANTES / NIVEL DIRECTIVO: 3 metas",
        "    PROCESOS AGREGADORES DE VALOR / NIVEL OPERATIVO: 53 metas",
        "    NIVEL DE APOYO / ASESORÍA: 55 metas",
        "    NIVEL DE GESTIÓN INSTITUCIONAL: 18 metas",
        "    PROCESOS DESCONCENTRADOS: 8 metas",
    ]
    assert not Report.objects.exists()
    out, _err = run(str(SAMPLE), "--period", "2019-07", "--institution", CATAMAYO, verbosity=0)
    assert out == ""
    assert Report.objects.get().institution.name == CATAMAYO
    assert log_entries() == [("previewed", 0), ("previewed", 0), ("accepted", 0)]


@pytest.mark.django_db
def test_the_command_prints_every_problem_and_fails(tmp_path):
    bad = tmp_path / "malo.tsv"
    rows = [list(row) for row in sample_rows()]
    rows[12][4], rows[13][4] = "150%", "101%"
    bad.write_bytes(tsv_bytes(rows))
    missing = tmp_path / "no-existe.csv"
    before = database_state()
    with pytest.raises(CommandError) as failure:
        out, err = StringIO(), StringIO()
        call_command("import_report", str(bad), str(missing), stdout=out, stderr=err)
    assert str(failure.value) == (
        "No se importó el reporte (3 problemas, indicados arriba); no se guardó nada. Corrija "
        "los archivos y vuelva a ejecutar el comando."
    )
    assert err.getvalue().splitlines() == [
        f"{missing}: El archivo no existe. Verifique la ruta.",
        "malo.tsv, línea 13, columna “Meta cuantificable”: El porcentaje “150%” no está entre "
        "0% y 100%. Corrija el valor o escriba la meta como texto.",
        "malo.tsv, línea 14, columna “Meta cuantificable”: El porcentaje “101%” no está entre "
        "0% y 100%. Corrija el valor o escriba la meta como texto.",
    ]
    assert out.getvalue() == ""
    assert database_state() == before
    assert log_entries() == [("rejected", 3)]


@pytest.mark.django_db
def test_the_command_logs_an_attempt_that_fails_unexpectedly_and_says_so_in_spanish(caplog):
    with connection.execute_wrapper(fail_on_insert("metas_goal")):
        with pytest.raises(CommandError, match="No se importó el reporte"):
            run(str(SAMPLE))
    assert not Report.objects.exists()
    assert log_entries() == [("failed", 1)]
    assert "injected failure" in caplog.text  # the traceback is for the operators' log


def test_the_command_exits_non_zero_on_bad_input_and_zero_on_success(tmp_path):
    """Through manage.py, as an operator runs it, against a throwaway SQLite database."""
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "SECRET_KEY": "tests-only",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "MEDIA_ROOT": str(tmp_path / "media"),
    }

    def manage(*args):
        return subprocess.run(
            [sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, env=environment,
            capture_output=True, text=True, timeout=120,
        )

    assert manage("migrate", "-v0").returncode == 0
    empty = tmp_path / "vacio.csv"
    empty.write_bytes(b"")
    refused = manage("import_report", str(empty))
    assert refused.returncode == 1
    assert "vacio.csv: El archivo está vacío." in refused.stderr
    assert "CommandError: No se importó el reporte (1 problema, indicado arriba)" in refused.stderr
    accepted = manage("import_report", str(SAMPLE))
    assert accepted.returncode == 0, accepted.stderr
    assert "Metas: 137" in accepted.stdout
