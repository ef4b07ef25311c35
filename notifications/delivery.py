"""From notices to messages: daily digests per person and per unit robot, and sending them.

Digests are built from rows not yet in any digest and claimed with a conditional UPDATE
("… WHERE email_delivery IS NULL"): two builders at once never put one item in two e-mails.
Sending claims a Delivery (pending → sending) the same way before the network is touched.
"""

import datetime
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .channels import NOTIFIERS, PermanentError, TransientError
from .models import Channel, Delivery, DeliveryStatus, Notice, Notification, UnitChannel

logger = logging.getLogger(__name__)

# Items older than this are not sent by e-mail or robot any more (a channel switched on later
# does not flood people with last month's reminders); the notification centre keeps them all.
DIGEST_WINDOW = datetime.timedelta(days=3)
MAX_ATTEMPTS = 6
BACKOFF_BASE_SECONDS = 60
BACKOFF_CAP_SECONDS = 3600
# A claimed delivery whose worker died is tried again after this lease.
SEND_LEASE = datetime.timedelta(minutes=5)
SEND_BATCH = 200


def backoff(attempts: int) -> datetime.timedelta:
    """1, 2, 4, 8 … minutes after the n-th failed attempt, at most an hour."""
    return datetime.timedelta(seconds=min(BACKOFF_BASE_SECONDS * 2 ** (attempts - 1), BACKOFF_CAP_SECONDS))


def absolute(link: str) -> str:
    return settings.SITE_URL.rstrip("/") + link if link else settings.SITE_URL


def _digest_body(items: list[tuple[str, str]], markdown: bool) -> str:
    if markdown:
        lines = [f"- [{title}]({absolute(link)})" for title, link in items]
    else:
        lines = [f"· {title}\n  {absolute(link)}" for title, link in items]
    footer = _("请登录榆次区安全风险台账系统查看和处理：%(url)s") % {"url": absolute("")}
    return "\n".join([*lines, "", footer])


def _subject(count: int, day: datetime.date) -> str:
    return _("【安全风险台账】%(day)s 提醒汇总（%(n)d 条）") % {"day": day.isoformat(), "n": count}


def _make_digest(*, now, claim, items_of, markdown: bool, **target) -> bool:
    """In one transaction: a Delivery for ``target``, the items ``claim(delivery)`` takes for it
    (a conditional UPDATE; 0 when another builder took them first) and its text."""
    with transaction.atomic():
        delivery = Delivery.objects.create(subject="", body="", created_at=now, next_attempt_at=now, **target)
        if not claim(delivery):
            delivery.delete()
            return False
        items = list(items_of(delivery))
        delivery.subject = _subject(len(items), timezone.localdate(now))
        delivery.body = _digest_body(items, markdown=markdown)
        delivery.save(update_fields=["subject", "body"])
        return True


def build_email_digests(now: datetime.datetime | None = None) -> int:
    """One e-mail per person with everything not yet mailed; returns how many were made."""
    now = now or timezone.now()
    disabled_units = UnitChannel.objects.filter(channel=Channel.EMAIL, enabled=False).values("unit_id")
    pending = (
        Notification.objects.filter(email_delivery__isnull=True, created_at__gte=now - DIGEST_WINDOW)
        .exclude(user__email="")
        .exclude(user__is_active=False)
        .exclude(user__notification_preference__email=False)
        .exclude(user__profile__unit_id__in=disabled_units)
    )
    made = 0
    users = dict(pending.values_list("user_id", "user__email").distinct())
    for user_id, email in users.items():
        ids = list(pending.filter(user_id=user_id).values_list("pk", flat=True))
        made += _make_digest(
            now=now,
            markdown=False,
            channel=Channel.EMAIL,
            user_id=user_id,
            recipient=email,
            # A plain UPDATE … WHERE id IN (…) AND email_delivery_id IS NULL: PostgreSQL re-checks
            # the condition on rows another builder changed meanwhile, so no item is mailed twice.
            claim=lambda d, ids=ids: Notification.objects.filter(
                pk__in=ids, email_delivery__isnull=True
            ).update(email_delivery=d),
            items_of=lambda d: (
                Notification.objects.filter(email_delivery=d)
                .order_by("notice__created_at", "notice_id")
                .values_list("notice__title", "notice__link")
            ),
        )
    return made


