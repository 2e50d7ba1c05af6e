"""Identity numbers stored before sealing: masked in `fields`, encrypted in `sealed`, the content
hash recomputed the way validation computes it now (so the same file uploaded again stays a
duplicate). Batched, outside one long transaction (records stay readable meanwhile); rows already
sealed are left alone, so it may run again; reversible (the numbers go back into `fields`).

The masking and the hash are written out here, as they were when this migration was written;
only the keys (core.subjects.protection) come from the running code."""

import hashlib
import json
from typing import Any

from django.db import migrations, transaction

from core.subjects.protection import decrypt, encrypt, lookup_hash

SEALED = ("XDR_ZJHM", "FR_ZJHM")
PREFIXES = ("CF", "XK", "JL")
KEYS = [f"{prefix}_{code}" for prefix in PREFIXES for code in SEALED]


def _mask(number: str) -> str:
    return "*" * len(number) if len(number) <= 8 else number[:4] + "*" * (len(number) - 8) + number[-4:]


def _hash(fields: dict[str, str], clear: dict[str, str]) -> str:
    text = json.dumps(fields, sort_keys=True, ensure_ascii=False)
    text += "".join(f"\n{code}:{lookup_hash(value)}" for code, value in sorted(clear.items()))
    return hashlib.sha256(text.encode()).hexdigest()


def _batches(apps: Any, model: str, **filters: Any) -> Any:
    """Rows 500 at a time, each batch locked in its own transaction: the caller updates a batch
    before asking for the next, while this generator still holds that batch's transaction."""
    Model = apps.get_model("records", model)
    last = 0
    while True:
        with transaction.atomic():
            rows = list(
                Model.objects.select_for_update()
                .filter(pk__gt=last, **filters)
                .order_by("pk")
                .only("pk", "fields", "sealed", "content_hash")[:500]
            )
            if not rows:
                return
            yield Model, rows
            last = rows[-1].pk


def seal(apps: Any, schema_editor: Any) -> None:
    for model in ("Record", "RecordRevision"):
        for Model, rows in _batches(apps, model, fields__has_any_keys=KEYS):
            touched = []
            for row in rows:
                clear = {k: v for k, v in row.fields.items() if k in KEYS and v and k not in row.sealed}
                if not clear:
                    continue  # sealed already
                row.fields = row.fields | {k: _mask(v) for k, v in clear.items()}
                row.sealed = row.sealed | {k: encrypt(v) for k, v in clear.items()}
                if model == "Record":
                    row.content_hash = _hash(row.fields, {k: decrypt(v) for k, v in row.sealed.items()})
                touched.append(row)
            Model.objects.bulk_update(touched, ["fields", "sealed", "content_hash"])


def unseal(apps: Any, schema_editor: Any) -> None:
    for model in ("Record", "RecordRevision"):
        for Model, rows in _batches(apps, model):
            touched = []
            for row in rows:
                if not row.sealed:
                    continue
                row.fields = row.fields | {k: decrypt(v) for k, v in row.sealed.items()}
                row.sealed = {}
                if model == "Record":
                    row.content_hash = _hash(row.fields, {})
                touched.append(row)
            Model.objects.bulk_update(touched, ["fields", "sealed", "content_hash"])


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("records", "0007_sealed_identity_numbers"),
    ]

    operations = [
        migrations.RunPython(seal, unseal),
    ]
