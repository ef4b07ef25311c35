"""Who may see and do what: one place, every view, form, export and service starts from it.

Seeing is wider than changing (DESIGN.md "Who owns a risk, and who sees it"): a person sees a risk
located in their unit's subtree, or owned, cooperated on or supervised by a unit in it; district
leaders, admins and the security office see everything. A person changes a risk only as their role
allows on risks their unit owns; district leaders on all.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from .models import (
    LEVEL_ORDER,
    DataScope,
    Level,
    Profile,
    Risk,
    Role,
    RoleSetting,
    State,
    Unit,
    UnitKind,
    today,
)


class Perm(models.TextChoices):
    """What a role may do at all; which risks it may do it to is decided per object below."""

    VIEW = "view", _("查看")
    CREATE = "create", _("登记")
    EDIT = "edit", _("修改、报送进展")
    ASSIGN = "assign", _("交办、转办、撤销")
    APPROVE_CLOSURE = "approve_closure", _("审批销号、延期")
    VERIFY = "verify", _("核查（行业主管部门）")
    SUPERVISE = "supervise", _("督办、预警")
    EXPORT = "export", _("导出")
    MANAGE_ORG = "manage_org", _("管理单位、人员、类别、责任清单")
    MANAGE_SECURITY = "manage_security", _("管理角色与安全设置")
    READ_AUDIT = "read_audit", _("查阅审计日志")


_RISK_WORK = {Perm.VIEW, Perm.CREATE, Perm.EDIT, Perm.EXPORT}

# The one table of what each role may do. 三员 (等保): the admin keeps the organisation, the security
# admin keeps roles and security settings, the auditor only reads the audit log: no two overlap in
# MANAGE_ORG / MANAGE_SECURITY / READ_AUDIT, and the auditor has nothing that changes data.
ROLE_PERMISSIONS: dict[str, frozenset] = {
    Role.OFFICIAL: frozenset(_RISK_WORK),
    Role.UNIT_LEADER: frozenset(_RISK_WORK | {Perm.ASSIGN, Perm.APPROVE_CLOSURE, Perm.VERIFY}),
    Role.DISTRICT_LEADER: frozenset(
        _RISK_WORK | {Perm.ASSIGN, Perm.APPROVE_CLOSURE, Perm.VERIFY, Perm.SUPERVISE}
    ),
    Role.ADMIN: frozenset(_RISK_WORK | {Perm.ASSIGN, Perm.SUPERVISE, Perm.MANAGE_ORG}),
    Role.SECURITY_ADMIN: frozenset({Perm.VIEW, Perm.MANAGE_SECURITY}),
    Role.AUDITOR: frozenset({Perm.VIEW, Perm.READ_AUDIT}),
}
# The three officers (三员) of 等保: separate accounts, granted only by the security admin.
THREE_OFFICERS = (Role.ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR)
# The permission that makes each of them what it is; no role may hold two of these.
THREE_OFFICER_PERMS = (Perm.MANAGE_ORG, Perm.MANAGE_SECURITY, Perm.READ_AUDIT)
# Permissions that change data; the auditor holds none of them.
CHANGING_PERMS = frozenset(set(Perm) - {Perm.VIEW, Perm.EXPORT, Perm.READ_AUDIT})


def has_perm(user, perm: str) -> bool:
    """Whether ``user``'s role may do ``perm`` at all (the per-object rules come on top).

    A superuser without a profile (break-glass, Django admin only) holds everything; one with a
    role holds what the role holds; an inactive user nothing.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    role = role_of(user)
    if role is not None:
        # A role is what a person may do, superuser flag or not: the demo's system admin keeps
        # Django's admin site but still may not read the audit log (三员).
        return perm in ROLE_PERMISSIONS.get(role, ())
    return user.is_superuser


def permissions_of(user) -> set[str]:
    return {perm for perm in Perm if has_perm(user, perm)}


def require_perm(user, perm: str) -> None:
    """Raise NotAllowed (403) unless the person's role has ``perm``."""
    if not has_perm(user, perm):
        raise NotAllowed(_("您的角色没有“%(perm)s”权限。") % {"perm": Perm(perm).label})


# Each role's default data scope (RuoYi's words); the security admin may override it per role
# (RoleSetting). People of the district and the security office see all regardless.
ROLE_DATA_SCOPE = {
    Role.OFFICIAL: DataScope.UNIT_AND_BELOW,
    Role.UNIT_LEADER: DataScope.UNIT_AND_BELOW,
    Role.DISTRICT_LEADER: DataScope.ALL,
    Role.ADMIN: DataScope.ALL,
    Role.SECURITY_ADMIN: DataScope.ALL,
    Role.AUDITOR: DataScope.ALL,
}
CREATOR_ROLES = {role for role, perms in ROLE_PERMISSIONS.items() if Perm.CREATE in perms}


