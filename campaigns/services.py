"""Campaign rules and reads: who sees which campaign, who runs them, how far each unit has got.

Admins create and close campaigns; a unit sees those it takes part in (itself, a unit above it,
or a unit below it is a participant or the lead unit); the district and the security office see
all. Progress is counted in the database over the risks the person may see.
"""

import datetime

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from risks import audit
from risks.models import OPEN_STATES, AuditAction, DataScope, State, Unit, today
from risks.permissions import NotAllowed, data_scope, is_admin, unit_of, visible_risks

from .models import Campaign, CampaignState


def _ancestor_paths(unit: Unit) -> list[str]:
    step = Unit.steplen
    return [unit.path[:end] for end in range(step, len(unit.path) + 1, step)]


def takes_part(unit: Unit) -> Q:
    """Campaigns in which ``unit`` takes part: as participant or lead, itself, above or below."""
    above = _ancestor_paths(unit)
    return (
        Q(units__path__in=above)
        | Q(units__path__startswith=unit.path)
        | Q(lead_unit__path__in=above)
        | Q(lead_unit__path__startswith=unit.path)
    )


def visible_campaigns(user):
    scope = data_scope(user)
    if scope == DataScope.ALL:
        return Campaign.objects.all()
    unit = unit_of(user)
    if scope is None or unit is None:
        return Campaign.objects.none()
    ids = Campaign.objects.filter(takes_part(unit)).values("pk")
    return Campaign.objects.filter(pk__in=ids)


def campaigns_for_new_risk(user):
    """Open campaigns a new risk may be logged against by this person."""
    return visible_campaigns(user).filter(state=CampaignState.OPEN)


def can_manage_campaigns(user) -> bool:
    return is_admin(user)


@transaction.atomic
def campaign_create(
    *,
    by,
    name: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
    lead_unit: Unit,
    units,
    domains=(),
    categories=(),
    description: str = "",
) -> Campaign:
    if not can_manage_campaigns(by):
        raise NotAllowed(_("只有管理员可以创建专项行动。"))
    campaign = Campaign.objects.create(
        name=name.strip(),
        starts_on=starts_on,
        ends_on=ends_on,
        lead_unit=lead_unit,
        description=description.strip(),
        created_by=by,
    )
    campaign.units.set(units)
    campaign.domains.set(domains)
    campaign.categories.set(categories)
    audit.record(
        actor=by,
        action=AuditAction.CREATE,
        obj=campaign,
        summary=_("创建专项行动：%(name)s（%(s)s 至 %(e)s）")
        % {"name": campaign.name, "s": starts_on, "e": ends_on},
        changes=[{"units": sorted(u.name for u in units)}],
    )
    return campaign


@transaction.atomic
def campaign_close(*, campaign: Campaign, by) -> Campaign:
    if not can_manage_campaigns(by):
        raise NotAllowed(_("只有管理员可以结束专项行动。"))
    # A conditional update: closing twice (a double click) changes and audits once.
    updated = Campaign.objects.filter(pk=campaign.pk, state=CampaignState.OPEN).update(
        state=CampaignState.CLOSED, closed_by=by, closed_at=timezone.now()
    )
    campaign.refresh_from_db()
    if updated:
        audit.record(actor=by, action=AuditAction.UPDATE, obj=campaign, summary=_("结束专项行动"))
    return campaign


def campaign_progress(user, campaign: Campaign, on: datetime.date | None = None) -> list[dict]:
    """Per participating unit (its risks include those of its sub-units): found, closed,
    overdue and closure rate; owner units outside every participant are listed as themselves."""
    on = on or today()
    groups = list(
        visible_risks(user)
        .filter(campaign=campaign)
        .exclude(state=State.WITHDRAWN)
        .values("owner_unit_id", "owner_unit__name", "owner_unit__path")
        .annotate(
            found=Count("id"),
            closed=Count("id", filter=Q(state=State.CLOSED)),
            overdue=Count("id", filter=Q(state__in=OPEN_STATES, deadline__lt=on)),
        )
        .order_by("owner_unit__path")
    )
    participants = list(campaign.units.order_by("path").values("pk", "name", "path"))
    rows = {p["path"]: {"unit": p["name"], "found": 0, "closed": 0, "overdue": 0} for p in participants}
    # The deepest participant that contains the owner unit gets its risks.
    paths = sorted(rows, key=len, reverse=True)
    for group in groups:
        path = next((p for p in paths if group["owner_unit__path"].startswith(p)), None)
        if path is None:
            path = group["owner_unit__path"]
            rows[path] = {"unit": group["owner_unit__name"], "found": 0, "closed": 0, "overdue": 0}
            paths = sorted(rows, key=len, reverse=True)
        for key in ("found", "closed", "overdue"):
            rows[path][key] += group[key]
    result = []
    for path in sorted(rows):
        row = rows[path]
        row["rate"] = round(100 * row["closed"] / row["found"], 1) if row["found"] else None
        result.append(row)
    return result


def progress_totals(rows: list[dict]) -> dict:
    totals = {key: sum(r[key] for r in rows) for key in ("found", "closed", "overdue")}
    totals["rate"] = round(100 * totals["closed"] / totals["found"], 1) if totals["found"] else None
    return totals


def chart_data(rows: list[dict]) -> dict:
    return {
        "units": [r["unit"] for r in rows],
        "series": [
            {"name": _("发现"), "data": [r["found"] for r in rows]},
            {"name": _("已销号"), "data": [r["closed"] for r in rows]},
            {"name": _("逾期"), "data": [r["overdue"] for r in rows]},
        ],
    }
