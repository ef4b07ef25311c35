"""The account rules, as plain functions: password expiry, who needs two-factor, session limits.

The middleware asks them once at login and keeps the answers in the session (``SESSION_KEY``), so
a page view costs no extra query; a password change or a verified second factor updates them.
"""

import datetime

from django.conf import settings
from django.utils import timezone

from risks.models import Profile, Role

SESSION_KEY = "_account_policy"
FORCED = "forced"  # an admin created the account or reset its password
EXPIRED = "expired"  # older than PASSWORD_EXPIRY_DAYS


def password_changed_at(user) -> datetime.datetime:
    """When the password was last set: the newest history entry, else when the account was made."""
    latest = user.password_history.order_by("-changed_at", "-id").values_list("changed_at", flat=True).first()
    return latest or user.date_joined


def password_expired(user, *, now: datetime.datetime | None = None) -> bool:
    days = settings.PASSWORD_EXPIRY_DAYS
    # An account without a usable password (single sign-on, tests) has nothing to expire.
    if days <= 0 or not user.has_usable_password():
        return False
    now = now or timezone.now()
    return now - password_changed_at(user) >= datetime.timedelta(days=days)


def _profile(user) -> Profile | None:
    try:
        return user.profile
    except Profile.DoesNotExist:
        return None


def password_change_reason(user, *, now: datetime.datetime | None = None) -> str:
    """FORCED, EXPIRED, or "" when the person may go on with the password they have."""
    profile = _profile(user)
    if profile is not None and profile.must_change_password:
        return FORCED
    if password_expired(user, now=now):
        return EXPIRED
    return ""


def two_factor_required(user) -> bool:
    roles = set(settings.TWO_FACTOR_REQUIRED_ROLES)
    if not roles:
        return False
    if "*" in roles:
        return True
    profile = _profile(user)
    if profile is not None:
        return profile.role in roles
    # A superuser made with createsuperuser has no profile but every power: an admin's rules.
    return user.is_superuser and Role.ADMIN in roles


def evaluate(user, *, now: datetime.datetime | None = None) -> dict:
    """What the session must enforce for ``user``, computed at login."""
    now = now or timezone.now()
    return {
        "login_at": now.timestamp(),
        "password": password_change_reason(user, now=now),
        "two_factor": two_factor_required(user),
    }


def session_too_old(state: dict, *, now: datetime.datetime | None = None) -> bool:
    """True once the session is older than SESSION_ABSOLUTE_SECONDS, however active it was."""
    now = now or timezone.now()
    return now.timestamp() - state["login_at"] >= settings.SESSION_ABSOLUTE_SECONDS
