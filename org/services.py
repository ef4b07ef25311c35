"""Keeping the organisation: units, people, roles' data scopes and local categories.

Each service checks the actor's permission (risks.permissions), validates, changes, and writes one
audit entry with the before → after of the fields, all in one transaction. Bad input raises
ValidationError with a message in Chinese and saves nothing.
"""

import secrets
import string

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from risks import audit
from risks.models import AuditAction, Category, Profile, Risk, RoleSetting, Unit
from risks.permissions import THREE_OFFICERS, NotAllowed, Perm, has_perm, require_perm

User = get_user_model()

UNIT_FIELDS = ("name", "code", "kind", "order")
PERSON_USER_FIELDS = ("last_name", "first_name", "email")
PERSON_PROFILE_FIELDS = ("unit", "role", "phone", "title")


def _labels(model, fields) -> dict:
    return {f: model._meta.get_field(f).verbose_name for f in fields}


# ---------------------------------------------------------------------------------------------
# Units


def _unit_snapshot(unit: Unit) -> dict:
    return {f: getattr(unit, f) for f in UNIT_FIELDS} | {"is_active": unit.is_active}


def _check_code_free(code: str, unit: Unit | None = None) -> None:
    taken = Unit.objects.filter(code=code)
    if unit is not None:
        taken = taken.exclude(pk=unit.pk)
    if taken.exists():
        raise ValidationError({"code": _("编码“%(code)s”已被其他单位使用。") % {"code": code}})


@transaction.atomic
def unit_create(*, by, parent: Unit | None, name: str, code: str, kind: str, order: int = 0) -> Unit:
    require_perm(by, Perm.MANAGE_ORG)
    _check_code_free(code)
    fields = {"name": name, "code": code, "kind": kind, "order": order}
    if parent is None:
        unit = Unit.objects.add_root(fields)
    else:
        unit = Unit.objects.add_child(Unit.objects.get(pk=parent.pk), fields)
    audit.record(
        actor=by,
        action=AuditAction.CREATE,
        obj=unit,
        summary=_("新增单位（上级：%(parent)s）") % {"parent": parent or "—"},
        changes=audit.field_changes({}, _unit_snapshot(unit), _labels(Unit, (*UNIT_FIELDS, "is_active"))),
    )
    return unit


@transaction.atomic
def unit_update(*, by, unit: Unit, name: str, code: str, kind: str, order: int) -> list[dict]:
    require_perm(by, Perm.MANAGE_ORG)
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    _check_code_free(code, unit)
    before = _unit_snapshot(unit)
    unit.name, unit.code, unit.kind, unit.order = name, code, kind, order
    changes = audit.field_changes(before, _unit_snapshot(unit), _labels(Unit, UNIT_FIELDS))
    if changes:
        unit.save(update_fields=list(UNIT_FIELDS))
        audit.record(actor=by, action=AuditAction.UPDATE, obj=unit, summary=_("修改单位"), changes=changes)
    return changes


@transaction.atomic
def unit_move(*, by, unit: Unit, parent: Unit) -> None:
    """Put ``unit`` (and its subtree) under ``parent``; never under itself or its own child."""
    require_perm(by, Perm.MANAGE_ORG)
    unit = Unit.objects.get(pk=unit.pk)
    parent = Unit.objects.get(pk=parent.pk)
    if parent.is_within(unit):
        raise ValidationError(_("不能把单位移动到它自己或它的下级单位之下。"))
    old_parent = Unit.objects.get_parent(unit)
    if old_parent is not None and old_parent.pk == parent.pk:
        return
    Unit.objects.move(unit, parent, pos="sorted-child")
    audit.record(
        actor=by,
        action=AuditAction.UPDATE,
        obj=unit,
        summary=_("移动单位"),
        changes=[
            {"field": "parent", "label": _("上级单位"), "old": str(old_parent or ""), "new": str(parent)}
        ],
    )


@transaction.atomic
def unit_set_active(*, by, unit: Unit, active: bool) -> None:
    require_perm(by, Perm.MANAGE_ORG)
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    if unit.is_active == active:
        return
    if (
        not active
        and Unit.objects.filter(path__startswith=unit.path, is_active=True).exclude(pk=unit.pk).exists()
    ):
        raise ValidationError(_("请先停用它的下级单位。"))
    if active and (parent := Unit.objects.get_parent(unit)) is not None and not parent.is_active:
        raise ValidationError(_("上级单位已停用，不能启用。"))
    before = _unit_snapshot(unit)
    unit.is_active = active
    unit.save(update_fields=["is_active"])
    audit.record(
        actor=by,
        action=AuditAction.UPDATE,
        obj=unit,
        summary=_("启用单位") if active else _("停用单位"),
        changes=audit.field_changes(before, _unit_snapshot(unit), _labels(Unit, ("is_active",))),
    )


