"""The quarter report's content, read only from frozen snapshot rows (GROUP BY in the database).

The same dictionary feeds the HTML page, the PDF and the Excel workbook, so the three agree.
A unit leader's report counts only risks owned by his unit's subtree.
"""

from django.db.models import Case, Q, Sum, When
from django.utils.translation import gettext_lazy as _

from risks.models import LEVEL_ORDER, Level, QuarterlyReport, SupervisionLight, Unit, UnitKind

from .figures import Quarter, count_where, ensure_snapshots
from .models import MeetingKind, QuarterFigure, QuarterSnapshot, ReviewMeeting, SnapshotRisk

FIGURES = (
    "open_at_start",
    "new",
    "closed",
    "closed_on_time",
    "overdue_at_end",
    "carried_over",
    "overdue_days",
)
FIGURE_LABELS = {
    "open_at_start": _("期初在办"),
    "new": _("本季新增"),
    "closed": _("本季销号"),
    "closed_on_time": _("按期销号"),
    "overdue_at_end": _("期末逾期"),
    "carried_over": _("结转下季"),
    "overdue_days": _("逾期天数合计"),
}
KEY_LEVELS = (Level.MAJOR, Level.SIGNIFICANT)
KEY_RISKS_SHOWN = 200
TOWNSHIP_KINDS = (UnitKind.TOWNSHIP, UnitKind.STREET)
DEPARTMENT_KINDS = (UnitKind.DEPARTMENT,)


def rate(part: int, whole: int) -> float | None:
    return None if not whole else round(100 * part / whole, 1)


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


def change(now: int, before: int) -> str:
    """+3（+25.0%）, the way a briefing writes a change."""
    diff = now - before
    sign = "+" if diff > 0 else ""
    if before:
        return f"{sign}{diff}（{sign}{100 * diff / before:.1f}%）"
    return f"{sign}{diff}"


def _sums():
    return {name: Sum(name) for name in FIGURES}


def _clean(row: dict) -> dict:
    row = {key: (row.get(key) or 0) for key in FIGURES} | {k: v for k, v in row.items() if k not in FIGURES}
    row["on_time_rate"] = rate(row["closed_on_time"], row["closed"])
    row["closure_rate"] = rate(row["closed"], row["open_at_start"] + row["new"])
    row["on_time_rate_text"] = percent(row["on_time_rate"])
    row["closure_rate_text"] = percent(row["closure_rate"])
    return row


def scoped_figures(snapshot: QuarterSnapshot, unit: Unit | None):
    qs = QuarterFigure.objects.filter(snapshot=snapshot)
    return qs.filter(unit_path__startswith=unit.path) if unit else qs


def scoped_risks(snapshot: QuarterSnapshot, unit: Unit | None):
    qs = SnapshotRisk.objects.filter(snapshot=snapshot)
    return qs.filter(owner_path__startswith=unit.path) if unit else qs


def totals_of(snapshots: list[QuarterSnapshot], unit: Unit | None) -> list[dict]:
    """The totals of each snapshot, in one query."""
    figures = QuarterFigure.objects.filter(snapshot__in=snapshots)
    if unit:
        figures = figures.filter(unit_path__startswith=unit.path)
    rows = {row.pop("snapshot"): row for row in figures.values("snapshot").annotate(**_sums()).order_by()}
    return [_clean(rows.get(snapshot.pk, {})) for snapshot in snapshots]


def _ranking(figures, kinds) -> list[dict]:
    rows = [
        _clean(row)
        for row in figures.filter(top_unit__kind__in=kinds)
        .values("top_unit", "top_unit__name")
        .annotate(**_sums())
        .order_by("top_unit__path")
    ]
    # 排名: on-time closure rate high to low, then fewer overdue, then fewer overdue days.
    rows.sort(
        key=lambda r: (
            r["on_time_rate"] is None,
            -(r["on_time_rate"] or 0),
            r["overdue_at_end"],
            r["overdue_days"],
        )
    )
    for place, row in enumerate(rows, start=1):
        row["place"] = place
        row["name"] = row["top_unit__name"]
    return rows


