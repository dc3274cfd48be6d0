"""Guard rails for the whole project: settings, migrations, admin."""
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.urls import reverse

from metas import models


def run_settings(env, show="s.DEBUG"):
    """Import the settings in a fresh interpreter with exactly this environment (and no .env
    file unless ENV_FILE names one)."""
    return subprocess.run(
        [sys.executable, "-c", f"import transparencia.settings as s; print({show})"],
        env={"PATH": "/usr/bin:/bin", "ENV_FILE": "", **env},
        capture_output=True,
        text=True,
    )


def test_it_refuses_to_start_without_secret_key_when_debug_is_off():
    result = run_settings({})
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_it_starts_in_debug_without_secret_key():
    result = run_settings({"DEBUG": "true"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


def test_a_development_checkout_reads_its_key_from_its_env_file(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("# Written by make run\nSECRET_KEY=key-of-this-checkout\n")
    result = run_settings({"ENV_FILE": str(env_file)}, show="s.SECRET_KEY, s.DEBUG")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "key-of-this-checkout False"
    # The real environment wins over the file.
    result = run_settings({"ENV_FILE": str(env_file), "SECRET_KEY": "from-the-environment"},
                          show="s.SECRET_KEY")
    assert result.stdout.strip() == "from-the-environment"


def test_it_rejects_a_debug_value_that_is_not_a_boolean():
    result = run_settings({"DEBUG": "maybe", "SECRET_KEY": "x"})
    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr


@pytest.mark.django_db
def test_it_has_no_pending_migrations():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


@pytest.mark.django_db
def test_it_loads_the_territory_of_loja():
    loja = models.Parish.objects.filter(canton__code="1101")
    assert loja.filter(kind="urbana").count() == 6
    assert loja.filter(kind="rural").count() == 13
    assert models.Neighbourhood.objects.get(name="Carigán").slug == "jdb-carigan"


@pytest.mark.django_db
def test_the_admin_lists_every_model_read_only(admin_client):
    for model in (models.Institution, models.Report, models.Goal, models.ImportLog):
        url = reverse(f"admin:metas_{model._meta.model_name}_changelist")
        response = admin_client.get(url)
        assert response.status_code == 200
        assert reverse(f"admin:metas_{model._meta.model_name}_add") not in response.content.decode()


@pytest.mark.django_db
def test_the_admin_speaks_spanish(admin_client):
    page = admin_client.get(reverse("admin:index")).content.decode()
    for label in ("Metas y objetivos", "Juntas de desarrollo barrial", "Registro de importaciones"):
        assert label in page
