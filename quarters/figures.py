"""What a quarter counts, and how a quarter is frozen.

Definitions (one quarter, from its first day 00:00 to the next quarter's first day 00:00,
Asia/Shanghai):

- open at start (期初在办): logged before the quarter and open when it began;
- new (新增): logged (created_at) within the quarter;
- closed (销号): closed at the quarter's end, its (last) closure within the quarter;
- closed on time (按期销号): closed, on or before its deadline;
- carried over (结转): open at the quarter's end;
- overdue at end (期末逾期): open at the end and its deadline before the quarter's last day, as
  ``Risk.overdue(on=last day)`` reckons it on that day; overdue days are counted to that day.

The state at a moment comes from the timeline (RiskEvent.to_state of the last transition before
it), not from today's state, so a past quarter can be computed long after it ended. Risks with no
transitions on their timeline (imported data) fall back to their current state. Deadline and
owner unit are taken as they are now (their history is only in the events' change lists).

Everything is counted by the database: annotated subqueries here, GROUP BY over the frozen rows
in ``quarters.reports``.
"""

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    DateTimeField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from risks.models import OPEN_STATES, Risk, RiskEvent, State, Unit, display_name, today

from .models import QuarterFigure, QuarterSnapshot, SnapshotRisk, SnapshotSource

QUARTER_NAMES = {1: gettext_lazy("一"), 2: gettext_lazy("二"), 3: gettext_lazy("三"), 4: gettext_lazy("四")}
FIRST_YEAR = 2000


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    number: int

    @classmethod
    def of(cls, day: datetime.date) -> "Quarter":
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def current(cls) -> "Quarter":
        return cls.of(today())

    @property
    def start(self) -> datetime.date:
        return datetime.date(self.year, 3 * (self.number - 1) + 1, 1)

    @property
    def end(self) -> datetime.date:
        """The quarter's last day."""
        return self.next().start - datetime.timedelta(days=1)

    @property
    def start_dt(self) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(self.start, datetime.time.min))

    @property
    def end_dt(self) -> datetime.datetime:
        """The first moment after the quarter (exclusive bound)."""
        return self.next().start_dt

    def next(self) -> "Quarter":
        return Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)

    def previous(self) -> "Quarter":
        return Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)

    def year_before(self) -> "Quarter":
        return Quarter(self.year - 1, self.number)

    def has_ended(self, on: datetime.date | None = None) -> bool:
        return self.end < (on or today())

    @property
    def label(self) -> str:
        return _("%(year)d年第%(q)s季度") % {"year": self.year, "q": QUARTER_NAMES[self.number]}

    @property
    def short(self) -> str:
        return f"{self.year}Q{self.number}"

    def __str__(self):
        return self.short


def parse_quarter(year, number, *, ended: bool = False, on: datetime.date | None = None) -> Quarter:
    """A Quarter from user input, or ValidationError with a message in Chinese."""
    on = on or today()
    try:
        year, number = int(year), int(number)
    except (TypeError, ValueError):
        raise ValidationError(_("年度和季度必须是数字。")) from None
    if number not in QUARTER_NAMES:
        raise ValidationError(_("季度只能是 1 到 4，没有第 %(q)d 季度。") % {"q": number})
    if year < FIRST_YEAR:
        raise ValidationError(_("年度 %(y)d 早于系统记录的起点。") % {"y": year})
    quarter = Quarter(year, number)
    if quarter.start > on:
        raise ValidationError(_("%(q)s 尚未开始，没有数据。") % {"q": quarter.label})
    if ended and not quarter.has_ended(on):
        raise ValidationError(_("%(q)s 尚未结束，季度数据在季度结束后冻结。") % {"q": quarter.label})
    return quarter


def last_quarters(count: int, *, on: datetime.date | None = None) -> list[Quarter]:
    """The current quarter and the ``count - 1`` before it, oldest first."""
    quarters = [Quarter.of(on or today())]
    while len(quarters) < count:
        quarters.append(quarters[-1].previous())
    return quarters[::-1]


# ---------------------------------------------------------------------------------------------
# Facts of each risk in a quarter, from the timeline


def _transitions_before(moment: datetime.datetime):
    return RiskEvent.objects.filter(risk=OuterRef("pk"), at__lt=moment).exclude(to_state="")


