"""Bulk jobs and self-service keys were built side by side (issue 24); both follow 0007."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0008_bulk_jobs"),
        ("billing", "0008_keys_self_service"),
    ]

    operations: list[migrations.operations.base.Operation] = []
