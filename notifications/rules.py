"""Which notices are due on a day, and who is told: plain functions over the database.

Each rule yields Due items in batches (risks in primary-key order, a fixed number of queries a
batch, never one per risk). A Due names its idempotency key (rule, subject, period): the period is
what makes a notice "the same one" — for the ladder the deadline, so an approved extension starts
the ladder again; for reminders before a date the threshold reached, so a missed day is caught up
the next day (the 7-day reminder goes out 6 days before) and never sent twice.
"""

import datetime
import functools
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db.models import DateTimeField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from quarters.services import receipts_needing_reminder
from risks.models import (
    OPEN_STATES,
    EventKind,
    Level,
    Profile,
    QuarterlyReport,
    Risk,
    RiskEvent,
    Role,
    State,
    SupervisionLight,
    Unit,
    UnitKind,
)
from risks.permissions import DataScope, role_data_scopes

from .calendar import previous_quarter, quarter_end, quarter_of
from .models import RULE_DEFAULTS, AnnualStudyDate, ReminderRule, RuleCode, parse_days

# Risks a batch: one transaction each. 2,000 rather than 500: a quarter fewer commits and queries,
# 15 % less time for a sweep over 100,000 open risks (bench), and still a few MB of memory.
BATCH_SIZE = 2000
# Units that submit a quarterly report: townships, streets and departments.
REPORTING_KINDS = (UnitKind.TOWNSHIP, UnitKind.STREET, UnitKind.DEPARTMENT)
# A set date missed by the sweep is still announced this many days later, not for ever.
ANNUAL_CATCH_UP_DAYS = 7
# Leaders hear that a quarter's figures are ready within this many days of its end; a system
# first started later does not announce a stale quarter.
QUARTER_CATCH_UP_DAYS = 31
LADDER = (RuleCode.OVERDUE_RED, RuleCode.OVERDUE_ORANGE, RuleCode.OVERDUE_YELLOW)
LADDER_LIGHT = {
    RuleCode.OVERDUE_YELLOW: SupervisionLight.YELLOW,
    RuleCode.OVERDUE_ORANGE: SupervisionLight.RED,
    RuleCode.OVERDUE_RED: SupervisionLight.LISTED,
}


@dataclass(frozen=True)
class RuleSetting:
    code: str
    enabled: bool
    days: tuple[int, ...]
    days_major: tuple[int, ...]

    def days_for(self, level: str) -> tuple[int, ...]:
        return self.days_major if level == Level.MAJOR and self.days_major else self.days


def load_rules() -> dict[str, RuleSetting]:
    """Every rule's setting: the admins' row, or DESIGN.md's default where there is none."""
    rows = {rule.code: rule for rule in ReminderRule.objects.all()}
    settings = {}
    for code in RuleCode.values:
        days, days_major = RULE_DEFAULTS[code]
        enabled = True
        if code in rows:
            enabled, days, days_major = rows[code].enabled, rows[code].days, rows[code].days_major
        settings[code] = RuleSetting(code, enabled, tuple(parse_days(days)), tuple(parse_days(days_major)))
    return settings


def threshold_reached(remaining: int, offsets) -> int | None:
    """The nearest threshold already reached with ``remaining`` days to go ("7,1": 5 → 7, 0 → 1)."""
    reached = [o for o in offsets if remaining <= o]
    return min(reached) if reached else None


@dataclass
class Due:
    rule: str
    subject_type: str
    subject_id: int
    period: str
    title: str
    link: str
    recipients: set[int]
    unit_id: int | None = None
    body: str = ""
    light: str | None = None

    @property
    def key(self) -> tuple:
        return (self.rule, self.subject_type, self.subject_id, self.period)


# ---------------------------------------------------------------------------------------------
# People: who leads which unit, who sees which risk (read once a sweep)


@dataclass
class Person:
    user_id: int
    unit_id: int
    unit_path: str
    role: str
    scope: str
    custom_paths: tuple[str, ...] = ()


