"""The preview promises what "Publicar" does: the dry run, the web preview and the import run
one planning step (metas.importer.plan.Plan), so a file the preview accepts is imported, and a
file the import would refuse is refused in the preview with its file, row and column."""
import re

import pytest
from django.urls import reverse

from metas.importer import InputFile, run_attempt
from metas.models import ImportLog, PendingUpload, Unit

from .importer_files import sample_rows, tsv_bytes
from .staff_helpers import alicia, loja, upload  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

LEVEL_ROW = 12  # rows[12] is line 13, the first "6.1 Gestión Ambiental - …" goal


def orphan_first_rows() -> list[list[str]]:
    """The sample whose first 6.1 row names only the sub-unit, as some offices publish it."""
    rows = [list(row) for row in sample_rows()]
    rows[LEVEL_ROW][1] = "Gestión de Calidad Ambiental"
    return rows


def repeated_code_rows(times: int) -> list[list[str]]:
    """The sample with `times` more rows of code 6.1, sub-units named alone before (and after)
    their "Gestión Ambiental - …" form."""
    rows = [list(row) for row in sample_rows()]
    template = rows[LEVEL_ROW]
    extra = []
    for number in range(times):
        name = f"Gestión Sectorial {number % 7}"
        if number % 3:
            name = f"Gestión Ambiental - {name}"
        extra.append(["6.1", name, f"Objetivo repetido {number}", template[3], "50%"])
    return rows[:LEVEL_ROW] + extra + rows[LEVEL_ROW:]


def attempts(data: bytes, name="reporte.tsv"):
    files = [InputFile(name, data)]
    preview = run_attempt(files, source="command", dry_run=True)
    imported = run_attempt(files, source="command")
    return preview, imported


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())).strip()


def test_a_sub_unit_named_alone_before_its_parent_is_imported_under_it():
    preview, imported = attempts(tsv_bytes(orphan_first_rows()))
    assert (preview.outcome, imported.outcome) == ("previewed", "accepted"), imported.problems
    assert imported.result.goals == preview.result.goals == 137
    alone = Unit.objects.get(code="6.1", published_name="Gestión de Calidad Ambiental")
    assert alone.parent.published_name == "Gestión Ambiental"
    full = Unit.objects.get(published_name="Gestión Ambiental - Gestión de Calidad Ambiental")
    assert full.parent == alone.parent


@pytest.mark.parametrize("times", [10, 400])
def test_a_unit_code_repeated_many_times_is_imported_as_previewed(times):
    preview, imported = attempts(tsv_bytes(repeated_code_rows(times)))
    assert (preview.outcome, imported.outcome) == ("previewed", "accepted"), imported.problems
    assert imported.result.goals == preview.result.goals == 137 + times
    alone = Unit.objects.get(code="6.1", published_name="Gestión Sectorial 0")
    assert alone.parent.published_name == "Gestión Ambiental"
    under = Unit.objects.get(published_name="Gestión Ambiental - Gestión Sectorial 1")
    assert under.parent == alone.parent
    assert not ImportLog.objects.filter(outcome="failed").exists()


def test_the_staff_publish_what_the_preview_showed(client, alicia, loja):
    client.force_login(alicia)
    response = upload(client, {"reporte.tsv": tsv_bytes(orphan_first_rows())}, loja)
    assert response.status_code == 302
    pending = PendingUpload.objects.get()
    assert "137 metas" in text_of(client.get(response["Location"]))
    response = client.post(reverse("metas:staff-publish", args=[pending.pk]))
    assert response["Location"] == reverse("metas:staff-published", args=[pending.pk])
    assert "falló inesperadamente" not in text_of(client.get(response["Location"]))
    assert list(ImportLog.objects.order_by("pk").values_list("outcome", flat=True)) == [
        "previewed", "accepted"
    ]
