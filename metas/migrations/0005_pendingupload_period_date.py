"""PendingUpload.period becomes a date (None: taken from the report), like Report.period."""
from datetime import date

from django.db import migrations, models


def to_dates(apps, schema_editor):
    PendingUpload = apps.get_model("metas", "PendingUpload")
    for pending in PendingUpload.objects.exclude(period_text=""):
        year, month = pending.period_text.split("-")
        pending.period = date(int(year), int(month), 1)
        pending.save(update_fields=["period"])


def to_text(apps, schema_editor):
    PendingUpload = apps.get_model("metas", "PendingUpload")
    for pending in PendingUpload.objects.exclude(period=None):
        pending.period_text = f"{pending.period:%Y-%m}"
        pending.save(update_fields=["period_text"])


class Migration(migrations.Migration):
    dependencies = [("metas", "0004_staff_and_pending_uploads")]

    operations = [
        migrations.RenameField("pendingupload", "period", "period_text"),
        migrations.AddField(
            "pendingupload",
            "period",
            models.DateField(blank=True, null=True, verbose_name="period"),
        ),
        migrations.RunPython(to_dates, to_text),
        migrations.RemoveField("pendingupload", "period_text"),
    ]
