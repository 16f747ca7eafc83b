"""The Redis cache backend, with its client objects reused; and :func:`cached_lookup`.

Django's ``RedisCache`` builds a new ``redis.Redis`` object for every cache operation; with
redis-py 5 that object fills a table of ~170 response callbacks each time, which cost more than
the Redis round trip itself on the public rating page (a dozen cache operations a request, about
1.5 ms of a submission's time on the benchmark). The connection pools were always shared; this
keeps one client object per pool too (a ``redis.Redis`` on a pool is safe to share).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class ReusingRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client


T = TypeVar("T")


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient


def cached_lookup(key: str, seconds: int, load: Callable[[], T | None]) -> T | None:
    """``load()``'s answer, kept in the shared cache for ``seconds`` — a None answer too (stored as
    False), so a lookup of something missing is not a query each time either."""
    cached = cache.get(key)
    if cached is not None:
        return cached or None
    value = load()
    cache.set(key, value if value is not None else False, seconds)
    return value
