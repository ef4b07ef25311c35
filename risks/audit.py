"""The audit log's one entry point: ``record()``, called inside the transaction of the change.

The request's IP address reaches services through a context variable set by AuditMiddleware, so
services keep their keyword-only signatures and need no request.
"""

import contextvars

from django.db import models

from .models import AuditAction, AuditEntry, Profile

_current_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("audit_ip", default=None)


def client_ip(request) -> str | None:
    # REMOTE_ADDR is the proxy's address behind nginx; the deployment sets it from X-Real-IP
    # (gunicorn --forwarded-allow-ips), so it is never taken from a header the client controls.
    return request.META.get("REMOTE_ADDR") or None


class AuditMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _current_ip.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            _current_ip.reset(token)


def record(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    summary: str = "",
    changes: list | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    ip: str | None = None,
) -> AuditEntry:
    """Write one audit entry. ``action`` is an AuditAction; ``obj`` the object acted on."""
    if action not in AuditAction.values:
        raise ValueError(f"unknown audit action {action!r}")
    user = actor if getattr(actor, "is_authenticated", False) else None
    unit_id = None
    if user is not None:
        try:
            unit_id = user.profile.unit_id
        except Profile.DoesNotExist:
            unit_id = None
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)
    return AuditEntry.objects.create(
        actor=user,
        actor_name=user.get_username() if user else (getattr(actor, "username", "") or ""),
        actor_unit_id=unit_id,
        ip=ip or _current_ip.get(),
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr[:300],
        summary=summary[:500],
        changes=changes or [],
    )
