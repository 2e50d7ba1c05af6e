"""Host name → district, kept in each web process (issue 25).

Looking the host up cost a query (and its `SET search_path`) on every request. Each process now
keeps the districts it has routed to, and trusts them while the platform's routing version (one
cache read per request, far cheaper than the query) is the one it read them under. Any saved or
deleted district or domain moves the version when its transaction commits (signals below; code
that changes them with `update()`, which sends no signal, calls `routing_changed()`), and clears
this process's copy at once. So a suspension or a new domain applies to the next request in every
process, as before. Without the cache (Redis down) nothing is kept: every request looks its host
up as before.
"""

from __future__ import annotations

import copy
import secrets
import threading
from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django_tenants.utils import schema_context

from core.common.softcache import cache_add, cache_get, cache_set
from tenants.models import District, Domain

# Read and written in the public schema (cache keys carry the current schema's name).
VERSION_KEY = "tenants:routing-version"
MAX_HOSTS = 10_000


class _Routes:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.hosts: dict[str, District] = {}
        self.version: str | None = None

    def clear(self) -> None:
        with self.lock:
            self.hosts.clear()
            self.version = None


_routes = _Routes()


def _version() -> str | None:
    with schema_context("public"):
        version = cache_get(VERSION_KEY)
        if version is None:
            fresh = secrets.token_hex(8)
            version = fresh if cache_add(VERSION_KEY, fresh, None) else cache_get(VERSION_KEY)
    return None if version is None else str(version)


def _bump() -> None:
    with schema_context("public"):
        cache_set(VERSION_KEY, secrets.token_hex(8), None)


def _current() -> bool:
    """Whether this process's routes may be used for this request."""
    version = _version()
    with _routes.lock:
        if version is None:  # no cache: keep nothing
            _routes.hosts.clear()
            _routes.version = None
            return False
        if version != _routes.version:
            _routes.hosts.clear()
            _routes.version = version
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
    """A district or domain changed: forget this process's routes now, and move the version for
    every process once the transaction commits."""
    _routes.clear()
    transaction.on_commit(_bump)


@receiver(post_save, sender=District)
@receiver(post_delete, sender=District)
@receiver(post_save, sender=Domain)
@receiver(post_delete, sender=Domain)
def _routing_row_changed(**kwargs: Any) -> None:
    routing_changed()
