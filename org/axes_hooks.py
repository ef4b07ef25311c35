"""When django-axes is installed (the security settings' lockout), audit each lockout and let the
admin's "unlock" lift it. Connected from OrgConfig.ready only if axes is in INSTALLED_APPS."""

from axes.signals import user_locked_out
from axes.utils import reset
from django.contrib.auth import get_user_model
from django.dispatch import receiver
from django.utils.translation import gettext as _

from risks import audit
from risks.models import AuditAction

from .services import register_unlock_hook


@receiver(user_locked_out, dispatch_uid="audit_lockout")
def audit_lockout(sender, request=None, username=None, ip_address=None, **kwargs):
    username = str(username or "")[:150]
    target = get_user_model().objects.filter(username=username).only("pk").first()
    audit.record(
        actor=None,
        actor_name=username,
        action=AuditAction.LOCKOUT,
        object_type="auth.user",
        object_id=str(target.pk) if target else "",
        object_repr=username,
        summary=_("多次登录失败，账号已锁定"),
        ip=ip_address,
    )


@register_unlock_hook
def reset_axes_attempts(user) -> None:
    reset(username=user.get_username())
