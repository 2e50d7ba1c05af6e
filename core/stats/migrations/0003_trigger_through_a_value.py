from django.db import migrations

from core.stats.triggers import FUNCTION


class Migration(migrations.Migration):
    """The statistics trigger upserts from a value rather than from the transition table, which a
    Citus worker cannot see in the upsert's own plan (ADR 0022)."""

    dependencies = [("stats", "0002_triggers")]

    operations = [migrations.RunSQL([FUNCTION], migrations.RunSQL.noop)]