def unit_is_in_use(unit: Unit) -> bool:
    """Whether anything refers to the unit: then it may only be deactivated, never deleted."""
    if Unit.objects.get_children_count(unit) or Profile.objects.filter(unit=unit).exists():
        return True
    uses = (
        Risk.objects.filter(township=unit)
        | Risk.objects.filter(village=unit)
        | Risk.objects.filter(owner_unit=unit)
        | Risk.objects.filter(supervising_unit=unit)
        | Risk.objects.filter(cooperating_units=unit)
        | Risk.objects.filter(handover_to=unit)
    )
    if uses.exists():
        return True
    from duties.models import DutyList  # a sibling app's table that refers to units

    return DutyList.objects.filter(unit=unit).exists()


@transaction.atomic
def unit_delete(*, by, unit: Unit) -> None:
    """Delete a unit created by mistake; a unit with risks, people, lists or children is refused."""
    require_perm(by, Perm.MANAGE_ORG)
    unit = Unit.objects.get(pk=unit.pk)
    if unit_is_in_use(unit):
        raise ValidationError(
            _("单位“%(unit)s”已有风险隐患、人员、责任清单或下级单位，不能删除，只能停用。") % {"unit": unit}
        )
    audit.record(
        actor=by,
        action=AuditAction.DELETE,
        obj=unit,
        summary=_("删除单位"),
        changes=audit.field_changes(_unit_snapshot(unit), {}, _labels(Unit, UNIT_FIELDS)),
    )
    unit.delete()


# ---------------------------------------------------------------------------------------------
# People


def temporary_password() -> str:
    """A random password of 16 characters with all four character classes, for one use only."""
    alphabet = string.ascii_letters + string.digits + "!@#$%^&*-_"
    while True:
        password = "".join(secrets.choice(alphabet) for _i in range(16))
        classes = [
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        ]
        if all(classes):
            return password


def check_role_grant(*, by, person, role: str, current_role: str | None = None) -> None:
    """Who may give which role (三员 separation):

    - the 三员 roles (admin, security admin, auditor) are granted and taken away only by the
      security admin; the other roles by the admin;
    - nobody changes their own role (the admin cannot make himself auditor);
    - a superuser account, which holds every right, may not also hold a 三员 role.
    """
    touches_officers = role in THREE_OFFICERS or current_role in THREE_OFFICERS
    needed = Perm.MANAGE_SECURITY if touches_officers else Perm.MANAGE_ORG
    if not has_perm(by, needed):
        if touches_officers:
            raise NotAllowed(_("系统管理员、安全管理员、审计管理员（三员）角色只能由安全管理员授予或撤销。"))
        raise NotAllowed(_("只有系统管理员可以授予业务角色。"))
    if person is not None and person.pk == by.pk and role != current_role:
        raise NotAllowed(_("不能修改自己的角色。"))
    if person is not None and person.is_superuser and role in THREE_OFFICERS:
        raise ValidationError(_("超级用户账号不能再担任三员角色：三员必须由不同账号分别担任。"))


def _person_snapshot(user) -> dict:
    profile = user.profile
    return (
        {f: getattr(user, f) for f in PERSON_USER_FIELDS}
        | {"unit": str(profile.unit), "role": profile.get_role_display()}
        | {f: getattr(profile, f) for f in ("phone", "title")}
        | {"is_active": user.is_active}
    )


PERSON_LABELS = {
    "username": _("账号"),
    "last_name": _("姓"),
    "first_name": _("名"),
    "email": _("电子邮箱"),
    "unit": _("单位"),
    "role": _("角色"),
    "phone": _("联系电话"),
    "title": _("职务"),
    "is_active": _("启用"),
}


