from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import caches
from django.test import override_settings
from django_tenants.utils import schema_context

from tests.support.servers import RunningServer, start_redis


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RunningServer]:
    server = start_redis()
    yield server
    server.stop()


@pytest.mark.django_db
def test_cache_entries_are_per_district_in_redis(redis_server: RunningServer) -> None:
    config = {
        "default": {
            "BACKEND": "core.common.rediscache.PooledRedisCache",
            "LOCATION": redis_server.url,
            "KEY_FUNCTION": "django_tenants.cache.make_key",
            "KEY_PREFIX": "cache-test",
        }
    }
    with override_settings(CACHES=config):
        cache = caches["default"]
        cache.clear()
        with schema_context("wanzhou"):
            cache.set("headline", "万州的数据", 60)
        with schema_context("kaizhou"):
            assert cache.get("headline") is None
            cache.set("headline", "开州的数据", 60)
        with schema_context("wanzhou"):
            assert cache.get("headline") == "万州的数据"
        raw_keys = sorted(k.decode() for k in cache._cache.get_client().keys("*cache-test*"))  # type: ignore[attr-defined]
        assert raw_keys == ["kaizhou:cache-test:1:headline", "wanzhou:cache-test:1:headline"]
        cache.clear()


def test_one_redis_client_per_pool_serves_every_operation(redis_server: RunningServer) -> None:
    config = {
        "default": {
            "BACKEND": "core.common.rediscache.PooledRedisCache",
            "LOCATION": redis_server.url,
        }
    }
    with override_settings(CACHES=config):
        cache = caches["default"]
        cache.set("a", 1, 60)
        client = cache._cache.get_client()  # type: ignore[attr-defined]

        assert cache.get_many(["a", "b"]) == {"a": 1}
        assert cache._cache.get_client(write=True) is client  # type: ignore[attr-defined]
