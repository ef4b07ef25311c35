"""Reminders and their deliveries: rules, the working-day calendar, notices, notifications.

Idempotency lives in rows (DESIGN.md "Reminders and escalations"): a Notice is unique on
(rule, subject, period), so a sweep that runs twice, in two workers at once or after a crash
records each notice once; a Delivery is claimed with a conditional UPDATE before it is sent.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from risks.models import Unit


class RuleCode(models.TextChoices):
    DEADLINE_NEAR = "deadline_near", _("临近整改时限")
    OVERDUE_YELLOW = "overdue_yellow", _("逾期（黄灯）")
    OVERDUE_ORANGE = "overdue_orange", _("逾期督办（红灯）")
    OVERDUE_RED = "overdue_red", _("挂牌督办")
    NO_PROGRESS = "no_progress", _("长期无进展")
    PENDING_SIGN_FOR = "pending_sign_for", _("交办待签收")
    PENDING_APPROVAL = "pending_approval", _("申请待审批")
    QUARTER_UNIT = "quarter_unit", _("季度报告提醒")
    QUARTER_LEADERS = "quarter_leaders", _("季度研判提醒")
    ANNUAL_STUDY = "annual_study", _("年度专题研究提醒")
    DIRECTIVE_PENDING = "directive_pending", _("预警交办待签收、待反馈")


# The defaults of DESIGN.md's table: days (comma-separated where a rule fires more than once) and,
# for the ladder, the shorter days of 重大 risks.
RULE_DEFAULTS: dict[str, tuple[str, str]] = {
    RuleCode.DEADLINE_NEAR: ("7,1", ""),
    RuleCode.OVERDUE_YELLOW: ("1", ""),
    RuleCode.OVERDUE_ORANGE: ("15", "7"),
    RuleCode.OVERDUE_RED: ("30", "15"),
    RuleCode.NO_PROGRESS: ("30", ""),
    RuleCode.PENDING_SIGN_FOR: ("3", ""),
    RuleCode.PENDING_APPROVAL: ("3", ""),
    RuleCode.QUARTER_UNIT: ("10,3", ""),
    RuleCode.QUARTER_LEADERS: ("1", ""),
    RuleCode.ANNUAL_STUDY: ("0", ""),
    # Days after a warning or assignment is issued before a unit that has not signed for it is
    # reminded; a unit that has not answered by the deadline is reminded the day after.
    RuleCode.DIRECTIVE_PENDING: ("1", ""),
}


def parse_days(text: str) -> list[int]:
    """Parse "7,1" into [7, 1] (largest first); ValidationError on anything but whole days."""
    text = (text or "").replace("，", ",").strip()
    if not text:
        return []
    try:
        days = sorted({int(part) for part in text.split(",") if part.strip()}, reverse=True)
    except ValueError:
        raise ValidationError(_("天数请填写整数，多个用逗号分隔，例如 7,1。")) from None
    if any(d < 0 or d > 366 for d in days):
        raise ValidationError(_("天数必须在 0 到 366 之间。"))
    return days


class ReminderRule(models.Model):
    """A rule's editable thresholds; rules without a row use RULE_DEFAULTS."""

    code = models.CharField(_("规则"), max_length=32, choices=RuleCode.choices, unique=True)
    enabled = models.BooleanField(_("启用"), default=True)
    days = models.CharField(_("天数"), max_length=40, help_text=_("多个用逗号分隔，例如 7,1"))
    days_major = models.CharField(
        _("重大风险天数"), max_length=40, blank=True, help_text=_("留空则与一般风险相同")
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("提醒规则")
        verbose_name_plural = _("提醒规则")

    def __str__(self):
        return self.get_code_display()

    def clean(self):
        parse_days(self.days)
        parse_days(self.days_major)
        if not parse_days(self.days):
            raise ValidationError({"days": _("请至少填写一个天数。")})


class CalendarDayKind(models.TextChoices):
    HOLIDAY = "holiday", _("法定节假日（休息）")
    WORKDAY = "workday", _("调休上班")


class CalendarDay(models.Model):
    """A day that differs from the usual Monday–Friday week: a public holiday, or a weekend day
    worked in exchange (调休). Admins enter each year's calendar as the State Council publishes it."""

    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=10, choices=CalendarDayKind.choices)
    name = models.CharField(_("说明"), max_length=50, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("节假日与调休")
        verbose_name_plural = _("节假日与调休")

    def __str__(self):
        return f"{self.date} {self.get_kind_display()} {self.name}"


class AnnualStudyDate(models.Model):
    """A date admins set for the annual special study (年度专题研究)."""

    date = models.DateField(_("日期"), unique=True)
    title = models.CharField(_("事项"), max_length=100, default=_("年度国家安全重大事项专题研究"))

    class Meta:
        ordering = ["date"]
        verbose_name = _("年度专题研究日期")
        verbose_name_plural = _("年度专题研究日期")

    def __str__(self):
        return f"{self.date} {self.title}"


class SweepRun(models.Model):
    """One run of the daily sweep: its day and what it recorded (shown on the admin page)."""

    day = models.DateField(_("日期"))
    started_at = models.DateTimeField(_("开始时间"), default=timezone.now)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    notices = models.PositiveIntegerField(_("新提醒数"), default=0)
    notifications = models.PositiveIntegerField(_("站内通知数"), default=0)
    escalations = models.PositiveIntegerField(_("督办升级数"), default=0)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("提醒扫描")
        verbose_name_plural = _("提醒扫描")

    def __str__(self):
        return f"{self.day} {self.started_at:%H:%M}"


class Notice(models.Model):
    """One reminder: the idempotency stamp (rule, subject, period) and what it says.

    ``sweep`` is the run that recorded it: rows inserted with ON CONFLICT DO NOTHING carry the
    run's id only when that run won the insert, which is how a run knows which notices are its own.
    """

    rule = models.CharField(_("规则"), max_length=32, choices=RuleCode.choices)
    subject_type = models.CharField(_("对象类型"), max_length=16)
    subject_id = models.BigIntegerField(_("对象编号"))
    period = models.CharField(_("周期"), max_length=40)
    sweep = models.ForeignKey(SweepRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    link = models.CharField(_("链接"), max_length=200, blank=True)
    # The unit whose group robots are told (the owner unit; the reporting unit); none for leaders.
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    wecom_delivery = models.ForeignKey(
        "Delivery", on_delete=models.SET_NULL, null=True, blank=True, related_name="wecom_notices"
    )
    dingtalk_delivery = models.ForeignKey(
        "Delivery", on_delete=models.SET_NULL, null=True, blank=True, related_name="dingtalk_notices"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("提醒")
        verbose_name_plural = _("提醒")
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "subject_type", "subject_id", "period"], name="notice_once_per_period"
            )
        ]

    def __str__(self):
        return self.title


