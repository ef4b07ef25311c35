"""The ledger's data: the unit tree, people, security domains, risks and their timelines.

Models carry derived state of their own fields (``Risk.is_overdue``); who may see or do what lives
in ``risks.permissions`` and every state change in ``risks.workflow``.
"""

import datetime
import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node


def today() -> datetime.date:
    """Today in the project's time zone (Asia/Shanghai), which is what deadlines mean."""
    return timezone.localdate()


# ---------------------------------------------------------------------------------------------
# Units and people


class UnitKind(models.TextChoices):
    DISTRICT = "district", _("区")
    TOWNSHIP = "township", _("乡镇")
    STREET = "street", _("街道")
    VILLAGE = "village", _("村")
    COMMUNITY = "community", _("社区")
    DEPARTMENT = "department", _("部门")
    OFFICE = "office", _("区委国安办")


TERRITORY_KINDS = (UnitKind.TOWNSHIP, UnitKind.STREET)
GRASSROOTS_KINDS = (UnitKind.VILLAGE, UnitKind.COMMUNITY)


class Unit(MP_Node):
    """A node of the district's unit tree: district → township/street → village/community, plus
    departments and the security office under the district.

    The materialised ``path`` (django-treebeard) gives "this unit and all below it" in one
    indexed ``path__startswith`` query.
    """

    name = models.CharField(_("名称"), max_length=100)
    code = models.CharField(_("编码"), max_length=32, unique=True)
    kind = models.CharField(_("类型"), max_length=16, choices=UnitKind.choices)
    order = models.PositiveIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    node_order_by = ["order", "name"]

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")

    def __str__(self):
        return self.name

    def subtree(self):
        return Unit.objects.filter(path__startswith=self.path)

    @cached_property
    def subtree_ids(self) -> list[int]:
        """Ids of this unit and those below it, read once per instance (a request's
        ``user.profile.unit`` answers every scope check of the request with one query)."""
        return list(self.subtree().values_list("pk", flat=True))

    def is_within(self, other: "Unit") -> bool:
        """True when this unit is ``other`` or below it."""
        return self.path.startswith(other.path)

    @property
    def is_territory(self) -> bool:
        return self.kind in TERRITORY_KINDS

    @property
    def is_grassroots(self) -> bool:
        return self.kind in GRASSROOTS_KINDS


class Role(models.TextChoices):
    OFFICIAL = "official", _("填报员")
    UNIT_LEADER = "unit_leader", _("单位负责人")
    DISTRICT_LEADER = "district_leader", _("区领导")
    ADMIN = "admin", _("系统管理员")
    SECURITY_ADMIN = "security_admin", _("安全管理员")
    AUDITOR = "auditor", _("审计管理员")


class DataScope(models.TextChoices):
    """RuoYi's five data scopes, the words officials know for "what a role sees"."""

    ALL = "all", _("全部数据")
    CUSTOM = "custom", _("自定义数据")
    UNIT = "unit", _("本部门数据")
    UNIT_AND_BELOW = "unit_and_below", _("本部门及以下数据")
    SELF = "self", _("仅本人数据")


class Profile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile", verbose_name=_("用户")
    )
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="people", verbose_name=_("单位"))
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, default=Role.OFFICIAL)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    title = models.CharField(_("职务"), max_length=50, blank=True)
    # Units a CUSTOM data scope adds; empty for the other scopes.
    custom_scope_units = models.ManyToManyField(
        Unit, blank=True, related_name="+", verbose_name=_("自定义数据范围")
    )
    must_change_password = models.BooleanField(_("须修改密码"), default=False)

    class Meta:
        verbose_name = _("人员资料")
        verbose_name_plural = _("人员资料")

    def __str__(self):
        return f"{display_name(self.user)}（{self.unit}）"


