"""Announcements a lower layer makes and a higher one reacts to: the layer map
(docs/architecture.md) lets scoring read records, never records call scoring.

Records, remedies, collection and retention announce `subjects_changed` when they write what a
subject's standing depends on; scoring listens (its AppConfig.ready registers the listener) and
rescores. The announcement reaches the listeners once the transaction commits (nothing is
announced for a rollback), in the schema that was current when it was made. ADR 0015.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from core.common.tenancy import on_commit_here

# (subject ids, or None for every subject; why) → None
SubjectsListener = Callable[[list[int] | None, str], None]
_subject_listeners: list[SubjectsListener] = []


def on_subjects_changed(listener: SubjectsListener) -> SubjectsListener:
    """Register a listener (once: registering the same function again does nothing)."""
    if listener not in _subject_listeners:
        _subject_listeners.append(listener)
    return listener


def subjects_changed(subject_ids: Iterable[int] | None, *, reason: str) -> None:
    """Announce that these subjects' records changed (None: possibly all of them), after commit."""
    ids = None if subject_ids is None else sorted(set(subject_ids))
    if ids == []:
        return

    def deliver() -> None:
        for listener in list(_subject_listeners):
            listener(ids, reason)

    on_commit_here(deliver)
