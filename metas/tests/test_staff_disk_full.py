"""A full disk when the staff upload a report (issue 19): a Spanish message on the form, the
attempt logged as failed, nothing left behind. The disk is a real tmpfs too small for the file,
mounted for the test (root only, as `make test` runs in CI)."""
import os
import subprocess

import pytest

from metas.models import ImportLog, PendingUpload

from .staff_helpers import alicia, loja, sample_text, upload  # noqa: F401 (fixtures)
from .test_staff_upload import text_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def full_disk(settings, tmp_path):
    if os.geteuid() != 0:
        if os.environ.get("CI") == "true":
            pytest.fail("mounting a small tmpfs needs root, and CI=true requires this test")
        pytest.skip("mounting a small tmpfs needs root")
    folder = tmp_path / "small-disk"
    folder.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", str(folder)], check=True)
    settings.MEDIA_ROOT = str(folder)
    yield folder
    subprocess.run(["umount", str(folder)], check=True)


def test_a_full_disk_at_upload_says_so_keeps_nothing_and_logs_the_failure(
    client, alicia, loja, full_disk
):
    client.force_login(alicia)
    sample = sample_text().encode("utf-8")
    assert len(sample) > 16 * 1024  # larger than the disk

    response = upload(client, {"loja-lotaip-a4-2019-08.tsv": sample}, institution=loja)
    assert response.status_code == 200
    assert "El servidor no tiene espacio para guardar estos archivos" in text_of(response)
    assert not PendingUpload.objects.exists()
    left = [path for path in full_disk.rglob("*") if path.is_file()]
    assert left == []
    assert list(ImportLog.objects.order_by("pk").values_list("outcome", "error_count")) == [
        ("previewed", 0), ("failed", 1),
    ]
