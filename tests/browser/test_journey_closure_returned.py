"""Journey: a deadline extension asked and approved; a closure returned with a reason, then done
again and approved."""

import datetime

from risks.models import RiskEvent, State, today
from tests.requires import requires_chromium

from .helpers import act, open_action, shots

pytestmark = [requires_chromium]


def test_extension_approved_and_closure_returned_then_approved(visit, make_risk, official, unitleader):
    risk = make_risk(State.IN_PROGRESS, title="东长寿村燃气管道老化")
    new_deadline = risk.deadline + datetime.timedelta(days=15)

    # The official asks for more time, before the deadline.
    page = visit(official, f"/risks/{risk.pk}/", size="phone")
    act(page, "申请延期", {"延期至": new_deadline.isoformat(), "延期理由": "管材到货需两周。"})
    d = new_deadline
    page.get_by_text(f"已申请延期至 {d.year}年{d.month}月{d.day}日，等待审批。").wait_for()
    shots(page, "extension-requested")

    # The unit leader approves it: the deadline moves, and the timeline says from what to what.
    leader_page = visit(unitleader, f"/risks/{risk.pk}/")
    act(leader_page, "批准延期")
    risk.refresh_from_db()
    assert risk.deadline == new_deadline and risk.requested_deadline is None
    item = leader_page.locator(".timeline-item", has_text="批准延期")
    assert f"{new_deadline:%Y-%m-%d}" in item.inner_text()

    # The official asks for closure; the unit leader returns it with a reason.
    page.reload()
    act(page, "申请销号", {"整改完成情况": "已更换管道。"})

    leader_page.reload()
    form = open_action(leader_page, "退回")
    form.get_by_role("button", name="退回").click()
    # The reason is required: the browser keeps the form (the server would refuse it too).
    assert form.get_by_label("退回理由").evaluate("el => el.validity.valueMissing")
    risk.refresh_from_db()
    assert risk.state == State.CLOSURE_PENDING
    act(leader_page, "退回", {"退回理由": "缺少燃气公司的验收单。"})
    risk.refresh_from_db()
    assert risk.state == State.IN_PROGRESS

    # The official sees the reason, does it again, and this time it is approved.
    page.reload()
    assert page.locator(".timeline-closure_returned", has_text="缺少燃气公司的验收单。").is_visible()
    shots(page, "closure-returned")
    act(page, "申请销号", {"整改完成情况": "已补充燃气公司验收单。"})
    leader_page.reload()
    act(leader_page, "验收销号")

    risk.refresh_from_db()
    assert risk.state == State.CLOSED
    assert list(RiskEvent.objects.filter(risk=risk).values_list("kind", flat=True))[-6:] == [
        "extension_requested",
        "extension_approved",
        "closure_requested",
        "closure_returned",
        "closure_requested",
        "closure_approved",
    ]
    assert risk.closed_at.date() <= today()
