"""Host name → district, kept in each web process (issue 25).

Looking the host up cost a query (and its `SET search_path`) on every request. Each process now
keeps the districts it has routed to, and trusts them while the change feed's stamp for routing
(core/common/changefeed.py: a look at a socket, no round trip) is the one it read them under. Any
saved or deleted district or domain announces a change when its transaction commits (signals
below; code that changes them with `update()`, which sends no signal, calls `routing_changed()`),
and clears this process's copy at once. So a suspension or a new domain applies to the next
request in every process, as before. When the feed cannot tell (Redis down) nothing is kept:
every request looks its host up as before.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Hashable
from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from core.common import changefeed
from tenants.models import District, Domain

MAX_HOSTS = 10_000


class _Routes:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.hosts: dict[str, District] = {}
        self.stamp: Hashable | None = None

    def clear(self) -> None:
        with self.lock:
            self.hosts.clear()
            self.stamp = None


_routes = _Routes()


def _current() -> bool:
    """Whether this process's routes may be used for this request."""
    stamp = changefeed.stamp(changefeed.ROUTING)
    with _routes.lock:
        if stamp is None:  # the feed cannot tell: keep nothing
            _routes.hosts.clear()
            _routes.stamp = None
            return False
        if stamp != _routes.stamp:
            _routes.hosts.clear()
            _routes.stamp = stamp
    return True


def district_for_host(hostname: str) -> District:
    """The district `hostname` routes to, a copy for this request; raises Domain.DoesNotExist."""
    usable = _current()
    found = _routes.hosts.get(hostname) if usable else None
    if found is None:
        found = Domain.objects.select_related("tenant").get(domain=hostname).tenant
        if usable:
            with _routes.lock:
                if len(_routes.hosts) >= MAX_HOSTS:
                    _routes.hosts.clear()
                _routes.hosts[hostname] = found
    return copy.copy(found)


def routing_forget() -> None:
    """Forget this process's routes (tests, between which transactions roll back unsignalled)."""
    _routes.clear()


def routing_changed() -> None:
    """A district or domain changed: forget this process's routes now, and tell every process once
    the transaction commits."""
    _routes.clear()
    transaction.on_commit(lambda: changefeed.announce(changefeed.ROUTING))


@receiver(post_save, sender=District)
@receiver(post_delete, sender=District)
@receiver(post_save, sender=Domain)
@receiver(post_delete, sender=Domain)
def _routing_row_changed(**kwargs: Any) -> None:
    routing_changed()
