"""The reminder rules (DESIGN.md "Reminders and escalations"), each at its boundary: the day
before, the day of and the day after, with the sweep run for a fixed day (``--date``)."""

import datetime

import pytest
from django.core.management import call_command
from django.db.models import Q
from django.urls import reverse

from notifications.models import AnnualStudyDate, Notice, Notification, ReminderRule, RuleCode, SweepRun
from notifications.rules import Directory, load_rules, risk_batches, threshold_reached
from notifications.sweep import send_reminders
from risks.models import (
    AuditEntry,
    EventKind,
    Level,
    QuarterlyReport,
    Risk,
    RiskEvent,
    State,
    SupervisionLight,
)
from risks.permissions import visible_risks

from .factories import due_risk

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
D = datetime.date(2026, 6, 10)  # a Wednesday in the middle of Q2


def rules_of(day, risk=None):
    """The rules whose notices the sweep of ``day`` recorded (for ``risk`` only, if given)."""
    run = send_reminders(day)
    qs = Notice.objects.filter(sweep=run)
    if risk is not None:
        qs = qs.filter(subject_type="risk", subject_id=risk.pk)
    return sorted(qs.values_list("rule", flat=True))


@pytest.fixture
def open_risk(district, official):
    """An in-progress risk of 修文镇 with 王修文 responsible, last updated on D."""

    def make(deadline, level=Level.GENERAL, **fields):
        fields.setdefault("responsible", official)
        fields.setdefault(
            "last_progress_at", datetime.datetime.combine(D, datetime.time(9), tzinfo=datetime.UTC)
        )
        return due_risk(unit=district.xiuwen, deadline=deadline, level=level, **fields)

    return make


def test_threshold_reached_takes_the_nearest_threshold_passed():
    assert threshold_reached(8, [7, 1]) is None
    assert threshold_reached(7, [7, 1]) == 7
    assert threshold_reached(2, [7, 1]) == 7
    assert threshold_reached(1, [7, 1]) == 1
    assert threshold_reached(0, [7, 1]) == 1


@pytest.mark.parametrize(
    ("days_before", "expected"),
    [(8, []), (7, ["deadline_near"]), (2, ["deadline_near"]), (1, ["deadline_near"]), (0, ["deadline_near"])],
)
def test_deadline_near_fires_from_7_days_before(open_risk, days_before, expected):
    risk = open_risk(D + days_before * DAY)
    assert rules_of(D, risk) == expected


def test_deadline_near_sends_7_and_1_day_reminders_once_each(open_risk, official):
    risk = open_risk(D + 7 * DAY)
    assert rules_of(D, risk) == ["deadline_near"]  # 7 days before
    assert rules_of(D + DAY, risk) == []  # 6 days before: already told
    assert rules_of(D + 5 * DAY, risk) == []  # 2 days before
    assert rules_of(D + 6 * DAY, risk) == ["deadline_near"]  # 1 day before
    assert rules_of(D + 7 * DAY, risk) == []  # the day itself: the 1-day one was sent
    periods = Notice.objects.filter(subject_id=risk.pk).values_list("period", flat=True)
    assert sorted(periods) == [f"{risk.deadline}:1", f"{risk.deadline}:7"]
    assert Notification.objects.filter(user=official).count() == 2


def test_a_missed_day_is_caught_up_the_next_day(open_risk):
    risk = open_risk(D + 7 * DAY)
    # No sweep on D (7 days before): the next day's sweep sends the 7-day reminder.
    assert rules_of(D + DAY, risk) == ["deadline_near"]
    assert rules_of(D + 2 * DAY, risk) == []


