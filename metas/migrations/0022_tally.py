import django.db.models.deletion
from django.db import migrations, models

# The tallies of the reports already stored are written by 0024_tally_parish, with the rules of
# today's code: written here, they would need the columns later migrations add.


class Migration(migrations.Migration):

    dependencies = [
        ('metas', '0021_file_build'),
    ]

    operations = [
        migrations.AddField(
            model_name='report',
            name='tallied_for',
            field=models.DateTimeField(blank=True, null=True, verbose_name='tallied for'),
        ),
        migrations.CreateModel(
            name='Tally',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('facet', models.CharField(max_length=24, verbose_name='facet')),
                ('value', models.CharField(max_length=200, verbose_name='value')),
                ('count', models.PositiveIntegerField(verbose_name='goals')),
                ('report', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='tallies', to='metas.report')),
                ('unit', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='tallies', to='metas.unit')),
            ],
            options={
                'verbose_name': 'facet tally',
                'verbose_name_plural': 'facet tallies',
                'indexes': [models.Index(fields=['report', 'facet'], name='metas_tally_report_facet')],
            },
        ),
    ]
