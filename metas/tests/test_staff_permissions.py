"""Who may do what in /gestion/, the sign-in page, and the lockout after failed sign-ins.

The matrix: anonymous, Carla (Loja staff without the permission to add reports), Bruno (may add
reports, but for Catamayo) and Sofía (superuser) × the upload page, an upload for Loja,
publishing Alicia's pending upload of Loja, and the import log.
"""
import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.timezone import localtime

from metas.models import ImportLog, PendingUpload, Report

from .staff_helpers import (  # noqa: F401 (fixtures)
    SAMPLE,
    alicia,
    bruno,
    carla,
    catamayo,
    loja,
    sofia,
    upload,
)
from .test_staff_upload import text_of

pytestmark = pytest.mark.django_db

LOGIN = reverse("login")


@pytest.fixture
def alicias_pending(client, alicia, loja):
    """Alicia uploaded Loja's August report and is looking at its preview."""
    own = Client()
    own.force_login(alicia)
    response = upload(own, {SAMPLE.name: SAMPLE.read_bytes()}, loja)
    assert response.status_code == 302
    return PendingUpload.objects.get()


def client_for(role, request):
    client = Client()
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    return client


# (expected status for: upload page, upload for Loja, publish Alicia's upload, import log)
MATRIX = {
    "anonymous": (302, 302, 302, 302),
    "carla": (403, 403, 404, 403),  # no permission to add reports
    "bruno": (200, 403, 404, 200),  # may add reports, for Catamayo only
    "sofia": (200, 302, 302, 200),  # superuser
}
ACTIONS = ["upload page", "upload for Loja", "publish Alicia's upload", "import log"]


def act(client, action, loja, pending):
    if action == "upload page":
        return client.get(reverse("metas:staff-upload"))
    if action == "upload for Loja":
        return upload(client, {SAMPLE.name: SAMPLE.read_bytes()}, loja)
    if action == "publish Alicia's upload":
        return client.post(reverse("metas:staff-publish", args=[pending.pk]))
    return client.get(reverse("metas:staff-import-log"))


@pytest.mark.parametrize("role", MATRIX)
@pytest.mark.parametrize("action", ACTIONS)
def test_the_permission_matrix(request, role, action, loja, catamayo, alicias_pending):
    client = client_for(role, request)
    expected = MATRIX[role][ACTIONS.index(action)]

    response = act(client, action, loja, alicias_pending)

    assert response.status_code == expected
    if expected == 302 and role == "anonymous":
        assert response["Location"].startswith(f"{LOGIN}?next=")
    if expected == 403:
        assert "No permitido" in text_of(response)
    if action == "publish Alicia's upload":
        published = Report.objects.filter(institution=loja).exists()
        assert published == (role == "sofia")
        waiting = PendingUpload.objects.filter(decision="").exists()
        assert waiting == (role != "sofia")


@pytest.mark.parametrize("role", ["carla", "bruno"])
def test_a_forbidden_upload_is_logged_and_nothing_is_kept(request, role, loja, catamayo):
    client = client_for(role, request)
    response = upload(client, {SAMPLE.name: SAMPLE.read_bytes()}, loja)
    assert response.status_code == 403
    log = ImportLog.objects.get()
    assert (log.outcome, log.user.username, log.source) == ("forbidden", role, "web")
    assert (log.file_names, log.size) == (SAMPLE.name, SAMPLE.stat().st_size)
    assert log.institution == "Municipio de Loja"
    assert PendingUpload.objects.count() == 0 and Report.objects.count() == 0


def test_bruno_is_told_which_institution_he_may_not_publish(bruno, loja, catamayo):
    client = Client()
    client.force_login(bruno)
    response = upload(client, {SAMPLE.name: SAMPLE.read_bytes()}, loja)
    assert "Su usuario no puede publicar reportes de Municipio de Loja" in text_of(response)


def test_only_the_uploader_sees_a_preview(request, alicias_pending, bruno, sofia):
    url = reverse("metas:staff-preview", args=[alicias_pending.pk])
    assert client_for("bruno", request).get(url).status_code == 404
    assert client_for("sofia", request).get(url).status_code == 200


def test_cancelling_someone_elses_upload_is_not_found(request, alicias_pending, bruno):
    url = reverse("metas:staff-cancel", args=[alicias_pending.pk])
    assert client_for("bruno", request).post(url).status_code == 404
    assert PendingUpload.objects.count() == 1


def test_a_user_who_lost_the_permission_cannot_publish_his_own_upload(alicia, alicias_pending):
    alicia.user_permissions.remove(Permission.objects.get(codename="add_report"))
    client = Client()
    client.force_login(alicia)
    response = client.post(reverse("metas:staff-publish", args=[alicias_pending.pk]))
    assert response.status_code == 403
    assert Report.objects.count() == 0