@pytest.mark.parametrize(
    ("days_late", "expected", "light"),
    [
        (0, [], SupervisionLight.GREEN),
        (1, ["overdue_yellow"], SupervisionLight.YELLOW),
        (14, ["overdue_yellow"], SupervisionLight.YELLOW),
        (15, ["overdue_orange"], SupervisionLight.RED),
        (16, ["overdue_orange"], SupervisionLight.RED),
        (29, ["overdue_orange"], SupervisionLight.RED),
        (30, ["overdue_red"], SupervisionLight.LISTED),
        (31, ["overdue_red"], SupervisionLight.LISTED),
    ],
)
def test_overdue_ladder_for_a_general_risk(open_risk, days_late, expected, light):
    risk = open_risk(D - days_late * DAY)
    assert [r for r in rules_of(D, risk) if r.startswith("overdue")] == expected
    risk.refresh_from_db()
    assert risk.supervision_light == light


@pytest.mark.parametrize(
    ("days_late", "expected"),
    [
        (6, "overdue_yellow"),
        (7, "overdue_orange"),
        (8, "overdue_orange"),
        (14, "overdue_orange"),
        (15, "overdue_red"),
    ],
)
def test_major_risks_climb_the_shorter_ladder(open_risk, days_late, expected):
    risk = open_risk(D - days_late * DAY, level=Level.MAJOR)
    assert [r for r in rules_of(D, risk) if r.startswith("overdue")] == [expected]


def test_escalation_is_on_the_timeline_in_the_audit_log_and_adds_the_next_people(
    open_risk, official, unitleader, leader, admin_user
):
    risk = open_risk(D - DAY, leader_in_charge=leader)
    send_reminders(D)
    told = set(
        Notification.objects.filter(notice__subject_id=risk.pk).values_list("user__username", flat=True)
    )
    assert told == {official.username, unitleader.username}
    send_reminders(D + 14 * DAY)  # 15 days late: 督办, + leader in charge and admins
    orange = Notice.objects.get(subject_id=risk.pk, rule=RuleCode.OVERDUE_ORANGE)
    told = set(orange.notifications.values_list("user__username", flat=True))
    assert told == {official.username, unitleader.username, leader.username, admin_user.username}
    send_reminders(D + 29 * DAY)  # 30 days late: 挂牌督办, + district leaders
    red = Notice.objects.get(subject_id=risk.pk, rule=RuleCode.OVERDUE_RED)
    assert leader.username in set(red.notifications.values_list("user__username", flat=True))
    events = list(RiskEvent.objects.filter(risk=risk, kind=EventKind.SUPERVISED).order_by("id"))
    assert [e.changes[0]["new"] for e in events] == ["黄灯", "红灯", "挂牌督办"]
    assert (
        AuditEntry.objects.filter(
            object_type="risks.risk", object_id=str(risk.pk), summary__startswith="督办"
        ).count()
        == 3
    )
    risk.refresh_from_db()
    assert risk.supervision_light == SupervisionLight.LISTED


def test_an_approved_extension_starts_the_ladder_again(open_risk):
    risk = open_risk(D - DAY)
    assert rules_of(D, risk) == ["overdue_yellow"]
    Risk.objects.filter(pk=risk.pk).update(deadline=D + 20 * DAY)
    assert rules_of(D + 20 * DAY + DAY, risk) == ["overdue_yellow"]  # the new deadline's ladder


def test_closed_and_withdrawn_risks_are_not_reminded(open_risk):
    open_risk(D - 40 * DAY, state=State.CLOSED)
    open_risk(D + 7 * DAY, state=State.WITHDRAWN)
    assert rules_of(D) == []


def test_no_progress_after_30_days(open_risk):
    last = datetime.datetime.combine(D - 30 * DAY, datetime.time(9), tzinfo=datetime.UTC)
    risk = open_risk(D + 100 * DAY, last_progress_at=last)
    assert rules_of(D - DAY, risk) == []  # 29 days
    assert rules_of(D, risk) == ["no_progress"]  # 30 days
    assert rules_of(D + DAY, risk) == []  # already told for this stretch


