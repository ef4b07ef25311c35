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
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from .models import LEVEL_ORDER, DataScope, Level, Profile, Risk, Role, State, Unit, UnitKind, today

# Each role's data scope (RuoYi's words). People of the district and the security office see all.
ROLE_DATA_SCOPE = {
    Role.OFFICIAL: DataScope.UNIT_AND_BELOW,
    Role.UNIT_LEADER: DataScope.UNIT_AND_BELOW,
    Role.DISTRICT_LEADER: DataScope.ALL,
    Role.ADMIN: DataScope.ALL,
    Role.SECURITY_ADMIN: DataScope.ALL,
    Role.AUDITOR: DataScope.ALL,
}
CREATOR_ROLES = {Role.OFFICIAL, Role.UNIT_LEADER, Role.DISTRICT_LEADER, Role.ADMIN}


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
    if profile is None or not user.is_active:
        return None
    if profile.unit.kind in (UnitKind.DISTRICT, UnitKind.OFFICE):
        return DataScope.ALL
    return ROLE_DATA_SCOPE.get(profile.role)


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
        units = [unit, *user.profile.custom_scope_units.all()]
        ids = set()
        for each in units:
            ids.update(Risk.objects.in_unit_subtree(each).values_list("pk", flat=True))
        return qs.filter(pk__in=ids)
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
    return getattr(user, "is_superuser", False) or role_of(user) in CREATOR_ROLES


def writable_units(user):
    """Units a person may make the owner of a new risk: their subtree; all for the district."""
    if is_district_level(user) or is_admin(user):
        return Unit.objects.filter(is_active=True)
    unit = unit_of(user)
    if unit is None or role_of(user) not in CREATOR_ROLES:
        return Unit.objects.none()
    return unit.subtree().filter(is_active=True)


def can_edit_risk(user, risk: Risk) -> bool:
    if not risk.is_open:
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
}


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
    if not rule.who(user, risk):
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
