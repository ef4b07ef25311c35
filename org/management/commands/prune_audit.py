"""Delete audit entries older than a date; entries younger than 180 days are never pruned."""

import datetime

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from risks.audit import RETENTION_DAYS, audit_prune


class Command(BaseCommand):
    help = (
        f"Delete audit entries older than --before (YYYY-MM-DD) or --days; refuses < {RETENTION_DAYS} days."
    )

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--before", help="delete entries before this date (Asia/Shanghai)")
        group.add_argument(
            "--days", type=int, help=f"delete entries older than this many days (>= {RETENTION_DAYS})"
        )

    def handle(self, *args, before=None, days=None, **options):
        if days is not None:
            cutoff = timezone.now() - datetime.timedelta(days=days)
        else:
            try:
                day = datetime.date.fromisoformat(before)
            except ValueError:
                raise CommandError(f"--before must be a date like 2026-01-31, not {before!r}") from None
            cutoff = timezone.make_aware(datetime.datetime.combine(day, datetime.time()))
        try:
            deleted = audit_prune(before=cutoff)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(f"pruned {deleted} audit entries older than {cutoff:%Y-%m-%d %H:%M %Z}")
