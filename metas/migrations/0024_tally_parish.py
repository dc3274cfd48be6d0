import django.db.models.deletion
from django.db import migrations, models

from metas.bulk import refresh_planner_statistics
from metas.filters.tallies import recount, stamp  # the rule itself, not a frozen copy of it


def count_published_goals(apps, schema_editor):
    """The tallies of the reports already stored, with the rules of today's code (as the
    publication door writes them from now on): each report and unit, and now each parish; then
    the statistics the database plans their reading with."""
    report = apps.get_model("metas", "Report")
    recount(report.objects.values_list("pk", flat=True))
    stamp(report.objects.values_list("institution_id", flat=True).distinct())
    refresh_planner_statistics()


class Migration(migrations.Migration):

    dependencies = [
        ('metas', '0023_pending_upload_reading'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='tally',
            name='metas_tally_report_facet',
        ),
        migrations.AddField(
            model_name='tally',
            name='parish',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='tallies', to='metas.parish'),
        ),
        migrations.AddIndex(
            model_name='tally',
            index=models.Index(fields=['report', 'parish', 'facet'], name='metas_tally_report_parish'),
        ),
        migrations.AddIndex(
            model_name='tally',
            index=models.Index(fields=['parish', 'report'], name='metas_tally_parish_report'),
        ),
        migrations.RunPython(count_published_goals, migrations.RunPython.noop),
    ]
