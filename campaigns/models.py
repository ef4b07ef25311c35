"""Special investigation campaigns (专项排查整治行动): a period, domains and categories, the units
that take part and the lead unit. Risks found in one are logged against it (Risk.campaign)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CampaignState(models.TextChoices):
    OPEN = "open", _("进行中")
    CLOSED = "closed", _("已结束")


class Campaign(models.Model):
    name = models.CharField(_("名称"), max_length=100)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    domains = models.ManyToManyField("risks.Domain", blank=True, related_name="+", verbose_name=_("所属领域"))
    categories = models.ManyToManyField(
        "risks.Category", blank=True, related_name="+", verbose_name=_("类别")
    )
    lead_unit = models.ForeignKey(
        "risks.Unit", on_delete=models.PROTECT, related_name="campaigns_led", verbose_name=_("牵头单位")
    )
    units = models.ManyToManyField("risks.Unit", related_name="campaigns", verbose_name=_("参与单位"))
    description = models.TextField(_("说明"), blank=True)
    state = models.CharField(
        _("状态"), max_length=10, choices=CampaignState.choices, default=CampaignState.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("创建人")
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("结束人"),
    )
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("专项行动")
        verbose_name_plural = _("专项行动")
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="campaign_ends_after_start")
        ]

    def __str__(self):
        return self.name

    @property
    def is_open(self) -> bool:
        return self.state == CampaignState.OPEN
