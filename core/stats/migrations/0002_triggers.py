from django.db import migrations

from core.stats.triggers import BACKWARD, FORWARD


class Migration(migrations.Migration):
    dependencies = [
        ("stats", "0001_initial"),
        ("records", "0004_record_fk_indexes_covered"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
