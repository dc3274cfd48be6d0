"""Two app nodes behind one proxy (issue 19): two gunicorn instances on two ports, each with its
own working directory, sharing the database, one Redis and one file store, as the README's
production section describes. A publication and a withdrawal made by the staff through node A
are seen at once through node B: its pages, their validators, the report's files."""
import os
import re
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from metas.models import Institution

from .browser import DESKTOP
from .servers import free_port, site_process, start_redis
from .staff_helpers import LOJA, import_august, make_user, september_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def database_url() -> str:
    data = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{data['NAME']}"
    host, port = data["HOST"] or "127.0.0.1", data["PORT"] or 5432
    return f"postgres://{data['USER']}@{host}:{port}/{data['NAME']}"


@pytest.fixture
def shared_redis():
    port = free_port()
    server = start_redis(port)
    yield f"redis://127.0.0.1:{port}/0"
    server.kill()
    server.wait()


@pytest.fixture
def nodes_environment(tmp_path, shared_redis) -> dict:
    """What every node shares: the database, Redis and the file store."""
    return {"DATABASE_URL": database_url(), "REDIS_URL": shared_redis,
            "MEDIA_ROOT": str(tmp_path / "shared-store"), "SECRET_KEY": settings.SECRET_KEY}


@pytest.fixture
def nodes(tmp_path, nodes_environment, territory):
    """Node A and node B: the same database, Redis and file store; their own folders."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with site_process(tmp_path / "a", **nodes_environment) as a, \
            site_process(tmp_path / "b", **nodes_environment) as b:
        yield a, b


def run_worker(environment: dict) -> None:
    """`manage.py db_worker --batch` in a process of its own: every waiting task, then it stops."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "ENV_FILE": "", "DEBUG": "false",
           "STATIC_ROOT": str(settings.STATIC_ROOT), **environment}
    subprocess.run([sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay"],
                   cwd=settings.BASE_DIR, env=env, check=True, timeout=120, capture_output=True)


def sign_in_and_publish_september(page, node_a, tmp_path):
    september = tmp_path / "loja-lotaip-a4-2019-09.tsv"
    september.write_bytes(september_bytes())
    page.goto(f"{node_a.url}/gestion/")
    page.get_by_label("Nombre de usuario").fill("alicia")
    page.get_by_label("Contraseña").fill("x-Secret-42")
    page.get_by_role("button", name="Ingresar").click()
    page.get_by_label("Institución").select_option(label=LOJA)
    page.get_by_label("Archivos").set_input_files(str(september))
    page.get_by_role("button", name="Revisar los archivos").click()
    page.get_by_role("button", name="Publicar", exact=True).click()
    assert page.locator("h1").inner_text() == "Reporte de septiembre de 2019 publicado: 137 metas"


def test_a_publication_and_a_withdrawal_through_node_a_are_seen_at_once_through_node_b(
    nodes, nodes_environment, browser, tmp_path
):
    node_a, node_b = nodes
    import_august()
    alicia = make_user("alicia", institutions=[Institution.objects.get(name=LOJA)])
    # Hashed as the nodes hash passwords (the tests' fast hasher is not in production's list).
    hasher = PBKDF2PasswordHasher()
    alicia.password = hasher.encode("x-Secret-42", hasher.salt(), iterations=1000)
    alicia.save()
    status, before, page_b = node_b.get("/reportes/")
    assert status == 200 and "septiembre de 2019" not in page_b
    assert node_a.get("/reportes/")[1]["ETag"] == before["ETag"]  # the same page on both

    context = browser.new_context(viewport=DESKTOP, locale="es-EC")
    context.set_default_timeout(20_000)
    page = context.new_page()
    sign_in_and_publish_september(page, node_a, tmp_path)
    seen = time.monotonic()
    status, after, page_b = node_b.get("/reportes/")
    assert status == 200 and "septiembre de 2019" in page_b
    assert time.monotonic() - seen < 1
    assert after["ETag"] != before["ETag"]
    status, _headers, report_b = node_b.get("/reportes/municipio-de-loja/2019-09/")
    assert status == 200 and "loja-lotaip-a4-2019-09.tsv" in report_b  # the original file
    source = re.search(r'href="(/reportes/municipio-de-loja/2019-09/archivos/[^"]+)"', report_b)
    status, _headers, original = node_b.get(source[1])  # written by A to the shared store
    assert status == 200 and original == september_bytes().decode("utf-8")

    # The month's ZIP: "se está preparando" on B until a worker (a third process, on the same
    # database and store) has written it, then the same file through either node.
    zip_path = "/datos/municipio-de-loja/2019-09.zip"
    status, headers, _body = node_b.get(zip_path)
    assert (status, headers["Retry-After"]) == (503, "15")
    run_worker(nodes_environment)
    status_b, zip_b, _body = node_b.get(zip_path)
    status_a, zip_a, _body = node_a.get(zip_path)
    assert (status_b, status_a) == (200, 200)
    assert zip_b["ETag"] == zip_a["ETag"]

    page.goto(f"{node_a.url}/gestion/reportes/")
    page.get_by_role(
        "link", name="Retirar el reporte de septiembre de 2019 de Municipio de Loja"
    ).click()
    page.get_by_label("Motivo del retiro").fill("Publicado por error.")
    page.get_by_role("button", name="Retirar el reporte").click()
    assert node_b.get("/reportes/municipio-de-loja/2019-09/")[0] == 410
    assert "septiembre de 2019" not in node_b.get("/metas/?periodo=todos&q=taquil")[2]
    context.close()
