"""django-redis' cache behind a circuit breaker (pybreaker): a hung Redis costs one wait, not
one per cache call.

With Redis down or hung, django-redis (IGNORE_EXCEPTIONS) answers each call as a miss, but only
after its socket timeout (REDIS_TIMEOUT, 0.25 s): a page asks the cache twice or more, so every
page waited that long again. Here the first failure opens the breaker of that Redis server, and
for CACHE_BREAKER_SECONDS every call of every cache on it is a miss at once, without touching
the network; then one call is let through, and its success closes the breaker (caching resumes
by itself) or its failure opens it again. One breaker per server and process, shared by its
threads and its cache aliases. Only a failure to reach Redis counts, never a value error.

    CACHES = {"pages": {"BACKEND": "metas.http.breaker.CircuitBreakerCache", ...}}
"""
from __future__ import annotations

import functools
import threading

import pybreaker
from django.conf import settings
from django_redis.cache import RedisCache
from django_redis.exceptions import ConnectionInterrupted

_breakers: dict[str, pybreaker.CircuitBreaker] = {}
_lock = threading.Lock()


def breaker_of(server: str) -> pybreaker.CircuitBreaker:
    with _lock:
        if server not in _breakers:
            _breakers[server] = pybreaker.CircuitBreaker(
                fail_max=1, reset_timeout=settings.METAS_CACHE_BREAKER_SECONDS,
                exclude=[lambda error: not isinstance(error, ConnectionInterrupted)],
                name=f"cache {server}",
                throw_new_error_on_trip=False,  # the log names what failed: a timeout, say
            )
        return _breakers[server]


class Guarded:
    """django-redis' client, each of its calls made through the breaker. An open breaker
    raises ConnectionInterrupted, which IGNORE_EXCEPTIONS turns into a miss."""

    def __init__(self, client, breaker: pybreaker.CircuitBreaker):
        self._client, self._breaker = client, breaker

    def __getattr__(self, name):
        attribute = getattr(self._client, name)
        if not callable(attribute):
            return attribute

        @functools.wraps(attribute)
        def guarded(*args, **kwargs):
            try:
                return self._breaker.call(attribute, *args, **kwargs)
            except pybreaker.CircuitBreakerError as error:
                raise ConnectionInterrupted(connection=None) from error

        return guarded


class CircuitBreakerCache(RedisCache):
    @property
    def client(self):
        guarded = self.__dict__.get("_guarded")
        if guarded is None:
            guarded = Guarded(super().client, breaker_of(str(self._server)))
            self.__dict__["_guarded"] = guarded
        return guarded
