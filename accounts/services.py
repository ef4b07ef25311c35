"""Account state changes: password change, unlocking, two-factor enrolment. Each one is
keyword-only and atomic, and writes its audit entry in the same transaction."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import match_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import PasswordHistory
from risks import audit
from risks.models import AuditAction, Profile
from risks.permissions import can_unlock_accounts

BACKUP_DEVICE_NAME = "backup"
TOTP_DEVICE_NAME = "authenticator"


class TokenRejected(Exception):
    """The one-time code was wrong, expired or already used."""


@transaction.atomic
def password_change(*, user, new_password: str) -> None:
    """Set a new (already validated) password, lift a forced change, and audit it.

    The new hash changes the session auth hash, so the person's other sessions end at their next
    request; the caller keeps the current one (update_session_auth_hash).
    """
    user.set_password(new_password)
    user.save(update_fields=["password"])  # save() runs the validators' password_changed hooks
    Profile.objects.filter(user=user, must_change_password=True).update(must_change_password=False)
    audit.record(actor=user, action=AuditAction.PASSWORD_CHANGE, obj=user, summary=_("修改了自己的密码"))


def password_set_recorded(*, users, encoded: str) -> None:
    """Record that ``users`` were given the password hashed as ``encoded`` just now, for a path
    that writes the hash directly (seed_demo gives every demo account one shared hash)."""
    PasswordHistory.objects.bulk_create(PasswordHistory(user=user, password=encoded) for user in users)


@transaction.atomic
def account_unlock(*, by, username: str = "", ip: str = "") -> int:
    """Lift the lockout of a user name and/or an IP address; return how many records went."""
    if not can_unlock_accounts(by):
        raise PermissionDenied(_("只有系统管理员和安全管理员可以解除锁定。"))
    if not username and not ip:
        raise ValueError("name a user or an IP address to unlock")
    from axes.utils import reset

    removed = 0
    if username:
        removed += reset(username=username)
    if ip:
        removed += reset(ip=ip)
    target = get_user_model().objects.filter(username=username).first() if username else None
    audit.record(
        actor=by,
        action=AuditAction.UPDATE,
        obj=target,
        object_type="" if target else "axes.accessattempt",
        object_repr=username or ip,
        summary=_("解除登录锁定：%(what)s") % {"what": " / ".join(x for x in (username, ip) if x)},
    )
    return removed


def locked_usernames(usernames) -> set[str]:
    """Which of ``usernames`` are locked out now (one query, for a page listing people)."""
    from axes.models import AccessAttempt

    since = timezone.now() - settings.AXES_COOLOFF_TIME
    return set(
        AccessAttempt.objects.filter(
            username__in=list(usernames),
            failures_since_start__gte=settings.AXES_FAILURE_LIMIT,
            attempt_time__gte=since,
        ).values_list("username", flat=True)
    )


def totp_device_for_enrolment(user) -> TOTPDevice:
    """The person's unconfirmed authenticator (made on first call) whose QR code is shown."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    return device or TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)


def _new_backup_codes(user) -> list[str]:
    StaticDevice.objects.filter(user=user, name=BACKUP_DEVICE_NAME).delete()
    device = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(settings.BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@transaction.atomic
def two_factor_enrol(*, user, device: TOTPDevice, token: str) -> list[str]:
    """Confirm the authenticator with a code it shows; replace the backup codes; audit.

    Returns the new one-time backup codes, shown once and never stored in clear text elsewhere.
    """
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=user)
    if not device.verify_token((token or "").strip()):
        raise TokenRejected
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    # One authenticator per person: an older one (a lost phone) stops working.
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    codes = _new_backup_codes(user)
    audit.record(actor=user, action=AuditAction.UPDATE, obj=user, summary=_("启用双因素认证（动态口令）"))
    return codes


@transaction.atomic
def backup_codes_regenerate(*, user) -> list[str]:
    codes = _new_backup_codes(user)
    audit.record(actor=user, action=AuditAction.UPDATE, obj=user, summary=_("重新生成备用验证码"))
    return codes


def two_factor_check(*, user, token: str):
    """The confirmed device (authenticator or backup code) that accepts ``token``; a backup code
    is used up. Raises TokenRejected."""
    device = match_token(user, (token or "").strip().replace(" ", "").lower())
    if device is None:
        raise TokenRejected
    return device


def has_authenticator(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()