@dataclass
class Directory:
    people: dict[int, Person] = field(default_factory=dict)
    units: dict[int, Unit] = field(default_factory=dict)
    unit_by_path: dict[str, Unit] = field(default_factory=dict)
    leaders: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    officials: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    district: list[int] = field(default_factory=list)
    admins: list[int] = field(default_factory=list)

    @classmethod
    def load(cls) -> "Directory":
        directory = cls()
        for unit in Unit.objects.only("pk", "path", "depth", "kind", "name", "is_active"):
            directory.units[unit.pk] = unit
            directory.unit_by_path[unit.path] = unit
        profiles = Profile.objects.filter(user__is_active=True).values_list(
            "user_id", "unit_id", "role", "user__is_superuser"
        )
        custom = defaultdict(list)
        for user_id, unit_id in Profile.custom_scope_units.through.objects.values_list(
            "profile__user_id", "unit_id"
        ):
            custom[user_id].append(directory.units[unit_id].path)
        # Each role's scope as the security admin configured it (risks.permissions.RoleSetting).
        role_scopes = role_data_scopes()
        for user_id, unit_id, role, superuser in profiles:
            unit = directory.units[unit_id]
            scope, role_units = role_scopes.get(role, (None, []))
            if superuser or unit.kind in (UnitKind.DISTRICT, UnitKind.OFFICE):
                scope = DataScope.ALL  # as risks.permissions.data_scope decides
            role_paths = [directory.units[u].path for u in role_units]
            directory.people[user_id] = Person(
                user_id, unit_id, unit.path, role, scope, (unit.path, *custom[user_id], *role_paths)
            )
            if role == Role.UNIT_LEADER:
                directory.leaders[unit_id].append(user_id)
                if unit.kind in (UnitKind.DISTRICT, UnitKind.OFFICE):
                    directory.district.append(user_id)
            elif role == Role.OFFICIAL:
                directory.officials[unit_id].append(user_id)
            elif role == Role.DISTRICT_LEADER:
                directory.district.append(user_id)
            elif role == Role.ADMIN:
                directory.admins.append(user_id)
        return directory

    def unit_leaders(self, unit_id: int) -> list[int]:
        """Leaders of the unit or, where it has none (a village), of the nearest unit above it
        below the district."""
        unit = self.units.get(unit_id)
        while unit is not None and unit.depth > 1:
            if self.leaders.get(unit.pk):
                return self.leaders[unit.pk]
            unit = self.unit_by_path.get(unit.path[: -Unit.steplen])
        return []

    def sees(self, user_id: int, risk: Risk) -> bool:
        """The same rule as risks.permissions.visible_risks, decided in memory for a batch."""
        person = self.people.get(user_id)
        if person is None or person.scope is None:
            return False
        if person.scope == DataScope.ALL:
            return True
        if person.scope == DataScope.SELF:
            return user_id in (risk.responsible_id, risk.created_by_id)
        if person.scope == DataScope.UNIT:
            return person.unit_id in risk.unit_ids
        bases = person.custom_paths if person.scope == DataScope.CUSTOM else (person.unit_path,)
        return any(path.startswith(base) for base in bases for path in risk.unit_paths)


# ---------------------------------------------------------------------------------------------
# Risk rules


def _latest_event(kind: str):
    return Subquery(
        RiskEvent.objects.filter(risk_id=OuterRef("pk"), kind=kind).order_by("-at", "-id").values("at")[:1],
        output_field=DateTimeField(),
    )


