"""Password validators (settings.AUTH_PASSWORD_VALIDATORS): character classes and history.

Django calls ``validate`` from every password form and ``password_changed`` from ``User.save()``
after ``set_password``, so every path that sets a password (our pages, the admin site,
``manage.py changepassword``) keeps the history without a signal of our own.
"""

import string

from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CLASSES = (
    ("lower", set(string.ascii_lowercase)),
    ("upper", set(string.ascii_uppercase)),
    ("digit", set(string.digits)),
)


def character_classes(password: str) -> int:
    """How many of lower case, upper case, digits and other characters the password has."""
    found = sum(1 for _name, chars in CLASSES if any(ch in chars for ch in password))
    other = any(not any(ch in chars for _name, chars in CLASSES) for ch in password)
    return found + other


class MinimumLengthValidator:
    """Django's rule with a Chinese message (Django's own catalogue lacks this plural form)."""

    def __init__(self, min_length: int = 12):
        self.min_length = min_length

    def validate(self, password, user=None):
        if len(password) < self.min_length:
            raise ValidationError(
                _("密码太短：至少需要 %(n)d 个字符。") % {"n": self.min_length}, code="password_too_short"
            )

    def get_help_text(self):
        return _("至少 %(n)d 个字符。") % {"n": self.min_length}


class CharacterClassesValidator:
    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password, user=None):
        if character_classes(password) < self.min_classes:
            raise ValidationError(
                _("密码须包含大写字母、小写字母、数字、符号四类中的至少 %(n)d 类。")
                % {"n": self.min_classes},
                code="password_too_simple",
            )

    def get_help_text(self):
        return _("至少包含大写字母、小写字母、数字、符号中的 %(n)d 类。") % {"n": self.min_classes}


class PasswordHistoryValidator:
    def __init__(self, remember: int = 5):
        self.remember = remember

    def recent_hashes(self, user) -> list[str]:
        from .models import PasswordHistory

        hashes = list(
            PasswordHistory.objects.filter(user=user).values_list("password", flat=True)[: self.remember]
        )
        # The current password counts even when it was set before the history was kept.
        if user.password and user.password not in hashes and user.has_usable_password():
            hashes = [user.password, *hashes][: self.remember]
        return hashes

    def validate(self, password, user=None):
        if user is None or user.pk is None:
            return
        if any(check_password(password, encoded) for encoded in self.recent_hashes(user)):
            raise ValidationError(
                _("新密码不能与最近 %(n)d 次使用过的密码相同。") % {"n": self.remember},
                code="password_reused",
            )

    def password_changed(self, password, user=None):
        from .models import PasswordHistory

        if user is None or user.pk is None:
            return
        PasswordHistory.objects.create(user=user, password=user.password)
        # Older entries than the last few are of no use: delete them rather than keep hashes.
        stale = PasswordHistory.objects.filter(user=user).values_list("pk", flat=True)[self.remember :]
        PasswordHistory.objects.filter(pk__in=list(stale)).delete()

    def get_help_text(self):
        return _("不能与最近 %(n)d 次使用过的密码相同。") % {"n": self.remember}
