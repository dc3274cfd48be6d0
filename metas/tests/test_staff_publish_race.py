"""Two "Publicar" of the same upload at the same moment (a double click that reached two
workers): one publication and one Spanish 409, on SQLite as on PostgreSQL, never a 500 or a
"database is locked" (issue 19). Real threads, each with its own connection."""
import threading

import pytest
from django.db import connections
from django.test import Client
from django.urls import reverse

from metas.models import PendingUpload, Report

from .staff_helpers import alicia, import_august, loja, september_bytes, upload  # noqa: F401
from .test_staff_upload import SEPTEMBER, outcomes

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_publications_at_once_publish_once_and_answer_409_to_the_other(alicia, loja):
    import_august()
    first, second = Client(raise_request_exception=False), Client(raise_request_exception=False)
    first.force_login(alicia)
    second.cookies = first.cookies  # the same person, the same session: a double click
    assert upload(first, {SEPTEMBER: september_bytes()}, loja).status_code == 302
    url = reverse("metas:staff-publish", args=[PendingUpload.objects.get().pk])

    statuses = []
    start = threading.Barrier(2)

    def publish(client):
        try:
            start.wait()
            statuses.append(client.post(url).status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=publish, args=(client,)) for client in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert sorted(statuses) == [302, 409]
    assert Report.objects.filter(period="2019-09-01").count() == 1
    assert outcomes() == ["previewed", "accepted"]
