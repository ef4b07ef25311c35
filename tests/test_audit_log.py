"""The audit log's pages for the auditor, login/logout/failed-login entries, "my recent logins",
and the pruning command that refuses entries younger than 180 days."""

import csv
import datetime
import io

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone, translation

from risks import audit
from risks.models import AuditAction, AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _chinese():
    # Audit labels and messages are asserted in Chinese; another test may have left English active.
    with translation.override("zh-hans"):
        yield


def last_id():
    return AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0


# -- login, logout, failed login -------------------------------------------------------------------


def test_login_logout_and_failed_login_each_leave_one_entry(client, official):
    official.set_password("Correct-Horse-42!")
    official.save()
    before = last_id()
    client.post(
        reverse("login"), {"username": official.username, "password": "wrong"}, REMOTE_ADDR="10.0.0.7"
    )
    client.post(
        reverse("login"),
        {"username": official.username, "password": "Correct-Horse-42!"},
        REMOTE_ADDR="10.0.0.7",
    )
    client.post(reverse("logout"), REMOTE_ADDR="10.0.0.7")
    entries = list(AuditEntry.objects.filter(id__gt=before).order_by("id"))
    assert [e.action for e in entries] == [AuditAction.LOGIN_FAILED, AuditAction.LOGIN, AuditAction.LOGOUT]
    failed, login, logout = entries
    assert failed.actor is None and failed.actor_name == official.username
    assert failed.object_id == str(official.pk) and failed.ip == "10.0.0.7"
    assert login.actor == official and logout.actor == official and login.ip == "10.0.0.7"


def test_failed_login_for_an_unknown_name_is_recorded_without_a_target(client, db):
    client.post(reverse("login"), {"username": "nobody", "password": "x"})
    entry = AuditEntry.objects.get(action=AuditAction.LOGIN_FAILED)
    assert (entry.actor_name, entry.object_id) == ("nobody", "")


def test_profile_shows_my_recent_logins_and_failed_attempts(client, official, outsider):
    client.post(
        reverse("login"), {"username": official.username, "password": "wrong"}, REMOTE_ADDR="10.9.9.9"
    )
    client.force_login(outsider)  # someone else's login is not mine
    client.force_login(official)
    response = client.get(reverse("profile"))
    logins = list(response.context["logins"])
    assert [e.action for e in logins] == [AuditAction.LOGIN, AuditAction.LOGIN_FAILED]
    assert "10.9.9.9" in response.content.decode()


# -- the auditor's pages -------------------------------------------------------------------------


@pytest.fixture
def some_entries(make_risk, official, outsider):
    make_risk()
    audit.record(actor=outsider, action=AuditAction.EXPORT, object_repr="东阳镇台账", summary="=cmd()")


def test_auditor_filters_by_person_and_action_and_the_read_is_audited(
    client, auditor, official, some_entries
):
    client.force_login(auditor)
    before = last_id()
    response = client.get(
        reverse("audit:log"), {"person": official.username, "action": AuditAction.TRANSITION}
    )
    assert response.status_code == 200
    rows = list(response.context["page"])
    assert rows and all(e.actor_name == official.username and e.action == "transition" for e in rows)
    (read,) = AuditEntry.objects.filter(id__gt=before)
    assert (read.actor, read.action) == (auditor, AuditAction.VIEW)
    assert official.username in read.summary


def test_auditor_filters_by_unit_object_and_time(client, auditor, district, outsider, some_entries):
    client.force_login(auditor)
    today = timezone.localdate().isoformat()
    response = client.get(
        reverse("audit:log"), {"unit": district.dongyang.pk, "object": "东阳镇", "start": today, "end": today}
    )
    assert [e.object_repr for e in response.context["page"]] == ["东阳镇台账"]


def test_bad_filter_gets_a_message(client, auditor):
    client.force_login(auditor)
    response = client.get(reverse("audit:log"), {"start": "2026-05-02", "end": "2026-05-01"})
    assert response.status_code == 400
    assert "截止日期不能早于起始日期" in response.content.decode()


def test_export_is_audited_and_neutralises_formulas(client, auditor, some_entries):
    client.force_login(auditor)
    response = client.get(reverse("audit:export"), {"action": AuditAction.EXPORT})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "时间"
    assert "'=cmd()" in [row[8] for row in rows[1:]]
    assert "=cmd()" not in [row[8] for row in rows[1:]]
    assert AuditEntry.objects.filter(actor=auditor, action=AuditAction.EXPORT).count() == 1


def test_admin_cannot_read_the_audit_log(client, admin_user, some_entries):
    client.force_login(admin_user)
    assert client.get(reverse("audit:log")).status_code == 403
    assert client.get(reverse("audit:export")).status_code == 403
    assert not AuditEntry.objects.filter(
        actor=admin_user, action__in=[AuditAction.VIEW, AuditAction.EXPORT]
    ).exists()


def test_no_page_changes_or_deletes_an_audit_entry(client, auditor, some_entries):
    client.force_login(auditor)
    count = AuditEntry.objects.count()
    for name in ("audit:log", "audit:export"):
        assert client.post(reverse(name)).status_code == 405
    assert AuditEntry.objects.count() == count


# -- pruning --------------------------------------------------------------------------------------


def test_prune_refuses_entries_younger_than_180_days(db):
    with pytest.raises(CommandError, match="至少保存 180 天"):
        call_command("prune_audit", "--days", "179")
    with pytest.raises(CommandError):
        call_command("prune_audit", "--before", timezone.localdate().isoformat())


def test_prune_deletes_only_old_entries_and_audits_itself(db, official):
    with time_machine.travel(timezone.now() - datetime.timedelta(days=200)):
        audit.record(actor=official, action=AuditAction.VIEW, summary="旧")
    audit.record(actor=official, action=AuditAction.VIEW, summary="新")
    out = io.StringIO()
    call_command("prune_audit", "--days", "180", stdout=out)
    assert "pruned 1" in out.getvalue()
    assert not AuditEntry.objects.filter(summary="旧").exists()
    assert AuditEntry.objects.filter(summary="新").exists()
    assert AuditEntry.objects.filter(action=AuditAction.DELETE, summary__contains="清理").count() == 1


def test_audit_page_query_count_does_not_grow(client, auditor, official):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(auditor)
    for _ in range(3):
        audit.record(actor=official, action=AuditAction.VIEW)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("audit:log"))
    for _ in range(40):
        audit.record(actor=official, action=AuditAction.VIEW)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("audit:log"))
    assert len(few) == len(many)


@pytest.mark.skipif(
    not __import__("django.apps").apps.apps.is_installed("axes"),
    reason="django-axes not installed on this branch",
)
def test_lockout_is_audited_and_unlock_resets_it(client, official, admin_user, settings):
    from axes.models import AccessAttempt

    from org import services

    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        client.post(
            reverse("login"), {"username": official.username, "password": "wrong"}, REMOTE_ADDR="10.3.3.3"
        )
    assert AuditEntry.objects.filter(action=AuditAction.LOCKOUT, object_repr=official.username).exists()
    client.force_login(official)
    assert AuditAction.LOCKOUT in [e.action for e in client.get(reverse("profile")).context["logins"]]
    before = last_id()
    services.person_unlock(by=admin_user, person=official)
    assert not AccessAttempt.objects.filter(username=official.username).exists()
    (entry,) = AuditEntry.objects.filter(id__gt=before)
    assert (entry.actor, entry.object_id) == (admin_user, str(official.pk))
