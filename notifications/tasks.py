"""Celery's interface to the reminder system: thin tasks that call plain functions.

Everything a task does is idempotent (rows claimed in the database), which is what makes
``acks_late`` safe: a task lost with its worker runs again and sends nothing twice.
"""

import datetime

from celery import shared_task

from . import delivery, sweep


@shared_task(name="notifications.send_reminders")
def send_reminders(day: str | None = None) -> dict:
    run = sweep.send_reminders(datetime.date.fromisoformat(day) if day else None)
    counts = delivery.deliver_all()
    return {"sweep": run.pk, "notices": run.notices, **counts}


@shared_task(name="notifications.deliver")
def deliver() -> dict:
    return delivery.deliver_all()
