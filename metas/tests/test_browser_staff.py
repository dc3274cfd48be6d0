"""The whole staff path in a real browser: sign in, upload a second month, read the preview,
publish, then see the change list and a goal's history, every page accessible."""
import re

import pytest
from django.contrib.auth.models import User

from metas.models import Goal, Report

from .browser import DESKTOP, PHONE, assert_accessible
from .staff_helpers import LOJA, RAISED, import_august, make_user, september_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def check_at_phone_width(page):
    """Accessible, and nothing wider than a 360 px screen."""
    size = page.viewport_size
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.url
    assert_accessible(page)
    page.set_viewport_size(size)


def test_a_staff_member_publishes_a_second_month_and_readers_see_what_changed(
    page, live_server, tmp_path
):
    from metas.models import Institution

    import_august()
    make_user("alicia", institutions=[Institution.objects.get(name=LOJA)])
    september_file = tmp_path / "loja-lotaip-a4-2019-09.tsv"
    september_file.write_bytes(september_bytes())

    # Signing in: /gestion/ asks for it first.
    page.goto(f"{live_server.url}/gestion/")
    assert page.locator("h1").inner_text() == "Ingreso del personal"
    assert_accessible(page)
    page.get_by_label("Nombre de usuario").fill("alicia")
    page.get_by_label("Contraseña").fill("x-Secret-42")
    page.get_by_role("button", name="Ingresar").click()

    # The upload form.
    assert page.locator("h1").inner_text() == "Publicar un reporte"
    assert_accessible(page)
    check_at_phone_width(page)
    page.get_by_label("Institución").select_option(label=LOJA)
    page.get_by_label("Archivos").set_input_files(str(september_file))
    page.get_by_role("button", name="Revisar los archivos").click()

    # The preview: nothing is published yet.
    assert page.locator("h1").inner_text() == "Vista previa: Municipio de Loja, septiembre de 2019"
    main = page.locator("main").inner_text()
    assert "Cambios desde agosto de 2019" in main
    assert "El avance cambió en 2 metas" in main
    assert "1 meta nueva" in main and "1 meta que ya no se reporta" in main
    assert not Report.objects.filter(period="2019-09-01").exists()
    assert_accessible(page)
    check_at_phone_width(page)
    page.get_by_role("button", name="Publicar", exact=True).click()

    # Published: a confirmation, then the report's page as readers see it, then what changed.
    assert page.locator("h1").inner_text() == "Reporte de septiembre de 2019 publicado: 137 metas"
    assert_accessible(page)
    check_at_phone_width(page)
    page.get_by_role("link", name="Ver el reporte publicado").click()
    assert page.locator("h1").inner_text() == "Municipio de Loja: reporte de septiembre de 2019"
    september = Report.objects.get(period="2019-09-01")
    assert september.published_by == User.objects.get(username="alicia")
    page.get_by_role("link", name="Qué cambió desde el reporte anterior").click()
    assert page.locator("h1").inner_text() == "Qué cambió en septiembre de 2019"
    assert_accessible(page)
    check_at_phone_width(page)
    progress_table = page.locator("table", has_text="El avance cambió en 2 metas")
    assert re.search(r"70\s%\s+85\s%\s+subió", progress_table.inner_text())

    # A goal's history.
    progress_table.get_by_role("link", name=RAISED).click()
    raised = Goal.objects.get(objective=RAISED, report=september)
    assert page.url == f"{live_server.url}{raised.get_absolute_url()}"
    history = page.locator("section", has=page.get_by_role("heading", name="Avance en el tiempo"))
    assert "Subió desde 70" in history.inner_text()
    history.get_by_text("Ver como tabla").click()  # the chart's table, on request
    rows = history.locator("tbody tr").all_inner_texts()
    assert [re.sub(r"\s+", " ", row).strip() for row in rows] == [
        "Agosto de 2019 70 % —",
        "Septiembre de 2019 (esta página) 85 % subió",
    ]
    assert history.locator("svg[role=img]").count() == 1
    assert_accessible(page)
    check_at_phone_width(page)

    # The import log tells who published what.
    page.goto(f"{live_server.url}/gestion/registro/")
    log = page.locator("main").inner_text()
    assert "aceptado" in log and "vista previa" in log and "loja-lotaip-a4-2019-09.tsv" in log
    assert_accessible(page)


def test_a_staff_member_withdraws_a_report_and_restores_it(page, live_server):
    from metas.models import Institution

    august = import_august().report
    make_user("alicia", institutions=[Institution.objects.get(name=LOJA)])
    report_url = f"{live_server.url}{august.get_absolute_url()}"

    page.goto(f"{live_server.url}/gestion/reportes/")
    page.get_by_label("Nombre de usuario").fill("alicia")
    page.get_by_label("Contraseña").fill("x-Secret-42")
    page.get_by_role("button", name="Ingresar").click()
    assert page.locator("h1").inner_text() == "Reportes publicados"
    assert_accessible(page)
    check_at_phone_width(page)

    # The confirmation step, which insists on a reason.
    page.get_by_role("link", name="Retirar el reporte de agosto de 2019 de Municipio de Loja").click()
    assert page.locator("h1").inner_text() == (
        "¿Retirar el reporte de agosto de 2019 de Municipio de Loja?"
    )
    assert_accessible(page)
    check_at_phone_width(page)
    reason = page.get_by_label("Motivo del retiro")
    assert reason.get_attribute("required") is not None
    reason.evaluate("element => element.removeAttribute('required')")  # as without the browser's check
    page.get_by_role("button", name="Retirar el reporte").click()
    assert "Escriba el motivo del retiro" in page.locator("main").inner_text()
    assert_accessible(page)
    page.get_by_label("Motivo del retiro").fill("Se publicaron por error los porcentajes de julio.")
    page.get_by_role("button", name="Retirar el reporte").click()

    assert page.locator("h1").inner_text() == "Reportes publicados"
    main = page.locator("main").inner_text()
    assert "se retiró de las páginas públicas" in main and "Retirado" in main
    assert_accessible(page)
    check_at_phone_width(page)
    assert Report.objects.get().withdrawn_at is not None

    # Readers who kept the address learn why it is gone.
    reader = page.context.browser.new_context(locale="es-EC")
    public = reader.new_page()
    response = public.goto(report_url)
    assert response.status == 410
    assert "Motivo: Se publicaron por error los porcentajes de julio." in (
        public.locator("main").inner_text()
    )
    assert_accessible(public)
    check_at_phone_width(public)

    page.get_by_role("button", name="Restaurar el reporte de agosto de 2019").click()
    assert "está publicado otra vez" in page.locator("main").inner_text()
    assert public.goto(report_url).status == 200
    reader.close()


def test_a_wrong_password_is_said_once_and_signed_in_the_menu_keeps_one_row(page, live_server):
    make_user("alicia")
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/gestion/entrar/")
    page.get_by_label("Nombre de usuario").fill("alicia")
    page.get_by_label("Contraseña").fill("not-her-password")
    page.get_by_role("button", name="Ingresar").click()
    said = page.locator("main").inner_text()
    assert said.count("Por favor, introduzca un nombre de usuario y clave correctos") == 1, said
    assert_accessible(page)

    page.get_by_label("Contraseña").fill("x-Secret-42")
    page.get_by_role("button", name="Ingresar").click()
    assert page.locator("h1").inner_text() == "Publicar un reporte"
    tops = page.locator(".site-nav li").evaluate_all("items => items.map(i => i.offsetTop)")
    assert len(tops) == 8 and len(set(tops)) == 1, tops  # "Gestión" beside the others
