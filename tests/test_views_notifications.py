"""The notification centre, channel preferences, unit quarterly reports and the reminder admin page."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notifications.models import (
    Channel,
    Delivery,
    DeliveryStatus,
    Notice,
    Notification,
    NotificationPreference,
    UnitChannel,
)
from notifications.sweep import send_reminders
from risks.models import AuditEntry, QuarterlyReport, SupervisionLight

from .factories import due_risk
from .test_deliveries import RobotServer

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


@pytest.fixture
def told(district, official, frozen_today):
    """Today is 2026-06-10; three risks of 修文镇 are due for reminders and the sweep has run."""
    day = frozen_today(datetime.date(2026, 6, 10))
    for offset in (7, -1, -30):
        due_risk(unit=district.xiuwen, responsible=official, deadline=day + offset * DAY)
    send_reminders(day)
    return Notification.objects.filter(user=official)


def test_notification_centre_lists_my_notifications_with_the_unread_count(client, told, official, unitleader):
    client.force_login(official)
    response = client.get(reverse("notifications:list"))
    assert response.status_code == 200
    assert response.context["nav_unread"] == 3
    assert "3 条未读" in response.content.decode()
    assert '<span class="badge text-bg-danger">3</span>' in response.content.decode()
    assert {n.pk for n in response.context["page"].object_list} == set(told.values_list("pk", flat=True))


def test_opening_a_notification_marks_it_read_and_goes_to_the_risk(client, told, official):
    client.force_login(official)
    notification = told.first()
    response = client.get(reverse("notifications:open", args=[notification.pk]))
    assert response.status_code == 302 and response.url == notification.notice.link
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert client.get(response.url).status_code == 200


def test_someone_elses_notification_is_not_found(client, told, outsider):
    client.force_login(outsider)
    assert client.get(reverse("notifications:open", args=[told.first().pk])).status_code == 404
    client.post(reverse("notifications:mark_read"), {"id": told.first().pk})
    assert told.filter(read_at__isnull=False).count() == 0


def test_mark_one_or_all_read(client, told, official):
    client.force_login(official)
    first = told.first()
    client.post(reverse("notifications:mark_read"), {"id": first.pk})
    assert told.filter(read_at__isnull=True).count() == 2
    response = client.post(reverse("notifications:mark_read"), follow=True)
    assert "已将 2 条通知标为已读" in response.content.decode()
    assert told.filter(read_at__isnull=True).count() == 0


def test_mark_read_refuses_get_and_bad_ids(client, told, official):
    client.force_login(official)
    assert client.get(reverse("notifications:mark_read")).status_code == 405
    response = client.post(reverse("notifications:mark_read"), {"id": "abc"}, follow=True)
    assert "请求无效" in response.content.decode()
    assert told.filter(read_at__isnull=True).count() == 3


def test_notification_centre_query_count_does_not_grow(client, told, official):
    client.force_login(official)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("notifications:list"))
    send_reminders(datetime.date(2026, 6, 16))
    assert told.count() > 3
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("notifications:list"))
    assert len(few) == len(many)


def test_preferences_switch_e_mail_off(client, official):
    client.force_login(official)
    assert client.get(reverse("notifications:preferences")).context["form"]["email"].value() is True
    response = client.post(reverse("notifications:preferences"), {}, follow=True)
    assert "已保存通知设置" in response.content.decode()
    assert NotificationPreference.objects.get(user=official).email is False
    assert client.put(reverse("notifications:preferences")).status_code == 405


# ---------------------------------------------------------------------------------------------
# Unit quarterly reports


def test_unit_leader_submits_the_quarterly_report(client, unitleader, district, frozen_today):
    frozen_today(datetime.date(2026, 6, 20))
    client.force_login(unitleader)
    url = reverse("notifications:quarterly_reports")
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {"year": 2026, "quarter": 2, "ledger_confirmed": "on", "analysis": "本季度形势总体平稳。"},
        follow=True,
    )
    assert "已报送2026年第2季度单位季度报告" in response.content.decode()
    report = QuarterlyReport.objects.get(unit=district.xiuwen, year=2026, quarter=2)
    assert report.is_submitted and report.submitted_by == unitleader and report.ledger_confirmed
    assert AuditEntry.objects.filter(object_type="risks.quarterlyreport", object_id=str(report.pk)).exists()
    # Submitted: no reminder 3 days before the quarter ends.
    send_reminders(datetime.date(2026, 6, 27))
    assert not Notice.objects.filter(rule="quarter_unit", subject_id=district.xiuwen.pk).exists()


@pytest.mark.parametrize(
    "data",
    [
        {"year": 2026, "quarter": 2, "analysis": "平稳"},  # ledger not confirmed
        {"year": 2026, "quarter": 2, "ledger_confirmed": "on", "analysis": "  "},
        {"year": 2026, "quarter": 9, "ledger_confirmed": "on", "analysis": "平稳"},
        {"year": 2025, "quarter": 1, "ledger_confirmed": "on", "analysis": "平稳"},  # long past
    ],
)
def test_bad_quarterly_report_saves_nothing(client, official, frozen_today, data):
    frozen_today(datetime.date(2026, 6, 20))
    client.force_login(official)
    response = client.post(reverse("notifications:quarterly_reports"), data)
    assert response.status_code == 400
    assert not QuarterlyReport.objects.exists()


def test_village_official_need_not_report(client, village_official):
    client.force_login(village_official)
    assert client.get(reverse("notifications:quarterly_reports")).status_code == 403


def test_leader_sees_who_has_not_submitted_but_cannot_submit(
    client, leader, unitleader, district, frozen_today
):
    frozen_today(datetime.date(2026, 6, 20))
    QuarterlyReport.objects.create(
        unit=district.xiuwen,
        year=2026,
        quarter=2,
        analysis="平稳",
        ledger_confirmed=True,
        submitted_by=unitleader,
        submitted_at=datetime.datetime(2026, 6, 19, tzinfo=datetime.UTC),
    )
    client.force_login(leader)
    url = reverse("notifications:quarterly_reports")
    response = client.get(url, {"year": 2026, "quarter": 2})
    rows = {unit.name: report for unit, report in response.context["status_rows"]}
    assert rows["修文镇"] is not None and rows["东阳镇"] is None and "修文村" not in rows
    assert response.context["missing"] == 3  # 东阳镇, 应急管理局, 住建局
    assert client.post(url, {"year": 2026, "quarter": 2, "analysis": "x"}).status_code == 403
    assert client.get(url, {"year": "x"}).status_code == 404


def test_quarterly_report_page_query_count_does_not_grow(client, leader, district):
    client.force_login(leader)
    url = reverse("notifications:quarterly_reports")
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    from .factories import UnitFactory

    for i in range(5):
        UnitFactory(parent=district.root, name=f"新部门{i}", code=f"new{i}", kind="department")
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(response.context["status_rows"]) == 9
    assert len(few) == len(many)


# ---------------------------------------------------------------------------------------------
# The reminder system's admin page


def test_admin_page_shows_the_last_sweep_schedule_and_failures(client, told, admin_user):
    Delivery.objects.create(
        channel=Channel.WECOM,
        recipient="修文镇",
        subject="s",
        body="b",
        status=DeliveryStatus.FAILED,
        permanent=True,
        error="HTTP 400",
    )
    client.force_login(admin_user)
    response = client.get(reverse("notifications:system"))
    assert response.status_code == 200
    body = response.content.decode()
    assert response.context["last_sweep"].notices == 3
    assert "send-reminders" in body and "HTTP 400" in body and "永久" in body


@pytest.mark.parametrize("who", ["official", "unitleader", "leader", "auditor"])
def test_admin_page_is_for_admins_only(client, people, who):
    client.force_login(getattr(people, who))
    assert client.get(reverse("notifications:system")).status_code == 403
    assert client.post(reverse("notifications:send_test"), {"channel": "email"}).status_code == 403


def test_retry_a_failed_delivery(client, admin_user, official, mailoutbox):
    failed = Delivery.objects.create(
        channel=Channel.EMAIL,
        user=official,
        recipient=official.email,
        subject="提醒",
        body="内容",
        status=DeliveryStatus.FAILED,
        attempts=6,
        error="x",
    )
    client.force_login(admin_user)
    assert client.get(reverse("notifications:retry", args=[failed.pk])).status_code == 405
    response = client.post(reverse("notifications:retry", args=[failed.pk]), follow=True)
    assert "已重新发送" in response.content.decode()
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (DeliveryStatus.SENT, 1)
    assert [m.to for m in mailoutbox] == [[official.email]]
    assert client.post(reverse("notifications:retry", args=[99999])).status_code == 404


def test_send_a_test_message_per_channel(client, admin_user, district, mailoutbox):
    client.force_login(admin_user)
    url = reverse("notifications:send_test")
    response = client.post(url, {"channel": "email"}, follow=True)
    assert "测试消息已发送" in response.content.decode()
    assert mailoutbox[0].to == [admin_user.email]
    with RobotServer([(200, {"errcode": 0}), (400, {})]) as robot:
        UnitChannel.objects.create(unit=district.xiuwen, channel=Channel.WECOM, webhook_url=robot.url)
        assert (
            "测试消息已发送"
            in client.post(
                url, {"channel": "wecom", "unit": district.xiuwen.pk}, follow=True
            ).content.decode()
        )
        failed = client.post(
            url, {"channel": "wecom", "unit": district.xiuwen.pk}, follow=True
        ).content.decode()
        assert "测试消息发送失败" in failed and "HTTP 400" in failed
    assert len(robot.received) == 2
    # Bad input: a robot channel without a unit configured for it.
    response = client.post(url, {"channel": "dingtalk", "unit": district.xiuwen.pk}, follow=True)
    assert "该单位没有配置这个群机器人" in response.content.decode()
    assert "请选择" in client.post(url, {"channel": "wecom"}, follow=True).content.decode()


# ---------------------------------------------------------------------------------------------
# The supervision light in the ledger and on the risk


def test_the_light_set_by_the_ladder_is_filterable_and_shown(client, told, leader):
    client.force_login(leader)
    response = client.get(reverse("risks:list"), {"supervision_light": SupervisionLight.LISTED})
    rows = list(response.context["table"].page.object_list)
    assert len(rows) == 1
    risk = rows[0].record
    assert risk.supervision_light == SupervisionLight.LISTED
    detail = client.get(reverse("risks:detail", args=[risk.pk])).content.decode()
    assert "挂牌督办" in detail and "逾期自动升级督办" in detail
