"""Changes announced to every process of the platform at once, so that what a process keeps in its
own memory (the routes from host to district, cached API answers) can be trusted without asking
Redis on every request (issue 25).

A writer announces a topic (`ROUTING`, `data_topic(schema)`) once its transaction commits: one
PUBLISH on the platform's channel. Every process that asks for a `stamp()` holds one subscriber
connection to that channel and looks at it without a round trip (a select() on its socket, about
2 µs, against about 120 µs for a GET). A stamp is a token that stays equal while nothing was
announced for its topic, so a process keeps something together with the stamp it was read under
and trusts it while `stamp()` still returns the same token.

- Strict order on one Redis: `announce` waits until its own subscription has received the message.
  Redis writes a message to every subscriber in the same pass, so when the writer's request
  returns, every other process on the machine already has the message in its socket, and its next
  request sees the change.
- Nothing is trusted blindly: `stamp()` returns None (keep nothing, ask the database or Redis as
  before) when Redis cannot be reached, and a new subscription is a new stamp, since messages may
  have been lost while there was none. A subscription is proven alive by a PING at most every
  half second; one that has not answered for a second (an idle process, or a network that drops
  packets without closing the connection) is asked again and waited for, up to `PONG_WAIT`.
  So a silently dead connection can hide a change for about one second, no longer.
- The topic `EVERYTHING` moves every stamp (a flushed cache, tests).
- Without Redis (the cache in process memory: tests and the demo's single process) the feed is
  this process's own: announcing moves the stamp here at once, which is all there is.
"""

from __future__ import annotations

import itertools
import logging
import os
import secrets
import threading
import time
from collections.abc import Hashable
from typing import Any

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

from core.common.softcache import CACHE_ERRORS

logger = logging.getLogger("core.cache")

ROUTING = "routing"
EVERYTHING = "*"
PING_AFTER = 0.5  # seconds since the last proof of life before a PING is sent along
PROVEN_FOR = 1.0  # seconds a PONG proves the subscription alive
PONG_WAIT = 0.5  # how long a request waits for a PONG once the proof is older than PROVEN_FOR
RETRY_AFTER = 1.0  # after a failure, seconds before connecting again (requests meanwhile: None)
ANNOUNCE_WAIT = 1.0  # how long `announce` waits to see its own message come back

_numbers = itertools.count(1)


def data_topic(schema: str) -> str:
    """The topic of a district's data version (core/common/versioning.py)."""
    return f"data:{schema}"


def channel_name(db: int, prefix: str = "") -> str:
    """The platform's channel. PUBLISH ignores Redis's database numbers, so the channel names the
    cache's database and key prefix: deployments sharing a Redis do not hear each other."""
    return f"{prefix}credit:changes:{db}"


