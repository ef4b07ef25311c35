"""End to end through the real pieces: beat's schedule entry → Redis → a real Celery worker
process → notification rows in PostgreSQL and a digest e-mail delivered to a local SMTP server."""

import datetime
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from celery.beat import ScheduleEntry, Scheduler
from django.conf import settings
from django.db import connection

from notifications.models import Channel, Delivery, DeliveryStatus, Notification, SweepRun
from risks.models import today

from .factories import due_risk
from .requires import requires_postgres, requires_redis

pytestmark = [requires_redis, requires_postgres]

BASE_DIR = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_beat_entry_runs_in_a_real_worker_and_mails_the_digest(
    transactional_db, district, official, unitleader, tmp_path
):
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    received = []

    class Keep(Message):
        def handle_message(self, message):
            received.append(message)

    deadline = today() + datetime.timedelta(days=7)
    risk = due_risk(unit=district.xiuwen, responsible=official, deadline=deadline)
    redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()  # no stale tasks of an earlier run

    smtp = Controller(Keep(), hostname="127.0.0.1", port=free_port())
    smtp.start()
    db = connection.settings_dict
    env = {
        **os.environ,
        # The worker works on the test database pytest-django made.
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        ),
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp.port}",
        "DJANGO_SETTINGS_MODULE": "yuci_security.settings",
    }
    log_path = tmp_path / "worker.log"
    with open(log_path, "w") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "yuci_security", "worker", "--pool", "solo",
             "--without-mingle", "--without-gossip", "-l", "info"],
            cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        # What beat does when the entry is due: publish the task with the entry's options.
        from yuci_security.celery import app

        spec = settings.CELERY_BEAT_SCHEDULE["send-reminders"]
        entry = ScheduleEntry(
            name="send-reminders",
            task=spec["task"],
            schedule=spec["schedule"],
            options=spec["options"],
            app=app,
        )
        Scheduler(app=app, lazy=True).apply_async(entry, advance=False)

        deadline_at = time.monotonic() + 90
        while time.monotonic() < deadline_at:
            sent = Delivery.objects.filter(channel=Channel.EMAIL, user=official, status=DeliveryStatus.SENT)
            if sent.exists() and received:
                break
            assert worker.poll() is None, log_path.read_text()
            time.sleep(0.5)
        else:
            pytest.fail("the worker did not deliver in 90 s:\n" + log_path.read_text()[-4000:])
    finally:
        worker.terminate()
        worker.wait(timeout=20)
        smtp.stop()

    assert SweepRun.objects.filter(day=today()).count() == 1
    notification = Notification.objects.get(user=official, notice__subject_id=risk.pk)
    assert notification.notice.rule == "deadline_near"
    mails = [m for m in received if m["To"] == official.email]
    assert len(mails) == 1
    assert risk.code in mails[0].get_payload(decode=True).decode()
    assert "notifications.send_reminders" in log_path.read_text()
