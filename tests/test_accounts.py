"""Accounts (DESIGN.md "Security decisions"): password rules, expiry and forced change, lockout,
two-factor, and the session's limits. Logins go through the real login page (and so django-axes),
not force_login, wherever the rule is about logging in."""

import datetime

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import policy, services
from accounts.models import PasswordHistory
from risks.models import AuditAction, AuditEntry

PASSWORD = "Xiuwen-Town-2026"  # noqa: S105
NEW_PASSWORD = "Rong-Jiang-7788!"  # noqa: S105
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
T0 = datetime.datetime(2026, 6, 1, 9, 0, tzinfo=SHANGHAI)
LEADER_ROLES = ["admin", "security_admin", "auditor", "district_leader"]


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    # PBKDF2's million rounds would make each login here take half a second.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def travel():
    """travel(moment) moves the clock there (ticking), for the rest of the test."""
    travellers = []

    def go(moment):
        traveller = time_machine.travel(moment, tick=True)
        traveller.start()
        travellers.append(traveller)

    yield go
    for traveller in reversed(travellers):
        traveller.stop()


def with_password(user, password=PASSWORD):
    user.set_password(password)
    user.save()
    return user


def log_in(client, user, password=PASSWORD, ip="10.1.1.1"):
    return client.post(reverse("login"), {"username": user.username, "password": password}, REMOTE_ADDR=ip)


def assert_sent_to_login(response):
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def change_password(client, old, new):
    return client.post(
        reverse("accounts:password_change"),
        {"old_password": old, "new_password1": new, "new_password2": new},
    )


# ---------------------------------------------------------------------------------------------
# Password rules


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Ab1-short", "密码太短"),
        ("abcdefghijkl-xyz", "至少 3 类"),
        ("Password1234", "太常见"),
        ("274918365012", "至少 3 类"),
    ],
    ids=["too-short", "two-classes", "common", "digits-only"],
)
def test_weak_or_common_password_is_refused_with_a_clear_message(client, official, password, message):
    with_password(official)
    log_in(client, official)

    response = change_password(client, PASSWORD, password)

    assert response.status_code == 400
    assert message in response.content.decode()
    official.refresh_from_db()
    assert official.check_password(PASSWORD)


def test_password_of_12_characters_with_three_classes_is_accepted(official):
    validate_password("Xiuwen-town2", official)  # lower, upper, digit and a symbol, 12 characters


def test_one_of_the_last_five_passwords_is_refused(official):
    passwords = [f"Xiuwen-Town-{n}{n}{n}{n}" for n in range(1, 7)]
    for password in passwords:
        with_password(official, password)

    for reused in passwords[-5:]:
        with pytest.raises(ValidationError) as refused:
            validate_password(reused, official)
        assert "最近 5 次" in refused.value.messages[0]
    validate_password(passwords[0], official)  # the sixth-newest may come back
    assert PasswordHistory.objects.filter(user=official).count() == 5


def test_reused_password_is_refused_on_the_change_page(client, official):
    with_password(official, NEW_PASSWORD)
    with_password(official)
    log_in(client, official)

    response = change_password(client, PASSWORD, NEW_PASSWORD)

    assert response.status_code == 400
    assert "最近 5 次" in response.content.decode()


def test_current_password_set_before_history_counts_as_used(official):
    # Accounts made by seed_demo or imported carry a hash but no history row.
    official.set_password(PASSWORD)
    official.__class__.objects.filter(pk=official.pk).update(password=official.password)
    PasswordHistory.objects.filter(user=official).delete()

    with pytest.raises(ValidationError):
        validate_password(PASSWORD, official)


def test_expired_password_must_be_changed_before_anything_else(client, official, travel, settings):
    settings.PASSWORD_EXPIRY_DAYS = 90
    travel(T0)
    with_password(official)
    travel(T0 + datetime.timedelta(days=90, minutes=1))

    response = log_in(client, official)
    assert response.status_code == 302
    response = client.get(reverse("risks:list"))
    assert response.status_code == 302
    assert response.url == reverse("accounts:password_change")
    page = client.get(reverse("accounts:password_change"))
    assert "密码已过期" in page.content.decode()

    response = change_password(client, PASSWORD, NEW_PASSWORD)
    assert response.status_code == 302
    assert client.get(reverse("risks:list")).status_code == 200