def role_data_scopes() -> dict:
    """Every role's data scope and its CUSTOM units' ids, in two queries: {role: (scope, [unit ids])}.
    For code that decides scope for many people at once (notifications' directory)."""
    result = {role: (scope, []) for role, scope in ROLE_DATA_SCOPE.items()}
    for role, scope in RoleSetting.objects.values_list("role", "data_scope"):
        result[role] = (scope, [])
    for role, unit_id in RoleSetting.custom_units.through.objects.values_list("rolesetting__role", "unit_id"):
        result[role][1].append(unit_id)
    return result


def role_data_scope(role: str) -> str | None:
    """The data scope configured for ``role`` (RoleSetting), else the default of ROLE_DATA_SCOPE."""
    configured = RoleSetting.objects.filter(role=role).values_list("data_scope", flat=True).first()
    return configured or ROLE_DATA_SCOPE.get(role)


class NotAllowed(PermissionDenied):
    """The person may not do this (answers 403 with the message)."""


class InvalidTransition(ValidationError):
    """The risk is not in a state (or the request not in a form) that allows this."""


def profile_of(user) -> Profile | None:
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.profile
    except Profile.DoesNotExist:
        return None


def role_of(user) -> str | None:
    profile = profile_of(user)
    return profile.role if profile else None


def unit_of(user) -> Unit | None:
    profile = profile_of(user)
    return profile.unit if profile else None


def data_scope(user) -> str | None:
    if getattr(user, "is_superuser", False) and user.is_active:
        return DataScope.ALL
    profile = profile_of(user)
    if profile is None or not user.is_active or not has_perm(user, Perm.VIEW):
        return None
    if profile.unit.kind in (UnitKind.DISTRICT, UnitKind.OFFICE):
        return DataScope.ALL
    # Read once per request (the user object lives as long as the request): lists call this often.
    if getattr(user, "_role_scope", None) is None:
        user._role_scope = role_data_scope(profile.role)
    return user._role_scope


def visible_risks(user, queryset=None):
    """The risks ``user`` may see: the base of every list, count, chart, export and lookup."""
    qs = Risk.objects.all() if queryset is None else queryset
    scope = data_scope(user)
    if scope == DataScope.ALL:
        return qs
    if scope is None:
        return qs.none()
    unit = user.profile.unit
    if scope == DataScope.UNIT_AND_BELOW:
        return qs.in_unit_subtree(unit)
    if scope == DataScope.UNIT:
        return qs.in_unit(unit)
    if scope == DataScope.CUSTOM:
        # The person's own unit, plus the units chosen for the person and for the role.
        units = {unit, *user.profile.custom_scope_units.all()}
        units.update(Unit.objects.filter(role_settings__role=user.profile.role))
        condition = Q()
        for each in units:
            condition |= Q(pk__in=Risk.objects.in_unit_subtree(each).values("pk"))
        return qs.filter(condition)
    return qs.filter(Q(responsible=user) | Q(created_by=user))  # DataScope.SELF


def visible_units(user):
    """Units whose ledger ``user`` may filter by: the whole tree, or their own subtree."""
    if data_scope(user) == DataScope.ALL:
        return Unit.objects.all()
    unit = unit_of(user)
    return unit.subtree() if unit else Unit.objects.none()


def get_visible_risk(user, pk, queryset=None) -> Risk:
    """The risk, or 404 when it does not exist or lies outside the person's scope."""
    not_found = Http404(_("没有找到这条风险隐患，或您无权查看。"))
    try:
        pk = int(pk)
    except (ValueError, TypeError):
        raise not_found from None
    if not 0 < pk < 2**63:  # beyond a bigint the database would fail, not answer "no such row"
        raise not_found
    try:
        return visible_risks(user, queryset).get(pk=pk)
    except Risk.DoesNotExist:
        raise not_found from None


# ---------------------------------------------------------------------------------------------
# Who counts as what for a given risk


def is_district_level(user) -> bool:
    """District leaders, and leaders of the district or the security office."""
    if getattr(user, "is_superuser", False):
        return True
    profile = profile_of(user)
    if profile is None or not user.is_active:
        return False
    if profile.role == Role.DISTRICT_LEADER:
        return True
    return profile.role == Role.UNIT_LEADER and profile.unit.kind in (UnitKind.DISTRICT, UnitKind.OFFICE)


def is_admin(user) -> bool:
    return getattr(user, "is_superuser", False) or role_of(user) == Role.ADMIN


