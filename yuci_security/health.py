"""``/healthz``: is the web process able to reach its database and Redis? For the container
health check and the load balancer; no login, and no detail beyond ok/error per dependency."""

import logging

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:  # any failure means "not reachable"; the reason goes to the log only
        logger.exception("health check: database unreachable")
        return False


def redis_ok() -> bool | None:
    """None when no Redis is configured (the local filesystem broker)."""
    if not settings.REDIS_URL:
        return None
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
    try:
        return bool(client.ping())
    except redis.RedisError:
        logger.exception("health check: Redis unreachable")
        return False
    finally:
        client.close()


@login_not_required
@never_cache
@require_GET
def healthz(request):
    checks = {"database": database_ok(), "redis": redis_ok()}
    words = {True: "ok", False: "error", None: "not configured"}
    healthy = all(value is not False for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", **{name: words[value] for name, value in checks.items()}},
        status=200 if healthy else 503,
    )
