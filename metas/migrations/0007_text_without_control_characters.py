"""Text stored before imports removed control characters gets the same treatment: each one
(a form feed copied from a PDF, \\x01...) becomes a space, as metas.text.without_controls does.
Only the rows that hold one are read and written."""
import re

from django.db import migrations

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# The same characters as a database regular expression (SQLite's Django REGEXP, PostgreSQL ~).
PATTERN = "[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"

TEXT_FIELDS = {
    "Institution": ["name"],
    "ProcessLevel": ["name"],
    "Unit": ["code", "published_name", "name"],
    "Report": ["periodicity", "holder_unit", "responsible", "email", "phone", "link_text",
               "link_url"],
    "Goal": ["objective", "indicator", "target", "note", "verification_link", "search_text"],
    "GoalParish": ["matched_text"],
    "GoalNeighbourhood": ["matched_text"],
}


def clean(apps, schema_editor):
    for model_name, fields in TEXT_FIELDS.items():
        model = apps.get_model("metas", model_name)
        for field in fields:
            for row in model.objects.filter(**{f"{field}__regex": PATTERN}).only("pk", field):
                setattr(row, field, CONTROL_CHARACTERS.sub(" ", getattr(row, field)))
                row.save(update_fields=[field])


class Migration(migrations.Migration):
    dependencies = [("metas", "0006_importlog_failed_outcome")]
    operations = [migrations.RunPython(clean, migrations.RunPython.noop)]
