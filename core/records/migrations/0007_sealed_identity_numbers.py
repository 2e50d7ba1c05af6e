"""Identity numbers out of records' fields: masked there, encrypted in `sealed`, and the content
hash recomputed the way validation now computes it (so the same file uploaded again stays a
duplicate)."""

import json
from typing import Any

from django.db import migrations, models

from core.collection.validation import SEALED_FIELDS, content_hash, seal
from core.subjects.protection import encrypt


def seal_existing(apps: Any, schema_editor: Any) -> None:
    for model in ("Record", "RecordRevision"):
        rows = apps.get_model("records", model).objects.filter(
            fields__has_any_keys=[
                f"{p}_{code}" for p in ("CF", "XK", "JL") for code in SEALED_FIELDS
            ]
        )
        for row in rows.iterator(chunk_size=500):
            prefix = next(k for k in row.fields).split("_", 1)[0]
            fields = dict(row.fields)
            sealed = seal(prefix, fields)
            if not sealed:
                continue
            row.fields, row.sealed = fields, {k: encrypt(v) for k, v in sealed.items()}
            row.content_hash = content_hash(
                json.dumps(fields, sort_keys=True, ensure_ascii=False), sealed
            )
            row.save(update_fields=["fields", "sealed", "content_hash"])


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0006_record_public_lists_by_date"),
    ]

    operations = [
        migrations.AddField(
            model_name="record",
            name="sealed",
            field=models.JSONField(blank=True, default=dict, verbose_name="加密字段"),
        ),
        migrations.AddField(
            model_name="recordrevision",
            name="sealed",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(seal_existing, migrations.RunPython.noop),
    ]
