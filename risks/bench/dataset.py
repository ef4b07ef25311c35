"""The bench data set: N risks like the demo district's, written with bulk inserts.

The demo district's planner (risks.demo.Planner) draws each risk and the story of its life; here
the story is played in memory instead of through the workflow services (which take a row lock,
write an audit entry and a few queries per step: hours at a million risks), and the rows are
inserted in batches. The result reads like the demo: the same unit tree, people, domains, levels,
sources and timelines, spread over more years as N grows (a district logs thousands of risks a
year; a province's ledger holds years of them).
"""

import datetime
import random
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from risks import demo, workflow
from risks.bulk import insert
from risks.models import OPEN_STATES, EventKind, LedgerCounter, Risk, RiskEvent, State

BATCH = 5_000
RISKS_PER_YEAR = 20_000  # a busy district, or a city's year
MAX_YEARS = 10
# Beyond this many risks (PostgreSQL only) the planner draws a base of PLANNED_BASE risks over
# BASE_YEARS years and the database copies it into earlier years: planning in Python costs about
# a millisecond a risk, which is most of an hour at a million on a busy machine.
REPLICATE_ABOVE = 200_000
PLANNED_BASE = 100_000
BASE_YEARS = 2

# Each workflow service the planner may call: its timeline entry, the state it leaves, and what it
# changes on the risk (the same effect as the service, without its checks).
_STEPS = {
    workflow.risk_assign: (EventKind.ASSIGNED, State.ASSIGNED),
    workflow.risk_sign_for: (EventKind.SIGNED, State.IN_PROGRESS),
    workflow.risk_add_progress: (EventKind.PROGRESS, None),
    workflow.risk_request_handover: (EventKind.HANDOVER_REQUESTED, None),
    workflow.risk_accept_handover: (EventKind.HANDOVER_ACCEPTED, State.REPORTED),
    workflow.risk_refuse_handover: (EventKind.HANDOVER_REFUSED, None),
    workflow.risk_request_closure: (EventKind.CLOSURE_REQUESTED, State.CLOSURE_PENDING),
    workflow.risk_approve_closure: (EventKind.CLOSURE_APPROVED, State.CLOSED),
    workflow.risk_return_closure: (EventKind.CLOSURE_RETURNED, State.IN_PROGRESS),
    workflow.risk_request_extension: (EventKind.EXTENSION_REQUESTED, None),
    workflow.risk_approve_extension: (EventKind.EXTENSION_APPROVED, None),
    workflow.risk_refuse_extension: (EventKind.EXTENSION_REFUSED, None),
    workflow.risk_withdraw: (EventKind.WITHDRAWN, State.WITHDRAWN),
    workflow.risk_reopen: (EventKind.REOPENED, State.IN_PROGRESS),
}
_REPORTS = (EventKind.PROGRESS, EventKind.CLOSURE_REQUESTED)


@dataclass
class Dataset:
    risks: int
    events: int
    years: int
    users: dict  # username → user, profile and unit loaded
    units: dict  # code → unit


