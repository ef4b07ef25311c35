"""Who may see the quarter's figures and who acts on warnings and assignments."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from risks.models import DataScope, Role, Unit
from risks.permissions import data_scope, is_admin, is_district_level, profile_of, role_of


def can_view_quarter(user) -> bool:
    """District leaders and admins see the district; a unit leader sees his subtree."""
    return is_district_level(user) or is_admin(user) or role_of(user) == Role.UNIT_LEADER


def quarter_scope(user) -> Unit | None:
    """None for the whole district, else the unit whose subtree the person's figures count.

    Raises PermissionDenied (403) for people whose work is not the quarter's figures.
    """
    if not can_view_quarter(user):
        raise PermissionDenied(_("只有区领导、管理员和单位负责人可以查看季度研判数据。"))
    if data_scope(user) == DataScope.ALL:
        return None
    return profile_of(user).unit


def can_issue(user) -> bool:
    """Warnings, assignments and review meetings: district leaders and admins."""
    return is_district_level(user) or is_admin(user)


def can_sign_off(user) -> bool:
    return is_district_level(user)


def answers_for(user, unit: Unit) -> bool:
    """A receipt is signed for and answered by people of the receiving unit (its leader above)."""
    profile = profile_of(user)
    if profile is None or not user.is_active:
        return False
    if profile.role == Role.OFFICIAL:
        return profile.unit_id == unit.pk
    return profile.role == Role.UNIT_LEADER and unit.is_within(profile.unit)
