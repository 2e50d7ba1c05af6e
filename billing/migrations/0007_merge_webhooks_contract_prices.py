"""Webhooks and contract prices were built side by side (issue 24); both follow 0005."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0006_contract_prices"),
        ("billing", "0006_webhooks"),
    ]

    operations: list[migrations.operations.base.Operation] = []