def _state_at(moment: datetime.datetime):
    """The risk's state just before ``moment``: its last transition's to_state; a risk with a
    timeline but no transition yet was 已登记; one with no timeline at all keeps its state."""
    last = _transitions_before(moment).order_by("-at", "-id").values("to_state")[:1]
    has_history = Exists(RiskEvent.objects.filter(risk=OuterRef("pk")).exclude(to_state=""))
    fallback = Case(
        When(has_history, then=Value(State.REPORTED)), default=F("state"), output_field=CharField()
    )
    return Coalesce(Subquery(last, output_field=CharField()), fallback, output_field=CharField())


def _flag(condition: Q):
    return Case(When(condition, then=Value(True)), default=Value(False), output_field=BooleanField())


def facts(quarter: Quarter, queryset=None):
    """The risks open at some time during ``quarter``, each annotated with its facts.

    One query with correlated subqueries; nothing is read into Python to be counted.
    """
    start, end = quarter.start_dt, quarter.end_dt
    qs = (Risk.objects.all() if queryset is None else queryset).filter(created_at__lt=end)
    closures = (
        RiskEvent.objects.filter(risk=OuterRef("pk"), at__lt=end, to_state=State.CLOSED)
        .order_by("-at", "-id")
        .values("at")[:1]
    )
    has_history = Exists(RiskEvent.objects.filter(risk=OuterRef("pk")).exclude(to_state=""))
    qs = qs.annotate(
        state_start=Case(
            When(created_at__lt=start, then=_state_at(start)), default=Value(""), output_field=CharField()
        ),
        state_end=_state_at(end),
        closed_end=Case(
            When(has_history, then=Subquery(closures, output_field=DateTimeField())),
            default=F("closed_at"),
            output_field=DateTimeField(),
        ),
    )
    qs = qs.filter(Q(state_start__in=OPEN_STATES) | Q(created_at__gte=start))
    closed = Q(state_end=State.CLOSED, closed_end__gte=start, closed_end__lt=end)
    open_end = Q(state_end__in=OPEN_STATES)
    return qs.annotate(
        f_open_start=_flag(Q(state_start__in=OPEN_STATES)),
        f_new=_flag(Q(created_at__gte=start)),
        f_closed=_flag(closed),
        f_on_time=_flag(closed & Q(closed_end__date__lte=F("deadline"))),
        f_open_end=_flag(open_end),
        f_overdue_end=_flag(open_end & Q(deadline__lt=quarter.end)),
    )


def count_where(**lookup):
    """A conditional count: how many rows match ``lookup`` (works in aggregate and GROUP BY)."""
    return Sum(Case(When(**lookup, then=Value(1)), default=Value(0), output_field=IntegerField()))


# Each counted figure: the flag annotated by facts(), and the frozen SnapshotRisk field.
COUNTED = {
    "open_at_start": ("f_open_start", "open_at_start"),
    "new": ("f_new", "is_new"),
    "closed": ("f_closed", "closed"),
    "closed_on_time": ("f_on_time", "closed_on_time"),
    "carried_over": ("f_open_end", "open_at_end"),
    "overdue_at_end": ("f_overdue_end", "overdue_at_end"),
}


def history_totals(quarter: Quarter, queryset=None) -> dict:
    """The quarter's totals computed from the timeline in one query (no snapshot needed)."""
    totals = facts(quarter, queryset).aggregate(
        **{name: count_where(**{flag: True}) for name, (flag, _field) in COUNTED.items()}
    )
    return {key: value or 0 for key, value in totals.items()}


# ---------------------------------------------------------------------------------------------
# Freezing a quarter


def top_unit_path(path: str) -> str:
    """The path of the unit directly under the district (a township, street or department)."""
    return path[: 2 * Unit.steplen]


SNAPSHOT_CHUNK = 2000


def _snapshot_rows(snapshot: QuarterSnapshot, quarter: Quarter) -> Iterator[SnapshotRisk]:
    """The quarter's rows, read from a cursor in chunks (a quarter of a 1,000,000-risk ledger
    held in memory at once took 1.8 GB)."""
    units_by_path = {unit.path: unit for unit in Unit.objects.all()}
    qs = (
        facts(quarter)
        .select_related("domain", "township", "owner_unit", "responsible", "leader_in_charge")
        .order_by("code")
    )
    for risk in qs.iterator(chunk_size=SNAPSHOT_CHUNK):
        top = units_by_path[top_unit_path(risk.owner_unit.path)]
        overdue_days = (quarter.end - risk.deadline).days if risk.f_overdue_end else 0
        yield SnapshotRisk(
            snapshot=snapshot,
            risk=risk,
            code=risk.code,
            title=risk.title,
            domain=risk.domain,
            domain_name=risk.domain.name,
            level=risk.level,
            township_name=risk.township.name,
            owner_unit=risk.owner_unit,
            owner_path=risk.owner_unit.path,
            owner_name=risk.owner_unit.name,
            top_unit=top,
            top_unit_kind=top.kind,
            responsible_name=display_name(risk.responsible),
            leader_name=display_name(risk.leader_in_charge),
            deadline=risk.deadline,
            state=risk.state_end,
            supervision_light=risk.supervision_light,
            closed_at=risk.closed_end if risk.f_closed else None,
            open_at_start=risk.f_open_start,
            is_new=risk.f_new,
            closed=risk.f_closed,
            closed_on_time=risk.f_on_time,
            open_at_end=risk.f_open_end,
            overdue_at_end=risk.f_overdue_end,
            overdue_days=overdue_days,
        )