def leads_owner(user, risk: Risk) -> bool:
    """A unit leader of the owner unit or of a unit above it (a township leads its villages)."""
    profile = profile_of(user)
    return bool(
        profile
        and user.is_active
        and profile.role == Role.UNIT_LEADER
        and risk.owner_unit.is_within(profile.unit)
    )


def works_for_owner(user, risk: Risk) -> bool:
    """An official or leader of the owner unit, the responsible person, or a leader above."""
    profile = profile_of(user)
    if profile is None or not user.is_active:
        return False
    if risk.responsible_id == user.pk:
        return True
    if profile.role == Role.OFFICIAL and profile.unit_id == risk.owner_unit_id:
        return True
    return leads_owner(user, risk)


def may_approve(user, risk: Risk) -> bool:
    """Closure approval, extension approval and reopening: the owner's leader; 重大 by the district."""
    if risk.level == Level.MAJOR:
        return is_district_level(user)
    return is_district_level(user) or leads_owner(user, risk)


def can_create_risk(user) -> bool:
    return has_perm(user, Perm.CREATE)


def writable_units(user):
    """Units a person may make the owner of a new risk: their subtree; all for the district."""
    if is_district_level(user) or is_admin(user):
        return Unit.objects.filter(is_active=True)
    unit = unit_of(user)
    if unit is None or not has_perm(user, Perm.CREATE):
        return Unit.objects.none()
    return unit.subtree().filter(is_active=True)


def can_edit_risk(user, risk: Risk) -> bool:
    if not risk.is_open or not has_perm(user, Perm.EDIT):
        return False
    return is_district_level(user) or is_admin(user) or works_for_owner(user, risk)


def can_change_deadline_directly(user, risk: Risk) -> bool:
    """After assignment a deadline moves only through an approved extension (延期), except by the district."""
    return risk.state == State.REPORTED or is_district_level(user) or is_admin(user)


# ---------------------------------------------------------------------------------------------
# The workflow's rules: from which states, by whom, under which extra condition.


def _no_pending_handover(risk: Risk, on: datetime.date):
    return _("该风险隐患有待接收的转办。") if risk.handover_to_id else None


def _before_deadline(risk: Risk, on: datetime.date):
    if risk.requested_deadline:
        return _("已有待审批的延期申请。")
    if on > risk.deadline:
        return _("整改时限已过，不能再申请延期（延期须在时限之前申请）。")
    return None


def _extension_pending(risk: Risk, on: datetime.date):
    return None if risk.requested_deadline else _("没有待审批的延期申请。")


def _handover_pending(risk: Risk, on: datetime.date):
    return None if risk.handover_to_id else _("没有待接收的转办。")


def _not_requester(user, risk: Risk) -> bool:
    # Segregation of duties: who asked, and who is responsible, never approve.
    return user.pk not in (risk.closure_requested_by_id, risk.responsible_id)


def _receives_handover(user, risk: Risk) -> bool:
    profile = profile_of(user)
    return bool(
        profile
        and user.is_active
        and risk.handover_to_id
        and profile.role in (Role.OFFICIAL, Role.UNIT_LEADER)
        and profile.unit_id == risk.handover_to_id
    ) or (bool(risk.handover_to_id) and is_district_level(user))


@dataclass(frozen=True)
class ActionRule:
    label: str
    states: tuple
    who: Callable
    who_text: str
    condition: Callable | None = None


OPEN_BEFORE_CLOSURE = (State.REPORTED, State.ASSIGNED, State.IN_PROGRESS)

