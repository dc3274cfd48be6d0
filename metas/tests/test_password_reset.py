"""A forgotten password, reset by e-mail with Django's own views under /gestion/contrasena/:
the link works once, the new password signs in, and the form tells nobody who has an account."""
import re
import statistics
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from .conftest import run_worker
from .staff_helpers import alicia, loja  # noqa: F401 (fixtures)
from .test_staff_upload import text_of

pytestmark = pytest.mark.django_db

LOGIN = reverse("login")
RESET = reverse("password_reset")
NEW_PASSWORD = "otra-Clave-2024!"


def ask(client, email):
    """The form posted, then the worker run: the message is sent by the worker."""
    response = client.post(RESET, {"email": email})
    run_worker()
    return response


def reset_link() -> str:
    (message,) = mail.outbox
    return re.search(r"http://testserver(/gestion/contrasena/nueva/\S+/)", message.body)[1]


def test_the_sign_in_page_links_to_the_reset_form(client):
    html = client.get(LOGIN).content.decode()
    assert f'<a href="{RESET}">¿Olvidó su contraseña?</a>' in html
    page = client.get(RESET)
    assert page.status_code == 200
    assert "Escriba la dirección de correo de su usuario del personal" in text_of(page)


def test_the_whole_reset_flow(client, alicia):
    response = ask(client, "ALICIA@example.org")  # addresses match whatever their case
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")
    assert "Revise su correo" in text_of(client.get(response["Location"]))
    (message,) = mail.outbox
    assert message.to == ["alicia@example.org"]
    assert message.subject == "Una contraseña nueva para Transparencia Metas"
    assert "usuario del personal alicia" in message.body
    assert message.from_email == settings.DEFAULT_FROM_EMAIL

    link = client.get(reset_link(), follow=True)
    assert link.status_code == 200
    assert "Elija una contraseña nueva" in text_of(link)
    form_url = link.redirect_chain[-1][0]
    done = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
                       follow=True)
    assert "Contraseña cambiada" in text_of(done)

    fresh = Client()
    assert fresh.post(LOGIN, {"username": "alicia", "password": "x-Secret-42"}).status_code == 200
    signed_in = fresh.post(LOGIN, {"username": "alicia", "password": NEW_PASSWORD})
    assert signed_in.status_code == 302 and signed_in["Location"] == reverse("metas:staff-upload")

    # The link worked once.
    again = Client().get(reset_link(), follow=True)
    assert "Este enlace ya no funciona" in text_of(again)


def test_a_weak_new_password_is_refused_in_spanish(client, alicia):
    ask(client, "alicia@example.org")
    form_url = client.get(reset_link(), follow=True).redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": "12345678", "new_password2": "12345678"})
    assert response.status_code == 200
    assert "La contraseña no se cambió" in text_of(response)
    assert "demasiado común" in text_of(response)


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, alicia):
    known, unknown = ask(client, "alicia@example.org"), ask(Client(), "nadie@example.org")
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    "email",
    ["", "no es un correo", "a\x00@example.org", "x" * 5000 + "@example.org",
     "ñandú@ejemplo.ec", "alicia@example.org\r\nBcc: otro@example.org"],
)
def test_odd_input_is_answered_not_crashed(client, alicia, email):
    response = ask(client, email)
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert "No se envió el mensaje" in text_of(response)
    assert all(message.to == ["alicia@example.org"] for message in mail.outbox)


def test_a_broken_link_is_answered_in_spanish(client):
    for url in ["/gestion/contrasena/nueva/MQ/set-password/",
                "/gestion/contrasena/nueva/zzz/abc-123/",
                "/gestion/contrasena/nueva/%00/%FF/"]:
        response = client.get(url, follow=True)
        assert response.status_code in (200, 404), url
        if response.status_code == 200:
            assert "Este enlace ya no funciona" in text_of(response)


def test_a_mail_server_that_fails_is_logged_not_shown(client, alicia, settings, caplog):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens there
    response = ask(client, "alicia@example.org")
    assert response.status_code == 302
    assert "Failed to send password reset email" in caplog.text


def email_settings(**env) -> str:
    code = ("import transparencia.settings as s; "
            "print(s.EMAIL_BACKEND.rsplit('.', 2)[-2], s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_USE_TLS)")
    result = subprocess.run(
        [sys.executable, "-c", code], env={"PATH": "/usr/bin:/bin", "SECRET_KEY": "x", **env},
        capture_output=True, text=True, cwd=settings.BASE_DIR,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_mail_backend_follows_the_environment():
    assert email_settings(DEBUG="true") == "console  25 False"
    assert email_settings(DEBUG="true", EMAIL_HOST="smtp.example.ec") == (
        "smtp smtp.example.ec 587 True"
    )
    assert email_settings(EMAIL_HOST="smtp.example.ec", EMAIL_PORT="465",
                          EMAIL_USE_TLS="false") == "smtp smtp.example.ec 465 False"
    assert email_settings() == "smtp localhost 25 False"  # production: a local mail server


def test_one_address_gets_three_messages_an_hour_and_the_form_answers_the_same(client, alicia):
    addresses = ["alicia@example.org", "ALICIA@example.org", " alicia@example.org",
                 "alicia@example.org", "Alicia@Example.org"]
    answers = [ask(client, address) for address in addresses]
    assert len(mail.outbox) == 3
    assert {(answer.status_code, answer["Location"]) for answer in answers} == {
        (302, reverse("password_reset_done"))
    }


def test_one_client_cannot_ask_for_more_than_ten_addresses_an_hour(alicia, settings):
    settings.PROXY_COUNT = 1
    flood = Client(HTTP_X_FORWARDED_FOR="203.0.113.7")
    for number in range(12):
        ask(flood, f"nobody{number}@example.org")
    answer = ask(flood, "alicia@example.org")
    assert answer.status_code == 302
    assert mail.outbox == []  # the eleventh request of that client: nothing sent
    ask(Client(HTTP_X_FORWARDED_FOR="198.51.100.4"), "alicia@example.org")
    assert len(mail.outbox) == 1  # another client is not held back


def test_the_answer_takes_the_same_time_whoever_has_an_account_and_the_worker_sends_it(
    client, alicia
):
    def answer_time(email) -> float:
        started = time.monotonic()
        assert client.post(RESET, {"email": email}).status_code == 302
        return time.monotonic() - started

    # Once each first: a process's first message loads the e-mail's templates, once for good.
    answer_time("alicia@example.org"), answer_time("nadie@example.org")
    known = [answer_time(address) for address in ("alicia@example.org", "ALICIA@example.org")]
    unknown = [answer_time(f"nadie{n}@example.org") for n in range(2)]
    assert min(known + unknown) >= 0.25
    assert abs(statistics.median(known) - statistics.median(unknown)) < 0.05, (known, unknown)
    assert mail.outbox == []  # written, not sent: a slow mail server holds no request
    run_worker()
    assert [message.to for message in mail.outbox] == [["alicia@example.org"]] * 3