def test_password_within_expiry_is_not_forced(client, official, travel, settings):
    settings.PASSWORD_EXPIRY_DAYS = 90
    travel(T0)
    with_password(official)
    travel(T0 + datetime.timedelta(days=89))

    log_in(client, official)

    assert client.get(reverse("risks:list")).status_code == 200


def test_expiry_zero_switches_expiry_off(official, settings):
    settings.PASSWORD_EXPIRY_DAYS = 0
    with_password(official)

    assert not policy.password_expired(official, now=timezone.now() + datetime.timedelta(days=3650))


def test_forced_change_after_admin_reset_then_audited_and_lifted(client, official):
    with_password(official)
    official.profile.must_change_password = True
    official.profile.save()
    log_in(client, official)

    for name in ("risks:my_work", "risks:list", "risks:create"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response.url == reverse("accounts:password_change")
    assert "首次登录或密码被管理员重置" in client.get(reverse("accounts:password_change")).content.decode()

    response = change_password(client, PASSWORD, NEW_PASSWORD)

    assert response.status_code == 302
    official.refresh_from_db()
    official.profile.refresh_from_db()
    assert official.check_password(NEW_PASSWORD)
    assert official.profile.must_change_password is False
    assert AuditEntry.objects.filter(action=AuditAction.PASSWORD_CHANGE, actor=official).count() == 1
    assert client.get(reverse("risks:my_work")).status_code == 200


def test_wrong_old_password_changes_nothing(client, official):
    with_password(official)
    log_in(client, official)

    response = change_password(client, "Not-The-Old-1", NEW_PASSWORD)

    assert response.status_code == 400
    official.refresh_from_db()
    assert official.check_password(PASSWORD)
    assert not AuditEntry.objects.filter(action=AuditAction.PASSWORD_CHANGE).exists()


def test_password_change_page_refuses_put(client, official):
    client.force_login(official)
    assert client.put(reverse("accounts:password_change")).status_code == 405


def test_password_change_page_needs_login(client, db):
    assert_sent_to_login(client.get(reverse("accounts:password_change")))


# ---------------------------------------------------------------------------------------------
# Lockout (django-axes)


def test_sixth_attempt_is_locked_and_the_lock_expires(client, official, travel):
    travel(T0)
    with_password(official)
    for _ in range(4):
        assert log_in(client, official, "Wrong-Password-1").status_code == 200
    assert log_in(client, official, "Wrong-Password-1").status_code == 429  # the fifth failure locks

    locked = log_in(client, official)  # the sixth attempt, with the right password, is refused

    assert locked.status_code == 429
    assert "已暂时锁定" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    # One entry for the lock, and one for each attempt refused while it lasts.
    entries = AuditEntry.objects.filter(action=AuditAction.LOCKOUT)
    assert entries.count() == 2
    assert {(e.actor_name, e.ip) for e in entries} == {(official.username, "10.1.1.1")}

    travel(T0 + datetime.timedelta(minutes=9))
    assert log_in(client, official).status_code == 429

    travel(T0 + datetime.timedelta(minutes=20))
    response = log_in(client, official)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(official.pk)


def test_every_attempt_is_recorded(client, official):
    from axes.models import AccessFailureLog, AccessLog

    with_password(official)
    log_in(client, official, "Wrong-Password-1")
    log_in(client, official, "Wrong-Password-2")
    log_in(client, official)

    assert AccessFailureLog.objects.filter(username=official.username).count() == 2
    assert AccessLog.objects.filter(username=official.username).count() == 1


def test_one_address_trying_many_names_is_locked(client, official, official2):
    with_password(official2)
    for n in range(5):
        client.post(reverse("login"), {"username": f"nobody{n}", "password": "x"}, REMOTE_ADDR="10.9.9.9")

    assert log_in(client, official2, ip="10.9.9.9").status_code == 429
    assert log_in(client, official2, ip="10.2.2.2").status_code == 302


def test_name_is_locked_from_every_address(client, official):
    with_password(official)
    for n in range(5):
        log_in(client, official, "Wrong-Password-1", ip=f"10.3.3.{n}")

    assert log_in(client, official, ip="10.4.4.4").status_code == 429


def test_locked_usernames_lists_who_is_locked_until_the_lock_expires(client, official, official2, travel):
    travel(T0)
    with_password(official)
    for _ in range(5):
        log_in(client, official, "Wrong-Password-1")
    log_in(client, official2, "Wrong-Password-1", ip="10.5.5.5")

    names = [official.username, official2.username]
    assert services.locked_usernames(names) == {official.username}
    travel(T0 + datetime.timedelta(minutes=11))
    assert services.locked_usernames(names) == set()


@pytest.mark.parametrize("who", ["admin_user", "secadmin"])
def test_admins_and_security_admins_can_unlock(client, people, official, who):
    with_password(official)
    for _ in range(5):
        log_in(client, official, "Wrong-Password-1")

    services.account_unlock(by=getattr(people, who), username=official.username)

    assert log_in(client, official).status_code == 302
    entry = AuditEntry.objects.get(action=AuditAction.UPDATE, summary__contains="解除登录锁定")
    assert entry.actor == getattr(people, who)


@pytest.mark.parametrize("who", ["official", "unitleader", "leader", "auditor"])
def test_other_roles_cannot_unlock(people, official, who):
    with pytest.raises(PermissionDenied):
        services.account_unlock(by=getattr(people, who), username=official.username)


def test_unlock_command(client, official, admin_user, capsys):
    with_password(official)
    for _ in range(5):
        log_in(client, official, "Wrong-Password-1")

    call_command("unlock_account", official.username, by=admin_user.username)

    assert "已解除锁定" in capsys.readouterr().out
    assert log_in(client, official).status_code == 302


def test_unlock_command_refuses_an_official(official):
    with pytest.raises(CommandError, match="只有系统管理员和安全管理员"):
        call_command("unlock_account", "someone", by=official.username)


# ---------------------------------------------------------------------------------------------
# Two-factor (TOTP)


def current_code(device) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


@pytest.fixture
def two_factor_on(settings):
    settings.TWO_FACTOR_REQUIRED_ROLES = LEADER_ROLES


@pytest.mark.parametrize("name", ["risks:my_work", "risks:list", "risks:create", "admin:index"])
def test_leader_without_a_device_reaches_only_enrolment(client, leader, two_factor_on, name):
    client.force_login(leader)

    response = client.get(reverse(name))

    assert response.status_code == 302
    assert response.url == reverse("accounts:two_factor_setup")


def test_leader_enrols_by_qr_code_and_gets_backup_codes(client, leader, two_factor_on):
    client.force_login(leader)
    page = client.get(reverse("accounts:two_factor_setup"))
    assert page.status_code == 200
    assert "<svg" in page.content.decode()
    device = TOTPDevice.objects.get(user=leader, confirmed=False)

    wrong = client.post(reverse("accounts:two_factor_setup"), {"token": "000000"})
    assert wrong.status_code == 400
    assert "验证码不正确" in wrong.content.decode()

    response = client.post(reverse("accounts:two_factor_setup"), {"token": current_code(device)})

    assert response.status_code == 302
    assert response.url == reverse("accounts:backup_codes")
    codes_page = client.get(reverse("accounts:backup_codes")).content.decode()
    codes = list(StaticToken.objects.filter(device__user=leader).values_list("token", flat=True))
    assert len(codes) == 10
    assert all(code in codes_page for code in codes)
    assert codes[0] not in client.get(reverse("accounts:backup_codes")).content.decode()  # shown once
    assert client.get(reverse("risks:my_work")).status_code == 200


def test_leader_with_a_device_must_verify_each_session(client, leader, two_factor_on, travel):
    travel(T0)
    device = TOTPDevice.objects.create(user=leader, name="authenticator", confirmed=True)
    client.force_login(leader)

    response = client.get(reverse("risks:list"))
    assert response.url == reverse("accounts:two_factor_verify")
    # A stolen password is not enough to swap in the thief's authenticator.
    assert client.get(reverse("accounts:two_factor_setup")).url == reverse("accounts:two_factor_verify")
    assert client.post(reverse("accounts:two_factor_verify"), {"token": "123456"}).status_code == 400
    travel(T0 + datetime.timedelta(seconds=5))  # a failure throttles the device for a moment

    response = client.post(reverse("accounts:two_factor_verify"), {"token": current_code(device)})

    assert response.status_code == 302
    assert client.get(reverse("risks:list")).status_code == 200


def test_backup_code_works_once(client, leader, two_factor_on):
    TOTPDevice.objects.create(user=leader, name="authenticator", confirmed=True)
    (code, *_rest) = services.backup_codes_regenerate(user=leader)
    client.force_login(leader)
    assert client.post(reverse("accounts:two_factor_verify"), {"token": code}).status_code == 302

    other = client.__class__()
    other.force_login(leader)

    assert other.post(reverse("accounts:two_factor_verify"), {"token": code}).status_code == 400


def test_unverified_leader_can_still_log_out(client, leader, two_factor_on):
    client.force_login(leader)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_official_needs_no_second_factor_by_default(client, official, two_factor_on):
    client.force_login(official)
    assert client.get(reverse("risks:my_work")).status_code == 200


def test_star_requires_two_factor_for_everyone(client, official, settings):
    settings.TWO_FACTOR_REQUIRED_ROLES = ["*"]
    client.force_login(official)
    assert client.get(reverse("risks:my_work")).url == reverse("accounts:two_factor_setup")


@pytest.mark.parametrize("who", ["leader", "admin_user", "secadmin", "auditor"])
def test_default_setting_requires_two_factor_for_the_four_roles(people, who):
    from django.conf import settings as django_settings

    assert policy.two_factor_required(getattr(people, who)) is False  # conftest turns it off
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(django_settings, "TWO_FACTOR_REQUIRED_ROLES", LEADER_ROLES)
        assert policy.two_factor_required(getattr(people, who)) is True


def test_production_default_roles_are_the_four_roles(tmp_path):
    from tests.test_infrastructure import PRODUCTION_KEY, run_python

    result = run_python(
        "import django; django.setup(); from django.conf import settings;"
        " print(','.join(sorted(settings.TWO_FACTOR_REQUIRED_ROLES)))",
        tmp_path,
        DEBUG="false",
        SECRET_KEY=PRODUCTION_KEY,
        ALLOWED_HOSTS="risk.example.test",
        TWO_FACTOR_REQUIRED_ROLES=None,
    )
    assert result.stdout.strip() == "admin,auditor,district_leader,security_admin", result.stderr


# ---------------------------------------------------------------------------------------------
# Sessions


def test_login_gives_a_new_session_id(client, official):
    with_password(official)
    client.get(reverse("login"))
    session = client.session
    session["before_login"] = True
    session.save()
    before = session.session_key

    log_in(client, official)

    assert client.session.session_key != before
    assert not Session.objects.filter(session_key=before).exists()


def test_idle_session_expires_after_30_minutes(client, official, travel):
    travel(T0)
    with_password(official)
    log_in(client, official)
    travel(T0 + datetime.timedelta(minutes=29))
    assert client.get(reverse("risks:my_work")).status_code == 200  # activity pushes expiry on

    travel(T0 + datetime.timedelta(minutes=29 + 31))
    response = client.get(reverse("risks:my_work"))

    assert_sent_to_login(response)


def test_session_ends_after_12_hours_however_active(client, official, travel):
    travel(T0)
    with_password(official)
    log_in(client, official)
    moment = T0
    while moment < T0 + datetime.timedelta(hours=11, minutes=40):
        moment += datetime.timedelta(minutes=20)
        travel(moment)
        assert client.get(reverse("risks:my_work")).status_code == 200

    travel(T0 + datetime.timedelta(hours=12, minutes=1))
    response = client.get(reverse("risks:my_work"))

    assert_sent_to_login(response)
    assert "_auth_user_id" not in client.session


def test_logout_ends_the_session(client, official):
    with_password(official)
    log_in(client, official)
    key = client.session.session_key
    cookie = client.cookies["sessionid"].value

    client.post(reverse("logout"))

    assert not Session.objects.filter(session_key=key).exists()
    client.cookies["sessionid"] = cookie  # replaying the old cookie gets nowhere
    assert client.get(reverse("risks:my_work")).status_code == 302


def test_password_change_ends_the_other_sessions(client, official):
    from django.test import Client

    with_password(official)
    phone = Client()
    log_in(phone, official)
    log_in(client, official)
    assert phone.get(reverse("risks:my_work")).status_code == 200

    assert change_password(client, PASSWORD, NEW_PASSWORD).status_code == 302

    assert client.get(reverse("risks:my_work")).status_code == 200  # this session goes on
    assert_sent_to_login(phone.get(reverse("risks:my_work")))