def years_for(count: int) -> int:
    return max(1, min(MAX_YEARS, -(-count // RISKS_PER_YEAR)))


def _apply(risk: Risk, step, moment) -> RiskEvent:
    kind, to_state = _STEPS[step.service]
    before = risk.state
    kwargs = step.kwargs
    if kind == EventKind.ASSIGNED:
        risk.responsible = kwargs["responsible"]
    elif kind == EventKind.HANDOVER_REQUESTED:
        risk.handover_to = kwargs["to_unit"]
    elif kind == EventKind.HANDOVER_ACCEPTED:
        risk.owner_unit, risk.handover_to, risk.responsible = risk.handover_to, None, None
    elif kind == EventKind.HANDOVER_REFUSED:
        risk.handover_to = None
    elif kind == EventKind.CLOSURE_REQUESTED:
        risk.closure_requested_by = step.by
    elif kind == EventKind.CLOSURE_APPROVED:
        risk.closed_at = moment
    elif kind == EventKind.EXTENSION_REQUESTED:
        risk.requested_deadline = kwargs["new_deadline"]
    elif kind == EventKind.EXTENSION_APPROVED:
        risk.deadline, risk.requested_deadline = risk.requested_deadline, None
    elif kind == EventKind.EXTENSION_REFUSED:
        risk.requested_deadline = None
    elif kind == EventKind.WITHDRAWN:
        risk.handover_to = risk.requested_deadline = risk.closure_requested_by = None
    elif kind == EventKind.REOPENED:
        risk.closed_at = None
    if kind in _REPORTS:
        risk.last_progress_at = moment
    if to_state:
        risk.state = to_state
    text = kwargs.get("text", kwargs.get("reason", ""))
    return RiskEvent(
        risk_id=risk.pk,
        kind=kind,
        actor=step.by,
        at=moment,
        text=text,
        from_state=before if to_state else "",
        to_state=to_state or "",
    )


def _shift(day: datetime.date, years: int) -> datetime.date:
    return day - datetime.timedelta(days=365 * years)


def _plans(planner: demo.Planner, rng: random.Random, years: int, now) -> Iterator[tuple]:
    """(plan, moments, years back) forever. Risks of past years are mostly closed or withdrawn,
    a few are left open and long overdue, as in a real ledger."""
    while True:
        back = rng.randrange(years)
        plan = planner.plan()
        if back:
            final = plan.steps[-1].service if plan.steps else None
            if final not in (workflow.risk_approve_closure, workflow.risk_withdraw) and rng.random() > 0.03:
                continue
        yield plan, planner.moments(plan, now), back


def build(*, count: int, seed: int = demo.RANDOM_SEED, progress=None) -> Dataset:
    """Units, people and ``count`` risks with their timelines, in the current database."""
    now = timezone.now()
    with transaction.atomic():
        units = demo.seed_units()
        users = demo.seed_people(units, demo.DEFAULT_PASSWORD)
    planner = demo.Planner(rng=random.Random(seed), today=timezone.localdate(now), units=units, users=users)
    rng = random.Random(seed + 1)
    planned, copies = count, 1
    if connection.vendor == "postgresql" and count > REPLICATE_ABOVE:
        planned, copies = PLANNED_BASE, -(-count // PLANNED_BASE)
    years = years_for(count) if copies == 1 else BASE_YEARS
    plans = _plans(planner, rng, years, now)
    prefix = settings.LEDGER_CODE_PREFIX
    numbers: dict[int, int] = {}
    through = Risk.cooperating_units.through
    next_pk, events_total, done = 1, 0, 0
    while done < planned:
        risks, events, cooperating = [], [], []
        for _ in range(min(BATCH, planned - done)):
            plan, moments, back = next(plans)
            risk = plan.risk
            risk.pk = next_pk
            next_pk += 1
            if back:
                risk.found_on = _shift(risk.found_on, back)
                risk.deadline = _shift(risk.deadline, back)
                moments = [m - datetime.timedelta(days=365 * back) for m in moments]
            year = timezone.localtime(moments[0]).year
            numbers[year] = numbers.get(year, 0) + 1
            risk.code = f"{prefix}-{year}-{numbers[year]:05d}"
            risk.state = State.REPORTED
            risk.created_by = risk.updated_by = plan.creator
            risk.created_at = moments[0]
            timeline = [
                RiskEvent(risk_id=risk.pk, kind=EventKind.CREATED, actor=plan.creator, at=moments[0],
                          text=risk.description)
            ]  # fmt: skip
            for step, moment in zip(plan.steps, moments[1:], strict=True):
                if back and step.service in (
                    workflow.risk_request_extension,
                    workflow.risk_approve_extension,
                ):
                    step.kwargs = {**step.kwargs}
                    if "new_deadline" in step.kwargs:
                        step.kwargs["new_deadline"] = _shift(step.kwargs["new_deadline"], back)
                timeline.append(_apply(risk, step, moment))
                risk.updated_by = step.by
            risk.updated_at = timeline[-1].at
            events += timeline
            risks.append(risk)
            cooperating += [through(risk_id=risk.pk, unit_id=unit.pk) for unit in plan.cooperating]
        with transaction.atomic():
            insert(Risk, risks)
            insert(through, cooperating)
            insert(RiskEvent, events)
        done += len(risks)
        events_total += len(events)
        if progress:
            progress(done, events_total)
    for copy in range(1, copies):
        rows = min(planned, count - copy * planned)
        with transaction.atomic():
            events_total += _replicate(copy, base=planned, rows=rows, years=years)
        done += rows
        if progress:
            progress(done, events_total)
    numbers = {year - (years + 1) * copy: last for year, last in numbers.items() for copy in range(copies)}
    LedgerCounter.objects.bulk_create(
        [LedgerCounter(year=year, last=last) for year, last in numbers.items()], ignore_conflicts=True
    )
    _reset_sequences()
    freeze_past_quarters()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # What autovacuum gives a live system: statistics, and the visibility map that lets
            # COUNT(*) read an index instead of the table.
            # (VACUUM cannot run in a transaction, as inside a test.)
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
    return Dataset(
        risks=count,
        events=events_total,
        years=(years + 1) * copies if copies > 1 else years,
        users=users,
        units=units,
    )


def freeze_past_quarters() -> None:
    """Freeze the quarters the dashboard's trend shows, as the daily quarter job
    (quarters.tasks) has done on a live system."""
    from quarters.tasks import snapshot_previous_quarter

    snapshot_previous_quarter()


def _replicate(copy: int, *, base: int, rows: int, years: int) -> int:
    """Copy the first ``rows`` planned risks, their timelines and cooperating units ``copy`` ×
    ``years`` years back (PostgreSQL). Copies of open risks are closed, but for one in 33, left
    open and long overdue; pending requests are dropped. Returns the number of events copied."""
    # The base's risks were found over ``years`` years counted back from today: their ledger codes
    # span ``years`` + 1 calendar years, and each copy moves by that much so no code repeats.
    span = (years + 1) * copy
    days, offset = 365 * span, base * copy
    shift = f"interval '{days} days'"
    open_ = "state IN ({}) AND id %% 33 <> 0".format(", ".join(f"'{s}'" for s in OPEN_STATES))
    code = (
        "left(code, length(code) - length(split_part(reverse(code), '-', 1))"
        " - length(split_part(reverse(code), '-', 2)) - 1)"
        f" || (reverse(split_part(reverse(code), '-', 2))::int - {span})"
        " || '-' || reverse(split_part(reverse(code), '-', 1))"
    )
    risk = {
        "id": f"id + {offset}",
        "code": code,
        "found_on": f"found_on - {days}",
        "deadline": f"deadline - {days}",
        "requested_deadline": "NULL",
        "handover_to_id": "NULL",
        "created_at": f"created_at - {shift}",
        "updated_at": f"updated_at - {shift}",
        "last_progress_at": f"last_progress_at - {shift}",
        "closed_at": f"CASE WHEN {open_} THEN updated_at ELSE closed_at END - {shift}",
        "state": f"CASE WHEN {open_} THEN '{State.CLOSED}' ELSE state END",
    }
    event = {"risk_id": f"risk_id + {offset}", "at": f"at - {shift}"}
    through = Risk.cooperating_units.through
    with connection.cursor() as cursor:
        _copy_rows(cursor, Risk, risk, "id", rows)
        _copy_rows(cursor, through, {"risk_id": f"risk_id + {offset}"}, "risk_id", rows)
        _copy_rows(cursor, RiskEvent, event, "risk_id", rows)
        return cursor.rowcount


def _copy_rows(cursor, model, changes: dict, key: str, rows: int) -> None:
    quote = connection.ops.quote_name
    fields = [f for f in model._meta.concrete_fields if not (f.primary_key and f.column not in changes)]
    columns = ", ".join(quote(f.column) for f in fields)
    values = ", ".join(changes.get(f.column, quote(f.column)) for f in fields)
    table = quote(model._meta.db_table)
    cursor.execute(
        f"INSERT INTO {table} ({columns}) SELECT {values} FROM {table} WHERE {quote(key)} <= %s",  # noqa: S608
        [rows],
    )


def _reset_sequences() -> None:
    """The ids were given explicitly: move the sequences past them (PostgreSQL)."""
    from django.core.management.color import no_style

    sql = connection.ops.sequence_reset_sql(no_style(), [Risk, RiskEvent, Risk.cooperating_units.through])
    with connection.cursor() as cursor:
        for statement in sql:
            cursor.execute(statement)