@pytest.mark.parametrize(
    ("days", "expected"), [(2, []), (3, ["pending_sign_for"]), (4, ["pending_sign_for"])]
)
def test_pending_sign_for_after_3_days(make_risk, frozen_today, days, expected):
    frozen_today(D)
    risk = make_risk(State.ASSIGNED, deadline=D + 100 * DAY)
    assert rules_of(D + days * DAY, risk) == expected


@pytest.mark.parametrize(
    ("days", "expected"), [(2, []), (3, ["pending_approval"]), (4, ["pending_approval"])]
)
def test_pending_closure_approval_after_3_days(make_risk, frozen_today, unitleader, days, expected):
    frozen_today(D)
    risk = make_risk(State.CLOSURE_PENDING, deadline=D + 100 * DAY)
    assert rules_of(D + days * DAY, risk) == expected
    if expected:
        notice = Notice.objects.get(subject_id=risk.pk, rule=RuleCode.PENDING_APPROVAL)
        assert list(notice.notifications.values_list("user", flat=True)) == [unitleader.pk]


def test_pending_approval_of_a_major_risk_goes_to_the_district(make_risk, frozen_today, leader, unitleader):
    frozen_today(D)
    risk = make_risk(State.CLOSURE_PENDING, deadline=D + 100 * DAY, level=Level.MAJOR)
    rules_of(D + 3 * DAY, risk)
    told = set(Notification.objects.filter(notice__subject_id=risk.pk).values_list("user", flat=True))
    assert leader.pk in told and unitleader.pk not in told


def test_rules_are_editable_and_can_be_switched_off(open_risk):
    ReminderRule.objects.filter(code=RuleCode.DEADLINE_NEAR).update(days="3")
    risk = open_risk(D + 5 * DAY)
    assert rules_of(D, risk) == []
    assert rules_of(D + 2 * DAY, risk) == ["deadline_near"]
    ReminderRule.objects.filter(code=RuleCode.OVERDUE_YELLOW).update(enabled=False)
    late = open_risk(D - DAY)
    assert rules_of(D, late) == []
    assert load_rules()[RuleCode.OVERDUE_ORANGE].days_major == (7,)


def test_people_are_told_only_about_risks_they_may_see(district, official, official2, unitleader2, open_risk):
    # A risk of 修文镇 whose responsible person moved to 东阳镇 is not shown to them any more.
    risk = open_risk(D + 7 * DAY, responsible=official2)
    send_reminders(D)
    assert not Notification.objects.filter(user__in=[official2, unitleader2]).exists()
    assert not visible_risks(official2).filter(pk=risk.pk).exists()


def test_in_memory_scope_check_agrees_with_visible_risks(district, people, make_risk):
    risks = [
        make_risk(State.IN_PROGRESS),
        make_risk(State.REPORTED, township=district.dongyang, by=people.leader),
        make_risk(
            State.REPORTED, township=district.dongyang, supervising_unit=district.emergency, by=people.leader
        ),
        make_risk(State.REPORTED, township=district.xiuwen, village=district.xiuwen_village),
    ]
    names = [
        "official",
        "official2",
        "village_official",
        "unitleader",
        "unitleader2",
        "deptofficial",
        "leader",
        "admin_user",
        "auditor",
    ]
    users = [getattr(people, n) for n in names]
    directory = Directory.load()
    batch = next(risk_batches(Q(pk__in=[r.pk for r in risks]), directory))
    for user in users:
        visible = set(visible_risks(user).values_list("pk", flat=True))
        assert {r.pk for r in batch if directory.sees(user.pk, r)} == visible & {r.pk for r in risks}, user


# ---------------------------------------------------------------------------------------------
# The quarter and the year


