"""Every parish and neighbourhood council now belongs to a canton."""
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("metas", "0011_load_dpa")]
    operations = [
        migrations.AlterField(
            model_name="parish",
            name="canton",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="parishes",
                to="metas.canton", verbose_name="canton",
            ),
        ),
        migrations.AlterField(
            model_name="neighbourhood",
            name="canton",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="neighbourhoods",
                to="metas.canton", verbose_name="canton",
            ),
        ),
    ]
