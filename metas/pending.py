"""Uploads waiting between the preview and "Publicar" or "Cancelar".

Their files are kept byte for byte under MEDIA_ROOT/pending/<id>/ with names the server chose
(1, 2, ...); the names the user gave are only shown. Only uploads the importer read without a
problem are kept; a pending upload lives until it is published, cancelled or a day old.
"""
from __future__ import annotations

import os
from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from .importer.parsed import InputFile
from .models import PendingUpload

FOLDER = "pending"
MAX_AGE = timedelta(days=1)


def keep(*, user, institution, period, files: list[InputFile]) -> PendingUpload:
    """Store the files and the pending upload that points to them."""
    pending = PendingUpload(user=user, institution=institution, period=period)
    entries = []
    try:
        for number, file in enumerate(files, start=1):
            path = default_storage.save(f"{FOLDER}/{pending.pk}/{number}", ContentFile(file.data))
            entries.append(
                {"name": file.name, "path": path, "size": len(file.data), "sha256": file.sha256}
            )
        pending.files = entries
        pending.save(force_insert=True)
    except BaseException:
        _delete_files(pending.pk, [entry["path"] for entry in entries])
        raise
    return pending


def load(pending: PendingUpload) -> list[InputFile]:
    files = []
    for entry in pending.files:
        with default_storage.open(entry["path"], "rb") as stored:
            files.append(InputFile(name=entry["name"], data=stored.read()))
    return files


def discard(pending: PendingUpload) -> None:
    """Delete the pending upload, and its files once the transaction (if any) commits."""
    paths = [entry["path"] for entry in pending.files]
    pk = pending.pk
    pending.delete()
    transaction.on_commit(lambda: _delete_files(pk, paths))


def discard_expired(now=None) -> int:
    """Forget the uploads nobody published or cancelled within MAX_AGE; returns how many."""
    cutoff = (now or timezone.now()) - MAX_AGE
    expired = list(PendingUpload.objects.filter(created_at__lt=cutoff))
    for pending in expired:
        discard(pending)
    return len(expired)


def _delete_files(pk, paths) -> None:
    for path in paths:
        default_storage.delete(path)
    # The folder itself, when the storage is a local folder (the default).
    try:
        os.rmdir(default_storage.path(f"{FOLDER}/{pk}"))
    except (NotImplementedError, OSError):
        pass