@pytest.mark.parametrize(
    ("day", "period"),
    [
        (datetime.date(2026, 6, 19), None),  # 11 days before 30 June
        (datetime.date(2026, 6, 20), "2026Q2:10"),
        (datetime.date(2026, 6, 21), "2026Q2:10"),
        (datetime.date(2026, 6, 27), "2026Q2:3"),
        (datetime.date(2026, 12, 21), "2026Q4:10"),
        (datetime.date(2026, 12, 28), "2026Q4:3"),
        (datetime.date(2026, 12, 31), "2026Q4:3"),
        (datetime.date(2027, 1, 1), None),  # Q1 has begun: nothing for Q4's units any more
    ],
)
def test_quarterly_report_reminders_10_and_3_days_before_quarter_end(district, unitleader, day, period):
    send_reminders(day)
    notices = Notice.objects.filter(rule=RuleCode.QUARTER_UNIT, subject_id=district.xiuwen.pk)
    assert list(notices.values_list("period", flat=True)) == ([period] if period else [])
    if period:
        assert notices.get().notifications.filter(user=unitleader).exists()


def test_units_that_submitted_are_not_reminded(district, unitleader):
    QuarterlyReport.objects.create(
        unit=district.xiuwen,
        year=2026,
        quarter=2,
        analysis="平稳",
        submitted_by=unitleader,
        submitted_at=datetime.datetime(2026, 6, 15, tzinfo=datetime.UTC),
    )
    send_reminders(datetime.date(2026, 6, 20))
    units = set(Notice.objects.filter(rule=RuleCode.QUARTER_UNIT).values_list("subject_id", flat=True))
    assert district.xiuwen.pk not in units and district.dongyang.pk in units
    assert district.xiuwen_village.pk not in units  # villages report through their township


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (datetime.date(2026, 12, 31), []),  # Q4 not over yet (Q3's notice went out in October)
        (datetime.date(2027, 1, 1), ["2026Q4"]),  # 31 Dec → Q1: the day after Q4 ends
        (datetime.date(2027, 1, 2), ["2026Q4"]),  # a missed 1 January is caught up
        (datetime.date(2026, 7, 1), ["2026Q2"]),
        (datetime.date(2026, 7, 31), ["2026Q2"]),  # 31 days after
        (datetime.date(2026, 8, 1), []),  # a stale quarter is not announced any more
    ],
)
def test_leaders_are_told_after_the_quarter_ends(district, leader, day, expected):
    send_reminders(day)
    periods = Notice.objects.filter(rule=RuleCode.QUARTER_LEADERS).values_list("period", flat=True)
    assert list(periods) == expected
    if expected:
        assert Notification.objects.filter(notice__period=expected[0], user=leader).exists()


def test_leaders_hear_of_a_quarter_once(district, leader):
    for day in (datetime.date(2027, 1, 1), datetime.date(2027, 1, 2), datetime.date(2027, 1, 20)):
        send_reminders(day)
    assert Notification.objects.filter(user=leader, notice__rule=RuleCode.QUARTER_LEADERS).count() == 1


def test_annual_study_on_the_dates_admins_set(district, leader, admin_user):
    study = AnnualStudyDate.objects.create(date=datetime.date(2026, 11, 20), title="年度国家安全专题研究")
    assert rules_of(datetime.date(2026, 11, 19)) == []
    assert rules_of(datetime.date(2026, 11, 20)) == ["annual_study"]
    assert rules_of(datetime.date(2026, 11, 21)) == []
    told = set(
        Notification.objects.filter(notice__subject_id=study.pk, notice__rule="annual_study").values_list(
            "user", flat=True
        )
    )
    assert told == {leader.pk, admin_user.pk}


def test_send_reminders_command_takes_a_date(open_risk, capsys):
    open_risk(datetime.date(2026, 3, 8))
    call_command("send_reminders", "--date", "2026-03-01", "--no-deliver")
    assert SweepRun.objects.get().day == datetime.date(2026, 3, 1)
    assert "1 notices" in capsys.readouterr().out


def test_send_reminders_command_refuses_a_bad_date():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--date"):
        call_command("send_reminders", "--date", "2026-13-01")


@pytest.mark.parametrize("days", ["a,b", "7;1", "-1", "400", ""])
def test_admins_cannot_save_unreadable_thresholds(days):
    from django.core.exceptions import ValidationError

    rule = ReminderRule.objects.get(code=RuleCode.DEADLINE_NEAR)
    rule.days = days
    with pytest.raises(ValidationError):
        rule.full_clean()


