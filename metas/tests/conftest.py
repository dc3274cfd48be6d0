"""Fixtures shared by every test. Feature-specific fixtures live beside their tests."""
import pytest
from django.conf import settings
from django.core.management import call_command


@pytest.fixture(scope="session", autouse=True)
def collected_static(tmp_path_factory):
    """Pages are rendered with the production static storage (hashed, compressed names),
    so the static files are collected once per run into a private folder."""
    settings.STATIC_ROOT = str(tmp_path_factory.mktemp("staticfiles"))
    call_command("collectstatic", interactive=False, verbosity=0)


@pytest.fixture(autouse=True)
def private_media_root(settings, tmp_path):
    """Stored original files go to a folder of each test's own."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
