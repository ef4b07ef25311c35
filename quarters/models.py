"""The quarter for leaders: frozen quarterly snapshots, review meetings, warnings and assignments.

A snapshot freezes a quarter's ledger once: one row per risk that was open during the quarter
(SnapshotRisk, with the facts as of the quarter's end) and the figures per unit × domain × level
aggregated from them (QuarterFigure). Reports read only these rows, so a past quarter's report
never changes when risks change later.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from risks.models import (
    Domain,
    Level,
    QuarterlyReport,
    Risk,
    State,
    SupervisionLight,
    Unit,
    UnitKind,
    attachment_path,
)


class SnapshotSource(models.TextChoices):
    QUARTER_END = "quarter_end", _("季末冻结")
    HISTORY = "history", _("按台账记录补算")


class QuarterSnapshot(models.Model):
    year = models.PositiveIntegerField(_("年度"))
    quarter = models.PositiveSmallIntegerField(_("季度"))
    taken_at = models.DateTimeField(_("冻结时间"), default=timezone.now)
    source = models.CharField(_("来源"), max_length=16, choices=SnapshotSource.choices)

    class Meta:
        ordering = ["-year", "-quarter"]
        verbose_name = _("季度快照")
        verbose_name_plural = _("季度快照")
        constraints = [models.UniqueConstraint(fields=["year", "quarter"], name="snapshot_once_per_quarter")]

    def __str__(self):
        return f"{self.year}Q{self.quarter}"


class SnapshotRisk(models.Model):
    """One risk as it stood at the quarter's end, with the facts the figures count.

    Names are copied as text: a risk or unit renamed later does not change the frozen report.
    """

    snapshot = models.ForeignKey(QuarterSnapshot, on_delete=models.CASCADE, related_name="risks")
    risk = models.ForeignKey(Risk, on_delete=models.SET_NULL, null=True, related_name="+")
    code = models.CharField(_("编号"), max_length=32)
    title = models.CharField(_("风险隐患名称"), max_length=200)
    domain = models.ForeignKey(Domain, on_delete=models.PROTECT, related_name="+")
    domain_name = models.CharField(_("所属领域"), max_length=30)
    level = models.CharField(_("风险等级"), max_length=16, choices=Level.choices)
    township_name = models.CharField(_("所在乡镇(街道)"), max_length=100)
    owner_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    owner_path = models.CharField(max_length=255)
    owner_name = models.CharField(_("责任单位"), max_length=100)
    top_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    top_unit_kind = models.CharField(max_length=16, choices=UnitKind.choices)
    responsible_name = models.CharField(_("责任人"), max_length=150, blank=True)
    leader_name = models.CharField(_("包联领导"), max_length=150, blank=True)
    deadline = models.DateField(_("整改时限"))
    state = models.CharField(_("状态"), max_length=20, choices=State.choices)
    supervision_light = models.CharField(_("督办"), max_length=10, choices=SupervisionLight.choices)
    closed_at = models.DateTimeField(_("销号时间"), null=True)
    open_at_start = models.BooleanField(default=False)
    is_new = models.BooleanField(default=False)
    closed = models.BooleanField(default=False)
    closed_on_time = models.BooleanField(default=False)
    open_at_end = models.BooleanField(default=False)
    overdue_at_end = models.BooleanField(default=False)
    overdue_days = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["code"]
        verbose_name = _("快照风险")
        verbose_name_plural = _("快照风险")

    def __str__(self):
        return f"{self.snapshot} {self.code}"


class QuarterFigure(models.Model):
    """The frozen figures of one owner unit × domain × level in one quarter."""

    snapshot = models.ForeignKey(QuarterSnapshot, on_delete=models.CASCADE, related_name="figures")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=255)
    top_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    domain = models.ForeignKey(Domain, on_delete=models.PROTECT, related_name="+")
    level = models.CharField(max_length=16, choices=Level.choices)
    open_at_start = models.PositiveIntegerField(_("期初在办"), default=0)
    new = models.PositiveIntegerField(_("新增"), default=0)
    closed = models.PositiveIntegerField(_("销号"), default=0)
    closed_on_time = models.PositiveIntegerField(_("按期销号"), default=0)
    overdue_at_end = models.PositiveIntegerField(_("期末逾期"), default=0)
    carried_over = models.PositiveIntegerField(_("结转下季"), default=0)
    overdue_days = models.PositiveIntegerField(_("逾期天数"), default=0)

    class Meta:
        verbose_name = _("季度数据")
        verbose_name_plural = _("季度数据")
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "unit", "domain", "level"], name="figure_unique_cell")
        ]

    def __str__(self):
        return f"{self.snapshot} {self.unit_id} {self.domain_id} {self.level}"


# ---------------------------------------------------------------------------------------------
# Review meetings


class MeetingKind(models.TextChoices):
    QUARTERLY = "quarterly", _("季度研判会")
    ANNUAL = "annual", _("年度专题研究")


class ReviewMeeting(models.Model):
    kind = models.CharField(
        _("类型"), max_length=16, choices=MeetingKind.choices, default=MeetingKind.QUARTERLY
    )
    year = models.PositiveIntegerField(_("年度"))
    quarter = models.PositiveSmallIntegerField(_("季度"), null=True, blank=True)
    held_on = models.DateField(_("会议日期"))
    title = models.CharField(_("会议名称"), max_length=200)
    attendees = models.TextField(_("参会人员"))
    analysis = models.TextField(_("形势分析"))
    conclusions = models.TextField(_("研判结论"), blank=True)
    instructions = models.TextField(_("领导批示"), blank=True)
    risks = models.ManyToManyField(
        Risk, blank=True, related_name="review_meetings", verbose_name=_("相关风险")
    )
    reports = models.ManyToManyField(
        QuarterlyReport, blank=True, related_name="review_meetings", verbose_name=_("相关单位报告")
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("签发领导"),
    )
    signed_off_at = models.DateTimeField(_("签发时间"), null=True, blank=True)

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("研判会议")
        verbose_name_plural = _("研判会议")

    def __str__(self):
        return self.title

    @property
    def is_signed_off(self) -> bool:
        return self.signed_off_at is not None


# ---------------------------------------------------------------------------------------------
# Warnings (预警) and assignments (交办单)


class DirectiveKind(models.TextChoices):
    WARNING = "warning", _("预警")
    ASSIGNMENT = "assignment", _("交办单")


class WarningColor(models.TextChoices):
    """A warning's own scale (red the highest), never derived from a risk's level."""

    RED = "red", _("红色预警")
    ORANGE = "orange", _("橙色预警")
    YELLOW = "yellow", _("黄色预警")
    BLUE = "blue", _("蓝色预警")


class Directive(models.Model):
    kind = models.CharField(_("类型"), max_length=16, choices=DirectiveKind.choices)
    title = models.CharField(_("标题"), max_length=200)
    content = models.TextField(_("内容"))
    color = models.CharField(_("预警级别"), max_length=8, choices=WarningColor.choices, blank=True)
    deadline = models.DateField(_("反馈时限"))
    meeting = models.ForeignKey(
        ReviewMeeting,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="directives",
        verbose_name=_("来源会议"),
    )
    risks = models.ManyToManyField(Risk, blank=True, related_name="directives", verbose_name=_("生成的风险"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(_("下发时间"), default=timezone.now)

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = _("预警交办")
        verbose_name_plural = _("预警交办")

    def __str__(self):
        return self.title


class Receipt(models.Model):
    """One receiving unit's side of a directive: sign for it (签收), then answer (反馈)."""

    directive = models.ForeignKey(Directive, on_delete=models.CASCADE, related_name="receipts")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="receipts", verbose_name=_("单位"))
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    feedback = models.TextField(_("反馈"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)

    class Meta:
        ordering = ["unit__path"]
        verbose_name = _("签收反馈")
        verbose_name_plural = _("签收反馈")
        constraints = [models.UniqueConstraint(fields=["directive", "unit"], name="receipt_once_per_unit")]

    def __str__(self):
        return f"{self.directive} → {self.unit}"


class ReceiptAttachment(models.Model):
    receipt = models.ForeignKey(Receipt, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.original_name
