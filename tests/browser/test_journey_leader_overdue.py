"""Journey: a district leader opens the ledger filtered to overdue risks and opens one.

(When the dashboard lands, this journey starts there: click the overdue count, land on exactly
these rows, open one, issue a supervision.)
"""

import datetime

from risks.models import Risk, State, today
from tests.requires import requires_chromium

from .helpers import SIZES, shots

pytestmark = [requires_chromium]


def test_district_leader_filters_ledger_to_overdue_and_opens_one(
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
    on_time = make_risk(State.IN_PROGRESS, title="修文村学校周边交通隐患", level="significant")
    make_risk(State.CLOSED, title="修文镇集贸市场消防通道占用", level="low")
    make_risk(State.REPORTED, title="东长寿村网络赌博线索")
    # Deadlines in the past (a new risk cannot be logged with one): 5 and 12 days overdue.
    for risk, days in zip(late, (5, 12), strict=True):
        Risk.objects.filter(pk=risk.pk).update(
            found_on=today() - datetime.timedelta(days=40), deadline=today() - datetime.timedelta(days=days)
        )

    page = visit(leader, "/risks/")
    assert page.get_by_test_id("result-count").inner_text() == "共 5 条"
    shots(page, "ledger-all")
    page.get_by_label("只看逾期").check()
    page.get_by_role("button", name="筛选", exact=True).click()
    page.wait_for_url("**/risks/?*overdue=on*")

    assert page.get_by_test_id("result-count").inner_text() == "共 2 条"
    rows = page.locator("table tbody tr")
    titles = sorted(rows.locator("td.ledger-title").all_inner_texts())
    assert titles == sorted(r.title for r in late)
    assert on_time.title not in page.content()
    assert "逾期 12 天" in rows.filter(has_text="东阳村烟花爆竹非法储存").inner_text()
    shots(page, "ledger-overdue")

    # Printed for the meeting: the table alone, even from a phone-sized window.
    page.set_viewport_size(SIZES["phone"])
    page.emulate_media(media="print")
    assert page.locator("table.table").is_visible()
    for chrome in (".app-navbar", "#filters", ".ledger-cards", ".breadcrumb", "[data-print]"):
        assert not page.locator(chrome).first.is_visible(), chrome
    page.emulate_media(media="screen")
    page.set_viewport_size(SIZES["desktop"])

    page.get_by_role("link", name="东阳村烟花爆竹非法储存").click()
    page.get_by_role("heading", name="东阳村烟花爆竹非法储存").wait_for()
    assert page.locator(".badge", has_text="逾期 12 天").is_visible()
    shots(page, "risk-overdue")
    page.emulate_media(media="print")
    assert page.get_by_role("heading", name="台账记录").is_visible()
    assert not page.get_by_role("heading", name="可进行的操作").is_visible()