def _figures(snapshot: QuarterSnapshot) -> list[QuarterFigure]:
    """The unit × domain × level cells, by GROUP BY over the snapshot's rows."""
    cells = (
        SnapshotRisk.objects.filter(snapshot=snapshot)
        .values("owner_unit", "owner_path", "top_unit", "domain", "level")
        .annotate(
            **{f"n_{name}": count_where(**{field: True}) for name, (_flag, field) in COUNTED.items()},
            n_overdue_days=Sum("overdue_days"),
        )
        .order_by("owner_path", "domain", "level")
    )
    return [
        QuarterFigure(
            snapshot=snapshot,
            unit_id=cell["owner_unit"],
            unit_path=cell["owner_path"],
            top_unit_id=cell["top_unit"],
            domain_id=cell["domain"],
            level=cell["level"],
            overdue_days=cell["n_overdue_days"] or 0,
            **{name: cell[f"n_{name}"] or 0 for name in COUNTED},
        )
        for cell in cells
    ]


def snapshot_quarter(
    quarter: Quarter, *, source: str = SnapshotSource.QUARTER_END
) -> tuple[QuarterSnapshot, bool]:
    """Freeze ``quarter`` once; return (snapshot, created). A second call changes nothing."""
    if not quarter.has_ended():
        raise ValidationError(_("%(q)s 尚未结束，不能冻结。") % {"q": quarter.label})
    existing = QuarterSnapshot.objects.filter(year=quarter.year, quarter=quarter.number).first()
    if existing:
        return existing, False
    try:
        with transaction.atomic():
            snapshot = QuarterSnapshot.objects.create(
                year=quarter.year, quarter=quarter.number, source=source
            )
            rows = _snapshot_rows(snapshot, quarter)
            while chunk := list(islice(rows, SNAPSHOT_CHUNK)):
                SnapshotRisk.objects.bulk_create(chunk, batch_size=500)
            QuarterFigure.objects.bulk_create(_figures(snapshot), batch_size=500)
    except IntegrityError:
        # Another worker froze it at the same moment: theirs stands.
        return QuarterSnapshot.objects.get(year=quarter.year, quarter=quarter.number), False
    return snapshot, True


def ensure_snapshot(quarter: Quarter) -> QuarterSnapshot:
    """The quarter's snapshot; a past quarter never frozen (older data) is computed from the
    timeline now and frozen, so its report does not change afterwards either."""
    return snapshot_quarter(quarter, source=SnapshotSource.HISTORY)[0]


def snapshots_of(quarters: list[Quarter]):
    """The snapshots of these quarters (those frozen), as a queryset."""
    return QuarterSnapshot.objects.filter(
        Q(*[Q(year=q.year, quarter=q.number) for q in quarters], _connector=Q.OR)
    )


def ensure_snapshots(quarters: list[Quarter]) -> list[QuarterSnapshot]:
    """``ensure_snapshot`` of each quarter, those frozen already read with one query."""
    found = {(s.year, s.quarter): s for s in snapshots_of(quarters)}
    return [found.get((q.year, q.number)) or ensure_snapshot(q) for q in quarters]


def unfrozen_quarters(count: int, *, on: datetime.date | None = None) -> list[Quarter]:
    """Those of the last ``count`` ended quarters that have no snapshot, oldest first."""
    ended = last_quarters(count + 1, on=on)[:-1]
    frozen = set(snapshots_of(ended).values_list("year", "quarter"))
    return [q for q in ended if (q.year, q.number) not in frozen]


def previous_quarter_to_freeze(on: datetime.date | None = None) -> Quarter:
    return Quarter.of(on or today()).previous()


__all__ = [
    "Quarter",
    "ensure_snapshot",
    "ensure_snapshots",
    "facts",
    "history_totals",
    "last_quarters",
    "parse_quarter",
    "snapshot_quarter",
    "snapshots_of",
    "unfrozen_quarters",
]
