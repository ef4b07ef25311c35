"""Keeping the organisation: units, people, roles (三员), data scopes, categories — services and pages."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from org import services
from risks.models import (
    AuditAction,
    AuditEntry,
    Category,
    DataScope,
    Profile,
    Role,
    RoleSetting,
    State,
    Unit,
    UnitKind,
)
from risks.permissions import (
    CHANGING_PERMS,
    ROLE_PERMISSIONS,
    THREE_OFFICER_PERMS,
    THREE_OFFICERS,
    NotAllowed,
    Perm,
    data_scope,
    has_perm,
    visible_risks,
)

from .factories import RiskFactory, UserFactory, societal_domain

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _chinese():
    # Audit labels and messages are asserted in Chinese; another test may have left English active.
    with translation.override("zh-hans"):
        yield


User = get_user_model()


def new_entries(before_id):
    return list(AuditEntry.objects.filter(id__gt=before_id).order_by("id"))


def last_id():
    return AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0


# -- the table --------------------------------------------------------------------------------------


def test_no_role_holds_two_of_the_three_officers_powers():
    for role, perms in ROLE_PERMISSIONS.items():
        assert len(perms & set(THREE_OFFICER_PERMS)) <= 1, role


def test_auditor_holds_nothing_that_changes_data():
    assert not ROLE_PERMISSIONS[Role.AUDITOR] & CHANGING_PERMS


def test_admin_cannot_read_the_audit_log_by_the_table(admin_user):
    assert not has_perm(admin_user, Perm.READ_AUDIT)
    assert has_perm(admin_user, Perm.MANAGE_ORG)


def test_inactive_user_holds_no_permission(official):
    official.is_active = False
    assert not has_perm(official, Perm.VIEW)


# -- units ------------------------------------------------------------------------------------------


def test_admin_adds_renames_and_moves_a_unit_each_audited_once(district, admin_user):
    before = last_id()
    unit = services.unit_create(
        by=admin_user, parent=district.xiuwen, name="新村", code="xincun", kind="village"
    )
    assert unit.is_within(district.xiuwen)
    services.unit_update(by=admin_user, unit=unit, name="新新村", code="xincun", kind="village", order=3)
    services.unit_move(by=admin_user, unit=unit, parent=district.dongyang)
    unit.refresh_from_db()
    assert unit.name == "新新村" and unit.is_within(Unit.objects.get(pk=district.dongyang.pk))
    entries = new_entries(before)
    assert [e.action for e in entries] == [AuditAction.CREATE, AuditAction.UPDATE, AuditAction.UPDATE]
    assert all(e.actor == admin_user and e.object_id == str(unit.pk) for e in entries)
    assert {"field": "name", "label": "名称", "old": "新村", "new": "新新村"} in entries[1].changes
    assert entries[2].changes[0]["old"] == "修文镇" and entries[2].changes[0]["new"] == "东阳镇"


def test_unit_moved_under_its_own_child_is_refused_and_nothing_changes(client, district, admin_user):
    client.force_login(admin_user)
    before_path, before = district.xiuwen.path, last_id()
    response = client.post(
        reverse("org:unit_move", args=[district.xiuwen.pk]), {"parent": district.xiuwen_village.pk}
    )
    assert response.status_code == 400
    assert "不能把单位移动到它自己或它的下级单位之下" in response.content.decode()
    assert Unit.objects.get(pk=district.xiuwen.pk).path == before_path
    assert new_entries(before) == []


def test_unit_with_risks_is_never_deleted(client, district, admin_user):
    RiskFactory(township=district.dongyang, village=district.dongyang_village)
    client.force_login(admin_user)
    response = client.post(reverse("org:unit_delete", args=[district.dongyang_village.pk]), follow=True)
    assert "不能删除，只能停用" in response.content.decode()
    assert Unit.objects.filter(pk=district.dongyang_village.pk).exists()


def test_empty_unit_is_deleted_and_audited(district, admin_user):
    before = last_id()
    services.unit_delete(by=admin_user, unit=district.housing)
    assert not Unit.objects.filter(pk=district.housing.pk).exists()
    (entry,) = new_entries(before)
    assert (entry.action, entry.object_repr) == (AuditAction.DELETE, "住建局")


def test_deactivating_a_unit_needs_its_children_deactivated_first(district, admin_user):
    with pytest.raises(services.ValidationError):
        services.unit_set_active(by=admin_user, unit=district.xiuwen, active=False)
    services.unit_set_active(by=admin_user, unit=district.xiuwen_village, active=False)
    assert not Unit.objects.get(pk=district.xiuwen_village.pk).is_active


def test_duplicate_unit_code_is_refused(client, district, admin_user):
    client.force_login(admin_user)
    count = Unit.objects.count()
    response = client.post(
        reverse("org:unit_create"), {"name": "重复", "code": "xiuwen", "kind": UnitKind.VILLAGE, "order": 0}
    )
    assert response.status_code == 400
    assert "已被其他单位使用" in response.content.decode()
    assert Unit.objects.count() == count


def test_unit_list_query_count_does_not_grow(client, district, admin_user):
    client.force_login(admin_user)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("org:units"))
    for i in range(10):
        services.unit_create(
            by=admin_user, parent=district.root, name=f"局{i}", code=f"ju{i}", kind="department"
        )
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("org:units"))
    assert len(few) == len(many)


def test_official_may_not_manage_units(district, official):
    with pytest.raises(NotAllowed):
        services.unit_create(by=official, parent=district.xiuwen, name="x", code="x", kind="village")


def test_wrong_method_is_405(client, admin_user, district):
    client.force_login(admin_user)
    assert client.get(reverse("org:unit_delete", args=[district.housing.pk])).status_code == 405


# -- people -----------------------------------------------------------------------------------------


def person_data(district, **overrides):
    data = {
        "username": "new_clerk",
        "last_name": "钱",
        "first_name": "多",
        "email": "",
        "unit": district.xiuwen.pk,
        "role": Role.OFFICIAL,
        "phone": "13800000000",
        "title": "",
    }
    data.update(overrides)
    return data


def test_admin_creates_a_person_with_a_temporary_password_to_change(client, district, admin_user):
    client.force_login(admin_user)
    before = last_id()
    response = client.post(reverse("org:person_create"), person_data(district))
    assert response.status_code == 200
    password = response.context["password"]
    user = User.objects.get(username="new_clerk")
    assert user.check_password(password) and len(password) >= 12
    assert user.profile.must_change_password and user.profile.unit == district.xiuwen
    assert response["Cache-Control"] == "private, no-store"
    (entry,) = [e for e in new_entries(before) if e.action == AuditAction.CREATE]
    assert entry.actor == admin_user and entry.object_id == str(user.pk)
    assert password not in str(entry.changes) + entry.summary


def test_duplicate_username_gets_a_message_and_saves_nothing(client, district, admin_user, official):
    client.force_login(admin_user)
    count = User.objects.count()
    response = client.post(
        reverse("org:person_create"), person_data(district, username=official.username.upper())
    )
    assert response.status_code == 400
    assert "已存在" in response.content.decode()
    assert User.objects.count() == count


def test_a_user_given_two_three_officer_roles_is_refused(client, district, secadmin, official):
    client.force_login(secadmin)
    before = last_id()
    response = client.post(
        reverse("org:role_grant"), {"person": official.pk, "role": [Role.ADMIN, Role.AUDITOR]}
    )
    assert response.status_code == 400
    assert "三员" in response.content.decode()
    assert Profile.objects.get(user=official).role == Role.OFFICIAL
    assert new_entries(before) == []


def test_admin_cannot_grant_three_officer_roles_nor_his_own(admin_user, official):
    with pytest.raises(NotAllowed):
        services.person_update(by=admin_user, person=official, unit=official.profile.unit, role=Role.AUDITOR)
    with pytest.raises(NotAllowed):
        services.person_update(
            by=admin_user, person=admin_user, unit=admin_user.profile.unit, role=Role.AUDITOR
        )
    with pytest.raises(NotAllowed):
        services.person_grant_role(by=admin_user, person=admin_user, role=Role.AUDITOR)
    assert Profile.objects.get(user=admin_user).role == Role.ADMIN


def test_admin_form_offers_only_business_roles(client, admin_user):
    client.force_login(admin_user)
    choices = dict(client.get(reverse("org:person_create")).context["form"].fields["role"].choices)
    assert set(choices) == {Role.OFFICIAL, Role.UNIT_LEADER, Role.DISTRICT_LEADER}


def test_security_admin_grants_the_auditor_role_but_not_to_himself(secadmin, official):
    services.person_grant_role(by=secadmin, person=official, role=Role.AUDITOR)
    assert Profile.objects.get(user=official).role == Role.AUDITOR
    with pytest.raises(NotAllowed):
        services.person_grant_role(by=secadmin, person=secadmin, role=Role.AUDITOR)


def test_superuser_account_may_not_also_hold_a_three_officer_role(district, secadmin):
    superuser = UserFactory(is_superuser=True, is_staff=True)
    Profile.objects.create(user=superuser, unit=district.office, role=Role.OFFICIAL)
    with pytest.raises(services.ValidationError):
        services.person_grant_role(by=secadmin, person=superuser, role=Role.ADMIN)


def test_person_edit_changes_unit_and_role_with_the_diff(client, district, admin_user, official):
    client.force_login(admin_user)
    before = last_id()
    data = person_data(district, unit=district.xiuwen_village.pk, role=Role.UNIT_LEADER)
    del data["username"]
    response = client.post(reverse("org:person_edit", args=[official.pk]), data)
    assert response.status_code == 302
    profile = Profile.objects.get(user=official)
    assert (profile.unit, profile.role) == (Unit.objects.get(pk=district.xiuwen_village.pk), Role.UNIT_LEADER)
    (entry,) = [e for e in new_entries(before) if e.action == AuditAction.UPDATE]
    assert {"field": "role", "label": "角色", "old": "填报员", "new": "单位负责人"} in entry.changes


def test_reset_password_sets_must_change_and_is_audited(client, admin_user, official):
    client.force_login(admin_user)
    before = last_id()
    response = client.post(reverse("org:person_reset_password", args=[official.pk]))
    official.refresh_from_db()
    assert official.check_password(response.context["password"])
    assert official.profile.must_change_password
    (entry,) = [e for e in new_entries(before) if e.action == AuditAction.PASSWORD_CHANGE]
    assert entry.object_id == str(official.pk) and entry.actor == admin_user


def test_deactivate_is_audited_once(admin_user, official):
    before = last_id()
    services.person_set_active(by=admin_user, person=official, active=False)
    official.refresh_from_db()
    assert not official.is_active
    assert [e.summary for e in new_entries(before)] == ["停用账号"]


def test_admin_cannot_deactivate_himself(admin_user):
    with pytest.raises(NotAllowed):
        services.person_set_active(by=admin_user, person=admin_user, active=False)


# -- roles' data scopes ----------------------------------------------------------------------------


def test_security_admin_narrows_officials_to_their_own_data(client, district, secadmin, official, make_risk):
    mine = make_risk(State.IN_PROGRESS)  # official is responsible
    other = RiskFactory(township=district.xiuwen)
    client.force_login(secadmin)
    before = last_id()
    response = client.post(reverse("org:role_edit", args=[Role.OFFICIAL]), {"data_scope": DataScope.SELF})
    assert response.status_code == 302
    user = User.objects.get(pk=official.pk)
    assert data_scope(user) == DataScope.SELF
    assert set(visible_risks(user)) == {mine}
    assert other not in visible_risks(user)
    (entry,) = [e for e in new_entries(before) if e.action == AuditAction.UPDATE]
    assert entry.changes[0]["old"] == "本部门及以下数据" and entry.changes[0]["new"] == "仅本人数据"


def test_custom_scope_adds_the_chosen_units(district, secadmin, official):
    theirs = RiskFactory(township=district.dongyang)
    services.role_setting_update(
        by=secadmin, role=Role.OFFICIAL, data_scope=DataScope.CUSTOM, custom_units=[district.dongyang]
    )
    user = User.objects.get(pk=official.pk)
    assert theirs in visible_risks(user)
    assert RoleSetting.objects.get(role=Role.OFFICIAL).data_scope == DataScope.CUSTOM


def test_custom_scope_without_units_is_refused(client, secadmin):
    client.force_login(secadmin)
    response = client.post(reverse("org:role_edit", args=[Role.OFFICIAL]), {"data_scope": DataScope.CUSTOM})
    assert response.status_code == 400
    assert not RoleSetting.objects.exists()


def test_admin_cannot_change_data_scopes(admin_user):
    with pytest.raises(NotAllowed):
        services.role_setting_update(by=admin_user, role=Role.OFFICIAL, data_scope=DataScope.ALL)


def test_role_page_shows_the_table(client, secadmin):
    client.force_login(secadmin)
    body = client.get(reverse("org:roles")).content.decode()
    for label in ["查阅审计日志", "管理角色与安全设置", "本部门及以下数据", "审计管理员"]:
        assert label in body


# -- categories -------------------------------------------------------------------------------------


def test_admin_adds_and_renames_a_local_category(client, admin_user):
    client.force_login(admin_user)
    domain = societal_domain()
    response = client.post(reverse("org:category_create"), {"domain": domain.pk, "name": "燃气", "order": 1})
    assert response.status_code == 302
    category = Category.objects.get(name="燃气")
    response = client.post(
        reverse("org:category_edit", args=[category.pk]), {"name": "城镇燃气", "order": 1, "is_active": "on"}
    )
    assert Category.objects.get(pk=category.pk).name == "城镇燃气"
    assert AuditEntry.objects.filter(object_type="risks.category", object_id=str(category.pk)).count() == 2


def test_duplicate_category_is_refused(client, admin_user):
    client.force_login(admin_user)
    domain = societal_domain()
    Category.objects.create(domain=domain, name="燃气")
    response = client.post(reverse("org:category_create"), {"domain": domain.pk, "name": "燃气", "order": 1})
    assert response.status_code == 400
    assert Category.objects.filter(name="燃气").count() == 1


@pytest.mark.parametrize("role", THREE_OFFICERS)
def test_three_officers_are_granted_only_by_the_security_admin(role, admin_user, official):
    with pytest.raises(NotAllowed):
        services.check_role_grant(by=admin_user, person=official, role=role, current_role=Role.OFFICIAL)


def test_a_superuser_with_the_admin_role_still_cannot_read_the_audit_log(client, admin_user):
    # The demo's system admin keeps Django's admin site (is_superuser) but not the auditor's rights.
    admin_user.is_superuser = admin_user.is_staff = True
    admin_user.save()
    assert not has_perm(admin_user, Perm.READ_AUDIT)
    client.force_login(admin_user)
    assert client.get(reverse("audit:log")).status_code == 403
    assert client.get(reverse("admin:risks_auditentry_changelist")).status_code == 403


def test_superuser_without_a_profile_holds_everything(db):
    superuser = UserFactory(is_superuser=True, is_staff=True)
    assert has_perm(superuser, Perm.READ_AUDIT) and has_perm(superuser, Perm.MANAGE_ORG)


def test_people_list_query_count_does_not_grow(client, district, admin_user):
    from .factories import person

    client.force_login(admin_user)
    person(role=Role.OFFICIAL, unit=district.xiuwen)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("org:people"))
    for _ in range(10):
        person(role=Role.OFFICIAL, unit=district.dongyang)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("org:people"))
    assert len(few) == len(many)


@pytest.mark.parametrize("three_officer", ["auditor", "secadmin"])
def test_admin_cannot_reset_deactivate_or_unlock_a_three_officer_account(
    client, admin_user, people, three_officer
):
    # Else the admin could reset the auditor's password and read the audit log as him.
    target = getattr(people, three_officer)
    client.force_login(admin_user)
    for name in ("org:person_reset_password", "org:person_active", "org:person_unlock"):
        assert client.post(reverse(name, args=[target.pk]), {"active": "0"}).status_code == 403
    target.refresh_from_db()
    assert target.is_active and not target.profile.must_change_password


def test_security_admin_resets_the_auditors_password(client, secadmin, auditor):
    client.force_login(secadmin)
    response = client.post(reverse("org:person_reset_password", args=[auditor.pk]))
    assert response.status_code == 200
    auditor.refresh_from_db()
    assert auditor.check_password(response.context["password"]) and auditor.profile.must_change_password
