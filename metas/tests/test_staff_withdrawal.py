"""Withdrawing and restoring a published report from /gestion/reportes/: the reason, the
confirmation step, who may, what the public sees before, during and after."""
import csv
import io

import pytest
from django.test import Client
from django.urls import reverse

from metas.models import ImportLog, Report

from .staff_helpers import (  # noqa: F401 (fixtures)
    alicia,
    bruno,
    carla,
    catamayo,
    import_august,
    loja,
    sofia,
)
from .test_staff_upload import text_of

pytestmark = pytest.mark.django_db

REPORT_URL = "/reportes/municipio-de-loja/2019-08/"
REASON = "Se publicaron por error los porcentajes de julio."


@pytest.fixture
def august(loja):
    return import_august().report


def signed_in_as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def withdraw(client, report, reason=REASON):
    return client.post(reverse("metas:staff-withdraw", args=[report.pk]), {"reason": reason})


def restore(client, report):
    return client.post(reverse("metas:staff-restore", args=[report.pk]))


def public_periods() -> set:
    response = Client().get("/metas.csv?periodo=todos")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return {row["periodo"] for row in csv.DictReader(io.StringIO(text))}


def test_the_list_shows_the_institution_s_reports_with_withdraw(alicia, august):
    response = signed_in_as(alicia).get(reverse("metas:staff-reports"))
    assert response.status_code == 200
    text = text_of(response)
    assert "Reportes publicados" in text and "1 reporte" in text
    assert "Agosto de 2019" in text and "Municipio de Loja" in text
    assert "Retirar el reporte de agosto de 2019 de Municipio de Loja" in text
    assert reverse("metas:staff-withdraw", args=[august.pk]) in response.content.decode()


def test_other_institutions_staff_do_not_see_it(bruno, august):
    response = signed_in_as(bruno).get(reverse("metas:staff-reports"))
    assert response.status_code == 200
    assert "Municipio de Loja" not in text_of(response)
    assert "aún no tienen reportes publicados" in text_of(response)


def test_withdrawing_asks_for_confirmation_and_a_reason(alicia, august):
    client = signed_in_as(alicia)
    page = client.get(reverse("metas:staff-withdraw", args=[august.pk]))
    assert page.status_code == 200
    text = text_of(page)
    assert "¿Retirar el reporte de agosto de 2019 de Municipio de Loja?" in text
    assert "Sus 137 metas dejarán de mostrarse" in text
    assert "Motivo del retiro" in text
    assert Report.objects.get().withdrawn_at is None  # a GET changes nothing


@pytest.mark.parametrize("reason, message", [
    ("", "Escriba el motivo del retiro"),
    ("   \n ", "Escriba el motivo del retiro"),
    ("\x01\x0c", "Escriba el motivo del retiro"),  # control characters only
    ("\x00", "caracteres nulos"),
    ("x" * 1001, "1000 caracteres"),
])
def test_the_reason_is_required_and_bounded(alicia, august, reason, message):
    response = withdraw(signed_in_as(alicia), august, reason)
    assert response.status_code == 200
    text = text_of(response)
    assert "El reporte no se retiró" in text
    assert message in text
    assert Report.objects.get().withdrawn_at is None
    assert not ImportLog.objects.filter(outcome="withdrawn").exists()


