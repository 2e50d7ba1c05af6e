"""The change feed (core/common/changefeed.py) on a real Redis: each `_Feed` below is what one web
process holds, with its own subscriber connection."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator

import pytest
from django.test import override_settings

from core.common import changefeed
from core.config.local_services import RunningServer, redis_start

ROUTING, WANZHOU = changefeed.ROUTING, changefeed.data_topic("wanzhou")


@pytest.fixture
def redis() -> Iterator[RunningServer]:
    """A private Redis, so that a test can stop it, freeze it or restart it."""
    server = redis_start(db=3)
    with override_settings(CACHES=_cache(server.url)):
        yield server
    server.stop()


def _cache(url: str) -> dict[str, dict[str, str]]:
    return {"default": {"BACKEND": "core.common.rediscache.PooledRedisCache", "LOCATION": url}}


def _signal(server: RunningServer, number: int) -> None:
    assert server.process is not None
    os.killpg(server.process.pid, number)  # redis-server runs in a session of its own


def test_a_stamp_holds_until_its_topic_is_announced_anywhere(redis: RunningServer) -> None:
    reader, writer = changefeed._Feed(), changefeed._Feed()
    routes, data = reader.stamp(ROUTING), reader.stamp(WANZHOU)
    assert routes is not None
    assert data is not None
    assert (reader.stamp(ROUTING), reader.stamp(WANZHOU)) == (routes, data)

    writer.announce(ROUTING)

    # No sleep: `announce` returns once its own subscription has the message back, and Redis
    # writes it to every subscriber in the same pass.
    assert reader.stamp(ROUTING) not in (None, routes)
    assert reader.stamp(WANZHOU) == data
    assert reader.stamp(changefeed.data_topic("kaizhou")) is not None


def test_everything_moves_every_stamp(redis: RunningServer) -> None:
    reader, writer = changefeed._Feed(), changefeed._Feed()
    before = [reader.stamp(topic) for topic in (ROUTING, WANZHOU)]

    writer.announce(changefeed.EVERYTHING)

    after = [reader.stamp(topic) for topic in (ROUTING, WANZHOU)]
    assert all(a not in (None, b) for a, b in zip(after, before, strict=True))


def test_the_announcing_process_moves_its_own_stamp_at_once(redis: RunningServer) -> None:
    feed = changefeed._Feed()
    before = feed.stamp(WANZHOU)

    feed.announce(WANZHOU)

    assert feed.stamp(WANZHOU) not in (None, before)


def test_without_redis_nothing_is_trusted_and_a_new_subscription_is_a_new_stamp() -> None:
    server = redis_start(db=3)
    try:
        with override_settings(CACHES=_cache(server.url)):
            feed = changefeed._Feed()
            before = feed.stamp(ROUTING)
            assert before is not None
            server.stop()

            assert feed.stamp(ROUTING) is None
            assert feed.stamp(ROUTING) is None  # and no new connection until RETRY_AFTER
            feed.announce(ROUTING)  # a writer without Redis: logged, nothing raised

        restarted = redis_start(db=3)
        try:
            with override_settings(CACHES=_cache(restarted.url)):
                feed.retry_at = 0.0  # as after RETRY_AFTER
                again = feed.stamp(ROUTING)
                # Messages may have been lost meanwhile: never the stamp from before the outage.
                assert again not in (None, before)
        finally:
            restarted.stop()
    finally:
        server.stop()


def test_a_subscription_that_stops_answering_is_distrusted_within_a_second(
    redis: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(changefeed, "PONG_WAIT", 0.2)
    feed = changefeed._Feed()
    assert feed.stamp(ROUTING) is not None
    _signal(redis, signal.SIGSTOP)  # the connection stays open; nothing answers any more
    try:
        deadline = time.monotonic() + changefeed.PROVEN_FOR + changefeed.PONG_WAIT + 0.2
        answers = []
        while time.monotonic() < deadline and None not in answers:
            answers.append(feed.stamp(ROUTING))
            time.sleep(0.05)
    finally:
        _signal(redis, signal.SIGCONT)

    assert answers[-1] is None
    assert len(answers) >= (changefeed.PROVEN_FOR - 0.1) / 0.05  # trusted until the proof ran out


def test_an_idle_process_asks_once_before_trusting_again(
    redis: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    feed = changefeed._Feed()
    first = feed.stamp(ROUTING)
    assert feed.subscriber is not None
    feed.subscriber.proven -= 10  # as if the last proof of life were ten seconds old

    assert feed.stamp(ROUTING) == first
    assert time.monotonic() - feed.subscriber.proven < 1  # the PONG was waited for


def test_processes_on_other_databases_or_prefixes_do_not_hear_each_other() -> None:
    assert len({changefeed.channel_name(1), changefeed.channel_name(2),
                changefeed.channel_name(1, "other:")}) == 3  # fmt: skip


def test_without_redis_configured_the_feed_is_this_process_own() -> None:
    feed = changefeed._Feed()  # the tests' cache is in process memory
    before = feed.stamp(ROUTING)

    feed.announce(ROUTING)

    assert feed.stamp(ROUTING) != before
    assert feed.stamp(WANZHOU) == feed.stamp(WANZHOU)
