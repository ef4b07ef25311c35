"""The leaders' dashboard: the current quarter at a glance, each figure with its ledger link.

Every figure is counted on the same base the ledger shows (visible_risks, narrowed to the owner
units of the person's subtree) with the same conditions as the ledger filter it links to, so the
count on the board equals the number of rows behind the link. A constant number of queries,
whatever the number of risks.
"""

import datetime
from urllib.parse import urlencode

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Substr
from django.urls import reverse
from django.utils.translation import gettext as _

from risks.models import OPEN_STATES, Domain, Level, State, SupervisionLight, Unit, today
from risks.permissions import visible_risks

from .figures import Quarter, history_totals, last_quarters, snapshots_of
from .models import QuarterFigure

TREND_QUARTERS = 8


def base_risks(user, unit: Unit | None):
    qs = visible_risks(user)
    return qs.filter(owner_unit__path__startswith=unit.path) if unit else qs


class Links:
    """Ledger URLs for one person's board: the scope's owner-unit filter is always added."""

    def __init__(self, unit: Unit | None, quarter: Quarter, on: datetime.date):
        self.base = {"owner_unit": unit.pk} if unit else {}
        self.quarter = quarter
        self.on = on

    def ledger(self, **params) -> str:
        query = {**self.base, **params}
        return f"{reverse('risks:list')}?{urlencode(query, doseq=True)}" if query else reverse("risks:list")

    def quarter_range(self, name: str) -> dict:
        return {
            f"{name}_after": self.quarter.start.isoformat(),
            f"{name}_before": self.quarter.end.isoformat(),
        }

    def open(self, **params):
        return self.ledger(open=1, **params)

    def new(self, **params):
        return self.ledger(**self.quarter_range("created"), **params)

    def closed(self, **params):
        return self.ledger(**self.quarter_range("closed"), **params)

    def on_time(self, **params):
        return self.ledger(**self.quarter_range("closed"), on_time=1, **params)

    def overdue(self, **params):
        return self.ledger(overdue=1, **params)


def _conditions(quarter: Quarter, on: datetime.date) -> dict:
    """Each figure's condition, the same as its ledger filter (risks.filters.RiskFilter)."""
    start, end = quarter.start_dt, quarter.end_dt
    is_open = Q(state__in=OPEN_STATES)
    closed = Q(closed_at__gte=start, closed_at__lt=end)
    return {
        "open": is_open,
        "new": Q(created_at__gte=start, created_at__lt=end),
        "closed": closed,
        "on_time": closed & Q(state=State.CLOSED, closed_at__date__lte=F("deadline")),
        "overdue": is_open & Q(deadline__lt=on),
        **{f"light_{light}": is_open & Q(supervision_light=light) for light in SupervisionLight.values},
    }


def _counts(conditions: dict) -> dict:
    return {key: Count("pk", filter=condition) for key, condition in conditions.items()}


def _rate(part: int, whole: int) -> str:
    return "—" if not whole else f"{100 * part / whole:.1f}%"


def build_dashboard(user, unit: Unit | None, *, on: datetime.date | None = None) -> dict:
    on = on or today()
    quarter = Quarter.of(on)
    links = Links(unit, quarter, on)
    base = base_risks(user, unit)
    conditions = _conditions(quarter, on)
    # Every figure is about risks open now, logged this quarter or closed this quarter: reading
    # only those (three indexes) keeps the board's cost flat as the closed years pile up.
    current = base.filter(conditions["open"] | conditions["new"] | conditions["closed"])
    figures = current.aggregate(**_counts(conditions))

    cards = [
        {"key": "open", "label": _("在办风险"), "value": figures["open"], "url": links.open()},
        {"key": "new", "label": _("本季新增"), "value": figures["new"], "url": links.new()},
        {"key": "closed", "label": _("本季销号"), "value": figures["closed"], "url": links.closed()},
        {"key": "on_time", "label": _("按期销号"), "value": figures["on_time"], "url": links.on_time()},
        {"key": "overdue", "label": _("逾期"), "value": figures["overdue"], "url": links.overdue()},
    ]
    on_time_rate = _rate(figures["on_time"], figures["closed"])
    lights = [
        {
            "key": light,
            "label": str(label),
            "value": figures[f"light_{light}"],
            "url": links.open(supervision_light=light),
        }
        for light, label in SupervisionLight.choices
    ]
    oldest = base.overdue(on).select_related("owner_unit", "domain").order_by("deadline", "id").first()

    # Open risks by domain × level.
    cells = {
        (row["domain"], row["level"]): row["n"]
        for row in base.open().values("domain", "level").annotate(n=Count("pk")).order_by()
    }
    domain_ids = sorted({d for d, _level in cells})
    domains = Domain.objects.filter(pk__in=domain_ids).order_by("order", "id") if domain_ids else []
    levels = [{"value": value, "label": str(label)} for value, label in Level.choices]
    by_domain = []
    for domain in domains:
        row_cells = [
            {
                "value": cells.get((domain.pk, level["value"]), 0),
                "url": links.open(domain=domain.pk, level=level["value"]),
            }
            for level in levels
        ]
        by_domain.append(
            {
                "name": domain.name,
                "cells": row_cells,
                "total": sum(c["value"] for c in row_cells),
                "url": links.open(domain=domain.pk),
            }
        )
    level_totals = [
        {
            "label": level["label"],
            "value": sum(cells.get((d, level["value"]), 0) for d in domain_ids),
            "url": links.open(level=level["value"]),
        }
        for level in levels
    ]

    by_unit = _by_unit(current, unit, conditions, links)
    trend = _trend(base, unit, quarter, figures, on)  # past quarters: the whole timeline
    chart = {
        "domains": [row["name"] for row in by_domain],
        "levels": [level["label"] for level in levels],
        "levelKeys": [level["value"] for level in levels],
        "domainSeries": [[row["cells"][i]["value"] for row in by_domain] for i in range(len(levels))],
        "domainLinks": [[row["cells"][i]["url"] for row in by_domain] for i in range(len(levels))],
        "units": [row["name"] for row in by_unit],
        "unitOpen": [row["open"] for row in by_unit],
        "unitOverdue": [row["overdue"] for row in by_unit],
        "unitOpenLinks": [row["open_url"] for row in by_unit],
        "unitOverdueLinks": [row["overdue_url"] for row in by_unit],
        "trendLabels": [row["label"] for row in trend],
        "trendNew": [row["new"] for row in trend],
        "trendClosed": [row["closed"] for row in trend],
        "trendCarried": [row["carried_over"] for row in trend],
        "trendOverdue": [row["overdue_at_end"] for row in trend],
        "names": {
            "new": _("新增"),
            "closed": _("销号"),
            "carried": _("在办（期末）"),
            "overdue": _("逾期（期末）"),
            "open": _("在办"),
            "overdueNow": _("逾期"),
        },
    }
    return {
        "quarter": quarter,
        "on": on,
        "unit": unit,
        "cards": cards,
        "on_time_rate": on_time_rate,
        "on_time_url": links.on_time(),
        "lights": lights,
        "oldest": oldest,
        "oldest_days": (on - oldest.deadline).days if oldest else None,
        "levels": levels,
        "by_domain": by_domain,
        "level_totals": level_totals,
        "open_total": figures["open"],
        "open_url": links.open(),
        "by_unit": by_unit,
        "trend": trend,
        "chart": chart,
    }


