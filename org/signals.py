"""Logins, logouts and failed logins into the audit log (django.contrib.auth's signals).

Only recording: no business flow here (STYLE.md). A failed login names the account tried; when it
exists the entry points at it, so its owner sees the attempt under "my recent logins".
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from risks import audit
from risks.models import AuditAction


def _ip(request):
    return audit.client_ip(request) if request is not None else None


def _session_event(action: str, summary: str):
    def receiver_(sender, request, user, **kwargs):
        if user is None:  # logout of a session that had already expired
            return
        audit.record(
            actor=user,
            action=action,
            obj=user,
            object_repr=user.get_username(),
            summary=summary,
            ip=_ip(request),
        )

    return receiver_


audit_login = _session_event(AuditAction.LOGIN, _("登录成功"))
audit_logout = _session_event(AuditAction.LOGOUT, _("退出登录"))
user_logged_in.connect(audit_login, dispatch_uid="audit_login")
user_logged_out.connect(audit_logout, dispatch_uid="audit_logout")


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def audit_login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    target = get_user_model().objects.filter(username=username).only("pk").first()
    audit.record(
        actor=None,
        actor_name=username,
        action=AuditAction.LOGIN_FAILED,
        object_type="auth.user",
        object_id=str(target.pk) if target else "",
        object_repr=username,
        summary=_("登录失败"),
        ip=_ip(request),
    )