class _Subscriber:
    """One subscriber connection and the number of messages it has seen per topic."""

    def __init__(self, pool: Any, channel: str) -> None:
        self.number = next(_numbers)
        self.connection = pool.make_connection()
        self.counts: dict[str, int] = {}
        self.waiting_for: set[str] = set()
        self.connection.connect()
        self.connection.send_command("SUBSCRIBE", channel)
        if not self.connection.can_read(timeout=PONG_WAIT):
            raise ConnectionError("no answer to SUBSCRIBE")
        reply = self.connection.read_response(push_request=True)
        if not (isinstance(reply, list) and reply[:1] == [b"subscribe"]):
            raise ConnectionError(f"unexpected answer to SUBSCRIBE: {reply!r}")
        self.proven = time.monotonic()
        self.pinged = False

    def drain(self) -> None:
        while self.connection.can_read(timeout=0):
            self._take(self.connection.read_response(push_request=True))

    def _take(self, reply: Any) -> None:
        # RESP3 answers a PING with PONG even while subscribed; RESP2 with ["pong", ""].
        if reply == b"PONG" or (isinstance(reply, list) and reply[:1] == [b"pong"]):
            self.proven = time.monotonic()
            self.pinged = False
        elif isinstance(reply, list) and len(reply) == 3 and reply[0] == b"message":
            topic, _, nonce = bytes(reply[2]).decode().partition(" ")
            self.counts[topic] = self.counts.get(topic, 0) + 1
            self.waiting_for.discard(nonce)

    def alive(self) -> bool:
        now = time.monotonic()
        if now - self.proven < PING_AFTER:
            return True
        if not self.pinged:
            self.connection.send_command("PING")
            self.pinged = True
        if now - self.proven < PROVEN_FOR:
            return True
        return self.wait(lambda: time.monotonic() - self.proven < PROVEN_FOR, PONG_WAIT)

    def wait(self, done: Any, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while not done():
            left = deadline - time.monotonic()
            if left <= 0 or not self.connection.can_read(timeout=left):
                return False
            self._take(self.connection.read_response(push_request=True))
        return True

    def stamp(self, topic: str) -> tuple[int, int, int]:
        return (self.number, self.counts.get(EVERYTHING, 0), self.counts.get(topic, 0))


class _Feed:
    """This process's subscription, made on first use and again after a fork or a failure."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.subscriber: _Subscriber | None = None
        self.pid = os.getpid()
        self.retry_at = 0.0
        self.local: dict[str, int] = {}  # the feed when the cache is this process's memory

    def _redis(self) -> tuple[Any, Any, str] | None:
        """The cache's pool, a client on it and the channel; None when the cache is in memory."""
        cache = caches["default"]
        if not isinstance(cache, RedisCache):
            return None
        client = cache._cache.get_client(write=True)  # type: ignore[attr-defined]
        pool = client.connection_pool
        db = int(pool.connection_kwargs.get("db") or 0)
        return pool, client, channel_name(db, cache.key_prefix)

    def _subscribed(self) -> _Subscriber | None:
        if self.pid != os.getpid():
            # A forked child: the parent's socket is not ours to read or close.
            self.subscriber, self.pid, self.retry_at = None, os.getpid(), 0.0
        if self.subscriber is None and time.monotonic() >= self.retry_at:
            redis = self._redis()
            assert redis is not None
            try:
                self.subscriber = _Subscriber(redis[0], redis[2])
            except CACHE_ERRORS as error:
                self._failed("subscribe", error)
        return self.subscriber

    def _failed(self, operation: str, error: Exception) -> None:
        logger.warning("change feed unavailable, %s failed (%s)", operation, type(error).__name__)
        if self.subscriber is not None:
            self.subscriber.connection.disconnect()
        self.subscriber = None
        self.retry_at = time.monotonic() + RETRY_AFTER

    def stamp(self, topic: str) -> Hashable | None:
        if not isinstance(caches["default"], RedisCache):
            return (0, self.local.get(EVERYTHING, 0), self.local.get(topic, 0))
        with self.lock:
            subscriber = self._subscribed()
            if subscriber is None:
                return None
            try:
                subscriber.drain()
                if not subscriber.alive():
                    raise ConnectionError("no PONG within the wait")
            except CACHE_ERRORS as error:
                self._failed("poll", error)
                return None
            return subscriber.stamp(topic)

    def announce(self, topic: str) -> None:
        redis = self._redis()
        if redis is None:
            self.local[topic] = self.local.get(topic, 0) + 1
            return
        _, client, channel = redis
        nonce = secrets.token_hex(8)
        with self.lock:
            subscriber = self._subscribed()
            if subscriber is not None:
                # This process forgets at once, whether or not the message comes back.
                subscriber.counts[topic] = subscriber.counts.get(topic, 0) + 1
                subscriber.waiting_for.add(nonce)
            try:
                client.publish(channel, f"{topic} {nonce}")
                if subscriber is not None and not subscriber.wait(
                    lambda: nonce not in subscriber.waiting_for, ANNOUNCE_WAIT
                ):
                    raise ConnectionError("the announcement did not come back")
            except CACHE_ERRORS as error:
                self._failed("announce", error)

    def forget(self) -> None:
        """Move every stamp of this process: a new subscription, or locally as if `EVERYTHING`
        had been announced."""
        with self.lock:
            if self.subscriber is not None and self.pid == os.getpid():
                self.subscriber.connection.disconnect()
            self.subscriber = None
            self.retry_at = 0.0
            self.local[EVERYTHING] = self.local.get(EVERYTHING, 0) + 1


_feed = _Feed()


def stamp(topic: str) -> Hashable | None:
    """A token that stays equal while nothing was announced for `topic` (or `EVERYTHING`); None
    when this process cannot tell, and must then keep nothing."""
    return _feed.stamp(topic)


def announce(topic: str) -> None:
    """Tell every process that `topic` changed. Call after the change is committed (a reader
    told earlier would read the old data again and keep it)."""
    _feed.announce(topic)


def feed_forget() -> None:
    """Distrust everything this process keeps (tests, whose transactions roll back unannounced)."""
    _feed.forget()
