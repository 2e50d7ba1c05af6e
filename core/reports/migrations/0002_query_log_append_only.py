from django.db import migrations

from core.common.append_only import append_only_sql


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial")]

    operations = [migrations.RunSQL(*append_only_sql("reports_querylog"))]
