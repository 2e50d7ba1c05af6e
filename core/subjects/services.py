"""Writes for subjects: one subject per real entity, names kept as history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone

from core.common.identifiers import mask_resident_id
from core.subjects.models import Subject, SubjectAlias, SubjectName
from core.subjects.protection import encrypt, lookup_hash


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
    """Subject ids for every claim's key, creating subjects that do not exist yet. A newer name
    replaces the current one; every name seen is kept in SubjectName. Set-based: a few queries for
    any number of claims."""
    latest: dict[tuple[str, str], SubjectClaim] = {}
    for claim in claims:
        key = claim.key
        if key not in latest or claim.seen_on >= latest[key].seen_on:
            latest[key] = claim
    ids = _existing(latest)
    missing = [k for k in latest if k not in ids]
    if missing:
        now = timezone.now()
        Subject.objects.bulk_create(
            [_new_subject(latest[k], now) for k in missing], ignore_conflicts=True
        )
        ids.update(_existing({k: latest[k] for k in missing}))
    _rename(latest, ids)
    SubjectName.objects.bulk_create(
        [SubjectName(subject_id=ids[c.key], name=c.name, seen_from=c.seen_on) for c in claims],
        ignore_conflicts=True,
    )
    SubjectAlias.objects.bulk_create(
        [
            SubjectAlias(subject_id=ids[c.key], kind=kind, value=value)
            for c in claims
            for kind, value in c.aliases.items()
        ],
        ignore_conflicts=True,
    )
    return ids


def _existing(claims: dict[tuple[str, str], SubjectClaim]) -> dict[tuple[str, str], int]:
    ids: dict[tuple[str, str], int] = {}
    usccs = [v for kind, v in claims if kind == "uscc"]
    hashes = [v for kind, v in claims if kind == "id"]
    for pk, uscc in Subject.objects.filter(uscc__in=usccs).values_list("id", "uscc"):
        ids[("uscc", str(uscc))] = pk
    for pk, id_hash in Subject.objects.filter(id_hash__in=hashes).values_list("id", "id_hash"):
        ids[("id", str(id_hash))] = pk
    return ids


def _new_subject(claim: SubjectClaim, now: datetime) -> Subject:
    subject = Subject(
        kind=claim.kind, name=claim.name, name_as_of=claim.seen_on, created_at=now, updated_at=now
    )
    if claim.uscc:
        subject.uscc = claim.uscc
    else:
        number = claim.id_number or ""
        subject.id_hash = lookup_hash(number)
        subject.id_masked = mask_resident_id(number)
        subject.id_cipher = encrypt(number)
    return subject


def _rename(latest: dict[tuple[str, str], SubjectClaim], ids: dict[tuple[str, str], int]) -> None:
    by_id = {ids[k]: c for k, c in latest.items()}
    stale = [
        s
        for s in Subject.objects.filter(id__in=by_id).only("id", "name", "name_as_of")
        if s.name != by_id[s.id].name and by_id[s.id].seen_on >= s.name_as_of
    ]
    for subject in stale:
        subject.name = by_id[subject.id].name
        subject.name_as_of = by_id[subject.id].seen_on
        subject.updated_at = timezone.now()
    Subject.objects.bulk_update(stale, ["name", "name_as_of", "updated_at"])
