"""risks.bulk: many rows at once (COPY on PostgreSQL), values exactly as saved one by one."""

import datetime

import pytest
from django.utils import timezone

from risks import bulk
from risks.models import AuditAction, AuditEntry, EventKind, RiskEvent

pytestmark = pytest.mark.django_db

AWKWARD = "tab\there, line\nbreak, back\\slash, carriage\rreturn, 中文, 'quote' \"double\""


def test_insert_keeps_every_kind_of_value(make_risk, official):
    risk = make_risk()
    at = timezone.make_aware(datetime.datetime(2026, 3, 1, 8, 30))
    changes = [{"field": "title", "old": "a\tb", "new": "c\\d"}]
    bulk.insert(
        RiskEvent,
        [RiskEvent(risk=risk, kind=EventKind.PROGRESS, actor=official, at=at, text=AWKWARD, changes=changes)]
        + [RiskEvent(risk=risk, kind=EventKind.PROGRESS, actor=official, at=at, text="") for _ in range(2)],
    )
    first = RiskEvent.objects.filter(kind=EventKind.PROGRESS).order_by("id").first()
    assert (first.text, first.changes, first.at, first.actor) == (AWKWARD, changes, at, official)
    assert RiskEvent.objects.filter(kind=EventKind.PROGRESS, text="").count() == 2


def test_insert_values_leaves_the_other_columns_to_their_defaults(official):
    at = timezone.now()
    bulk.insert_values(
        AuditEntry,
        ["at", "actor_id", "actor_name", "action", "object_type", "object_id", "object_repr", "summary",
         "changes"],
        [(at, official.pk, "x", AuditAction.EXPORT, "t", "1", AWKWARD, "s", [])],
    )  # fmt: skip
    entry = AuditEntry.objects.get(action=AuditAction.EXPORT)
    assert entry.object_repr == AWKWARD and entry.actor == official and entry.ip is None


def test_nothing_to_insert_is_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        bulk.insert(RiskEvent, [])
        bulk.insert_values(RiskEvent, ["text"], [])