ACTIONS: dict[str, ActionRule] = {
    "assign": ActionRule(
        _("交办"),
        (State.REPORTED, State.ASSIGNED),
        lambda u, r: leads_owner(u, r) or is_district_level(u) or is_admin(u),
        _("责任单位负责人、区领导或管理员"),
        _no_pending_handover,
    ),
    "sign_for": ActionRule(
        _("签收"),
        (State.ASSIGNED,),
        lambda u, r: r.responsible_id == u.pk or leads_owner(u, r),
        _("责任人或责任单位负责人"),
        _no_pending_handover,
    ),
    "progress": ActionRule(_("报送进展"), (State.IN_PROGRESS,), works_for_owner, _("责任单位人员")),
    "request_handover": ActionRule(
        _("转办"),
        OPEN_BEFORE_CLOSURE,
        lambda u, r: leads_owner(u, r) or is_district_level(u) or is_admin(u),
        _("责任单位负责人、区领导或管理员"),
        _no_pending_handover,
    ),
    "accept_handover": ActionRule(
        _("接收转办"), OPEN_BEFORE_CLOSURE, _receives_handover, _("接收单位人员"), _handover_pending
    ),
    "refuse_handover": ActionRule(
        _("拒绝转办"), OPEN_BEFORE_CLOSURE, _receives_handover, _("接收单位人员"), _handover_pending
    ),
    "request_closure": ActionRule(
        _("申请销号"), (State.IN_PROGRESS,), works_for_owner, _("责任单位人员"), _no_pending_handover
    ),
    "approve_closure": ActionRule(
        _("验收销号"),
        (State.CLOSURE_PENDING,),
        lambda u, r: may_approve(u, r) and _not_requester(u, r),
        _("责任单位负责人（重大风险由区领导），且不是申请人或责任人"),
    ),
    "return_closure": ActionRule(
        _("退回"),
        (State.CLOSURE_PENDING,),
        lambda u, r: may_approve(u, r) and _not_requester(u, r),
        _("责任单位负责人（重大风险由区领导），且不是申请人或责任人"),
    ),
    "request_extension": ActionRule(
        _("申请延期"),
        (State.ASSIGNED, State.IN_PROGRESS),
        works_for_owner,
        _("责任单位人员"),
        _before_deadline,
    ),
    "approve_extension": ActionRule(
        _("批准延期"),
        (State.ASSIGNED, State.IN_PROGRESS),
        lambda u, r: may_approve(u, r) and r.responsible_id != u.pk,
        _("责任单位负责人（重大风险由区领导）"),
        _extension_pending,
    ),
    "refuse_extension": ActionRule(
        _("驳回延期"),
        (State.ASSIGNED, State.IN_PROGRESS),
        lambda u, r: may_approve(u, r) and r.responsible_id != u.pk,
        _("责任单位负责人（重大风险由区领导）"),
        _extension_pending,
    ),
    "withdraw": ActionRule(
        _("撤销"),
        (*OPEN_BEFORE_CLOSURE, State.CLOSURE_PENDING),
        lambda u, r: is_district_level(u) or is_admin(u),
        _("区领导或管理员"),
    ),
    "reopen": ActionRule(_("重新打开"), (State.CLOSED,), may_approve, _("销号审批人同级及以上")),
    # A leader's own supervision (督办): an instruction on the timeline. The supervision light
    # belongs to the escalation ladder (workflow.risks_supervise) and is not changed by it.
    "supervise": ActionRule(
        _("督办"),
        (*OPEN_BEFORE_CLOSURE, State.CLOSURE_PENDING),
        lambda u, r: is_district_level(u),
        _("区领导"),
    ),
}

# The table's permission each action needs, checked before the action's own rule.
ACTION_PERMS = {
    "assign": Perm.ASSIGN,
    "sign_for": Perm.EDIT,
    "progress": Perm.EDIT,
    "request_handover": Perm.ASSIGN,
    "accept_handover": Perm.EDIT,
    "refuse_handover": Perm.EDIT,
    "request_closure": Perm.EDIT,
    "approve_closure": Perm.APPROVE_CLOSURE,
    "return_closure": Perm.APPROVE_CLOSURE,
    "request_extension": Perm.EDIT,
    "approve_extension": Perm.APPROVE_CLOSURE,
    "refuse_extension": Perm.APPROVE_CLOSURE,
    "withdraw": Perm.ASSIGN,
    "reopen": Perm.APPROVE_CLOSURE,
    "supervise": Perm.SUPERVISE,
}
assert set(ACTION_PERMS) == set(ACTIONS)  # noqa: S101 - a programming error, at import


def check_action(action: str, user, risk: Risk, on: datetime.date | None = None) -> None:
    """Raise InvalidTransition (wrong state or condition) or NotAllowed (wrong person)."""
    rule = ACTIONS[action]
    if risk.state not in rule.states:
        raise InvalidTransition(
            _("当前状态为“%(state)s”，不能%(action)s。")
            % {"state": risk.get_state_display(), "action": rule.label}
        )
    if rule.condition and (problem := rule.condition(risk, on or today())):
        raise InvalidTransition(problem)
    if not has_perm(user, ACTION_PERMS[action]) or not rule.who(user, risk):
        raise NotAllowed(_("只有%(who)s可以%(action)s。") % {"who": rule.who_text, "action": rule.label})


def allowed_actions(user, risk: Risk, on: datetime.date | None = None) -> list[str]:
    """The actions this person may take on this risk now, in the order of ACTIONS."""
    allowed = []
    for action in ACTIONS:
        try:
            check_action(action, user, risk, on)
        except (InvalidTransition, NotAllowed):
            continue
        allowed.append(action)
    return allowed


def level_rank(level: str) -> int:
    return LEVEL_ORDER.get(level, 99)


def can_unlock_accounts(user) -> bool:
    """System admins and security admins lift login lockouts (django-axes)."""
    return getattr(user, "is_superuser", False) or role_of(user) in (Role.ADMIN, Role.SECURITY_ADMIN)