def _start_of(day: datetime.date) -> datetime.datetime:
    """The first moment of ``day`` in Asia/Shanghai: "3 days ago" counts local calendar days."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def risk_batches(condition: Q, directory: Directory, **annotations) -> Iterator[list[Risk]]:
    """Open risks matching ``condition`` in batches, each with the paths of every unit it touches
    (``unit_paths``, ``unit_ids``) for the scope check. Two queries a batch."""
    qs = (
        Risk.objects.annotate(**annotations)
        .filter(condition, state__in=OPEN_STATES)
        .only(
            "pk",
            "code",
            "title",
            "level",
            "state",
            "deadline",
            "township_id",
            "village_id",
            "owner_unit_id",
            "supervising_unit_id",
            "responsible_id",
            "leader_in_charge_id",
            "created_by_id",
            "closure_requested_by_id",
            "requested_deadline",
            "created_at",
            "last_progress_at",
        )
        .order_by("pk")
    )
    last = 0
    while True:
        batch = list(qs.filter(pk__gt=last)[:BATCH_SIZE])
        if not batch:
            return
        last = batch[-1].pk
        cooperating = defaultdict(list)
        for risk_id, unit_id in Risk.cooperating_units.through.objects.filter(
            risk_id__in=[r.pk for r in batch]
        ).values_list("risk_id", "unit_id"):
            cooperating[risk_id].append(unit_id)
        for risk in batch:
            ids = [risk.township_id, risk.village_id, risk.owner_unit_id, risk.supervising_unit_id]
            risk.unit_ids = {i for i in (*ids, *cooperating[risk.pk]) if i}
            risk.unit_paths = [directory.units[i].path for i in risk.unit_ids if i in directory.units]
        yield batch


_PK_PLACEHOLDER = 999999999


def _link(risk: Risk) -> str:
    # reverse() once, not once per risk (a sweep may link tens of thousands of them)
    return _risk_url_pattern().replace(str(_PK_PLACEHOLDER), str(risk.pk))


@functools.cache
def _risk_url_pattern() -> str:
    return reverse("risks:detail", args=[_PK_PLACEHOLDER])


def _who(directory: Directory, risk: Risk, *ids) -> set[int]:
    """The people named, less nobody, each only if they may see the risk."""
    return {i for i in ids if i and directory.sees(i, risk)}


def _responsible_or_leaders(directory: Directory, risk: Risk) -> list[int]:
    return [risk.responsible_id] if risk.responsible_id else directory.unit_leaders(risk.owner_unit_id)


def deadline_near(day, rules, directory) -> Iterator[list[Due]]:
    setting = rules[RuleCode.DEADLINE_NEAR]
    if not setting.enabled or not setting.days:
        return
    horizon = day + datetime.timedelta(days=max(setting.days))
    for batch in risk_batches(Q(deadline__gte=day, deadline__lte=horizon), directory):
        dues = []
        for risk in batch:
            left = (risk.deadline - day).days
            offset = threshold_reached(left, setting.days)
            if offset is None:
                continue
            dues.append(
                Due(
                    RuleCode.DEADLINE_NEAR,
                    "risk",
                    risk.pk,
                    f"{risk.deadline.isoformat()}:{offset}",
                    _("【临近时限】%(code)s %(title)s：距整改时限（%(deadline)s）还有 %(n)d 天")
                    % {"code": risk.code, "title": risk.title, "deadline": risk.deadline, "n": left},
                    _link(risk),
                    _who(directory, risk, *_responsible_or_leaders(directory, risk)),
                    unit_id=risk.owner_unit_id,
                )
            )
        yield dues


def overdue_ladder(day, rules, directory) -> Iterator[list[Due]]:
    """The highest step of the ladder each overdue risk has reached; its light goes up with it."""
    steps = [rules[code] for code in LADDER if rules[code].enabled and rules[code].days]
    if not steps:
        return
    first = min(min(s.days + s.days_major) for s in steps)
    latest = day - datetime.timedelta(days=first)
    titles = {
        RuleCode.OVERDUE_YELLOW: _("【逾期】%(code)s %(title)s 已逾期 %(n)d 天，亮黄灯"),
        RuleCode.OVERDUE_ORANGE: _("【督办】%(code)s %(title)s 已逾期 %(n)d 天，亮红灯督办"),
        RuleCode.OVERDUE_RED: _("【挂牌督办】%(code)s %(title)s 已逾期 %(n)d 天，挂牌督办"),
    }
    for batch in risk_batches(Q(deadline__lte=latest), directory):
        dues = []
        for risk in batch:
            late = (day - risk.deadline).days
            step = next((s for s in steps if late >= min(s.days_for(risk.level))), None)
            if step is None:
                continue
            # Each step adds the people of the next level to those already told.
            people = [*_responsible_or_leaders(directory, risk), *directory.unit_leaders(risk.owner_unit_id)]
            if step.code in (RuleCode.OVERDUE_ORANGE, RuleCode.OVERDUE_RED):
                people += [risk.leader_in_charge_id, *directory.admins]
            if step.code == RuleCode.OVERDUE_RED:
                people += directory.district
            dues.append(
                Due(
                    step.code,
                    "risk",
                    risk.pk,
                    risk.deadline.isoformat(),
                    titles[step.code] % {"code": risk.code, "title": risk.title, "n": late},
                    _link(risk),
                    _who(directory, risk, *people),
                    unit_id=risk.owner_unit_id,
                    light=LADDER_LIGHT[step.code],
                )
            )
        yield dues


def no_progress(day, rules, directory) -> Iterator[list[Due]]:
    setting = rules[RuleCode.NO_PROGRESS]
    if not setting.enabled or not setting.days:
        return
    days = min(setting.days)
    before = _start_of(day - datetime.timedelta(days=days - 1))
    last = Coalesce("last_progress_at", "created_at")
    condition = Q(state__in=[State.REPORTED, State.IN_PROGRESS], last_update__lt=before)
    for batch in risk_batches(condition, directory, last_update=last):
        dues = []
        for risk in batch:
            since = timezone.localdate(risk.last_update)
            dues.append(
                Due(
                    RuleCode.NO_PROGRESS,
                    "risk",
                    risk.pk,
                    since.isoformat(),
                    _("【无进展】%(code)s %(title)s 已 %(n)d 天没有整改进展")
                    % {"code": risk.code, "title": risk.title, "n": (day - since).days},
                    _link(risk),
                    _who(directory, risk, *_responsible_or_leaders(directory, risk)),
                    unit_id=risk.owner_unit_id,
                )
            )
        yield dues


def pending_sign_for(day, rules, directory) -> Iterator[list[Due]]:
    setting = rules[RuleCode.PENDING_SIGN_FOR]
    if not setting.enabled or not setting.days:
        return
    before = _start_of(day - datetime.timedelta(days=min(setting.days) - 1))
    condition = Q(state=State.ASSIGNED, assigned_at__lt=before)
    for batch in risk_batches(condition, directory, assigned_at=_latest_event(EventKind.ASSIGNED)):
        dues = []
        for risk in batch:
            since = timezone.localdate(risk.assigned_at)
            people = [risk.responsible_id, *directory.unit_leaders(risk.owner_unit_id)]
            dues.append(
                Due(
                    RuleCode.PENDING_SIGN_FOR,
                    "risk",
                    risk.pk,
                    since.isoformat(),
                    _("【待签收】%(code)s %(title)s 交办已 %(n)d 天未签收")
                    % {"code": risk.code, "title": risk.title, "n": (day - since).days},
                    _link(risk),
                    _who(directory, risk, *people),
                    unit_id=risk.owner_unit_id,
                )
            )
        yield dues


def _approvers(directory: Directory, risk: Risk) -> list[int]:
    """Who decides closures and extensions (risks.permissions.may_approve): the owner's leaders;
    for 重大 risks the district."""
    people = directory.district if risk.level == Level.MAJOR else directory.unit_leaders(risk.owner_unit_id)
    return [i for i in people if i not in (risk.responsible_id, risk.closure_requested_by_id)]


def pending_approval(day, rules, directory) -> Iterator[list[Due]]:
    setting = rules[RuleCode.PENDING_APPROVAL]
    if not setting.enabled or not setting.days:
        return
    before = _start_of(day - datetime.timedelta(days=min(setting.days) - 1))
    condition = Q(state=State.CLOSURE_PENDING, closure_at__lt=before) | Q(
        requested_deadline__isnull=False, extension_at__lt=before
    )
    annotations = {
        "closure_at": _latest_event(EventKind.CLOSURE_REQUESTED),
        "extension_at": _latest_event(EventKind.EXTENSION_REQUESTED),
    }
    for batch in risk_batches(condition, directory, **annotations):
        dues = []
        for risk in batch:
            waiting = []
            if risk.state == State.CLOSURE_PENDING and risk.closure_at and risk.closure_at < before:
                waiting.append(("closure", risk.closure_at, _("销号申请")))
            if risk.requested_deadline and risk.extension_at and risk.extension_at < before:
                waiting.append(("extension", risk.extension_at, _("延期申请")))
            for kind, at, what in waiting:
                since = timezone.localdate(at)
                dues.append(
                    Due(
                        RuleCode.PENDING_APPROVAL,
                        "risk",
                        risk.pk,
                        f"{kind}:{since.isoformat()}",
                        _("【待审批】%(code)s %(title)s 的%(what)s已等待 %(n)d 天")
                        % {"code": risk.code, "title": risk.title, "what": what, "n": (day - since).days},
                        _link(risk),
                        _who(directory, risk, *_approvers(directory, risk)),
                        unit_id=risk.owner_unit_id,
                    )
                )
        yield dues


# ---------------------------------------------------------------------------------------------
# The quarter and the year


def quarterly_units(day, rules, directory) -> Iterator[list[Due]]:
    """Units that have not submitted this quarter's report, 10 and 3 days before it ends."""
    setting = rules[RuleCode.QUARTER_UNIT]
    if not setting.enabled:
        return
    year, quarter = quarter_of(day)
    end = quarter_end(year, quarter)
    offset = threshold_reached((end - day).days, setting.days)
    if offset is None:
        return
    submitted = QuarterlyReport.objects.filter(year=year, quarter=quarter, submitted_at__isnull=False)
    units = (
        Unit.objects.filter(kind__in=REPORTING_KINDS, is_active=True)
        .exclude(pk__in=submitted.values("unit_id"))
        .order_by("path")
    )
    link = reverse("notifications:quarterly_reports")
    dues = [
        Due(
            RuleCode.QUARTER_UNIT,
            "unit",
            unit.pk,
            f"{year}Q{quarter}:{offset}",
            _("【季度报告】%(unit)s尚未报送%(year)d年第%(q)d季度单位季度报告，%(end)s 截止")
            % {"unit": unit.name, "year": year, "q": quarter, "end": end},
            link,
            {*directory.leaders.get(unit.pk, []), *directory.officials.get(unit.pk, [])},
            unit_id=unit.pk,
        )
        for unit in units
    ]
    for start in range(0, len(dues), BATCH_SIZE):
        yield dues[start : start + BATCH_SIZE]


