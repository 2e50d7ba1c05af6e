"""Reads for subjects."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from core.common.identifiers import normalise
from core.subjects.models import Subject
from core.subjects.protection import lookup_hashes
from core.subjects.search import search_words


def subject_search(*, query: str, limit: int = 50) -> QuerySet[Subject]:
    """By exact 统一社会信用代码 or ID number, or by words in the name (staff console)."""
    text = query.strip()
    if not text:
        return Subject.objects.none()
    code = normalise(text)
    subjects = Subject.objects.annotate(record_count=Count("records"))
    if len(code) == 18 and code.isalnum():
        by_code = subjects.filter(uscc=code) | subjects.filter(id_hash__in=lookup_hashes(code))
        if by_code.exists():
            return by_code
    # Every word must occur in the name ("万州 药房"), as on the portal (core/subjects/search.py).
    for word in search_words(text):
        subjects = subjects.filter(name__icontains=word)
    return subjects.order_by("name")[:limit]


def subject_get(*, subject_id: int) -> Subject:
    return Subject.objects.prefetch_related("names", "aliases").get(pk=subject_id)
