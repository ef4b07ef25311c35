"""Journey: an official of another township types the address of 修文镇's risk and gets the
not-found page (never a hint that the risk exists)."""

from risks.models import State
from tests.requires import requires_chromium

from .helpers import assert_accessible, shots

pytestmark = [requires_chromium]


def test_official_of_another_township_gets_not_found_page(visit, make_risk, outsider):
    risk = make_risk(State.IN_PROGRESS, title="修文镇内部的风险隐患")

    page = visit(outsider, f"/risks/{risk.pk}/")
    response = page.request.get(page.url)
    assert response.status == 404
    page.get_by_role("heading", name="没有找到这个页面，或您无权查看").wait_for()
    assert risk.title not in page.content() and risk.code not in page.content()
    assert page.title().startswith("页面不存在")
    shots(page, "not-found")
    assert_accessible(page)

    # The way out works: back to the person's own ledger, where the risk is not listed either.
    page.get_by_role("link", name="打开风险台账").click()
    page.get_by_role("heading", name="风险隐患台账").wait_for()
    assert risk.title not in page.content()
