"""Deliveries: daily e-mail digests (Django's outbox and a real local SMTP server) and group-robot
webhooks against a local HTTP server (success; 500, retry, success; 400 recorded as permanent)."""

import base64
import datetime
import hashlib
import hmac
import json
import socket
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail
from django.utils import timezone

from notifications import delivery
from notifications.channels import dingtalk_sign
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

from .factories import due_risk

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
D = datetime.date(2026, 6, 10)


class RobotServer:
    """A group-robot endpoint on 127.0.0.1: answers each POST with the next scripted
    (status, body) and keeps what it received."""

    def __init__(self, script):
        self.script = list(script)
        self.received = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                outer.received.append({"path": self.path, "json": json.loads(self.rfile.read(length))})
                status, body = outer.script.pop(0) if outer.script else (200, {"errcode": 0})
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/robot/send?key=abc"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def overdue(district, official, unitleader):
    """Two risks of 修文镇 due for reminders on D, the sweep for D already run."""
    for offset in (7, -1):
        due_risk(unit=district.xiuwen, responsible=official, deadline=D + offset * DAY)
    send_reminders(D)
    return district


def test_each_person_gets_one_digest_e_mail_with_every_item(overdue, official, unitleader, mailoutbox):
    counts = delivery.deliver_all()
    assert counts["sent"] == 2
    by_person = {m.to[0]: m for m in mailoutbox}
    assert set(by_person) == {official.email, unitleader.email}
    mine = by_person[official.email]
    assert "2 条" in mine.subject
    assert mine.body.count("http://127.0.0.1:8000/risks/") == 2
    assert "已逾期 1 天" in mine.body and "还有 7 天" in mine.body
    # Nothing is mailed twice, however often the periodic task runs.
    assert delivery.deliver_all() == {"digests": 0, "sent": 0, "failed": 0, "retry": 0}
    assert len(mailoutbox) == 2
    assert Notification.objects.filter(email_delivery__isnull=True).count() == 0


def test_people_and_units_can_switch_e_mail_off(overdue, official, unitleader, mailoutbox):
    NotificationPreference.objects.create(user=official, email=False)
    delivery.deliver_all()
    assert [m.to[0] for m in mailoutbox] == [unitleader.email]
    UnitChannel.objects.create(unit=overdue.xiuwen, channel=Channel.EMAIL, enabled=False)
    send_reminders(D + 6 * DAY)  # the 1-day reminder
    delivery.deliver_all()
    assert len(mailoutbox) == 1
    # The in-app notification centre still lists everything.
    assert Notification.objects.filter(user=official).count() == 3


