"""What a quarter counts (quarters.figures): quarter arithmetic, facts from the timeline, snapshots."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from quarters.figures import Quarter, history_totals, parse_quarter, snapshot_quarter
from quarters.models import QuarterFigure, QuarterSnapshot, SnapshotRisk, SnapshotSource
from quarters.reports import totals_of
from quarters.tasks import snapshot_previous_quarter
from risks import workflow
from risks.models import Level, Risk, State

from .factories import RiskFactory
from .quarter_ledger import Q1_DISTRICT, Q2_DISTRICT, Q2_XIUWEN

pytestmark = pytest.mark.django_db
d = datetime.date
COUNTED = ("open_at_start", "new", "closed", "closed_on_time", "carried_over", "overdue_at_end")


def test_quarter_arithmetic():
    q = Quarter(2026, 1)
    assert (q.start, q.end) == (d(2026, 1, 1), d(2026, 3, 31))
    assert q.previous() == Quarter(2025, 4)
    assert Quarter(2025, 4).next() == q
    assert q.year_before() == Quarter(2025, 1)
    assert Quarter(2024, 1).next().end == d(2024, 6, 30)
    assert Quarter.of(d(2026, 9, 30)) == Quarter(2026, 3)
    assert q.label == "2026年第一季度"
    assert str(q.end_dt) == "2026-04-01 00:00:00+08:00"


@pytest.mark.parametrize(
    ("year", "number", "message"),
    [
        (2026, 5, "没有第 5 季度"),
        (2026, 0, "没有第 0 季度"),
        (2027, 1, "尚未开始"),
        (2026, 4, "尚未结束"),
        ("x", 1, "必须是数字"),
        (1999, 1, "早于系统记录的起点"),
    ],
)
def test_parse_quarter_rejects_bad_input_with_a_message(year, number, message):
    with pytest.raises(ValidationError) as error:
        parse_quarter(year, number, ended=True, on=d(2026, 11, 30))
    assert message in " ".join(error.value.messages)


def test_history_totals_give_the_hand_counted_figures(hand_ledger, frozen_today):
    frozen_today(d(2026, 7, 1))
    q2 = history_totals(Quarter(2026, 2))
    assert q2 == {k: Q2_DISTRICT[k] for k in COUNTED}
    assert history_totals(Quarter(2026, 1)) == {k: Q1_DISTRICT[k] for k in COUNTED}


def test_history_counts_the_past_not_todays_states(hand_ledger, frozen_today, leader, unitleader, official):
    # After the quarter: D (overdue in Q2) is closed, E is edited and reopened risk B is closed
    # again later; none of it may change Q2 as the timeline tells it.
    frozen_today(d(2026, 8, 1))
    workflow.risk_request_closure(risk=hand_ledger.d, by=hand_ledger.d.responsible, text="完成")
    workflow.risk_approve_closure(risk=Risk.objects.get(pk=hand_ledger.d.pk), by=leader)
    workflow.risk_reopen(risk=Risk.objects.get(pk=hand_ledger.b.pk), by=unitleader, reason="复查发现问题")
    assert Risk.objects.get(pk=hand_ledger.b.pk).closed_at is None
    q2 = history_totals(Quarter(2026, 2))
    assert q2 == {k: Q2_DISTRICT[k] for k in COUNTED}
    # Q3 starts with D, E and F open; B was closed then, whatever happened to it later.
    assert history_totals(Quarter(2026, 3))["open_at_start"] == 3


def test_snapshot_freezes_the_hand_counted_figures_once(hand_ledger, frozen_today):
    frozen_today(d(2026, 7, 1))
    snapshot, created = snapshot_quarter(Quarter(2026, 2))
    assert created and snapshot.source == SnapshotSource.QUARTER_END
    figures = totals_of([snapshot], None)[0]
    assert {k: figures[k] for k in Q2_DISTRICT} == Q2_DISTRICT
    assert {k: totals_of([snapshot], hand_ledger.district.xiuwen)[0][k] for k in Q2_XIUWEN} == Q2_XIUWEN
    assert set(SnapshotRisk.objects.filter(snapshot=snapshot).values_list("title", flat=True)) == set(
        "ABDEFGH"
    )
    d_row = SnapshotRisk.objects.get(snapshot=snapshot, title="D")
    assert (d_row.overdue_at_end, d_row.overdue_days, d_row.state) == (True, 76, State.IN_PROGRESS)
    # Cells per owner unit × domain × level: 修文镇 一般/较大, 东阳镇 重大/一般, 应急管理局 低.
    assert QuarterFigure.objects.filter(snapshot=snapshot).count() == 5

    again, created = snapshot_quarter(Quarter(2026, 2))
    assert (again.pk, created) == (snapshot.pk, False)
    assert QuarterSnapshot.objects.count() == 1


def test_snapshot_refuses_a_quarter_that_has_not_ended(hand_ledger, frozen_today):
    frozen_today(d(2026, 6, 30))
    with pytest.raises(ValidationError, match="尚未结束"):
        snapshot_quarter(Quarter(2026, 2))
    assert not QuarterSnapshot.objects.exists()


def test_risks_without_a_timeline_count_by_their_current_state(district, frozen_today):
    # Imported rows have no transitions: their state and closed_at stand for the history.
    frozen_today(d(2026, 5, 1))
    RiskFactory(
        township=district.xiuwen, found_on=d(2026, 4, 2), deadline=d(2026, 4, 20), state=State.IN_PROGRESS
    )
    RiskFactory(
        township=district.xiuwen,
        found_on=d(2026, 4, 2),
        deadline=d(2026, 6, 20),
        level=Level.MAJOR,
        state=State.CLOSED,
        closed_at=datetime.datetime(2026, 5, 1, 10, tzinfo=datetime.UTC),
    )
    frozen_today(d(2026, 7, 1))
    q2 = history_totals(Quarter(2026, 2))
    assert (q2["new"], q2["closed"], q2["closed_on_time"], q2["overdue_at_end"]) == (2, 1, 1, 1)


def test_snapshot_quarter_command(hand_ledger, frozen_today, capsys):
    frozen_today(d(2026, 7, 1))
    call_command("snapshot_quarter", "2026", "2")
    assert "已冻结：7 条风险" in capsys.readouterr().out
    call_command("snapshot_quarter", "2026", "2")
    assert "此前已冻结" in capsys.readouterr().out
    with pytest.raises(CommandError, match="没有第 5 季度"):
        call_command("snapshot_quarter", "2026", "5")
    with pytest.raises(CommandError, match="尚未结束"):
        call_command("snapshot_quarter", "2026", "3")
    assert QuarterSnapshot.objects.count() == 1


def test_the_celery_task_freezes_the_quarter_that_ended(hand_ledger, frozen_today):
    frozen_today(d(2026, 7, 2))
    # The trend's six quarters before it were never frozen (history from before the system):
    # frozen too, so that the dashboard does not compute them on every view.
    assert snapshot_previous_quarter() == (
        "2026Q2 frozen; also frozen: 2024Q4, 2025Q1, 2025Q2, 2025Q3, 2025Q4, 2026Q1"
    )
    assert snapshot_previous_quarter() == "2026Q2 already frozen"
    assert QuarterSnapshot.objects.get(year=2026, quarter=2).risks.count() == 7
    assert QuarterSnapshot.objects.count() == 7


def test_the_dashboard_reads_the_frozen_quarters_instead_of_computing_them(
    client, hand_ledger, frozen_today, leader
):
    from django.urls import reverse

    frozen_today(d(2026, 7, 2))
    client.force_login(leader)
    with CaptureQueriesContext(connection) as before:
        trend_before = client.get(reverse("quarters:dashboard")).context["trend"]
    snapshot_previous_quarter()
    with CaptureQueriesContext(connection) as after:
        trend_after = client.get(reverse("quarters:dashboard")).context["trend"]
    assert trend_after == trend_before  # the same figures, frozen
    assert len(after) == len(before) - 7  # one query less for each past quarter


def test_the_beat_schedule_has_an_expiring_snapshot_entry(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["snapshot-quarter"]
    assert entry["task"] == "quarters.tasks.snapshot_previous_quarter"
    assert entry["options"]["expires"] > 0
