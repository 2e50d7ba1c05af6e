from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0006_record_public_lists_by_date"),
    ]

    operations = [
        migrations.AddField(
            model_name="record",
            name="sealed",
            field=models.JSONField(blank=True, db_default={}, default=dict, verbose_name="加密字段"),
        ),
        migrations.AddField(
            model_name="recordrevision",
            name="sealed",
            field=models.JSONField(blank=True, db_default={}, default=dict),
        ),
    ]
