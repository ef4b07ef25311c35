"""Celery entry points: thin, each calls a plain function (quarters.figures)."""

from celery import shared_task

from .figures import previous_quarter_to_freeze, snapshot_quarter


@shared_task(acks_late=True)
def snapshot_previous_quarter() -> str:
    """Freeze the quarter that ended last; idempotent (one snapshot per quarter, unique key)."""
    snapshot, created = snapshot_quarter(previous_quarter_to_freeze())
    return f"{snapshot} {'frozen' if created else 'already frozen'}"
