"""Writes for subjects: one subject per real entity, names kept as history. Set-based: a few
statements per chunk of claims, whatever its size."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from core.audit.services import audit_record
from core.common.actors import Actor
from core.common.copy import copy_rows
from core.common.identifiers import mask_resident_id
from core.subjects.models import Subject
from core.subjects.protection import (
    decrypt,
    encrypt,
    encrypted_with_current_key,
    lookup_hash,
    lookup_hashes,
    reencrypt,
)


@dataclass(frozen=True)
class SubjectClaim:
    """What a record says about its subject."""

    kind: str
    name: str
    uscc: str | None
    id_number: str | None
    aliases: dict[str, str]
    seen_on: date

    @property
    def key(self) -> tuple[str, str]:
        if self.uscc:
            return ("uscc", self.uscc)
        return ("id", lookup_hash(self.id_number or ""))


def subjects_resolve(claims: Sequence[SubjectClaim]) -> dict[tuple[str, str], int]:
    """Subject ids for every claim's key, creating subjects that do not exist yet. A newer (or
    same-day) name replaces the current one; every name seen is kept in SubjectName; legacy codes
    are kept as aliases."""
    if not claims:
        return {}
    now = timezone.now()
    # Fold the claims first (a chunk names each subject several times): the latest claim per key,
    # the first day each (key, name) was seen, each alias once.
    latest: dict[tuple[str, str], SubjectClaim] = {}
    names: dict[tuple[tuple[str, str], str], date] = {}
    aliases: set[tuple[str, str, str, str]] = set()
    for claim in claims:
        key = claim.key
        current = latest.get(key)
        if current is None or claim.seen_on >= current.seen_on:
            latest[key] = claim
        seen = names.get((key, claim.name))
        if seen is None or claim.seen_on < seen:
            names[(key, claim.name)] = claim.seen_on
        for a_kind, a_value in claim.aliases.items():
            aliases.add((*key, a_kind, a_value))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE tmp_latest (key_kind text, key text, kind text, name text, "
            "seen_on date, id_masked text, id_cipher text) ON COMMIT DROP"
        )
        copy_rows(
            cursor, "tmp_latest", LATEST_COLUMNS, (_latest_row(k, c) for k, c in latest.items())
        )
        cursor.execute(
            "CREATE TEMP TABLE tmp_name (key_kind text, key text, name text, seen_on date) "
            "ON COMMIT DROP"
        )
        copy_rows(
            cursor,
            "tmp_name",
            ("key_kind", "key", "name", "seen_on"),
            ((*key, name, seen) for (key, name), seen in names.items()),
        )
        cursor.execute("ANALYZE tmp_latest, tmp_name")  # small tables: join by index
        _rehash_on_touch(cursor, latest)
        cursor.execute(
            "INSERT INTO subjects_subject (kind, name, name_as_of, uscc, id_hash, id_masked, id_cipher, created_at, updated_at) "
            "SELECT kind, name, seen_on, CASE WHEN key_kind = 'uscc' THEN key END, "
            "CASE WHEN key_kind = 'id' THEN key END, id_masked, id_cipher, %s, %s FROM tmp_latest "
            "ON CONFLICT DO NOTHING",
            [now, now],
        )
        ids: dict[tuple[str, str], int] = {}
        for column, kind in (("uscc", "uscc"), ("id_hash", "id")):
            cursor.execute(
                f"SELECT l.key, s.id FROM tmp_latest l JOIN subjects_subject s ON s.{column} = l.key "  # noqa: S608
                "WHERE l.key_kind = %s",
                [kind],
            )
            ids.update({(kind, str(key)): int(pk) for key, pk in cursor.fetchall()})
            cursor.execute(
                f"UPDATE subjects_subject s SET name = l.name, name_as_of = l.seen_on, updated_at = %s "  # noqa: S608
                f"FROM tmp_latest l WHERE l.key_kind = %s AND s.{column} = l.key "
                "AND l.seen_on >= s.name_as_of AND s.name <> l.name",
                [now, kind],
            )
            cursor.execute(
                "INSERT INTO subjects_subjectname (subject_id, name, seen_from) "  # noqa: S608
                f"SELECT s.id, n.name, n.seen_on FROM tmp_name n JOIN subjects_subject s ON s.{column} = n.key "
                "WHERE n.key_kind = %s ON CONFLICT DO NOTHING",
                [kind],
            )
        if aliases:
            cursor.execute(
                "CREATE TEMP TABLE tmp_alias (key_kind text, key text, kind text, value text) ON COMMIT DROP"
            )
            copy_rows(cursor, "tmp_alias", ("key_kind", "key", "kind", "value"), aliases)
            cursor.execute(
                "INSERT INTO subjects_subjectalias (subject_id, kind, value) "
                "SELECT DISTINCT s.id, a.kind, a.value FROM tmp_alias a JOIN subjects_subject s "
                "ON (a.key_kind = 'uscc' AND s.uscc = a.key) OR (a.key_kind = 'id' AND s.id_hash = a.key) "
                "ON CONFLICT DO NOTHING"
            )
        cursor.execute("DROP TABLE tmp_latest, tmp_name")
        if aliases:
            cursor.execute("DROP TABLE tmp_alias")
    return ids


LATEST_COLUMNS = ("key_kind", "key", "kind", "name", "seen_on", "id_masked", "id_cipher")


def _latest_row(key: tuple[str, str], claim: SubjectClaim) -> tuple[object, ...]:
    if key[0] == "id":
        # Only for natural persons' numbers: masked for display, encrypted for authorised use.
        number = claim.id_number or ""
        return (
            *key,
            claim.kind,
            claim.name,
            claim.seen_on,
            mask_resident_id(number),
            encrypt(number),
        )
    return (*key, claim.kind, claim.name, claim.seen_on, "", "")


@dataclass(frozen=True)
class RekeyResult:
    subjects: int  # subjects with an identity number
    changed: int  # re-hashed or re-encrypted now (0 on a second run)


def subjects_rekey(*, actor: Actor, chunk: int = 2000) -> RekeyResult:
    """After a key rotation, in the current district: every identity number re-hashed with the
    current lookup key and re-encrypted with the current data key (earlier keys come from the
    *_FALLBACKS settings). Idempotent; one transaction per chunk, ids in order."""
    total = changed = 0
    last = 0
    while True:
        with transaction.atomic():
            rows = list(
                Subject.objects.select_for_update()
                .filter(pk__gt=last)
                .exclude(id_cipher="")
                .order_by("pk")
                .only("pk", "id_hash", "id_cipher")[:chunk]
            )
            if not rows:
                break
            touched = []
            for subject in rows:
                fresh_hash = lookup_hash(decrypt(subject.id_cipher))
                current = encrypted_with_current_key(subject.id_cipher)
                if subject.id_hash != fresh_hash or not current:
                    subject.id_hash = fresh_hash
                    subject.id_cipher = (
                        subject.id_cipher if current else reencrypt(subject.id_cipher)
                    )
                    touched.append(subject)
            Subject.objects.bulk_update(touched, ["id_hash", "id_cipher"])
            total, changed, last = total + len(rows), changed + len(touched), rows[-1].pk
    audit_record(
        actor=actor, action="subject.rekey", details={"subjects": total, "changed": changed}
    )
    return RekeyResult(subjects=total, changed=changed)


def _rehash_on_touch(cursor: Any, latest: dict[tuple[str, str], SubjectClaim]) -> None:
    """During a lookup-key rotation, a person stored under an earlier key's hash is moved to the
    current one before claims are matched, so writes never create a second subject for them
    (subjects_rekey moves everyone else)."""
    if not settings.SUBJECT_LOOKUP_KEY_FALLBACKS:
        return
    moves = [(key[1], earlier) for key, claim in latest.items() if key[0] == "id" and claim.id_number
             for earlier in lookup_hashes(claim.id_number)[1:]]  # fmt: skip
    if moves:
        cursor.executemany("UPDATE subjects_subject SET id_hash = %s WHERE id_hash = %s", moves)
