"""A small ledger with hand-counted quarterly figures, built through the workflow services on
frozen dates, shared by the quarter tests (import the fixture by name).

    Q1 2026 (logged 2026-02-10)                         Q2 2026
    A 一般 修文镇  deadline 04-30                        closed 05-10 (late)
    B 较大 修文镇  deadline 05-31                        closed 05-20 (on time)
    C 一般 修文镇  deadline 03-15, closed 03-10 in Q1    —
    D 重大 东阳镇  deadline 04-15                        open, overdue at the end: 76 days
                    logged 2026-04-20:
    E 一般 修文镇  deadline 06-10                        open, overdue at the end: 20 days
    F 低   应急管理局 deadline 07-31                     open, not overdue
    G 一般 东阳镇  deadline 05-31                        closed 05-20 (on time)
    H 一般 修文镇  withdrawn the day it was logged      new, neither open nor closed

Q2 for the district: open at start 3 (A B D), new 4 (E F G H), closed 3 (A B G), on time 2
(B G), carried over 3 (D E F), overdue at the end 2 (D E), overdue days 96.
Q1: new 4, closed 1 (C, on time), carried over 3 (A B D), overdue at the end 0.
"""

import datetime
from types import SimpleNamespace

import pytest

from risks import workflow
from risks.models import Level, Risk, State

Q2_DISTRICT = {
    "open_at_start": 3,
    "new": 4,
    "closed": 3,
    "closed_on_time": 2,
    "carried_over": 3,
    "overdue_at_end": 2,
    "overdue_days": 96,
}
Q2_XIUWEN = {
    "open_at_start": 2,
    "new": 2,
    "closed": 2,
    "closed_on_time": 1,
    "carried_over": 1,
    "overdue_at_end": 1,
    "overdue_days": 20,
}
Q1_DISTRICT = {
    "open_at_start": 0,
    "new": 4,
    "closed": 1,
    "closed_on_time": 1,
    "carried_over": 3,
    "overdue_at_end": 0,
    "overdue_days": 0,
}


@pytest.fixture
def hand_ledger(
    district, make_risk, frozen_today, official, official2, unitleader, unitleader2, deptofficial, leader
):
    d = datetime.date

    def close(risk, *, by, approver):
        workflow.risk_request_closure(risk=risk, by=by, text="已完成整改")
        workflow.risk_approve_closure(risk=Risk.objects.get(pk=risk.pk), by=approver, text="验收合格")

    dongyang = {
        "by": official2,
        "assigner": unitleader2,
        "responsible": official2,
        "township": district.dongyang,
    }
    frozen_today(d(2026, 2, 10))
    a = make_risk(title="A", level=Level.GENERAL, deadline=d(2026, 4, 30))
    b = make_risk(title="B", level=Level.SIGNIFICANT, deadline=d(2026, 5, 31), leader_in_charge=leader)
    c = make_risk(title="C", level=Level.GENERAL, deadline=d(2026, 3, 15))
    dd = make_risk(title="D", level=Level.MAJOR, deadline=d(2026, 4, 15), **dongyang)
    frozen_today(d(2026, 3, 10))
    close(c, by=official, approver=unitleader)
    frozen_today(d(2026, 4, 20))
    e = make_risk(title="E", level=Level.GENERAL, deadline=d(2026, 6, 10))
    f = make_risk(
        title="F",
        level=Level.LOW,
        deadline=d(2026, 7, 31),
        by=deptofficial,
        assigner=leader,
        responsible=deptofficial,
        owner_unit=district.emergency,
    )
    g = make_risk(title="G", level=Level.GENERAL, deadline=d(2026, 5, 31), **dongyang)
    h = make_risk(State.WITHDRAWN, title="H", level=Level.GENERAL, deadline=d(2026, 5, 31))
    frozen_today(d(2026, 5, 10))
    close(a, by=official, approver=unitleader)
    frozen_today(d(2026, 5, 20))
    close(b, by=official, approver=unitleader)
    close(g, by=official2, approver=unitleader2)
    return SimpleNamespace(a=a, b=b, c=c, d=dd, e=e, f=f, g=g, h=h, district=district)
