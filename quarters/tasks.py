"""Celery entry points: thin, each calls a plain function (quarters.figures)."""

from celery import shared_task

from .dashboard import TREND_QUARTERS
from .figures import previous_quarter_to_freeze, snapshot_quarter, unfrozen_quarters


@shared_task(acks_late=True)
def snapshot_previous_quarter() -> str:
    """Freeze the quarter that ended last, and any other of the dashboard trend's past quarters
    never frozen (history imported at go-live, every run of a quarter missed): at 100,000 risks a
    quarter computed from the timeline costs the dashboard 1.5 s on every view. Idempotent (one
    snapshot per quarter, unique key)."""
    snapshot, created = snapshot_quarter(previous_quarter_to_freeze())
    message = f"{snapshot} {'frozen' if created else 'already frozen'}"
    earlier = [snapshot_quarter(quarter)[0] for quarter in unfrozen_quarters(TREND_QUARTERS - 1)]
    if earlier:
        message += "; also frozen: " + ", ".join(str(s) for s in earlier)
    return message