def quarterly_leaders(day, rules, directory) -> Iterator[list[Due]]:
    """After a quarter ends (Q4 ends on 31 December): its figures are ready for the review."""
    setting = rules[RuleCode.QUARTER_LEADERS]
    if not setting.enabled or not setting.days:
        return
    year, quarter = previous_quarter(*quarter_of(day))
    since = (day - quarter_end(year, quarter)).days
    if since < min(setting.days) or since > QUARTER_CATCH_UP_DAYS:
        return
    link = reverse("notifications:quarterly_reports") + f"?year={year}&quarter={quarter}"
    yield [
        Due(
            RuleCode.QUARTER_LEADERS,
            "quarter",
            year * 10 + quarter,
            f"{year}Q{quarter}",
            _("【季度研判】%(year)d年第%(q)d季度已结束，全区风险隐患数据已可用于季度分析研判")
            % {"year": year, "q": quarter},
            link,
            set(directory.district),
        )
    ]


def annual_study(day, rules, directory) -> Iterator[list[Due]]:
    setting = rules[RuleCode.ANNUAL_STUDY]
    if not setting.enabled or not setting.days:
        return
    dates = AnnualStudyDate.objects.filter(
        date__gte=day - datetime.timedelta(days=ANNUAL_CATCH_UP_DAYS),
        date__lte=day + datetime.timedelta(days=max(setting.days)),
    )
    dues = []
    for study in dates:
        offset = threshold_reached(max((study.date - day).days, 0), setting.days)
        if offset is None:
            continue
        dues.append(
            Due(
                RuleCode.ANNUAL_STUDY,
                "study",
                study.pk,
                f"{study.date.isoformat()}:{offset}",
                _("【年度专题研究】%(title)s：%(date)s") % {"title": study.title, "date": study.date},
                reverse("notifications:quarterly_reports"),
                {*directory.admins, *directory.district},
            )
        )
    if dues:
        yield dues


