"""The daily sweep: record every due notice once, tell its people, raise supervision lights.

Each batch is one transaction: the notices are inserted with ON CONFLICT DO NOTHING on their
unique key (rule, subject, period), and only the rows this run actually inserted (they carry its
id) get notifications and escalations. A second run, a run in another worker at the same moment
(PostgreSQL makes the second insert wait for the first transaction, then skip) or a rerun after a
crash therefore records each notice exactly once; a crash loses only the uncommitted batch, which
the next run records.
"""

import datetime
import logging
from collections import defaultdict

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from risks import bulk
from risks.models import today
from risks.workflow import risks_supervise, system_user

from .models import Notice, Notification, SweepRun
from .rules import Directory, Due, due_notices

logger = logging.getLogger(__name__)


@transaction.atomic
def record(dues: list[Due], run: SweepRun) -> tuple[int, int, int]:
    """Record one batch; returns (notices, notifications, escalations) this run added."""
    if not dues:
        return 0, 0, 0
    # Skip what earlier runs recorded (most of a rerun) before building rows; the insert below
    # still settles races with a run going on at the same moment.
    stamped = set(
        Notice.objects.filter(
            rule__in={due.rule for due in dues},
            subject_type__in={due.subject_type for due in dues},
            subject_id__in={due.subject_id for due in dues},
        ).values_list("rule", "subject_type", "subject_id", "period")
    )
    dues = [due for due in dues if due.key not in stamped]
    if not dues:
        return 0, 0, 0
    now = timezone.now()
    Notice.objects.bulk_create(
        [
            Notice(
                rule=due.rule,
                subject_type=due.subject_type,
                subject_id=due.subject_id,
                period=due.period,
                sweep=run,
                created_at=now,
                title=due.title[:200],
                body=due.body,
                link=due.link,
                unit_id=due.unit_id,
            )
            for due in dues
        ],
        ignore_conflicts=True,
    )
    by_key = {due.key: due for due in dues}
    mine = Notice.objects.filter(
        sweep=run,
        rule__in={due.rule for due in dues},
        subject_id__in={due.subject_id for due in dues},
    ).values_list("pk", "rule", "subject_type", "subject_id", "period")
    claimed = [(pk, by_key[tuple(key)]) for pk, *key in mine if tuple(key) in by_key]
    notifications = [(pk, user_id, now) for pk, due in claimed for user_id in sorted(due.recipients)]
    bulk.insert_values(Notification, ["notice_id", "user_id", "created_at"], notifications)
    escalations = 0
    to_raise = defaultdict(list)
    for _pk, due in claimed:
        if due.light:
            to_raise[due.light].append(due.subject_id)
    for light, risk_ids in to_raise.items():
        escalations += len(
            risks_supervise(risk_ids=risk_ids, light=light, by=system_user(), text=_("逾期自动升级督办"))
        )
    return len(claimed), len(notifications), escalations


def send_reminders(day: datetime.date | None = None) -> SweepRun:
    """Run every rule for ``day`` (default: today in Asia/Shanghai) and record what is due."""
    day = day or today()
    run = SweepRun.objects.create(day=day)
    directory = Directory.load()
    totals = [0, 0, 0]
    for dues in due_notices(day, directory):
        for i, n in enumerate(record(dues, run)):
            totals[i] += n
    run.notices, run.notifications, run.escalations = totals
    run.finished_at = timezone.now()
    run.save(update_fields=["notices", "notifications", "escalations", "finished_at"])
    logger.info("reminder sweep for %s: %s notices, %s notifications, %s escalations", day, *totals)
    return run