def _light_counts(risks) -> dict:
    """The supervision lights of the risks open at the quarter's end, and the number of key
    risks (重大、较大), in one query."""
    lights = risks.aggregate(
        **{
            light: count_where(supervision_light=light, open_at_end=True)
            for light in (SupervisionLight.YELLOW, SupervisionLight.RED, SupervisionLight.LISTED)
        },
        key_risks=count_where(level__in=KEY_LEVELS),
    )
    return {key: value or 0 for key, value in lights.items()}


def expected_units(unit: Unit | None):
    """Units that owe a quarterly report: townships, streets and departments (in the subtree)."""
    qs = Unit.objects.filter(kind__in=[*TOWNSHIP_KINDS, *DEPARTMENT_KINDS], is_active=True)
    return qs.filter(path__startswith=unit.path) if unit else qs


def build_report(quarter: Quarter, *, unit: Unit | None = None) -> dict:
    """Everything the quarter report shows, for the district (unit=None) or a unit's subtree."""
    snapshot, before, year_before = ensure_snapshots([quarter, quarter.previous(), quarter.year_before()])
    figures = scoped_figures(snapshot, unit)
    risks = scoped_risks(snapshot, unit)
    total, prev, yoy = totals_of([snapshot, before, year_before], unit)
    overview = [
        {
            "key": key,
            "label": FIGURE_LABELS[key],
            "value": total[key],
            "previous": prev[key],
            "qoq": change(total[key], prev[key]),
            "year_before": yoy[key],
            "yoy": change(total[key], yoy[key]),
        }
        for key in FIGURES
    ]
    by_domain = [
        _clean(row)
        for row in figures.values("domain", "domain__name", "domain__order")
        .annotate(**_sums())
        .order_by("domain__order")
    ]
    levels = {
        (row["domain"], row["level"]): _clean(row)
        for row in figures.values("domain", "level").annotate(**_sums()).order_by()
    }
    for row in by_domain:
        row["levels"] = [
            {**levels[(row["domain"], value)], "level": str(label)}
            for value, label in Level.choices
            if (row["domain"], value) in levels
        ]
    # 重大 first, then 较大, each by code. The page and the PDF list the first KEY_RISKS_SHOWN
    # (a province's quarter holds thousands); the Excel version lists all of them.
    key_risks = risks.filter(level__in=KEY_LEVELS).order_by(
        Case(*[When(level=level, then=LEVEL_ORDER[level]) for level in KEY_LEVELS]), "code"
    )
    lights = _light_counts(risks)
    submitted = (
        QuarterlyReport.objects.filter(year=quarter.year, quarter=quarter.number, submitted_at__isnull=False)
        .filter(Q(unit__path__startswith=unit.path) if unit else Q())
        .select_related("unit", "submitted_by")
        .order_by("unit__path")
    )
    missing = expected_units(unit).exclude(pk__in=submitted.values("unit")).order_by("path")
    meetings = (
        ReviewMeeting.objects.filter(kind=MeetingKind.QUARTERLY, year=quarter.year, quarter=quarter.number)
        .select_related("signed_off_by")
        .prefetch_related("risks")
        .order_by("held_on", "id")
    )
    townships = _ranking(figures, TOWNSHIP_KINDS)
    departments = _ranking(figures, DEPARTMENT_KINDS)
    return {
        "quarter": quarter,
        "unit": unit,
        "snapshot": snapshot,
        "previous_quarter": quarter.previous(),
        "year_before_quarter": quarter.year_before(),
        "total": total,
        "overview": overview,
        "by_domain": by_domain,
        "key_risks": list(key_risks[:KEY_RISKS_SHOWN]),
        "key_risks_all": key_risks,
        "key_risks_total": lights.pop("key_risks"),
        "lights": lights,
        "townships": townships,
        "departments": departments,
        "rankings": [(_("乡镇（街道）排名"), townships), (_("部门排名"), departments)],
        "submitted": list(submitted),
        "missing": list(missing),
        "meetings": list(meetings),
        "ledger": risks.order_by("code"),
    }