def test_e_mail_through_a_real_local_smtp_server(overdue, official, settings):
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    received = []

    class Keep(Message):
        def handle_message(self, message):
            received.append(message)

    controller = Controller(Keep(), hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        counts = delivery.deliver_all()
    finally:
        controller.stop()
    assert counts["sent"] == 2
    assert sorted(m["To"] for m in received) == sorted([official.email, "xiuwen_leader@example.com"])
    assert Delivery.objects.filter(status=DeliveryStatus.SENT, channel=Channel.EMAIL).count() == 2


def test_an_unreachable_smtp_server_is_retried_later(overdue, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2
    counts = delivery.deliver_all()
    assert counts["retry"] == 2
    row = Delivery.objects.filter(channel=Channel.EMAIL).first()
    assert row.status == DeliveryStatus.PENDING and row.attempts == 1 and not row.permanent
    assert row.next_attempt_at > timezone.now()


def test_wecom_robot_gets_one_markdown_digest_per_unit(overdue):
    with RobotServer([(200, {"errcode": 0, "errmsg": "ok"})]) as robot:
        UnitChannel.objects.create(unit=overdue.xiuwen, channel=Channel.WECOM, webhook_url=robot.url)
        delivery.deliver_all()
        delivery.deliver_all()
    assert len(robot.received) == 1
    message = robot.received[0]["json"]
    assert message["msgtype"] == "markdown"
    assert message["markdown"]["content"].count("](http://127.0.0.1:8000/risks/") == 2
    sent = Delivery.objects.get(channel=Channel.WECOM)
    assert (sent.status, sent.attempts, sent.recipient) == (DeliveryStatus.SENT, 1, "修文镇")


def test_a_500_is_retried_with_back_off_until_it_succeeds(overdue):
    with RobotServer([(500, {}), (200, {"errcode": 0})]) as robot:
        UnitChannel.objects.create(unit=overdue.xiuwen, channel=Channel.WECOM, webhook_url=robot.url)
        now = timezone.now()
        delivery.build_webhook_digests(now)
        assert delivery.deliver_pending(now)["retry"] == 1
        row = Delivery.objects.get(channel=Channel.WECOM)
        assert (row.status, row.attempts, row.error) == (DeliveryStatus.PENDING, 1, "HTTP 500")
        assert row.next_attempt_at == now + datetime.timedelta(minutes=1)
        assert delivery.deliver_pending(now + datetime.timedelta(seconds=30))["retry"] == 0  # not yet
        assert delivery.deliver_pending(now + datetime.timedelta(minutes=2))["sent"] == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == (DeliveryStatus.SENT, 2)
    assert len(robot.received) == 2


def test_a_400_is_recorded_as_permanent_and_does_not_block_others(overdue, mailoutbox):
    with RobotServer([(400, {"errmsg": "bad"})]) as robot:
        UnitChannel.objects.create(unit=overdue.xiuwen, channel=Channel.WECOM, webhook_url=robot.url)
        counts = delivery.deliver_all()
        later = delivery.deliver_pending(timezone.now() + datetime.timedelta(hours=2))
    row = Delivery.objects.get(channel=Channel.WECOM)
    assert (row.status, row.permanent, row.error, row.attempts) == (
        DeliveryStatus.FAILED,
        True,
        "HTTP 400",
        1,
    )
    assert counts["failed"] == 1 and counts["sent"] == 2  # the e-mails went out anyway
    assert later == {"sent": 0, "failed": 0, "retry": 0}  # never retried by itself
    assert len(mailoutbox) == 2


def test_a_robot_refusing_the_message_is_permanent_and_its_rate_limit_transient(overdue):
    with RobotServer([(200, {"errcode": 93000, "errmsg": "invalid webhook url"})]) as robot:
        UnitChannel.objects.create(unit=overdue.xiuwen, channel=Channel.WECOM, webhook_url=robot.url)
        delivery.deliver_all()
    assert Delivery.objects.get(channel=Channel.WECOM).permanent
    with RobotServer([(200, {"errcode": 130101, "errmsg": "send too fast"})]) as robot:
        UnitChannel.objects.create(unit=overdue.xiuwen, channel=Channel.DINGTALK, webhook_url=robot.url)
        delivery.deliver_all()
    row = Delivery.objects.get(channel=Channel.DINGTALK)
    assert (row.status, row.permanent) == (DeliveryStatus.PENDING, False)


def test_transient_failures_give_up_after_the_cap(overdue):
    with RobotServer([(503, {})] * 10) as robot:
        UnitChannel.objects.create(unit=overdue.xiuwen, channel=Channel.WECOM, webhook_url=robot.url)
        now = timezone.now()
        delivery.build_webhook_digests(now)
        for hour in range(10):
            delivery.deliver_pending(now + datetime.timedelta(hours=hour))
    row = Delivery.objects.get(channel=Channel.WECOM)
    assert (row.status, row.attempts, row.permanent) == (DeliveryStatus.FAILED, delivery.MAX_ATTEMPTS, False)
    assert len(robot.received) == delivery.MAX_ATTEMPTS
    assert delivery.backoff(20) == datetime.timedelta(hours=1)


def test_dingtalk_robot_is_signed_with_the_secret(overdue):
    secret = "SEC0123456789abcdef"  # noqa: S105 - a test secret
    with RobotServer([]) as robot:
        UnitChannel.objects.create(
            unit=overdue.xiuwen, channel=Channel.DINGTALK, webhook_url=robot.url, secret=secret
        )
        delivery.deliver_all()
    received = robot.received[0]
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(received["path"]).query)
    timestamp = query["timestamp"][0]
    expected = base64.b64encode(
        hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    ).decode()
    assert query["sign"] == [expected] and query["key"] == ["abc"]
    assert received["json"]["msgtype"] == "markdown" and "title" in received["json"]["markdown"]
    assert (
        dingtalk_sign(secret, 1)[1]
        == base64.b64encode(
            hmac.new(secret.encode(), f"1\n{secret}".encode(), hashlib.sha256).digest()
        ).decode()
    )


def test_a_bad_webhook_url_is_permanent(overdue):
    UnitChannel.objects.create(
        unit=overdue.xiuwen, channel=Channel.WECOM, webhook_url="ftp://robot.invalid/x"
    )
    delivery.deliver_all()
    row = Delivery.objects.get(channel=Channel.WECOM)
    assert row.permanent and "http" in row.error


def test_a_claimed_delivery_is_not_sent_by_a_second_worker(overdue, mailoutbox):
    delivery.build_email_digests()
    row = Delivery.objects.filter(channel=Channel.EMAIL).first()
    now = timezone.now()
    assert delivery._claim(row.pk, now)
    assert delivery.send_one(row.pk, now) is None  # the other worker holds it
    # A worker that died mid-send: its claim lapses and the row is tried again.
    assert delivery.send_one(row.pk, now + delivery.SEND_LEASE).status == DeliveryStatus.SENT
    assert len(mailoutbox) == 1


def test_old_items_are_not_mailed_when_a_channel_is_switched_on_later(overdue, official, mailoutbox):
    NotificationPreference.objects.create(user=official, email=False)
    delivery.deliver_all()
    NotificationPreference.objects.filter(user=official).update(email=True)
    delivery.deliver_all(timezone.now() + delivery.DIGEST_WINDOW + DAY)
    assert official.email not in [m.to[0] for m in mailoutbox]
    assert Notice.objects.count() == 2
    assert len(mail.outbox) == 1
