"""Receivers: the session's account policy at login, and an audit entry for each lockout.

Login, logout and failed-login audit entries are written by risks (auth signals); these add what
only this app knows about.
"""

from types import SimpleNamespace

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils.translation import gettext

from risks import audit
from risks.models import AuditAction

from . import policy


@receiver(user_logged_in, dispatch_uid="accounts.policy_at_login")
def remember_policy_at_login(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session[policy.SESSION_KEY] = policy.evaluate(user)


@receiver(user_locked_out, dispatch_uid="accounts.audit_lockout")
def audit_lockout(sender, request, username, ip_address, **kwargs):
    audit.record(
        actor=SimpleNamespace(username=username or "", is_authenticated=False),
        action=AuditAction.LOCKOUT,
        object_type="auth.user",
        object_id=username or "",
        object_repr=username or "",
        summary=gettext("连续登录失败，账号“%(username)s”及来源地址 %(ip)s 被锁定 %(minutes)d 分钟")
        % {
            "username": username,
            "ip": ip_address,
            "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        },
        ip=ip_address,
    )
