"""The cache URL of YANGGUANG_CACHE_URL: what each kind configures, and loud failures on bad values."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.redis import RedisCache

from config.env import ConfigError, cache_config


def test_memory_is_the_default_kind_and_is_not_shared(tmp_path: Path) -> None:
    caches, shared = cache_config("locmem://", tmp_path)
    assert caches["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert shared is False


def test_a_file_cache_is_shared_and_relative_paths_sit_under_var(tmp_path: Path) -> None:
    caches, shared = cache_config("file://cache", tmp_path)
    assert caches["default"]["LOCATION"] == str(tmp_path / "cache")
    assert shared is True
    caches, _shared = cache_config("file:///srv/yangguang/cache", tmp_path)
    assert caches["default"]["LOCATION"] == "/srv/yangguang/cache"


def test_redis_urls_are_passed_on(tmp_path: Path) -> None:
    caches, shared = cache_config("redis://127.0.0.1:6379/1", tmp_path)
    assert caches["default"] == {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/1",
    }
    assert shared is True


@pytest.mark.parametrize("url", ["redis", "memcached://127.0.0.1:11211", "file://", "127.0.0.1:6379"])
def test_bad_urls_stop_start_up_with_the_variable_named(url: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="YANGGUANG_CACHE_URL"):
        cache_config(url, tmp_path)


def test_a_file_cache_is_seen_by_another_instance(tmp_path: Path) -> None:
    from django.core.cache.backends.filebased import FileBasedCache

    location = cache_config("file://c", tmp_path)[0]["default"]["LOCATION"]
    one: BaseCache = FileBasedCache(str(location), {})
    other: BaseCache = FileBasedCache(str(location), {})
    one.set("k", "值", 30)
    assert other.get("k") == "值"


def test_the_redis_cache_works_when_a_redis_answers(tmp_path: Path) -> None:
    import redis

    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/15", socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    location = str(cache_config("redis://127.0.0.1:6379/15", tmp_path)[0]["default"]["LOCATION"])
    cache = RedisCache(location, {})
    key = f"yg-test-{uuid.uuid4()}"
    cache.set(key, {"n": 1}, 5)
    assert cache.get(key) == {"n": 1}
    cache.delete(key)
