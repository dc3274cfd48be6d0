"""Guard rail: every message the code and templates use has a Spanish translation in one of the
area catalogues (locale/<area>/es/), no catalogue keeps a message nothing uses any more, each
message is in one catalogue only, and the staff area's and the public pages' own messages are in
their own catalogues.

The messages are extracted as Django's makemessages does (into a temporary folder), copied
into their own translations with gettext's msgen and compiled, so that both sides are read by
the standard library's gettext.
"""
import gettext
import os
import shutil
import subprocess
from fnmatch import fnmatch
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

AREAS = [Path(path) for path in settings.LOCALE_PATHS]
SOURCES = ["metas", "templates", "transparencia"]
IGNORED = ["metas/tests/*"]
EXTENSIONS = {".py", ".html", ".txt"}  # what makemessages reads
# The sources whose own messages (used there and nowhere else) belong to an area's catalogue; a
# file is the first area's whose patterns it matches (fnmatch: "*" also matches "/").
OWN_MESSAGES = {
    "staff": [
        "metas/staff/*", "templates/metas/staff/*", "templates/registration/*",
        "metas/templatetags/staff_tags.py",
    ],
    "site": ["metas/views/*", "metas/filters.py", "metas/filters/*", "metas/templatetags/*",
             "templates/*"],
}


def catalogue_keys(mo_file: Path) -> set:
    with open(mo_file, "rb") as handle:
        catalog = gettext.GNUTranslations(handle)._catalog
    # Plural forms are stored as (msgid, index); the header as "".
    return {key[0] if isinstance(key, tuple) else key for key in catalog} - {""}


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> Path:
    """Every message the sources use, with where each is used, and filled with its own text
    (msgen) so that msgfmt keeps them all."""
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
    return filled


def compiled_keys(po: Path) -> set:
    mo = po.with_suffix(".mo")
    subprocess.run(["msgfmt", "-o", str(mo), str(po)], check=True)
    return catalogue_keys(mo)


@pytest.fixture(scope="module")
def used_messages(extracted):
    return compiled_keys(extracted)


def messages_used_in(extracted: Path, files: list[str], name: str) -> set:
    """The messages used in any of `files` (gettext's msggrep, by the extracted locations)."""
    selected = extracted.with_name(f"{name}.po")
    locations = [f"--location={name}" for name in files]
    subprocess.run(
        ["msggrep", "--force-po", *locations, "-o", str(selected), str(extracted)], check=True
    )
    return compiled_keys(selected)


def source_files() -> list[str]:
    """Every file makemessages reads, relative to the project."""
    root = Path(settings.BASE_DIR)
    names = (
        path.relative_to(root).as_posix()
        for name in SOURCES for path in (root / name).rglob("*") if path.suffix in EXTENSIONS
    )
    return [name for name in names if not any(fnmatch(name, pattern) for pattern in IGNORED)]


def area_of(name: str) -> str | None:
    for area, patterns in OWN_MESSAGES.items():
        if any(fnmatch(name, pattern) for pattern in patterns):
            return area
    return None


@pytest.fixture(scope="module")
def catalogues() -> dict[str, set]:
    """Each area's catalogue: {area: its messages}."""
    keys = {}
    for area in AREAS:
        po = area / "es" / "LC_MESSAGES" / "django.po"
        mo = po.with_suffix(".mo")
        subprocess.run(["msgfmt", "--check-format", "-o", str(mo), str(po)], check=True)
        keys[area.name] = catalogue_keys(mo)
    return keys


@pytest.fixture(scope="module")
def translated_messages(catalogues):
    return set().union(*catalogues.values())


def test_every_message_has_a_spanish_translation(used_messages, translated_messages):
    missing = sorted(used_messages - translated_messages)
    assert missing == [], "Without a Spanish translation:\n" + "\n".join(missing)


def test_no_catalogue_keeps_a_message_nothing_uses(used_messages, translated_messages):
    stale = sorted(translated_messages - used_messages)
    assert stale == [], "Translated but used nowhere:\n" + "\n".join(stale)


def test_no_message_is_in_two_catalogues(catalogues):
    """Two copies of a message drift apart, and then which one a page shows depends on the order
    of LOCALE_PATHS."""
    seen, twice = {}, []
    for area, keys in catalogues.items():
        for key in sorted(keys):
            if key in seen:
                twice.append(f"{key} (locale/{seen[key]}/ and locale/{area}/)")
            seen.setdefault(key, area)
    assert twice == [], "In two catalogues:\n" + "\n".join(twice)


@pytest.mark.parametrize("area", OWN_MESSAGES)
def test_an_area_s_own_messages_are_in_its_catalogue(area, extracted, catalogues):
    """A message only the staff area uses is in locale/staff/, one only the public pages use is
    in locale/site/: the catalogues follow the code."""
    files = source_files()
    inside = [name for name in files if area_of(name) == area]
    outside = [name for name in files if area_of(name) != area]
    own = (
        messages_used_in(extracted, inside, f"{area}-inside")
        - messages_used_in(extracted, outside, f"{area}-outside")
    )
    assert own, f"no message is the {area} area's own: are its patterns right?"
    misplaced = sorted(own - catalogues[area])
    assert misplaced == [], (
        f"Used only in the {area} area's files but not in locale/{area}/:\n" + "\n".join(misplaced)
    )