@transaction.atomic
def person_create(
    *,
    by,
    username: str,
    unit: Unit,
    role: str,
    last_name: str = "",
    first_name: str = "",
    email: str = "",
    phone: str = "",
    title: str = "",
) -> tuple:
    """Create an account with a temporary password that must be changed at first login.

    Returns (user, temporary password); the password is shown once to the admin, never stored.
    """
    require_perm(by, Perm.MANAGE_ORG)
    check_role_grant(by=by, person=None, role=role)
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("账号“%(name)s”已存在。") % {"name": username}})
    if not unit.is_active:
        raise ValidationError({"unit": _("单位“%(unit)s”已停用。") % {"unit": unit}})
    password = temporary_password()
    user = User(username=username, last_name=last_name, first_name=first_name, email=email)
    user.set_password(password)
    user.save()
    Profile.objects.create(
        user=user, unit=unit, role=role, phone=phone, title=title, must_change_password=True
    )
    audit.record(
        actor=by,
        action=AuditAction.CREATE,
        obj=user,
        object_repr=username,
        summary=_("新增人员（临时密码，首次登录须修改）"),
        changes=audit.field_changes({}, {"username": username, **_person_snapshot(user)}, PERSON_LABELS),
    )
    return user, password


@transaction.atomic
def person_update(*, by, person, unit: Unit, role: str, **fields) -> list[dict]:
    """Change a person's names, e-mail, unit, role, phone or title."""
    require_perm(by, Perm.MANAGE_ORG)
    person = User.objects.select_for_update(of=("self",)).select_related("profile__unit").get(pk=person.pk)
    profile = person.profile
    if role != profile.role:
        check_role_grant(by=by, person=person, role=role, current_role=profile.role)
    elif profile.role in THREE_OFFICERS and not has_perm(by, Perm.MANAGE_SECURITY) and person.pk != by.pk:
        # The admin keeps the other 三员's accounts' names, but not their unit.
        if unit.pk != profile.unit_id:
            raise NotAllowed(_("三员账号的单位只能由安全管理员调整。"))
    if unit.pk != profile.unit_id and not unit.is_active:
        raise ValidationError({"unit": _("单位“%(unit)s”已停用。") % {"unit": unit}})
    before = _person_snapshot(person)
    for name in PERSON_USER_FIELDS:
        if name in fields:
            setattr(person, name, fields[name])
    profile.unit, profile.role = unit, role
    for name in ("phone", "title"):
        if name in fields:
            setattr(profile, name, fields[name])
    changes = audit.field_changes(before, _person_snapshot(person), PERSON_LABELS)
    if changes:
        person.save(update_fields=list(PERSON_USER_FIELDS))
        profile.save(update_fields=["unit", "role", "phone", "title"])
        audit.record(actor=by, action=AuditAction.UPDATE, obj=person, summary=_("修改人员"), changes=changes)
    return changes


@transaction.atomic
def person_grant_role(*, by, person, role: str) -> list[dict]:
    """The security admin's path: change only the role (三员 roles included)."""
    require_perm(by, Perm.MANAGE_SECURITY)
    person = User.objects.select_for_update(of=("self",)).select_related("profile__unit").get(pk=person.pk)
    check_role_grant(by=by, person=person, role=role, current_role=person.profile.role)
    before = _person_snapshot(person)
    person.profile.role = role
    changes = audit.field_changes(before, _person_snapshot(person), PERSON_LABELS)
    if changes:
        person.profile.save(update_fields=["role"])
        audit.record(actor=by, action=AuditAction.UPDATE, obj=person, summary=_("授予角色"), changes=changes)
    return changes


def require_account_perm(by, person) -> None:
    """The admin keeps the accounts of the business roles; the accounts of the 三员 (admin,
    security admin, auditor) only the security admin — else the admin could reset the auditor's
    password and read the audit log as him."""
    role = Profile.objects.filter(user=person).values_list("role", flat=True).first()
    require_perm(by, Perm.MANAGE_SECURITY if role in THREE_OFFICERS else Perm.MANAGE_ORG)


@transaction.atomic
def person_set_active(*, by, person, active: bool) -> None:
    require_account_perm(by, person)
    person = User.objects.select_for_update().get(pk=person.pk)
    if person.pk == by.pk:
        raise NotAllowed(_("不能停用自己的账号。"))
    if person.is_active == active:
        return
    person.is_active = active
    person.save(update_fields=["is_active"])
    audit.record(
        actor=by,
        action=AuditAction.UPDATE,
        obj=person,
        summary=_("启用账号") if active else _("停用账号"),
        changes=[
            {
                "field": "is_active",
                "label": str(PERSON_LABELS["is_active"]),
                "old": audit._text(not active),
                "new": audit._text(active),
            }
        ],
    )


