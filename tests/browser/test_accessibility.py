"""axe-core (WCAG 2.1 A/AA and best practice) finds no serious or critical violation on the main
pages, at desktop and phone sizes. The journeys check the same pages on their way; this test also
covers "my work", the error pages and the phone layouts in one go.

The dashboard is checked as the district leader sees it.
"""

import pytest

from risks.models import State
from tests.requires import requires_chromium

from .helpers import SIZES, axe_violations, shots

pytestmark = [requires_chromium]


def test_main_pages_have_no_serious_accessibility_violations(visit, make_risk, official, unitleader, leader):
    risk = make_risk(State.CLOSURE_PENDING, title="修文镇加油站储罐区防雷检测过期")
    make_risk(State.ASSIGNED, title="东长寿村废弃矿井井口未封闭")
    closed = make_risk(State.CLOSED, title="已销号的旧隐患")
    pages = {
        "my-work": (official, "/"),
        "ledger": (official, "/risks/"),
        "ledger-empty": (official, "/risks/?q=nothing-matches"),
        "risk": (unitleader, f"/risks/{risk.pk}/"),
        "risk-new": (official, "/risks/new/"),
        "forbidden": (official, f"/risks/{closed.pk}/edit/"),  # a closed risk cannot be edited: 403
        "not-found": (official, "/risks/999999/"),
        "login": (None, "/accounts/login/"),
        "dashboard": (leader, "/dashboard/"),
    }
    found = {}
    for name, (user, path) in pages.items():
        page = visit(user, path)
        for size, viewport in SIZES.items():
            page.set_viewport_size(viewport)
            problems = axe_violations(page)
            if problems:
                found[f"{name} ({size})"] = [
                    f"{v['id']}: {[n['target'] for n in v['nodes'][:3]]}" for v in problems
                ]
        if name in ("my-work", "ledger-empty", "forbidden"):
            shots(page, name)
        page.context.close()
    assert found == {}


def test_empty_ledger_says_what_to_do_next(visit, make_risk, official):
    make_risk(State.IN_PROGRESS, title="修文村河道采砂")
    page = visit(official, "/risks/?q=没有这样的风险")
    empty = page.get_by_test_id("empty-state")
    assert "没有符合这些筛选条件的风险隐患。" in empty.inner_text()
    empty.get_by_role("link", name="清除筛选，查看全部").click()
    page.locator("table").get_by_role("link", name="修文村河道采砂").wait_for()


@pytest.mark.parametrize("size", list(SIZES))
def test_level_badges_carry_text_not_only_colour(visit, make_risk, official, size):
    make_risk(State.IN_PROGRESS, title="重大风险", level="major")
    page = visit(official, "/risks/", size=size)
    badge = page.locator(".level-major:visible").first
    assert badge.inner_text() == "重大"


def test_the_checker_finds_a_violation_when_there_is_one(visit, official):
    # A check that cannot fail is a defect: an unlabelled input must be reported.
    page = visit(official, "/")
    page.evaluate("() => document.querySelector('main').append(document.createElement('input'))")
    assert "label" in [v["id"] for v in axe_violations(page)]