def _by_unit(base, unit: Unit | None, conditions: dict, links: Links) -> list[dict]:
    """Figures per unit one level below the scope (townships and departments for the district).

    Risks owned by the scope's own unit get a row of their own, linked with the exact owner.
    """
    # The district is the tree's root: one level below it are paths of two steps.
    length = (len(unit.path) if unit else Unit.steplen) + Unit.steplen
    wanted = {key: conditions[key] for key in ("open", "overdue", "closed", "on_time")}
    rows = list(
        base.annotate(branch=Substr("owner_unit__path", 1, length))
        .values("branch")
        .annotate(**_counts(wanted))
        .order_by("branch")
    )
    units = {u.path: u for u in Unit.objects.filter(path__in=[row["branch"] for row in rows])}
    result = []
    for row in rows:
        branch = units.get(row["branch"])
        if branch is None or not any(row[key] for key in wanted):
            continue
        own = len(branch.path) < length  # the scope's own unit: exact owner, not its subtree
        scope = {"owner_exact": branch.pk} if own else {"owner_unit": branch.pk}
        result.append(
            {
                "name": branch.name + (_("（本级）") if own else ""),
                "kind": branch.get_kind_display(),
                "open": row["open"],
                "overdue": row["overdue"],
                "closed": row["closed"],
                "on_time": row["on_time"],
                "on_time_rate": _rate(row["on_time"], row["closed"]),
                "open_url": links.open(**scope),
                "overdue_url": links.overdue(**scope),
                "closed_url": links.closed(**scope),
                "on_time_url": links.on_time(**scope),
            }
        )
    return result


def _trend(base, unit: Unit | None, current: Quarter, figures: dict, on: datetime.date) -> list[dict]:
    """The last eight quarters: frozen figures where a snapshot exists, else computed from the
    timeline (one query each); the current quarter live."""
    past = last_quarters(TREND_QUARTERS, on=on)[:-1]
    frozen = QuarterFigure.objects.filter(snapshot__in=snapshots_of(past))
    if unit:
        frozen = frozen.filter(unit_path__startswith=unit.path)
    sums = {
        (row["snapshot__year"], row["snapshot__quarter"]): row
        for row in frozen.values("snapshot__year", "snapshot__quarter")
        .annotate(
            n_new=Sum("new"),
            n_closed=Sum("closed"),
            n_carried=Sum("carried_over"),
            n_overdue=Sum("overdue_at_end"),
        )
        .order_by()
    }
    snapshotted = set(snapshots_of(past).values_list("year", "quarter"))
    trend = []
    for quarter in past:
        key = (quarter.year, quarter.number)
        if key in snapshotted:
            row = sums.get(key, {})
            values = {
                "new": row.get("n_new") or 0,
                "closed": row.get("n_closed") or 0,
                "carried_over": row.get("n_carried") or 0,
                "overdue_at_end": row.get("n_overdue") or 0,
            }
        else:
            values = history_totals(quarter, base)
        trend.append(
            {
                "label": quarter.short,
                **{k: values[k] for k in ("new", "closed", "carried_over", "overdue_at_end")},
            }
        )
    trend.append(
        {
            "label": current.short,
            "new": figures["new"],
            "closed": figures["closed"],
            "carried_over": figures["open"],
            "overdue_at_end": figures["overdue"],
        }
    )
    return trend
