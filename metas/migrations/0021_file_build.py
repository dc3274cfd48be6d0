# The worker's file builds (metas.publication.files) and the downloads made of parts.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('metas', '0020_replaced_goals'),
    ]

    operations = [
        migrations.CreateModel(
            name='FileBuild',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('institutions', models.JSONField(blank=True, null=True, verbose_name='institutions')),
                ('reports', models.JSONField(blank=True, null=True, verbose_name='reports')),
                ('status', models.CharField(choices=[('pending', 'pending'), ('building', 'building'), ('done', 'done'), ('failed', 'failed')], db_index=True, default='pending', max_length=10, verbose_name='status')),
                ('attempts', models.PositiveSmallIntegerField(default=0, verbose_name='attempts')),
                ('error', models.TextField(blank=True, verbose_name='error')),
                ('bytes_written', models.PositiveBigIntegerField(default=0, verbose_name='bytes written')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='requested at')),
                ('started_at', models.DateTimeField(blank=True, null=True, verbose_name='started at')),
                ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='finished at')),
            ],
            options={
                'verbose_name': 'file build',
                'verbose_name_plural': 'file builds',
                'ordering': ['-created_at', '-pk'],
            },
        ),
        migrations.AddField(
            model_name='download',
            name='parts',
            field=models.JSONField(blank=True, null=True, verbose_name='parts'),
        ),
        migrations.AlterField(
            model_name='importlog',
            name='outcome',
            field=models.CharField(choices=[('accepted', 'accepted'), ('rejected', 'rejected'), ('forbidden', 'forbidden'), ('previewed', 'previewed'), ('cancelled', 'cancelled'), ('failed', 'failed unexpectedly'), ('withdrawn', 'withdrawn'), ('restored', 'restored'), ('unbuilt', 'files not rebuilt')], max_length=10, verbose_name='outcome'),
        ),
        migrations.AlterField(
            model_name='importlog',
            name='source',
            field=models.CharField(choices=[('command', 'command'), ('web', 'web upload'), ('worker', 'file worker')], max_length=10, verbose_name='source'),
        ),
    ]
