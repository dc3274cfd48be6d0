"""After "Publicar": a staff page confirms it with the month and the number of goals; the same
upload published or cancelled again (a double click, Back) says what became of it, never 404."""
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from metas.models import ImportLog, PendingUpload, Report
from metas.staff import pending as pending_uploads

from .staff_helpers import (  # noqa: F401 (fixtures)
    SAMPLE,
    alicia,
    bruno,
    catamayo,
    import_august,
    loja,
    september_bytes,
    upload,
)
from .test_staff_upload import SEPTEMBER, outcomes, text_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, alicia, loja):
    import_august()
    client.force_login(alicia)
    return client


@pytest.fixture
def pending(signed_in, loja):
    """Alicia's September upload, previewed."""
    assert upload(signed_in, {SEPTEMBER: september_bytes()}, loja).status_code == 302
    return PendingUpload.objects.get()


def publish(client, pending, **kwargs):
    return client.post(reverse("metas:staff-publish", args=[pending.pk]), **kwargs)


def cancel(client, pending, **kwargs):
    return client.post(reverse("metas:staff-cancel", args=[pending.pk]), **kwargs)


def test_publishing_lands_on_a_confirmation_with_the_month_and_the_goals(signed_in, pending):
    response = publish(signed_in, pending, follow=True)

    assert response.redirect_chain == [(reverse("metas:staff-published", args=[pending.pk]), 302)]
    assert response.status_code == 200
    text = text_of(response)
    assert "Reporte de septiembre de 2019 publicado: 137 metas" in text
    assert "Municipio de Loja" in text and SEPTEMBER in text
    html = response.content.decode()
    assert 'href="/reportes/municipio-de-loja/2019-09/"' in html
    assert "Ver el reporte publicado" in text


def test_the_public_report_page_stays_the_same_for_everyone(signed_in, pending):
    """The confirmation is not on the cached public page, which sets no cookies."""
    publish(signed_in, pending)
    public = Client().get("/reportes/municipio-de-loja/2019-09/")
    assert public.status_code == 200 and not public.cookies
    assert "publicado: 137 metas" not in text_of(public)


def test_publishing_the_same_upload_again_says_it_is_already_published(signed_in, pending):
    publish(signed_in, pending)

    again = publish(signed_in, pending)

    assert again.status_code == 409
    text = text_of(again)
    assert "Ya publicado" in text
    assert "ya estaba publicada: no se volvió a publicar ni se canceló nada" in text
    assert "Reporte de septiembre de 2019 publicado: 137 metas" in text
    assert 'href="/reportes/municipio-de-loja/2019-09/"' in again.content.decode()
    assert outcomes() == ["previewed", "accepted"]  # published once
    assert Report.objects.filter(period="2019-09-01").count() == 1


def test_cancelling_after_publishing_cancels_nothing(signed_in, pending):
    publish(signed_in, pending)

    response = cancel(signed_in, pending)

    assert response.status_code == 409
    assert "Ya publicado" in text_of(response)
    assert outcomes() == ["previewed", "accepted"]
    assert Report.objects.filter(period="2019-09-01").exists()


def test_publishing_after_cancelling_publishes_nothing(signed_in, pending):
    cancel(signed_in, pending)

    for response in (publish(signed_in, pending), cancel(signed_in, pending)):
        assert response.status_code == 409
        assert "Ya cancelado" in text_of(response)
        assert "se canceló: no se publicó nada" in text_of(response)
    assert outcomes() == ["previewed", "cancelled"]
    assert not Report.objects.filter(period="2019-09-01").exists()


def test_back_to_the_preview_of_a_published_upload_shows_the_confirmation(signed_in, pending):
    publish(signed_in, pending)
    response = signed_in.get(reverse("metas:staff-preview", args=[pending.pk]), follow=True)
    assert response.status_code == 200
    assert "Reporte de septiembre de 2019 publicado: 137 metas" in text_of(response)


def test_the_confirmation_of_an_upload_not_yet_published_is_its_preview(signed_in, pending):
    response = signed_in.get(reverse("metas:staff-published", args=[pending.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("metas:staff-preview", args=[pending.pk])


def test_nobody_else_sees_the_confirmation(signed_in, pending, bruno):
    publish(signed_in, pending)
    other = Client()
    other.force_login(bruno)
    assert other.get(reverse("metas:staff-published", args=[pending.pk])).status_code == 404
    assert Client().get(reverse("metas:staff-published", args=[pending.pk])).status_code == 302


def test_a_report_replaced_since_is_said_so(signed_in, pending, loja):
    publish(signed_in, pending)
    upload(signed_in, {"otra.tsv": september_bytes() + b"\n"}, loja)
    publish(signed_in, PendingUpload.objects.get(decision=""))

    response = signed_in.get(reverse("metas:staff-published", args=[pending.pk]))
    assert response.status_code == 200
    assert "luego la reemplazó otra carga del mismo mes" in text_of(response)


def test_a_decided_upload_is_forgotten_a_day_old(signed_in, pending, publishing):
    with publishing():
        publish(signed_in, pending)
    PendingUpload.objects.update(created_at=timezone.now() - timedelta(days=2))
    assert pending_uploads.discard_expired() == 1
    assert PendingUpload.objects.count() == 0
    assert ImportLog.objects.filter(outcome="accepted").count() == 1