def test_thresholds_accept_chinese_commas_and_any_order():
    from notifications.models import parse_days

    assert parse_days("1，7") == [7, 1]


# --- leaders' warnings and assignments -----------------------------------------------------------


@pytest.fixture
def assignment(district, leader, frozen_today):
    """An assignment issued by the leader to 修文镇 and 东阳镇 on 4 May, to answer by 20 May."""
    from quarters import services
    from quarters.models import DirectiveKind

    frozen_today(datetime.date(2026, 5, 4))
    return services.directive_issue(
        by=leader,
        kind=DirectiveKind.ASSIGNMENT,
        title="排查燃气隐患",
        content="五一后全面排查",
        deadline=datetime.date(2026, 5, 20),
        units=[district.xiuwen, district.dongyang],
    )


def directive_notices(assignment):
    receipts = dict(assignment.receipts.values_list("pk", "unit__name"))
    return sorted(
        (receipts[n.subject_id], n.period, n.title)
        for n in Notice.objects.filter(rule=RuleCode.DIRECTIVE_PENDING, subject_type="receipt")
    )


def test_a_unit_that_has_not_signed_for_an_assignment_is_reminded_once(
    assignment, district, official, official2, unitleader, frozen_today
):
    from quarters import services

    send_reminders(datetime.date(2026, 5, 4))  # the day it was issued: nothing yet
    assert directive_notices(assignment) == []
    services.receipt_sign(by=official, receipt=assignment.receipts.get(unit=district.xiuwen))
    frozen_today(datetime.date(2026, 5, 5))
    send_reminders(datetime.date(2026, 5, 5))
    send_reminders(datetime.date(2026, 5, 6))  # not again
    assert directive_notices(assignment) == [
        ("东阳镇", "sign:2026-05-04", "【待签收】东阳镇尚未签收“排查燃气隐患”，2026-05-20 前反馈")
    ]
    # 东阳镇's people; not 修文镇's, who signed for it.
    assert set(Notification.objects.values_list("user", flat=True)) == {official2.pk}


def test_a_unit_that_has_not_answered_by_the_deadline_is_reminded_with_the_issuer(
    assignment, district, official, unitleader, leader, frozen_today
):
    from quarters import services

    xiuwen = assignment.receipts.get(unit=district.xiuwen)
    services.receipt_sign(by=official, receipt=xiuwen)
    send_reminders(datetime.date(2026, 5, 20))  # the deadline itself: still in time
    assert [n for n in directive_notices(assignment) if n[0] == "修文镇"] == []
    frozen_today(datetime.date(2026, 5, 21))
    send_reminders(datetime.date(2026, 5, 21))
    late = Notice.objects.get(rule=RuleCode.DIRECTIVE_PENDING, subject_id=xiuwen.pk)
    assert (late.period, late.title) == (
        "answer:2026-05-20",
        "【交办逾期】修文镇未在 2026-05-20 前反馈“排查燃气隐患”",
    )
    assert set(late.notifications.values_list("user", flat=True)) >= {official.pk, unitleader.pk, leader.pk}
    assert late.link == reverse("quarters:directive", args=[assignment.pk])
    # Answered: no more reminders for it.
    services.receipt_answer(by=official, receipt=xiuwen, text="已排查完毕")
    Notice.objects.all().delete()
    send_reminders(datetime.date(2026, 5, 22))
    assert [n for n in directive_notices(assignment) if n[0] == "修文镇"] == []


def test_the_directive_rule_can_be_switched_off(assignment, frozen_today):
    ReminderRule.objects.create(code=RuleCode.DIRECTIVE_PENDING, days="1", enabled=False)
    frozen_today(datetime.date(2026, 5, 25))
    send_reminders(datetime.date(2026, 5, 25))
    assert directive_notices(assignment) == []