def directive_pending(day, rules, directory) -> Iterator[list[Due]]:
    """Leaders' warnings and assignments (预警、交办) a receiving unit has not signed for a day
    (by default) after they were issued, or not answered by their deadline: its people are told
    once for each; for a late answer, the leader who issued it too."""
    setting = rules[RuleCode.DIRECTIVE_PENDING]
    if not setting.enabled or not setting.days:
        return
    before = _start_of(day - datetime.timedelta(days=min(setting.days) - 1))
    dues = []
    for receipt in receipts_needing_reminder(day):
        directive, unit = receipt.directive, receipt.unit
        people = {*directory.unit_leaders(unit.pk), *directory.officials.get(unit.pk, [])}
        values = {"unit": unit.name, "title": directive.title, "deadline": directive.deadline}
        if receipt.answered_at is None and directive.deadline < day:
            period = f"answer:{directive.deadline.isoformat()}"
            title = _("【交办逾期】%(unit)s未在 %(deadline)s 前反馈“%(title)s”") % values
            people.add(directive.issued_by_id)
        elif receipt.signed_at is None and directive.issued_at < before:
            period = f"sign:{timezone.localdate(directive.issued_at).isoformat()}"
            title = _("【待签收】%(unit)s尚未签收“%(title)s”，%(deadline)s 前反馈") % values
        else:
            continue
        dues.append(
            Due(
                RuleCode.DIRECTIVE_PENDING,
                "receipt",
                receipt.pk,
                period,
                title,
                reverse("quarters:directive", args=[directive.pk]),
                {p for p in people if p in directory.people},
                unit_id=unit.pk,
            )
        )
    for start in range(0, len(dues), BATCH_SIZE):
        yield dues[start : start + BATCH_SIZE]


RULES = (
    deadline_near,
    overdue_ladder,
    no_progress,
    pending_sign_for,
    pending_approval,
    quarterly_units,
    quarterly_leaders,
    annual_study,
    directive_pending,
)


def due_notices(day: datetime.date, directory: Directory | None = None) -> Iterator[list[Due]]:
    """Every rule's due notices for ``day``, in batches."""
    rules = load_rules()
    directory = directory or Directory.load()
    for rule in RULES:
        yield from rule(day, rules, directory)
