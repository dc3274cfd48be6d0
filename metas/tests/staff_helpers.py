"""People and files for the staff-area tests.

Alicia publishes Loja's reports; Bruno publishes Catamayo's; Carla is assigned to Loja but was
never given the permission to add reports; Sofía is a superuser.

    september_bytes()   # the sample as if published a month later, with a few changes
"""
from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission, User
from django.urls import reverse

from metas.importer import InputFile, import_report
from metas.models import Institution

SAMPLE = Path(settings.BASE_DIR) / "fixtures" / "loja-lotaip-a4-2019-08.tsv"
LOJA = "Municipio de Loja"

# What September changes in the August sample (objective as published -> what happens).
RAISED = "Ampliación y mejoramiento del Zoológico y Protección de Fauna Parque Orillas del Zamora."
LOWERED = "Adecuar la fachada del mercado centro comercial Loja"
RETYPED = "Señalización vial integral: horizontal y vertical en el Cantón Loja"
RETYPED_AS = "Senalizacion vial integral:  horizontal y vertical en el canton Loja"
NOW_NOT_APPLICABLE = "Formación continua del talento humano"
REMOVED = (
    "Plan de Ordenamiento y Desarrollo Sostenible del Casco Urbano Central de la Ciudad de "
    "Loja-Renovación de Redes de alcantarillado pluvial y sanitario."
)
ADDED = "Implementación del teletrabajo en las direcciones municipales"


def sample_text() -> str:
    return SAMPLE.read_text(encoding="utf-8")


def september_text() -> str:
    """The August sample a month later: one goal up (70 → 85 %), one down (90 → 80 %), one
    retyped without accents and with double spaces, one that now does not apply, one gone
    and one new."""
    lines = []
    for line in sample_text().split("\n"):
        cells = line.split("\t")
        objective = cells[2] if len(cells) > 4 else None
        if "31/08/2019" in line:
            line = line.replace("31/08/2019", "30/09/2019")
        elif objective == RAISED:
            line = line.replace("\t70%", "\t85%")
        elif objective == LOWERED:
            line = line.replace("\t90%", "\t80%")
        elif objective == RETYPED:
            line = line.replace(RETYPED, RETYPED_AS)
        elif objective == NOW_NOT_APPLICABLE:
            cells[4] = "NO APLICA, el curso se trasladó al año siguiente"
            line = "\t".join(cells)
        elif objective == REMOVED:
            continue
        lines.append(line)
        if objective == NOW_NOT_APPLICABLE:
            lines.append("\t".join([cells[0], cells[1], ADDED, "Porcentaje de avance", "10%"]))
    return "\n".join(lines)


def september_bytes() -> bytes:
    return september_text().encode("utf-8")


def import_august():
    """Loja's August report, imported as the command does."""
    return import_report([InputFile(SAMPLE.name, SAMPLE.read_bytes())], institution=LOJA)


def make_user(username, *, can_add_reports=True, institutions=(), superuser=False):
    if superuser:
        return User.objects.create_superuser(username, f"{username}@example.org", "x-Secret-42")
    user = User.objects.create_user(username, f"{username}@example.org", "x-Secret-42")
    if can_add_reports:
        user.user_permissions.add(Permission.objects.get(codename="add_report"))
    for institution in institutions:
        institution.staff.add(user)
    return User.objects.get(pk=user.pk)  # fresh: no cached permissions


@pytest.fixture
def loja(db):
    return Institution.objects.get_or_create(name=LOJA, defaults={"slug": "municipio-de-loja"})[0]


@pytest.fixture
def catamayo(db):
    return Institution.objects.create(name="Municipio de Catamayo", slug="municipio-de-catamayo")


@pytest.fixture
def alicia(loja):
    """Publishes Loja's reports."""
    return make_user("alicia", institutions=[loja])


@pytest.fixture
def bruno(catamayo):
    """Publishes Catamayo's reports, not Loja's."""
    return make_user("bruno", institutions=[catamayo])


@pytest.fixture
def carla(loja):
    """Assigned to Loja, but without the permission to add reports."""
    return make_user("carla", can_add_reports=False, institutions=[loja])


@pytest.fixture
def sofia(db):
    """A superuser."""
    return make_user("sofia", superuser=True)


def upload(client, files, institution=None, period=""):
    """POST the upload form; `files` maps names to bytes."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = {
        "institution": institution.pk if institution else "",
        "period": period,
        "files": [SimpleUploadedFile(name, content) for name, content in files.items()],
    }
    return client.post(reverse("metas:staff-upload"), data)


def media_files() -> list[str]:
    """Every file under MEDIA_ROOT, relative to it."""
    root = Path(settings.MEDIA_ROOT)
    if not root.exists():
        return []
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())
