"""How long the staff's "Publicar" takes on a large site, and what it writes.

    .venv/bin/python bench/publish.py --institutions 100 [--months 12] [--folder DIR]

Writes `generate_demo --institutions N --months M` into a throwaway SQLite database (kept in
--folder for a second run: then it is reused), then, as a superuser through Django's test
client, uploads the sample report (fixtures/loja-lotaip-a4-2019-08.tsv, 137 goals, a new
institution), opens its preview and posts "Publicar", twice (the second replaces the first).
For each it prints the staff's request time, the bytes written under the downloads folder
during the request, then the worker's build (`manage.py db_worker --batch`, when the code has
one): its time (what a running worker adds to its polling interval, 1 s, until every affected
download is current) and the bytes it wrote. Run the same script in a checkout of an earlier
version (before the worker) to compare: there the files are rebuilt inside the request.
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from inprocess import PROJECT, set_up_django

SAMPLE = PROJECT / "fixtures" / "loja-lotaip-a4-2019-08.tsv"


def snapshot(root: Path) -> dict[str, tuple[int, int, int]]:
    """{path: (inode, modification time, size)} of every file under the downloads folder."""
    files = {}
    for folder, _dirs, names in os.walk(root):
        for name in names:
            stat = (Path(folder) / name).stat()
            files[os.path.join(folder, name)] = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
    return files


def written(before: dict, after: dict) -> int:
    """Bytes of the files created or rewritten between two snapshots."""
    return sum(size for path, (inode, mtime, size) in after.items()
               if before.get(path, (None, None, None))[:2] != (inode, mtime))


def publish_once(client, downloads_root: Path) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from metas.models import PendingUpload

    upload = SimpleUploadedFile(SAMPLE.name, SAMPLE.read_bytes())
    response = client.post(reverse("metas:staff-upload"),
                           {"institution": "", "period": "", "files": [upload]})
    assert response.status_code == 302, response.content[:2000]
    pending = PendingUpload.objects.filter(decision="").latest("created_at")
    client.get(response["Location"])
    before = snapshot(downloads_root)
    start = time.perf_counter()
    response = client.post(reverse("metas:staff-publish", args=[pending.pk]))
    request_seconds = time.perf_counter() - start
    assert response.status_code == 302, response.content[:2000]
    in_request = snapshot(downloads_root)
    print(f"  staff request: {request_seconds:7.2f} s, wrote {written(before, in_request):>13,} bytes")
    worker(downloads_root, in_request)


def worker(downloads_root: Path, before: dict) -> None:
    from django.apps import apps
    from django.core.management import call_command

    if "db_worker" not in _commands():
        print("  (no worker in this version: the files were rebuilt in the request)")
        return
    start = time.perf_counter()
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    seconds = time.perf_counter() - start
    after = snapshot(downloads_root)
    build = apps.get_model("metas", "FileBuild").objects.latest("pk")
    print(f"  worker build:  {seconds:7.2f} s, wrote {written(before, after):>13,} bytes "
          f"({build.status}; its own count: {build.bytes_written:,})")


def _commands() -> set[str]:
    from django.core.management import get_commands

    return set(get_commands())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--institutions", type=int, default=100)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--folder", type=Path, default=None)
    args = parser.parse_args()
    folder = args.folder or Path(tempfile.mkdtemp(prefix="publish-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    fresh = not (folder / "db.sqlite3").exists()
    set_up_django(f"sqlite:///{folder / 'db.sqlite3'}", static_root=folder / "static",
                  media_root=folder / "media", collect_static=fresh)
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.test import Client

    from metas.models import Goal

    if fresh:
        call_command("migrate", verbosity=0)
        start = time.perf_counter()
        call_command("generate_demo", institutions=args.institutions, months=args.months,
                     verbosity=0)
        print(f"generate_demo {args.institutions} x {args.months}: "
              f"{time.perf_counter() - start:.0f} s")
    downloads_root = Path(settings.METAS_DOWNLOADS_ROOT or Path(settings.MEDIA_ROOT) / "descargas")
    total = sum(size for _inode, _mtime, size in snapshot(downloads_root).values())
    print(f"{Goal.objects.count():,} goals; {total:,} bytes under {downloads_root.name}/; "
          f"load average {os.getloadavg()[0]:.2f}")
    user = User.objects.filter(username="bench").first() or User.objects.create_superuser(
        "bench", "bench@example.org", "x-Secret-42")
    client = Client(HTTP_HOST="testserver")
    client.force_login(user)
    for label in ("first publication (a new institution)", "the same report again (replaces it)"):
        print(label)
        publish_once(client, downloads_root)
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
