"""Originals do not outlive a failed or killed import: cleanup_files removes what no report or
pending upload refers to, and nothing else."""
import os
import time
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command

from metas.importer import InputFile, import_report
from metas.importer import store as store_module
from metas.models import PendingUpload, Report
from metas.staff import pending as pending_uploads

from .importer_files import sample_file, stored_files
from .staff_helpers import alicia, loja  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db
TWO_HOURS = 2 * 60 * 60


def age(name: str, seconds: int) -> None:
    """Makes a stored file look `seconds` old."""
    path = default_storage.path(name)
    past = time.time() - seconds
    os.utime(path, (past, past))


def cleanup(*arguments) -> str:
    out = StringIO()
    call_command("cleanup_files", *arguments, stdout=out)
    return out.getvalue()


def killed_import(monkeypatch):
    """An import whose process dies once its original is written: the KeyboardInterrupt
    stands for the kill, and the storage's delete does nothing, as a dead process would."""
    def die(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(store_module, "store_goals", die)
    with monkeypatch.context() as patched:
        patched.setattr(default_storage, "delete", lambda name: None)
        with pytest.raises(KeyboardInterrupt):
            import_report([InputFile("interrumpido.tsv", sample_file().data + b"\n")])


def test_a_killed_import_leaves_an_original_the_sweep_removes(monkeypatch):
    killed_import(monkeypatch)
    assert Report.objects.count() == 0
    [orphan] = stored_files()
    # Young files may belong to an import under way: the sweep leaves them.
    assert cleanup() == "Se descartaron 0 cargas pendientes de más de un día.\n"
    assert stored_files() == [orphan]

    age(orphan, TWO_HOURS)
    assert cleanup("--dry-run") == (
        f"Se eliminaría {orphan} (un original que ningún reporte usa)\n"
        "Simulación: se descartarían 0 cargas pendientes de más de un día.\n"
    )
    assert stored_files() == [orphan]
    assert cleanup() == (
        f"Eliminado {orphan} (un original que ningún reporte usa)\n"
        "Se descartaron 0 cargas pendientes de más de un día.\n"
    )
    assert stored_files() == []


def test_a_failed_import_removes_its_original_at_once(monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(store_module, "store_goals", fail)
    with pytest.raises(RuntimeError):
        import_report([sample_file()])
    assert stored_files() == []


def test_the_originals_of_stored_reports_survive_the_sweep():
    import_report([sample_file()])
    kept = stored_files()
    assert len(kept) == 1
    age(kept[0], TWO_HOURS)
    cleanup()
    assert stored_files() == kept
    with Report.objects.get().files.get().file.open("rb") as stored:
        assert stored.read() == sample_file().data


def test_reusing_an_old_orphan_makes_it_young_again(monkeypatch):
    killed_import(monkeypatch)
    [orphan] = stored_files()
    age(orphan, TWO_HOURS)
    monkeypatch.undo()
    # The same bytes imported again: the stored file is reused, so it must not be swept now.
    import_report([InputFile("interrumpido.tsv", sample_file().data + b"\n")])
    assert stored_files() == [orphan]
    assert default_storage.get_modified_time(orphan).timestamp() > time.time() - 60


def test_expired_and_orphaned_pending_uploads_are_removed(
    alicia, loja, publishing  # noqa: F811
):
    from datetime import timedelta

    from django.utils import timezone

    old = pending_uploads.keep(user=alicia, institution=loja, period=None,
                               files=[sample_file()])
    PendingUpload.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=2))
    fresh = pending_uploads.keep(user=alicia, institution=loja, period=None,
                                 files=[sample_file()])
    orphan = default_storage.save("pending/1234/1", ContentFile(b"x"))
    age(orphan, 2 * 24 * 60 * 60)

    with publishing():
        output = cleanup()
    assert output == (
        "Eliminado pending/1234 (los archivos de una carga que ya no existe)\n"
        "Se descartó 1 carga pendiente de más de un día.\n"
    )
    assert list(PendingUpload.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert stored_files("pending") == [f"pending/{fresh.pk}/1"]
