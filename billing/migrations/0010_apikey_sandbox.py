from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0009_merge_bulk_jobs_keys"),
    ]

    operations = [
        migrations.AddField(
            model_name="apikey",
            name="sandbox",
            field=models.BooleanField(default=False, verbose_name="沙箱密钥"),
        ),
    ]