@transaction.atomic
def person_reset_password(*, by, person) -> str:
    """Give a new temporary password (shown once) that must be changed at the next login."""
    require_account_perm(by, person)
    person = User.objects.select_for_update(of=("self",)).select_related("profile").get(pk=person.pk)
    if person.pk == by.pk:
        raise NotAllowed(_("请在个人资料中修改自己的密码。"))
    password = temporary_password()
    person.set_password(password)
    person.save(update_fields=["password"])
    Profile.objects.filter(user=person).update(must_change_password=True)
    audit.record(
        actor=by,
        action=AuditAction.PASSWORD_CHANGE,
        obj=person,
        summary=_("管理员重置密码（临时密码，下次登录须修改）"),
    )
    return password


def person_unlock(*, by, person) -> int:
    """Lift a login lockout (django-axes) of the person's account; accounts.services audits it."""
    require_account_perm(by, person)
    from accounts.services import account_unlock  # the security settings keep lockouts

    return account_unlock(by=by, username=person.get_username())


# ---------------------------------------------------------------------------------------------
# Roles' data scopes (security admin)


@transaction.atomic
def role_setting_update(*, by, role: str, data_scope: str, custom_units=()) -> list[dict]:
    require_perm(by, Perm.MANAGE_SECURITY)
    from risks.permissions import role_data_scope

    setting = RoleSetting.objects.select_for_update().filter(role=role).first()
    before = {
        "data_scope": str(
            dict(RoleSetting._meta.get_field("data_scope").choices).get(role_data_scope(role), "")
        ),
        "custom_units": [str(u) for u in setting.custom_units.all()] if setting else [],
    }
    if setting is None:
        setting = RoleSetting(role=role)
    setting.data_scope = data_scope
    setting.save()
    setting.custom_units.set(custom_units)
    after = {"data_scope": setting.get_data_scope_display(), "custom_units": [str(u) for u in custom_units]}
    changes = audit.field_changes(
        before, after, {"data_scope": _("数据范围"), "custom_units": _("自定义数据范围")}
    )
    if changes:
        audit.record(
            actor=by,
            action=AuditAction.UPDATE,
            obj=setting,
            summary=_("修改角色数据范围：%(role)s") % {"role": setting.get_role_display()},
            changes=changes,
        )
    return changes


# ---------------------------------------------------------------------------------------------
# Local categories of the security domains

CATEGORY_FIELDS = ("name", "order", "is_active")


@transaction.atomic
def category_create(*, by, domain, parent: Category | None, name: str, order: int = 0) -> Category:
    require_perm(by, Perm.MANAGE_ORG)
    if parent is not None and parent.domain_id != domain.pk:
        raise ValidationError({"parent": _("上级类别不属于所选领域。")})
    if Category.objects.filter(domain=domain, parent=parent, name=name).exists():
        raise ValidationError({"name": _("同一上级下已有名为“%(name)s”的类别。") % {"name": name}})
    category = Category.objects.create(domain=domain, parent=parent, name=name, order=order)
    audit.record(
        actor=by,
        action=AuditAction.CREATE,
        obj=category,
        summary=_("新增类别（%(domain)s）") % {"domain": domain},
        changes=audit.field_changes({}, {"name": name, "order": order}, _labels(Category, CATEGORY_FIELDS)),
    )
    return category


@transaction.atomic
def category_update(*, by, category: Category, name: str, order: int, is_active: bool) -> list[dict]:
    require_perm(by, Perm.MANAGE_ORG)
    category = Category.objects.select_for_update().get(pk=category.pk)
    duplicate = Category.objects.filter(domain=category.domain_id, parent=category.parent_id, name=name)
    if duplicate.exclude(pk=category.pk).exists():
        raise ValidationError({"name": _("同一上级下已有名为“%(name)s”的类别。") % {"name": name}})
    before = {f: getattr(category, f) for f in CATEGORY_FIELDS}
    category.name, category.order, category.is_active = name, order, is_active
    changes = audit.field_changes(
        before, {f: getattr(category, f) for f in CATEGORY_FIELDS}, _labels(Category, CATEGORY_FIELDS)
    )
    if changes:
        category.save(update_fields=list(CATEGORY_FIELDS))
        audit.record(
            actor=by, action=AuditAction.UPDATE, obj=category, summary=_("修改类别"), changes=changes
        )
    return changes
