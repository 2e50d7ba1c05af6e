"""Answers kept in this process's memory, in front of the shared cache (issue 25).

An entry is served only while the change feed's stamp it was stored under is still the current
one (core/common/changefeed.py: nothing announced a change of its data since, and the feed was
alive all along), on the same day (answers depend on the date: publicity periods), and within its
time to live. Bounded by count and by size per entry, least recently used out first.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Hashable


class ProcessCache:
    def __init__(self, max_entries: int, max_entry_bytes: int) -> None:
        self.max_entries = max_entries
        self.max_entry_bytes = max_entry_bytes
        self._lock = threading.Lock()
        self._entries: OrderedDict[Hashable, tuple[Hashable, str, float, bytes]] = OrderedDict()

    def get(self, key: Hashable, stamp: Hashable, day: str) -> bytes | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry[:2] != (stamp, day) or entry[2] <= time.monotonic():
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return entry[3]

    def put(self, key: Hashable, stamp: Hashable, day: str, value: bytes, seconds: float) -> None:
        if len(value) > self.max_entry_bytes or seconds <= 0:
            return
        with self._lock:
            self._entries[key] = (stamp, day, time.monotonic() + seconds, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
