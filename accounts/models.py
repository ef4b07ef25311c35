from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PasswordHistory(models.Model):
    """A password a person has had (its hash only), newest last: the last few may not be reused,
    and the newest one's date is when the password was last changed (expiry)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="password_history",
        verbose_name=_("用户"),
    )
    password = models.CharField(_("密码哈希"), max_length=128)
    changed_at = models.DateTimeField(_("修改时间"), default=timezone.now)

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["user", "-changed_at"])]
        verbose_name = _("历史密码")
        verbose_name_plural = _("历史密码")

    def __str__(self):
        return f"{self.user} {self.changed_at:%Y-%m-%d}"
