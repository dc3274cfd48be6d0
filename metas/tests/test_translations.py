"""Guard rail: every message the code and templates use has a Spanish translation in one of the
area catalogues (locale/<area>/es/), and no catalogue keeps a message nothing uses any more.

The messages are extracted as Django's makemessages does (into a temporary folder), copied
into their own translations with gettext's msgen and compiled, so that both sides are read by
the standard library's gettext.
"""
import gettext
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

AREAS = [Path(path) for path in settings.LOCALE_PATHS]
SOURCES = ["metas", "templates", "transparencia"]
IGNORED = ["metas/tests/*"]


def catalogue_keys(mo_file: Path) -> set:
    with open(mo_file, "rb") as handle:
        catalog = gettext.GNUTranslations(handle)._catalog
    # Plural forms are stored as (msgid, index); the header as "".
    return {key[0] if isinstance(key, tuple) else key for key in catalog} - {""}


@pytest.fixture(scope="module")
def used_messages(tmp_path_factory):
    if not shutil.which("xgettext") or not shutil.which("msgen"):
        pytest.fail("gettext is needed (make test installs it)")
    # makemessages writes beside the sources it finds (a project's locale/ folder first), so it
    # reads them through links from a folder of its own.
    folder = tmp_path_factory.mktemp("messages")
    for name in SOURCES:
        (folder / name).symlink_to(Path(settings.BASE_DIR) / name)
    original_paths, original_folder = settings.LOCALE_PATHS, os.getcwd()
    settings.LOCALE_PATHS = [str(folder / "out")]
    os.chdir(folder)
    try:
        call_command(
            "makemessages", locale=["es"], ignore_patterns=IGNORED, symlinks=True, verbosity=0
        )
    finally:
        os.chdir(original_folder)
        settings.LOCALE_PATHS = original_paths
    po = folder / "out" / "es" / "LC_MESSAGES" / "django.po"
    filled = folder / "filled.po"
    subprocess.run(["msgen", "-o", str(filled), str(po)], check=True)
    subprocess.run(["msgfmt", "-o", str(folder / "used.mo"), str(filled)], check=True)
    return catalogue_keys(folder / "used.mo")


@pytest.fixture(scope="module")
def translated_messages():
    keys = set()
    for area in AREAS:
        po = area / "es" / "LC_MESSAGES" / "django.po"
        mo = po.with_suffix(".mo")
        subprocess.run(["msgfmt", "--check-format", "-o", str(mo), str(po)], check=True)
        keys |= catalogue_keys(mo)
    return keys


def test_every_message_has_a_spanish_translation(used_messages, translated_messages):
    missing = sorted(used_messages - translated_messages)
    assert missing == [], "Without a Spanish translation:\n" + "\n".join(missing)


def test_no_catalogue_keeps_a_message_nothing_uses(used_messages, translated_messages):
    stale = sorted(translated_messages - used_messages)
    assert stale == [], "Translated but used nowhere:\n" + "\n".join(stale)