class RoleSetting(models.Model):
    """A role's configured data scope (RuoYi's five words), kept by the security admin.

    Without a row the role has its default (risks.permissions.ROLE_DATA_SCOPE).
    """

    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, unique=True)
    data_scope = models.CharField(_("数据范围"), max_length=20, choices=DataScope.choices)
    # For the CUSTOM scope: units (and their subtrees) the role sees besides its own unit.
    custom_units = models.ManyToManyField(
        Unit, blank=True, related_name="role_settings", verbose_name=_("自定义数据范围")
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("角色数据范围")
        verbose_name_plural = _("角色数据范围")

    def __str__(self):
        return f"{self.get_role_display()}：{self.get_data_scope_display()}"


def display_name(user) -> str:
    if user is None:
        return ""
    return person_name(user.last_name, user.first_name, user.get_username())


def person_name(last_name: str, first_name: str, username: str) -> str:
    """Chinese order: surname then given name, no space (王小明), as officials write it; the
    login name when neither is filled in."""
    return f"{last_name}{first_name}".strip() or username


# ---------------------------------------------------------------------------------------------
# Security domains and local categories


class Domain(models.Model):
    """One of the national security domains of 总体国家安全观. Data, not an enum: the list changes."""

    code = models.SlugField(_("编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=30, unique=True)
    name_en = models.CharField(_("英文名称"), max_length=60, blank=True)
    order = models.PositiveIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("安全领域")
        verbose_name_plural = _("安全领域")

    def __str__(self):
        # The national list has official English names; show them when the interface is English.
        if self.name_en and get_language() == "en":
            return self.name_en
        return self.name


class Category(models.Model):
    """A local category under a domain, which admins extend (社会安全 › 安全生产 › 矿山)."""

    domain = models.ForeignKey(
        Domain, on_delete=models.PROTECT, related_name="categories", verbose_name=_("领域")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("上级类别"),
    )
    name = models.CharField(_("名称"), max_length=50)
    order = models.PositiveIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["domain__order", "order", "id"]
        verbose_name = _("类别")
        verbose_name_plural = _("类别")
        constraints = [
            models.UniqueConstraint(
                fields=["domain", "parent", "name"], name="category_unique_name_under_parent"
            )
        ]

    def __str__(self):
        return f"{self.parent} › {self.name}" if self.parent_id else self.name


# ---------------------------------------------------------------------------------------------
# Risks


class Level(models.TextChoices):
    MAJOR = "major", _("重大")
    SIGNIFICANT = "significant", _("较大")
    GENERAL = "general", _("一般")
    LOW = "low", _("低")


LEVEL_ORDER = {Level.MAJOR: 0, Level.SIGNIFICANT: 1, Level.GENERAL: 2, Level.LOW: 3}


class HazardGrade(models.TextChoices):
    MAJOR = "major", _("重大隐患")
    GENERAL = "general", _("一般隐患")


class Source(models.TextChoices):
    INSPECTION = "inspection", _("排查")
    CAMPAIGN = "campaign", _("专项行动")
    PETITION = "petition", _("信访")
    REPORT = "report", _("群众举报")
    SUPERIOR = "superior", _("上级交办")
    INTELLIGENCE = "intelligence", _("情报研判")
    QUARTERLY = "quarterly", _("季度研判")
    OTHER = "other", _("其他")


class State(models.TextChoices):
    REPORTED = "reported", _("已登记")
    ASSIGNED = "assigned", _("待签收")
    IN_PROGRESS = "in_progress", _("整改中")
    CLOSURE_PENDING = "closure_pending", _("待销号")
    CLOSED = "closed", _("已销号")
    WITHDRAWN = "withdrawn", _("已撤销")


OPEN_STATES = (State.REPORTED, State.ASSIGNED, State.IN_PROGRESS, State.CLOSURE_PENDING)


class SupervisionLight(models.TextChoices):
    """Set by the escalation ladder from how long a risk is overdue, never from its level."""

    GREEN = "green", _("绿灯")
    YELLOW = "yellow", _("黄灯")
    RED = "red", _("红灯")
    LISTED = "listed", _("挂牌督办")


class RiskQuerySet(models.QuerySet):
    def open(self):
        return self.filter(state__in=OPEN_STATES)

    def overdue(self, on: datetime.date | None = None):
        return self.open().filter(deadline__lt=on or today())

    def not_overdue(self, on: datetime.date | None = None):
        return self.exclude(state__in=OPEN_STATES, deadline__lt=on or today())

    def with_ledger_relations(self):
        """What a ledger row shows (domain, territory, owner, responsible), in the same query.

        Only these: PostgreSQL plans a join of ten tables in tens of milliseconds, more than the
        query then takes to run (bench: 90 ms of planning for a 1 ms query).
        """
        return self.select_related("domain", "township", "owner_unit", "responsible")

    def with_detail_relations(self):
        """Everything a risk's page shows of its relations."""
        return self.with_ledger_relations().select_related(
            "category__parent",
            "village",
            "supervising_unit",
            "leader_in_charge",
            "handover_to",
            "created_by",
        )

    def in_unit_subtree(self, unit: Unit):
        """Risks located in, owned by, cooperated on or supervised by ``unit`` or a unit below it.

        The subtree's ids are read first (one small query) and given as a list: PostgreSQL then
        walks the foreign-key indexes and the ledger's order index, where a join on ``path`` for
        each of the five relations scanned every risk (bench: 500 ms at 100,000 risks).
        """
        ids = unit.subtree_ids
        cooperating = Risk.cooperating_units.through.objects.filter(unit_id__in=ids).values("risk_id")
        return self.filter(
            Q(township_id__in=ids)
            | Q(village_id__in=ids)
            | Q(owner_unit_id__in=ids)
            | Q(supervising_unit_id__in=ids)
            | Q(pk__in=cooperating)
        )

    def in_unit(self, unit: Unit):
        """Risks located in, owned by, cooperated on or supervised by exactly ``unit``."""
        cooperating = Risk.cooperating_units.through.objects.filter(risk_id=OuterRef("pk"), unit_id=unit.pk)
        return self.filter(
            Q(township=unit)
            | Q(village=unit)
            | Q(owner_unit=unit)
            | Q(supervising_unit=unit)
            | Exists(cooperating)
        )


class Risk(models.Model):
    code = models.CharField(_("编号"), max_length=32, unique=True, editable=False)
    title = models.CharField(_("风险隐患名称"), max_length=200)
    description = models.TextField(_("风险隐患描述"), blank=True)
    domain = models.ForeignKey(
        Domain, on_delete=models.PROTECT, related_name="risks", verbose_name=_("所属领域")
    )
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="risks",
        verbose_name=_("类别"),
    )
    level = models.CharField(_("风险等级"), max_length=16, choices=Level.choices)
    hazard_grade = models.CharField(_("隐患等级"), max_length=16, choices=HazardGrade.choices, blank=True)
    source = models.CharField(_("来源"), max_length=16, choices=Source.choices, default=Source.INSPECTION)
    # Risks found in a special campaign (专项排查整治行动) are logged against it, source 专项行动.
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="risks",
        verbose_name=_("专项行动"),
    )
    found_on = models.DateField(_("发现日期"), default=today)

    # Territory (属地): where the risk is.
    township = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="risks_located", verbose_name=_("所在乡镇(街道)")
    )
    village = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="risks_located_village",
        verbose_name=_("村(社区)"),
    )
    address = models.CharField(_("详细地址"), max_length=200, blank=True)

    # Responsibility: who must resolve it, who helps, who supervises (行业主管部门).
    owner_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="risks_owned", verbose_name=_("责任单位")
    )
    cooperating_units = models.ManyToManyField(
        Unit, blank=True, related_name="risks_cooperating", verbose_name=_("配合单位")
    )
    supervising_unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="risks_supervised",
        verbose_name=_("行业主管部门"),
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="risks_responsible",
        verbose_name=_("责任人"),
    )
    leader_in_charge = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="risks_in_charge",
        verbose_name=_("包联领导"),
    )
    measures = models.TextField(_("整改措施"), blank=True)
    deadline = models.DateField(_("整改时限"))
    state = models.CharField(_("状态"), max_length=20, choices=State.choices, default=State.REPORTED)
    supervision_light = models.CharField(
        _("督办"), max_length=10, choices=SupervisionLight.choices, default=SupervisionLight.GREEN
    )
    is_black_swan = models.BooleanField(_("黑天鹅"), default=False)
    is_grey_rhino = models.BooleanField(_("灰犀牛"), default=False)
    remarks = models.CharField(_("备注"), max_length=500, blank=True)

    # Pending requests beside the main line; their history is on the timeline.
    handover_to = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("待接收转办单位"),
    )
    requested_deadline = models.DateField(_("申请延期至"), null=True, blank=True)
    closure_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("销号申请人"),
    )

    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True)
    last_progress_at = models.DateTimeField(_("最近进展"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("更新人")
    )
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    objects = RiskQuerySet.as_manager()

    class Meta:
        verbose_name = _("风险隐患")
        verbose_name_plural = _("风险隐患")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The ledger's default order and its most used filters and sorts.
            models.Index(fields=["-created_at", "-id"], name="risk_created_idx"),
            models.Index(fields=["state", "deadline"], name="risk_state_deadline_idx"),
            models.Index(fields=["deadline"], name="risk_deadline_idx"),
            models.Index(fields=["closed_at"], name="risk_closed_idx"),  # the quarter's closures
            models.Index(fields=["level", "state"], name="risk_level_state_idx"),
            models.Index(fields=["domain", "level"], name="risk_domain_level_idx"),
            models.Index(fields=["found_on"], name="risk_found_idx"),
            models.Index(fields=["source"], name="risk_source_idx"),
            models.Index(fields=["supervision_light"], name="risk_light_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(deadline__gte=models.F("found_on")), name="risk_deadline_after_found"
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    def is_overdue_on(self, day: datetime.date) -> bool:
        return self.is_open and self.deadline < day

    @property
    def is_overdue(self) -> bool:
        return self.is_overdue_on(today())

    @property
    def days_left(self) -> int:
        """Days until the deadline (negative once overdue)."""
        return (self.deadline - today()).days

    @property
    def location_unit(self) -> Unit:
        return self.village or self.township


class LedgerCounter(models.Model):
    """The last ledger number used in a year; incremented under a row lock (risks.workflow)."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("编号计数器")
        verbose_name_plural = _("编号计数器")

    def __str__(self):
        return f"{self.year}: {self.last}"


class EventKind(models.TextChoices):
    CREATED = "created", _("登记")
    EDITED = "edited", _("修改")
    ASSIGNED = "assigned", _("交办")
    SIGNED = "signed", _("签收")
    PROGRESS = "progress", _("整改进展")
    HANDOVER_REQUESTED = "handover_requested", _("申请转办")
    HANDOVER_ACCEPTED = "handover_accepted", _("接收转办")
    HANDOVER_REFUSED = "handover_refused", _("拒绝转办")
    CLOSURE_REQUESTED = "closure_requested", _("申请销号")
    CLOSURE_APPROVED = "closure_approved", _("验收销号")
    CLOSURE_RETURNED = "closure_returned", _("退回")
    EXTENSION_REQUESTED = "extension_requested", _("申请延期")
    EXTENSION_APPROVED = "extension_approved", _("批准延期")
    EXTENSION_REFUSED = "extension_refused", _("驳回延期")
    WITHDRAWN = "withdrawn", _("撤销")
    REOPENED = "reopened", _("重新打开")
    SUPERVISED = "supervised", _("督办")


class RiskEvent(models.Model):
    """One dated entry on a risk's timeline: a transition, a field change or a progress update."""

    risk = models.ForeignKey(
        Risk, on_delete=models.CASCADE, related_name="events", verbose_name=_("风险隐患")
    )
    kind = models.CharField(_("类型"), max_length=24, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("操作人")
    )
    at = models.DateTimeField(_("时间"), default=timezone.now)
    text = models.TextField(_("说明"), blank=True)
    from_state = models.CharField(_("原状态"), max_length=20, choices=State.choices, blank=True)
    to_state = models.CharField(_("新状态"), max_length=20, choices=State.choices, blank=True)
    # Field changes as [{"field": ..., "label": ..., "old": ..., "new": ...}], shown on the risk.
    changes = models.JSONField(_("字段变更"), default=list, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("台账记录")
        verbose_name_plural = _("台账记录")
        indexes = [models.Index(fields=["risk", "at"], name="event_risk_at_idx")]

    def __str__(self):
        return f"{self.risk_id} {self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"


def attachment_path(instance, filename):
    # A random stored name: the uploaded name is kept only as data, never as a path.
    suffix = PurePosixPath(filename).suffix.lower()[:10]
    return f"attachments/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class StoredFile(models.Model):
    """An uploaded file's data, whatever it is evidence of (risk timeline, duty record).

    Subclasses add ``file`` with their own upload folder."""

    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["id"]

    def __str__(self):
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class Attachment(StoredFile):
    event = models.ForeignKey(
        RiskEvent, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("记录")
    )
    risk = models.ForeignKey(
        Risk, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("风险隐患")
    )
    file = models.FileField(_("文件"), upload_to=attachment_path, max_length=200)

    class Meta(StoredFile.Meta):
        verbose_name = _("附件")
        verbose_name_plural = _("附件")


# ---------------------------------------------------------------------------------------------
# Audit log and the quarter's unit self-report


class AuditAction(models.TextChoices):
    CREATE = "create", _("新增")
    UPDATE = "update", _("修改")
    DELETE = "delete", _("删除")
    TRANSITION = "transition", _("流程操作")
    LOGIN = "login", _("登录")
    LOGOUT = "logout", _("退出")
    LOGIN_FAILED = "login_failed", _("登录失败")
    LOCKOUT = "lockout", _("账号锁定")
    PASSWORD_CHANGE = "password_change", _("修改密码")
    EXPORT = "export", _("导出")
    IMPORT = "import", _("导入")
    DOWNLOAD = "download", _("下载附件")
    VIEW = "view", _("查看")


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("the audit log is append-only")

    def delete(self):
        raise PermissionError("the audit log is append-only")


class AuditEntry(models.Model):
    """One line of the audit log: who, when, from where, did what to which object.

    Append-only: written in the same transaction as the change it records (risks.audit.record);
    no page, admin or queryset can change or delete it. Kept at least 180 days (网络安全法 第二十一条).
    """

    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    # Kept as text too, so the entry still says who it was if the account is renamed.
    actor_name = models.CharField(_("操作人账号"), max_length=150, blank=True)
    actor_unit = models.ForeignKey(
        Unit, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("操作人单位")
    )
    ip = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    action = models.CharField(_("操作"), max_length=20, choices=AuditAction.choices, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=50, blank=True, db_index=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=300, blank=True)
    summary = models.CharField(_("摘要"), max_length=500, blank=True)
    changes = models.JSONField(_("变更"), default=list, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.get_action_display()} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("the audit log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("the audit log is append-only")

    def change_lines(self) -> list[str]:
        """Each change as one line: field changes as "label: old → new", other details as
        "key: value" (an export's filter and row count, a campaign's units)."""
        lines = []
        for change in self.changes if isinstance(self.changes, list) else [self.changes]:
            if not isinstance(change, dict):
                lines.append(str(change))
            elif "old" in change or "new" in change:
                label = change.get("label") or change.get("field", "")
                lines.append(f"{label}: {change.get('old', '')} → {change.get('new', '')}")
            else:
                lines.append("；".join(f"{key}: {value}" for key, value in change.items()))
        return lines


class QuarterlyReport(models.Model):
    """A unit's quarterly self-report (季度报告): it confirms its ledger is up to date and writes
    its situation analysis by the quarter's end."""

    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="quarterly_reports", verbose_name=_("单位")
    )
    year = models.PositiveIntegerField(_("年度"))
    quarter = models.PositiveSmallIntegerField(_("季度"), choices=[(q, f"Q{q}") for q in range(1, 5)])
    ledger_confirmed = models.BooleanField(_("已确认台账为最新"), default=False)
    analysis = models.TextField(_("形势分析"), blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("报送人"),
    )
    submitted_at = models.DateTimeField(_("报送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("单位季度报告")
        verbose_name_plural = _("单位季度报告")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year", "quarter"], name="quarterly_report_once_per_quarter"
            )
        ]

    def __str__(self):
        return f"{self.unit} {self.year}Q{self.quarter}"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


# ---------------------------------------------------------------------------------------------
# Ledger imports (risks.ledger_io): the uploaded file and where its import stands


def import_path(instance, filename):
    suffix = PurePosixPath(filename).suffix.lower()[:6]
    return f"imports/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class ImportStatus(models.TextChoices):
    CHECKING = "checking", _("检查中")
    CHECKED = "checked", _("待确认")
    IMPORTING = "importing", _("导入中")
    DONE = "done", _("已导入")
    FAILED = "failed", _("未导入")
    CANCELLED = "cancelled", _("已取消")


class ImportJob(models.Model):
    """One uploaded ledger file: checked first (a preview of every row's problems), then imported
    in one transaction when the person confirms. Large files are checked and imported by Celery;
    the page polls this row for the progress."""

    file = models.FileField(_("文件"), upload_to=import_path, max_length=200)
    original_name = models.CharField(_("文件名"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("导入人")
    )
    created_at = models.DateTimeField(_("上传时间"), default=timezone.now)
    status = models.CharField(
        _("状态"), max_length=12, choices=ImportStatus.choices, default=ImportStatus.CHECKING
    )
    valid_only = models.BooleanField(_("只导入无误的行"), default=False)
    total_rows = models.PositiveIntegerField(_("数据行数"), default=0)
    checked_rows = models.PositiveIntegerField(_("已检查行数"), default=0)
    valid_rows = models.PositiveIntegerField(_("无误行数"), default=0)
    imported_rows = models.PositiveIntegerField(_("已导入行数"), default=0)
    # [{"row", "column", "message", "expected"}], in row order; and file-level errors.
    problems = models.JSONField(_("问题"), default=list, blank=True)
    error = models.TextField(_("错误"), blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("台账导入")
        verbose_name_plural = _("台账导入")

    def __str__(self):
        return f"{self.original_name}（{self.get_status_display()}）"

    @property
    def is_running(self) -> bool:
        return self.status in (ImportStatus.CHECKING, ImportStatus.IMPORTING)

    @property
    def rejected_rows(self) -> int:
        return len({p["row"] for p in self.problems})

    @property
    def percent(self) -> int:
        if self.status == ImportStatus.CHECKING:
            return int(100 * self.checked_rows / self.total_rows) if self.total_rows else 0
        return 100 if not self.is_running else 0
