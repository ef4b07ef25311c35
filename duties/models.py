"""Responsibility lists (责任清单): a unit's duties for a year, and the evidence of work done (履职记录).

Each item says what the unit must do (duty, quantified requirement, basis), in which domain and
categories, who leads and cooperates, who is responsible, and how often (cadence × required
count). Progress is derived from the dated records against the periods that have ended.
"""

import datetime
import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from risks.models import Category, Domain, Risk, StoredFile, Unit


class DutyKind(models.TextChoices):
    PRINCIPAL = "principal", _("主体责任")
    SUPERVISORY = "supervisory", _("监管责任")
    TERRITORIAL = "territorial", _("属地责任")
    POST = "post", _("岗位责任")


class Cadence(models.TextChoices):
    ONCE = "once", _("一次（按截止日期）")
    MONTHLY = "monthly", _("每月")
    QUARTERLY = "quarterly", _("每季度")
    YEARLY = "yearly", _("每年")


class DutyList(models.Model):
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="duty_lists", verbose_name=_("单位")
    )
    year = models.PositiveIntegerField(_("年度"))
    title = models.CharField(_("标题"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("创建人")
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        ordering = ["-year", "unit__path"]
        verbose_name = _("责任清单")
        verbose_name_plural = _("责任清单")
        constraints = [models.UniqueConstraint(fields=["unit", "year"], name="duty_list_once_per_unit_year")]

    def __str__(self):
        return self.title or gettext("%(unit)s %(year)d 年责任清单") % {"unit": self.unit, "year": self.year}


class DutyItem(models.Model):
    duty_list = models.ForeignKey(
        DutyList, on_delete=models.CASCADE, related_name="items", verbose_name=_("清单")
    )
    kind = models.CharField(_("责任类别"), max_length=16, choices=DutyKind.choices)
    duty = models.TextField(_("责任内容"))
    requirement = models.CharField(
        _("量化要求"), max_length=200, blank=True, help_text=_("如：每季度研判不少于 1 次")
    )
    basis = models.CharField(_("依据"), max_length=300, blank=True, help_text=_("法律法规、文件、三定方案"))
    domain = models.ForeignKey(
        Domain, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("领域")
    )
    categories = models.ManyToManyField(
        Category, blank=True, related_name="duty_items", verbose_name=_("涉及类别")
    )
    lead_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="duty_items_led", verbose_name=_("牵头单位")
    )
    cooperating_units = models.ManyToManyField(
        Unit, blank=True, related_name="duty_items_cooperating", verbose_name=_("配合单位")
    )
    responsible_people = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="duty_items", verbose_name=_("责任人")
    )
    cadence = models.CharField(_("频次"), max_length=16, choices=Cadence.choices, default=Cadence.QUARTERLY)
    required_count = models.PositiveSmallIntegerField(_("每期不少于（次）"), default=1)
    due_date = models.DateField(_("截止日期"), null=True, blank=True)
    order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("责任事项")
        verbose_name_plural = _("责任事项")

    def __str__(self):
        return self.duty[:60]

    def periods_ended(self, on: datetime.date) -> int:
        """How many of the item's periods of its list's year have ended by ``on``."""
        year = self.duty_list.year
        if on.year < year:
            return 0
        if self.cadence == Cadence.ONCE:
            due = self.due_date or datetime.date(year, 12, 31)
            return 1 if on > due else 0
        if on.year > year:
            return {Cadence.MONTHLY: 12, Cadence.QUARTERLY: 4, Cadence.YEARLY: 1}[self.cadence]
        if self.cadence == Cadence.MONTHLY:
            return on.month - 1
        if self.cadence == Cadence.QUARTERLY:
            return (on.month - 1) // 3
        return 0

    def expected_by(self, on: datetime.date) -> int:
        return self.periods_ended(on) * self.required_count


def duty_attachment_path(instance, filename):
    # A random stored name: the uploaded name is kept only as data, never as a path.
    suffix = PurePosixPath(filename).suffix.lower()[:10]
    return f"duties/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class DutyRecord(models.Model):
    """履职记录: a dated entry of work done under an item, with attachments and linked risks."""

    item = models.ForeignKey(
        DutyItem, on_delete=models.CASCADE, related_name="records", verbose_name=_("责任事项")
    )
    on = models.DateField(_("履职日期"))
    text = models.TextField(_("履职情况"))
    risks = models.ManyToManyField(
        Risk, blank=True, related_name="duty_records", verbose_name=_("关联风险隐患")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("记录人")
    )
    created_at = models.DateTimeField(_("记录时间"), default=timezone.now)

    class Meta:
        ordering = ["-on", "-id"]
        verbose_name = _("履职记录")
        verbose_name_plural = _("履职记录")
        indexes = [models.Index(fields=["item", "on"], name="duty_record_item_on_idx")]

    def __str__(self):
        return f"{self.on} {self.text[:40]}"


class DutyAttachment(StoredFile):
    record = models.ForeignKey(DutyRecord, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("文件"), upload_to=duty_attachment_path, max_length=200)

    class Meta(StoredFile.Meta):
        verbose_name = _("履职附件")
        verbose_name_plural = _("履职附件")
