"""Rotating the keys that protect identity numbers: with the earlier keys as fallbacks a person is
still found and their number still read; `subjects_rekey` re-hashes and re-encrypts every subject,
after which the earlier keys can go; a second run changes nothing."""

from __future__ import annotations

import base64
from datetime import date
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django_tenants.utils import schema_context

from core.subjects.models import Subject
from core.subjects.protection import decrypt, encrypt, lookup_hash
from core.subjects.selectors import subject_search
from tenants.models import District

PERSON = "11010519491231002X"
OLD_DATA = base64.urlsafe_b64encode(b"o" * 32).decode()
NEW_DATA = base64.urlsafe_b64encode(b"n" * 32).decode()


@pytest.fixture
def person(wanzhou: District, settings: Any) -> int:
    settings.SUBJECT_LOOKUP_KEY, settings.SUBJECT_LOOKUP_KEY_FALLBACKS = "old-lookup-key", []
    settings.SUBJECT_DATA_KEY, settings.SUBJECT_DATA_KEY_FALLBACKS = OLD_DATA, []
    with schema_context("wanzhou"):
        return Subject.objects.create(kind="natural", name="张三", id_hash=lookup_hash(PERSON),
                                      id_cipher=encrypt(PERSON), id_masked="110105********002X",
                                      name_as_of="2026-11-01").pk  # fmt: skip


def found(code: str) -> list[int]:
    with schema_context("wanzhou"):
        return [s.pk for s in subject_search(query=code)]


def test_a_rotation_keeps_people_findable_and_rekey_moves_them_to_the_new_keys(
    person: int, settings: Any
) -> None:
    # when: new keys, the old ones as fallbacks
    settings.SUBJECT_LOOKUP_KEY, settings.SUBJECT_LOOKUP_KEY_FALLBACKS = (
        "new-lookup-key",
        ["old-lookup-key"],
    )
    settings.SUBJECT_DATA_KEY, settings.SUBJECT_DATA_KEY_FALLBACKS = NEW_DATA, [OLD_DATA]

    # then: still found and read before the rekey
    assert found(PERSON) == [person]
    with schema_context("wanzhou"):
        assert decrypt(Subject.objects.get(pk=person).id_cipher) == PERSON

    # when: the rekey runs (twice), then the fallbacks are removed
    first, second = StringIO(), StringIO()
    call_command("subjects_rekey", "--district", "wanzhou", stdout=first)
    call_command("subjects_rekey", "--district", "wanzhou", stdout=second)
    settings.SUBJECT_LOOKUP_KEY_FALLBACKS, settings.SUBJECT_DATA_KEY_FALLBACKS = [], []

    # then
    assert first.getvalue() == "万州区（wanzhou）：1个主体，更新1个；0条记录含证件号码，更新0条\n"
    assert second.getvalue() == "万州区（wanzhou）：1个主体，更新0个；0条记录含证件号码，更新0条\n"
    assert found(PERSON) == [person]
    with schema_context("wanzhou"):
        subject = Subject.objects.get(pk=person)
        assert (subject.id_hash, decrypt(subject.id_cipher)) == (lookup_hash(PERSON), PERSON)


def test_without_the_fallbacks_a_rotated_key_finds_nobody(person: int, settings: Any) -> None:
    settings.SUBJECT_LOOKUP_KEY = "new-lookup-key"

    assert found(PERSON) == []


def test_a_write_during_the_rotation_reaches_the_same_person(person: int, settings: Any) -> None:
    from core.subjects.services import SubjectClaim, subjects_resolve

    settings.SUBJECT_LOOKUP_KEY, settings.SUBJECT_LOOKUP_KEY_FALLBACKS = (
        "new-lookup-key",
        ["old-lookup-key"],
    )
    claim = SubjectClaim(kind="natural", name="张三", uscc=None, id_number=PERSON, aliases={},
                         seen_on=date(2026, 11, 20))  # fmt: skip

    with schema_context("wanzhou"):
        resolved = subjects_resolve([claim])

        assert resolved == {claim.key: person}
        assert Subject.objects.filter(kind="natural").count() == 1
        assert Subject.objects.get(pk=person).id_hash == lookup_hash(PERSON)
