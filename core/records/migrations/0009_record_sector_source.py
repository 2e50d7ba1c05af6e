"""Who decided a penalty's field (领域). Records stored before it were never given a field, so they
count as inferred: `manage.py records_sector` infers their field and recomputes their windows."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0008_seal_identity_numbers"),
    ]

    operations = [
        migrations.AddField(
            model_name="record",
            name="sector_source",
            field=models.CharField(
                choices=[("inferred", "依处罚依据等推断"), ("column", "报送数据载明"), ("clerk", "工作人员指定")],
                db_default="inferred",
                default="inferred",
                max_length=10,
                verbose_name="领域认定方式",
            ),
        ),
    ]
