"""Writes for subjects: one subject per real entity, names kept as history. Set-based: a few
statements per chunk of claims, whatever its size."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from core.audit.services import audit_record
from core.common.actors import Actor
from core.common.identifiers import mask_resident_id
from core.common.pgcopy import copy_rows
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
    """Subject ids for every claim's key, creating subjects that do not exist yet (see
    `subjects_staged_resolve`)."""
    if not claims:
        return {}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE tmp_claim ({CLAIM_TABLE_COLUMNS}) ON COMMIT DROP")
        copy_rows(
            cursor, "tmp_claim", CLAIM_COLUMNS, (claim_row(i, c) for i, c in enumerate(claims))
        )
        aliases = [(i, *a) for i, c in enumerate(claims) for a in c.aliases.items()]
        if aliases:
            cursor.execute(
                f"CREATE TEMP TABLE tmp_claim_alias ({ALIAS_TABLE_COLUMNS}) ON COMMIT DROP"
            )
            copy_rows(cursor, "tmp_claim_alias", ("pos", "kind", "value"), aliases)
        with subjects_staged_resolve(
            cursor,
            claims="tmp_claim",
            aliases="tmp_claim_alias" if aliases else None,
            id_numbers=[c.id_number for c in claims if not c.uscc and c.id_number],
        ) as keys:
            cursor.execute(f"SELECT key_kind, key, subject_id FROM {keys}")  # noqa: S608
            ids = {(str(kind), str(key)): int(pk) for kind, key, pk in cursor.fetchall()}
        cursor.execute("DROP TABLE tmp_claim")
        if aliases:
            cursor.execute("DROP TABLE tmp_claim_alias")
    return ids


# A staged claim: its position (later claims win ties), its key, and what it says.
CLAIM_COLUMNS = (
    "pos", "key_kind", "key", "subject_kind", "subject_name", "decision_date", "id_masked",
    "id_cipher",
)  # fmt: skip
CLAIM_TABLE_COLUMNS = (
    "pos integer, key_kind text, key text, subject_kind text, subject_name text, "
    "decision_date date, id_masked text, id_cipher text"
)
ALIAS_TABLE_COLUMNS = "pos integer, kind text, value text"


def claim_row(pos: int, claim: SubjectClaim) -> tuple[object, ...]:
    """The staged columns of a claim (CLAIM_COLUMNS). A natural person's number is only ever
    staged masked (for display) and encrypted (for authorised use), keyed by its lookup hash."""
    key = claim.key
    if key[0] == "id":
        number = claim.id_number or ""
        masked, cipher = mask_resident_id(number), encrypt(number)
    else:
        masked = cipher = ""
    return (pos, *key, claim.kind, claim.name, claim.seen_on, masked, cipher)


@contextmanager
def subjects_staged_resolve(
    cursor: Any, *, claims: str, aliases: str | None, id_numbers: Sequence[str] = ()
) -> Iterator[str]:
    """Resolve the claims staged in the caller's temporary table `claims` (CLAIM_COLUMNS,
    possibly more) and their legacy codes in `aliases` (pos, kind, value), set-based, whatever
    their number: subjects that do not exist yet are created, a newer (or same-day) name replaces
    the current one, every name seen is kept in SubjectName, legacy codes are kept as aliases.
    Yields the name of a table (key_kind, key, subject_id), one row per key, for the caller to
    join while inside the block; every table this function creates is gone after it.
    `id_numbers` are the natural persons' numbers claimed (moved to the current lookup key first
    during a key rotation)."""
    now = timezone.now()
    _rehash_on_touch(cursor, id_numbers)
    # Fold the claims (a chunk names each subject several times): the latest claim per key (the
    # later one on the same day), the first day each (key, name) was seen.
    cursor.execute(
        "CREATE TEMP TABLE tmp_latest ON COMMIT DROP AS SELECT DISTINCT ON (key_kind, key) "  # noqa: S608
        "key_kind, key, subject_kind AS kind, subject_name AS name, decision_date AS seen_on, "
        f"id_masked, id_cipher FROM {claims} ORDER BY key_kind, key, decision_date DESC, pos DESC"
    )
    cursor.execute(
        "CREATE TEMP TABLE tmp_name ON COMMIT DROP AS SELECT key_kind, key, "  # noqa: S608
        f"subject_name AS name, min(decision_date) AS seen_on FROM {claims} GROUP BY 1, 2, 3"
    )
    cursor.execute("ANALYZE tmp_latest, tmp_name")  # small tables: join by index
    cursor.execute(
        "INSERT INTO subjects_subject (kind, name, name_as_of, uscc, id_hash, id_masked, id_cipher, created_at, updated_at) "
        "SELECT kind, name, seen_on, CASE WHEN key_kind = 'uscc' THEN key END, "
        "CASE WHEN key_kind = 'id' THEN key END, id_masked, id_cipher, %s, %s FROM tmp_latest "
        # In key order: concurrent uploads naming the same companies wait for each other on
        # the unique keys in one order, never in a cycle.
        "ORDER BY key_kind, key ON CONFLICT DO NOTHING",
        [now, now],
    )
    cursor.execute(
        "CREATE TEMP TABLE tmp_subject_key ON COMMIT DROP AS "
        "SELECT l.key_kind, l.key, s.id AS subject_id FROM tmp_latest l "
        "JOIN subjects_subject s ON s.uscc = l.key WHERE l.key_kind = 'uscc' UNION ALL "
        "SELECT l.key_kind, l.key, s.id FROM tmp_latest l "
        "JOIN subjects_subject s ON s.id_hash = l.key WHERE l.key_kind = 'id'"
    )
    # Renames, names and aliases also take their locks in subject order (see the insert above).
    joined = "tmp_latest l JOIN tmp_subject_key k USING (key_kind, key)"
    renamed = "s.id = k.subject_id AND l.seen_on >= s.name_as_of AND s.name <> l.name"
    cursor.execute(
        f"SELECT s.id FROM subjects_subject s, {joined} WHERE {renamed} "  # noqa: S608
        "ORDER BY s.id FOR UPDATE OF s"
    )
    cursor.execute(
        "UPDATE subjects_subject s SET name = l.name, name_as_of = l.seen_on, updated_at = %s "  # noqa: S608
        f"FROM {joined} WHERE {renamed}",
        [now],
    )
    cursor.execute(
        "INSERT INTO subjects_subjectname (subject_id, name, seen_from) "
        "SELECT k.subject_id, n.name, n.seen_on FROM tmp_name n "
        "JOIN tmp_subject_key k USING (key_kind, key) ORDER BY 1, 2 ON CONFLICT DO NOTHING"
    )
    if aliases:
        cursor.execute(
            "INSERT INTO subjects_subjectalias (subject_id, kind, value) "  # noqa: S608
            f"SELECT DISTINCT k.subject_id, a.kind, a.value FROM {aliases} a "
            f"JOIN {claims} c USING (pos) JOIN tmp_subject_key k USING (key_kind, key) "
            "ORDER BY 1, 2, 3 ON CONFLICT DO NOTHING"
        )
    cursor.execute("DROP TABLE tmp_latest, tmp_name")
    try:
        yield "tmp_subject_key"
    finally:
        cursor.execute("DROP TABLE IF EXISTS tmp_subject_key")


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


def _rehash_on_touch(cursor: Any, id_numbers: Sequence[str]) -> None:
    """During a lookup-key rotation, a person stored under an earlier key's hash is moved to the
    current one before claims are matched, so writes never create a second subject for them
    (subjects_rekey moves everyone else)."""
    if not settings.SUBJECT_LOOKUP_KEY_FALLBACKS:
        return
    moves = [(hashes[0], earlier) for number in set(id_numbers)
             for hashes in [lookup_hashes(number)] for earlier in hashes[1:]]  # fmt: skip
    if moves:
        cursor.executemany("UPDATE subjects_subject SET id_hash = %s WHERE id_hash = %s", moves)
