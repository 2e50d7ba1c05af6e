"""Load the national measures (the basic list of punishment measures and the incentives)."""

from typing import Any

from django.db import migrations


def seed(apps: Any, schema_editor: Any) -> None:
    from core.discipline.catalogue import measures_seed

    measures_seed(apps.get_model("discipline", "Measure"))


class Migration(migrations.Migration):
    dependencies = [("discipline", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
