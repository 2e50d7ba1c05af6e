from django.db import migrations

from core.common.append_only import append_only_sql


class Migration(migrations.Migration):
    dependencies = [("exchange_district", "0001_keys_and_log")]

    operations = [migrations.RunSQL(*append_only_sql("exchange_district_exchangelogentry"))]
