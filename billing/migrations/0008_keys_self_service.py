from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("billing", "0007_merge_webhooks_contract_prices")]

    operations = [
        migrations.AddField(
            model_name="customer",
            name="keys_self_service_max",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="自助密钥数量上限"),
        ),
        migrations.AddField(
            model_name="customer",
            name="keys_rate_ceiling",
            field=models.PositiveIntegerField(default=60, verbose_name="自助密钥每分钟调用上限"),
        ),
        migrations.AddField(
            model_name="apikey",
            name="self_service",
            field=models.BooleanField(default=False, verbose_name="机构自助签发"),
        ),
    ]