def build_webhook_digests(now: datetime.datetime | None = None) -> int:
    """One robot message per unit and channel with the unit's notices not yet sent there."""
    now = now or timezone.now()
    made = 0
    robots = UnitChannel.objects.filter(channel__in=[Channel.WECOM, Channel.DINGTALK], enabled=True).exclude(
        webhook_url=""
    )
    for robot in robots.select_related("unit"):
        field = "wecom_delivery" if robot.channel == Channel.WECOM else "dingtalk_delivery"
        pending = Notice.objects.filter(
            Q(**{f"{field}__isnull": True}), unit_id=robot.unit_id, created_at__gte=now - DIGEST_WINDOW
        )
        made += _make_digest(
            now=now,
            markdown=True,
            channel=robot.channel,
            unit_id=robot.unit_id,
            recipient=robot.unit.name,
            claim=lambda d, pending=pending, field=field: pending.update(**{field: d}),
            items_of=lambda d, field=field: (
                Notice.objects.filter(**{field: d}).order_by("created_at", "id").values_list("title", "link")
            ),
        )
    return made


def _claim(delivery_id: int, now: datetime.datetime) -> bool:
    due = Q(status=DeliveryStatus.PENDING) | Q(status=DeliveryStatus.SENDING)
    return bool(
        Delivery.objects.filter(due, pk=delivery_id, next_attempt_at__lte=now).update(
            status=DeliveryStatus.SENDING, attempts=F("attempts") + 1, next_attempt_at=now + SEND_LEASE
        )
    )


def send_one(delivery_id: int, now: datetime.datetime | None = None) -> Delivery | None:
    """Claim and send one delivery; record the outcome. None when someone else has it."""
    now = now or timezone.now()
    if not _claim(delivery_id, now):
        return None
    delivery = Delivery.objects.get(pk=delivery_id)
    try:
        NOTIFIERS[delivery.channel].send(delivery)
    except PermanentError as exc:
        delivery.status, delivery.permanent, delivery.error = DeliveryStatus.FAILED, True, str(exc)[:500]
    except TransientError as exc:
        delivery.error = str(exc)[:500]
        if delivery.attempts >= MAX_ATTEMPTS:
            delivery.status = DeliveryStatus.FAILED
        else:
            delivery.status = DeliveryStatus.PENDING
            delivery.next_attempt_at = now + backoff(delivery.attempts)
    except Exception as exc:  # a bug in one channel must not stop the others
        logger.exception("delivery %s failed unexpectedly", delivery_id)
        delivery.status, delivery.error = DeliveryStatus.PENDING, f"{exc.__class__.__name__}: {exc}"[:500]
        delivery.next_attempt_at = now + backoff(delivery.attempts)
    else:
        delivery.status, delivery.sent_at, delivery.error = DeliveryStatus.SENT, timezone.now(), ""
    delivery.save(update_fields=["status", "permanent", "error", "next_attempt_at", "sent_at"])
    return delivery


def deliver_pending(now: datetime.datetime | None = None) -> dict:
    """Send what is due now (new, due for a retry, or left by a dead worker)."""
    now = now or timezone.now()
    due = Delivery.objects.filter(
        status__in=[DeliveryStatus.PENDING, DeliveryStatus.SENDING], next_attempt_at__lte=now
    ).order_by("next_attempt_at", "id")
    counts = {"sent": 0, "failed": 0, "retry": 0}
    for delivery_id in list(due.values_list("pk", flat=True)[:SEND_BATCH]):
        delivery = send_one(delivery_id, now)
        if delivery is None:
            continue
        key = {DeliveryStatus.SENT: "sent", DeliveryStatus.FAILED: "failed"}.get(delivery.status, "retry")
        counts[key] += 1
    return counts


def deliver_all(now: datetime.datetime | None = None) -> dict:
    """Build the digests, then send: what the periodic task does."""
    made = build_email_digests(now) + build_webhook_digests(now)
    return {"digests": made, **deliver_pending(now)}


@transaction.atomic
def delivery_retry(*, delivery: Delivery, by) -> Delivery:
    """An admin sends a failed delivery again: back to pending, attempts counted afresh."""
    from risks import audit
    from risks.models import AuditAction

    Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.FAILED).update(
        status=DeliveryStatus.PENDING, attempts=0, permanent=False, next_attempt_at=timezone.now()
    )
    audit.record(actor=by, action=AuditAction.UPDATE, obj=delivery, summary=_("重新发送"))
    delivery.refresh_from_db()
    return delivery


def send_test(*, channel: str, by, unit=None) -> Delivery:
    """A test message on ``channel`` (e-mail to the admin, or a unit's robot), sent right away."""
    if channel == Channel.EMAIL:
        if not by.email:
            raise PermanentError(_("您的账号没有电子邮件地址。"))
        recipient, unit_id = by.email, None
    else:
        recipient, unit_id = unit.name, unit.pk
    delivery = Delivery.objects.create(
        channel=channel,
        user=by if channel == Channel.EMAIL else None,
        unit_id=unit_id,
        recipient=recipient,
        subject=_("【安全风险台账】测试消息"),
        body=_("这是一条测试消息，收到说明通知渠道配置正确。%(url)s") % {"url": absolute("")},
        is_test=True,
    )
    return send_one(delivery.pk) or delivery