class Notification(models.Model):
    """A notice as one person sees it in the notification centre."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="notifications")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    email_delivery = models.ForeignKey(
        "Delivery", on_delete=models.SET_NULL, null=True, blank=True, related_name="notifications"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("站内通知")
        verbose_name_plural = _("站内通知")
        constraints = [
            models.UniqueConstraint(fields=["notice", "user"], name="notification_once_per_person")
        ]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread_idx")]

    def __str__(self):
        return f"{self.user} {self.notice}"


class Channel(models.TextChoices):
    EMAIL = "email", _("电子邮件")
    WECOM = "wecom", _("企业微信群机器人")
    DINGTALK = "dingtalk", _("钉钉群机器人")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")


class Delivery(models.Model):
    """One message on one external channel, logged with its outcome.

    Recorded in the database before anything is sent; a sender claims it with a conditional
    UPDATE (pending → sending), so two workers never send the same row. A claim lapses after
    ``next_attempt_at`` (a worker killed mid-send), after which the row may be tried again.
    """

    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    recipient = models.CharField(_("接收方"), max_length=200)
    subject = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"))
    status = models.CharField(
        _("状态"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"), default=timezone.now)
    error = models.CharField(_("错误"), max_length=500, blank=True)
    permanent = models.BooleanField(_("永久失败"), default=False)
    is_test = models.BooleanField(_("测试消息"), default=False)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("发送记录")
        verbose_name_plural = _("发送记录")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due_idx")]

    def __str__(self):
        return f"{self.get_channel_display()} → {self.recipient}"


class NotificationPreference(models.Model):
    """A person's choice of channels; the in-app centre is always on."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email = models.BooleanField(_("接收每日邮件汇总"), default=True)

    class Meta:
        verbose_name = _("通知偏好")
        verbose_name_plural = _("通知偏好")

    def __str__(self):
        return str(self.user)


class UnitChannel(models.Model):
    """A unit's switch for a channel, and for group robots their webhook and signing secret."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="channels", verbose_name=_("单位"))
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    enabled = models.BooleanField(_("启用"), default=True)
    webhook_url = models.URLField(_("Webhook 地址"), max_length=500, blank=True)
    secret = models.CharField(
        _("加签密钥"), max_length=200, blank=True, help_text=_("钉钉“加签”安全设置的密钥")
    )

    class Meta:
        verbose_name = _("单位通知渠道")
        verbose_name_plural = _("单位通知渠道")
        constraints = [models.UniqueConstraint(fields=["unit", "channel"], name="unit_channel_once")]

    def __str__(self):
        return f"{self.unit} {self.get_channel_display()}"

    def clean(self):
        if self.channel in (Channel.WECOM, Channel.DINGTALK) and self.enabled and not self.webhook_url:
            raise ValidationError({"webhook_url": _("群机器人须填写 Webhook 地址。")})