def test_withdraw_and_restore_round_trip(alicia, august):
    client, public = signed_in_as(alicia), Client()
    assert public.get(REPORT_URL).status_code == 200  # now in the public cache
    assert public_periods() == {"2019-08"}

    response = withdraw(client, august, REASON + "\x07")
    assert response.status_code == 302
    assert response["Location"] == reverse("metas:staff-reports")

    gone = public.get(REPORT_URL)
    assert gone.status_code == 410 and not gone.cookies
    assert "no-cache" in gone["Cache-Control"]  # else browsers keep a 410 for ever
    text = text_of(gone)
    assert "Municipio de Loja: reporte de agosto de 2019 retirado" in text
    assert "Retirado por la institución el" in text
    assert f"Motivo: {REASON}" in text
    assert public_periods() == set()
    assert "agosto de 2019" not in text_of(public.get("/reportes/")).lower()
    listed = text_of(client.get(reverse("metas:staff-reports")))
    assert "se retiró de las páginas públicas" in listed  # the message
    assert "Retirado" in listed and f"Motivo: {REASON}" in listed
    assert "Restaurar el reporte de agosto de 2019" in listed
    report = Report.objects.get()
    assert (report.withdrawn_by, report.withdrawal_reason) == (alicia, REASON)

    response = restore(client, report)
    assert response.status_code == 302
    assert public.get(REPORT_URL).status_code == 200
    assert public_periods() == {"2019-08"}
    assert "está publicado otra vez" in text_of(client.get(reverse("metas:staff-reports")))
    log = list(ImportLog.objects.order_by("pk").values_list("outcome", "user__username"))
    assert log[-2:] == [("withdrawn", "alicia"), ("restored", "alicia")]
    log_page = text_of(client.get(reverse("metas:staff-import-log")))
    assert "retirado" in log_page.lower() and "restaurado" in log_page.lower()


def test_withdrawing_twice_says_it_was_already_withdrawn(alicia, august):
    client = signed_in_as(alicia)
    withdraw(client, august)
    response = withdraw(client, august, "Otra vez.")
    assert response.status_code == 302
    assert "Ese reporte ya estaba retirado" in text_of(client.get(response["Location"]))
    assert Report.objects.get().withdrawal_reason == REASON
    assert ImportLog.objects.filter(outcome="withdrawn").count() == 1


def test_restoring_a_published_report_changes_nothing(alicia, august):
    client = signed_in_as(alicia)
    response = restore(client, august)
    assert "Ese reporte ya está publicado" in text_of(client.get(response["Location"]))
    assert not ImportLog.objects.filter(outcome="restored").exists()


def test_a_reason_with_markup_is_shown_as_text(alicia, august):
    withdraw(signed_in_as(alicia), august, "<script>alert(1)</script> error")
    html = Client().get(REPORT_URL).content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html


@pytest.mark.parametrize("role", ["bruno", "carla"])
def test_others_may_not_withdraw_or_restore(request, role, alicia, august):
    client = signed_in_as(request.getfixturevalue(role))
    for response in (
        client.get(reverse("metas:staff-withdraw", args=[august.pk])),
        withdraw(client, august),
    ):
        assert response.status_code == 403
        assert "Su usuario no puede retirar ni restaurar reportes de Municipio de Loja" in (
            text_of(response)
        )
    assert Report.objects.get().withdrawn_at is None

    withdraw(signed_in_as(alicia), august)
    assert restore(client, august).status_code == 403
    assert Report.objects.get().withdrawn_at is not None


def test_carla_may_not_open_the_list(carla, august):
    response = signed_in_as(carla).get(reverse("metas:staff-reports"))
    assert response.status_code == 403
    assert "Su usuario no puede retirar ni restaurar reportes." in text_of(response)


def test_anonymous_users_are_sent_to_sign_in(august):
    client = Client()
    for response in (
        client.get(reverse("metas:staff-reports")),
        withdraw(client, august),
        restore(client, august),
    ):
        assert response.status_code == 302 and response["Location"].startswith("/gestion/entrar/")
    assert Report.objects.get().withdrawn_at is None


def test_a_superuser_may_withdraw_any_report(sofia, august):
    assert withdraw(signed_in_as(sofia), august).status_code == 302
    assert Report.objects.get().withdrawn_by == sofia


def test_restoring_is_post_only_and_both_need_the_csrf_token(alicia, august):
    client = signed_in_as(alicia)
    assert client.get(reverse("metas:staff-restore", args=[august.pk])).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(alicia)
    assert withdraw(strict, august).status_code == 403
    assert Report.objects.get().withdrawn_at is None
    withdraw(client, august)
    assert restore(strict, august).status_code == 403
    assert Report.objects.get().withdrawn_at is not None


def test_a_report_that_does_not_exist_is_not_found(alicia):
    assert signed_in_as(alicia).get(reverse("metas:staff-withdraw", args=[999])).status_code == 404
