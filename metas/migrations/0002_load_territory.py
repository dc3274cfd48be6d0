"""Loads cantón Loja's parishes and neighbourhood councils from fixtures/ (idempotent)."""
import csv
from pathlib import Path

from django.db import migrations
from django.utils.text import slugify

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def read_rows(filename):
    with open(FIXTURES / filename, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def load_territory(apps, schema_editor):
    Parish = apps.get_model("metas", "Parish")
    Neighbourhood = apps.get_model("metas", "Neighbourhood")
    for row in read_rows("parroquias_loja.csv"):
        Parish.objects.update_or_create(
            name=row["nombre"],
            defaults={
                "slug": slugify(row["nombre"]),
                "kind": row["tipo"],
                "variants": row["variantes"],
            },
        )
    for row in read_rows("jdb_loja.csv"):
        Neighbourhood.objects.update_or_create(
            name=row["nombre"],
            defaults={
                "slug": "jdb-" + slugify(row["nombre"]),
                "group": int(row["grupo"]) if row["grupo"] else None,
                "variants": row["variantes"],
            },
        )


class Migration(migrations.Migration):
    dependencies = [("metas", "0001_initial")]
    operations = [migrations.RunPython(load_territory, migrations.RunPython.noop)]
