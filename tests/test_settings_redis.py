"""EVENTSTREAM_REDIS from REDIS_URL: every option of the URL reaches both of django-eventstream's
Redis clients (the sync one that publishes, the asyncio one that listens)."""
import pytest
import redis
import redis.asyncio

from photosite.settings import eventstream_redis_kwargs


@pytest.mark.parametrize(("url", "expected"), [
    ("redis://127.0.0.1:6379/12", {"host": "127.0.0.1", "port": 6379, "db": 12}),
    ("rediss://user:secret@cache.example:6380/2", {"host": "cache.example", "port": 6380, "db": 2, "ssl": True,
                                                   "username": "user", "password": "secret"}),
    ("redis://127.0.0.1/0?socket_timeout=5&health_check_interval=30", {"socket_timeout": 5.0,
                                                                        "health_check_interval": 30}),
    ("unix:///run/redis.sock?db=3", {"unix_socket_path": "/run/redis.sock", "db": 3}),
])
def test_every_url_option_reaches_both_clients(url, expected):
    # when
    kwargs = eventstream_redis_kwargs(url)
    # then the options are kept, and both clients accept them (no connection is opened)
    assert expected.items() <= kwargs.items()
    redis.Redis(**kwargs)
    redis.asyncio.Redis(**kwargs)
