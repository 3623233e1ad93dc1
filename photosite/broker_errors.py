"""What the background queue's broker raises when it cannot be reached: RedisError where the
queue is in Redis, nothing of its own otherwise (the ORM broker's failures are the database's).

Asked for at the `except`, so that redis (a tenth of a second of imports, asyncio and all) is
imported only by a site that has Redis configured, never by every command of one that has not."""
from django.conf import settings


def broker_errors() -> tuple[type[Exception], ...]:
    if not settings.REDIS_URL:
        return ()
    from redis import RedisError

    return (RedisError,)
