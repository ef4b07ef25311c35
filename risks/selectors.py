"""Reads: the queries behind "my work" and the ledger's shortcuts, each scoped by visible_risks.

The ledger's ``todo`` filter uses the same functions as the "my work" page, so the count on the
page equals the number of rows the linked ledger shows.
"""

import datetime

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import Level, Risk, Role, State, today
from .permissions import is_district_level, profile_of, visible_risks

DUE_SOON_DAYS = 7


def _mine(user) -> Q:
    """Risks a person works on: those they are responsible for; a leader also his units' risks."""
    profile = profile_of(user)
    condition = Q(responsible=user)
    if profile is not None and profile.role == Role.UNIT_LEADER:
        condition |= Q(owner_unit__path__startswith=profile.unit.path)
    elif profile is not None and profile.role == Role.OFFICIAL:
        condition |= Q(owner_unit=profile.unit)
    return condition


def _awaiting_approval(user) -> Q:
    """Closure and extension requests this person may decide (not their own)."""
    profile = profile_of(user)
    if is_district_level(user):
        decidable = Q()
    elif profile is not None and profile.role == Role.UNIT_LEADER:
        decidable = Q(owner_unit__path__startswith=profile.unit.path) & ~Q(level=Level.MAJOR)
    else:
        return Q(pk__in=[])
    pending = Q(state=State.CLOSURE_PENDING) & ~Q(closure_requested_by=user) | Q(
        state__in=[State.ASSIGNED, State.IN_PROGRESS], requested_deadline__isnull=False
    )
    return decidable & pending & ~Q(responsible=user)


def _awaiting_sign_for(user) -> Q:
    profile = profile_of(user)
    condition = Q(state=State.ASSIGNED, responsible=user)
    if profile is not None and profile.role == Role.UNIT_LEADER:
        condition |= Q(state=State.ASSIGNED, owner_unit__path__startswith=profile.unit.path)
    if profile is not None and profile.role in (Role.OFFICIAL, Role.UNIT_LEADER):
        # A handover offered to my unit waits for my unit to accept or refuse it.
        condition |= Q(handover_to=profile.unit)
    return condition


TODO_TITLES = {
    "responsible": _("我负责的"),
    "due_soon": _("7 天内到期"),
    "overdue": _("已逾期"),
    "sign_for": _("待我签收"),
    "approval": _("待我审批"),
}
TODO_KEYS = tuple(TODO_TITLES)


def todo_filters(user, on: datetime.date | None = None) -> dict:
    """The "my work" sections: key → Q on the visible risks (titles in TODO_TITLES)."""
    on = on or today()
    open_states = Q(state__in=[State.REPORTED, State.ASSIGNED, State.IN_PROGRESS, State.CLOSURE_PENDING])
    mine = _mine(user)
    return {
        "responsible": Q(responsible=user) & open_states,
        "due_soon": mine
        & open_states
        & Q(deadline__gte=on, deadline__lte=on + datetime.timedelta(days=DUE_SOON_DAYS)),
        "overdue": mine & open_states & Q(deadline__lt=on),
        "sign_for": _awaiting_sign_for(user),
        "approval": _awaiting_approval(user),
    }


def todo_queryset(user, key: str, on: datetime.date | None = None):
    condition = todo_filters(user, on)[key]
    return visible_risks(user).filter(condition)


def my_work(user, *, limit: int = 8, on: datetime.date | None = None) -> list[dict]:
    """Each section with its count and its first rows (deadline first): two queries a section."""
    sections = []
    for key, condition in todo_filters(user, on).items():
        qs = visible_risks(user).filter(condition)
        sections.append(
            {
                "key": key,
                "title": TODO_TITLES[key],
                "count": qs.count(),
                "rows": list(qs.with_ledger_relations().order_by("deadline", "id")[:limit]),
            }
        )
    return sections


def ledger_rows(user):
    return visible_risks(user, Risk.objects.with_ledger_relations())
