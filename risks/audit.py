"""The audit log's one entry point: ``record()``, called inside the transaction of the change.

The request's IP address reaches services through a context variable set by AuditMiddleware, so
services keep their keyword-only signatures and need no request.
"""

import contextvars
import datetime

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import AuditAction, AuditEntry, Profile

# 网络安全法 第二十一条: network logs are kept at least six months.
RETENTION_DAYS = 180

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


def record(**kwargs) -> AuditEntry:
    """Write one audit entry (the arguments are ``entry()``'s)."""
    audit_entry = entry(**kwargs)
    audit_entry.save()
    return audit_entry


def entry(
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
    actor_name: str = "",
    at: datetime.datetime | None = None,
) -> AuditEntry:
    """One audit entry, not saved yet: ``record()`` saves it, bulk services bulk_create many.
    ``action`` is an AuditAction; ``obj`` the object acted on."""
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
    return AuditEntry(
        at=at or timezone.now(),
        actor=user,
        actor_name=user.get_username() if user else (actor_name or getattr(actor, "username", "") or ""),
        actor_unit_id=unit_id,
        ip=ip or _current_ip.get(),
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr[:300],
        summary=summary[:500],
        changes=changes or [],
    )


def field_changes(before: dict, after: dict, labels: dict | None = None) -> list[dict]:
    """``[{"field", "label", "old", "new"}]`` for the keys whose value differs (as text)."""
    labels = labels or {}
    return [
        {"field": key, "label": str(labels.get(key, key)), "old": _text(before.get(key)), "new": _text(value)}
        for key, value in after.items()
        if _text(before.get(key)) != _text(value)
    ]


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, list | tuple | set):
        return "、".join(sorted(str(v) for v in value))
    return str(value)


def prune_cutoff(now: datetime.datetime | None = None) -> datetime.datetime:
    """The newest moment before which entries may be pruned: RETENTION_DAYS ago."""
    return (now or timezone.now()) - datetime.timedelta(days=RETENTION_DAYS)


@transaction.atomic
def audit_prune(*, before: datetime.datetime, by=None) -> int:
    """Delete the entries older than ``before``; refuse when that would touch entries younger than
    RETENTION_DAYS. The pruning itself is audited. The only deletion path, and no UI calls it."""
    if before > prune_cutoff():
        raise ValidationError(
            _("审计日志至少保存 %(days)d 天：不能清理 %(date)s 之后的记录。")
            % {"days": RETENTION_DAYS, "date": timezone.localtime(prune_cutoff()).strftime("%Y-%m-%d")}
        )
    # The queryset refuses delete(); the base class's delete is the deliberate way round it.
    deleted, _per_model = models.QuerySet.delete(AuditEntry.objects.filter(at__lt=before))
    record(
        actor=by,
        actor_name="" if by else "system",
        action=AuditAction.DELETE,
        object_type="risks.auditentry",
        object_repr=_("审计日志"),
        summary=_("清理 %(date)s 之前的审计日志 %(n)d 条")
        % {"date": timezone.localtime(before).strftime("%Y-%m-%d"), "n": deleted},
    )
    return deleted
