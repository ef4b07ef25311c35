"""``manage.py send_reminders [--date YYYY-MM-DD]``: the daily sweep, then the deliveries."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from notifications import delivery, sweep


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--date must look like 2026-12-31, not {value!r}") from None


class Command(BaseCommand):
    help = "Record the reminders due on a day (default today, Asia/Shanghai) and deliver them."

    def add_arguments(self, parser):
        parser.add_argument("--date", type=str, help="the day to sweep for, YYYY-MM-DD")
        parser.add_argument("--no-deliver", action="store_true", help="record only; send nothing")

    def handle(self, *args, date=None, no_deliver=False, **options):
        run = sweep.send_reminders(_date(date) if date else None)
        self.stdout.write(
            f"{run.day}: {run.notices} notices, {run.notifications} notifications, "
            f"{run.escalations} escalations"
        )
        if not no_deliver:
            counts = delivery.deliver_all()
            self.stdout.write(", ".join(f"{k} {v}" for k, v in counts.items()))