def test_staff_read_the_log_of_their_institutions_only(request, alicia, bruno, loja, catamayo):
    ImportLog.objects.create(source="command", outcome="accepted", institution="Municipio de Loja",
                             file_names="loja.tsv")
    ImportLog.objects.create(source="command", outcome="accepted",
                             institution="Municipio de Catamayo", file_names="catamayo.tsv")
    alicia_sees = text_of(client_for("alicia", request).get(reverse("metas:staff-import-log")))
    sofia_sees = text_of(client_for("sofia", request).get(reverse("metas:staff-import-log")))
    assert "loja.tsv" in alicia_sees and "catamayo.tsv" not in alicia_sees
    assert "loja.tsv" in sofia_sees and "catamayo.tsv" in sofia_sees


def test_the_import_log_shows_every_field_of_an_attempt(request, alicia, loja):
    client = client_for("alicia", request)
    upload(client, {"agosto.tsv": b"\x89PNG\r\n\x1a\n\0\0"}, loja)
    entry = ImportLog.objects.get()
    text = text_of(client.get(reverse("metas:staff-import-log")))
    assert "1 intento" in text
    assert date_format(localtime(entry.created_at), "DATETIME_FORMAT") in text  # Ecuador's
    assert "alicia" in text and "carga web" in text.lower()
    assert "rechazado" in text.lower()
    assert "agosto.tsv" in text and entry.sha256 in text


def test_the_import_log_is_paginated(request, alicia, loja):
    ImportLog.objects.bulk_create(
        ImportLog(source="command", outcome="accepted", institution="Municipio de Loja",
                  file_names=f"archivo-{n}.tsv")
        for n in range(60)
    )
    client = client_for("alicia", request)
    first = client.get(reverse("metas:staff-import-log"))
    second = client.get(reverse("metas:staff-import-log"), {"page": 2})
    assert "60 intentos" in text_of(first)
    assert first.content.decode().count("archivo-") == 50
    assert second.content.decode().count("archivo-") == 10


# --- Signing in and out ---------------------------------------------------------------------

def test_the_sign_in_page_is_in_spanish(client):
    page = client.get(LOGIN)
    assert page.status_code == 200
    text = text_of(page)
    assert "Ingreso del personal" in text
    assert "Nombre de usuario" in text and "Contraseña" in text


def test_it_signs_in_and_lands_on_the_upload_page(client, alicia):
    response = client.post(LOGIN, {"username": "alicia", "password": "x-Secret-42"})
    assert response.status_code == 302
    assert response["Location"] == reverse("metas:staff-upload")


def test_a_wrong_password_gets_a_spanish_answer(client, alicia):
    response = client.post(LOGIN, {"username": "alicia", "password": "wrong"})
    assert response.status_code == 200
    assert "No se pudo ingresar" in text_of(response)


def test_signing_out_is_a_post(client, alicia):
    client.force_login(alicia)
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("metas:staff-upload")).status_code == 302


def test_five_failed_sign_ins_lock_the_user_out_from_that_address(alicia, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    attacker = Client(REMOTE_ADDR="203.0.113.7")
    statuses = [
        attacker.post(LOGIN, {"username": "alicia", "password": f"guess-{n}"}).status_code
        for n in range(5)
    ]
    assert statuses == [200, 200, 200, 200, 429]

    locked = attacker.post(LOGIN, {"username": "alicia", "password": "x-Secret-42"})
    assert locked.status_code == 429
    text = text_of(locked)
    assert "Demasiados intentos" in text
    assert "falló 5 veces seguidas" in text
    assert "Vuelva a intentarlo dentro de 1 hora" in text
    assert "_auth_user_id" not in attacker.session

    # Alicia, from her own office, still gets in.
    office = Client(REMOTE_ADDR="198.51.100.20")
    assert office.post(LOGIN, {"username": "alicia", "password": "x-Secret-42"}).status_code == 302


def test_a_superuser_assigns_staff_to_an_institution_in_the_admin(request, sofia, alicia, catamayo):
    client = client_for("sofia", request)
    url = reverse("admin:metas_institution_change", args=[catamayo.pk])
    # The whole form, as the page sends it (its kind is a required choice).
    response = client.post(url, {"staff": [alicia.pk], "kind": catamayo.kind})
    assert response.status_code == 302
    assert list(catamayo.staff.all()) == [alicia]
    # The name stays as the importer wrote it.
    catamayo.refresh_from_db()
    assert catamayo.name == "Municipio de Catamayo"
