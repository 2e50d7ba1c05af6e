from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0010_apikey_sandbox"),
        ("billing", "0010_bulk_job_reports"),
    ]

    operations: list[migrations.operations.base.Operation] = []
