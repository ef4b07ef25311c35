"""Journey: a district leader opens the dashboard, clicks the overdue count, lands on the ledger
showing exactly those risks, opens one and issues a supervision (督办) with an instruction."""

import datetime

from risks.models import EventKind, Risk, State, today
from tests.requires import requires_chromium

from .helpers import act, shots

pytestmark = [requires_chromium]


def test_district_leader_goes_from_dashboard_overdue_count_to_a_supervision(
    visit, make_risk, leader, district, official2, unitleader2
):
    late = [
        make_risk(State.IN_PROGRESS, title="北田村尾矿库排洪设施堵塞", level="major"),
        make_risk(
            State.ASSIGNED,
            title="东阳村烟花爆竹非法储存",
            township=district.dongyang,
            by=official2,
            assigner=unitleader2,
            responsible=official2,
        ),
    ]
    make_risk(State.IN_PROGRESS, title="修文村学校周边交通隐患")
    make_risk(State.CLOSED, title="修文镇集贸市场消防通道占用", level="low")
    for risk, days in zip(late, (5, 12), strict=True):
        Risk.objects.filter(pk=risk.pk).update(
            found_on=today() - datetime.timedelta(days=40), deadline=today() - datetime.timedelta(days=days)
        )
    target = late[1]
    light_before = Risk.objects.get(pk=target.pk).supervision_light

    page = visit(leader, "/dashboard/")
    figure = page.locator('[data-figure="overdue"]')
    overdue = int(figure.inner_text())
    assert overdue == len(late)
    shots(page, "dashboard")

    page.locator("a.dash-overdue").click()
    page.wait_for_url("**/risks/?*overdue=*")
    assert page.get_by_test_id("result-count").inner_text() == f"共 {overdue} 条"
    titles = sorted(page.locator("table tbody tr td.ledger-title").all_inner_texts())
    assert titles == sorted(r.title for r in late)
    shots(page, "dashboard-overdue-ledger")

    page.get_by_role("link", name=target.title).click()
    page.get_by_role("heading", name=target.title).wait_for()
    act(page, "督办", {"督办意见": "三日内清理完毕，结果报区安委办。"})

    last = page.locator(".timeline-item").last
    assert "督办" in last.locator("strong").inner_text()
    assert "三日内清理完毕，结果报区安委办。" in last.inner_text()
    shots(page, "risk-supervised")
    event = Risk.objects.get(pk=target.pk).events.order_by("pk").last()
    assert (event.kind, event.actor) == (EventKind.SUPERVISED, leader)
    # The light belongs to the escalation ladder: a leader's 督办 leaves it as it was.
    assert Risk.objects.get(pk=target.pk).supervision_light == light_before
