"""Loads Ecuador's DPA (provinces, cantons, parishes) and cantón Loja's additions on top of the
parishes and councils of 0002 (metas.territory.dpa; idempotent)."""
from django.db import migrations


def load(apps, schema_editor):
    from metas.territory.dpa import load_territory

    load_territory(apps)


class Migration(migrations.Migration):
    dependencies = [("metas", "0010_territory_schema")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
