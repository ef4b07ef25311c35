"""Journey: a risk from the phone of the official who found it to its closure.

修文镇's official logs a risk with a photo on a phone (390×844); the unit leader assigns it to him;
he signs for it, reports progress and asks for closure; the unit leader approves; the ledger shows
it closed and the risk's timeline tells the story.
"""

import datetime
import re

from risks.models import Risk, State, today
from tests.requires import requires_chromium

from .helpers import act, assert_accessible, open_action, png_file, shots, tom_select

pytestmark = [requires_chromium]

PASSWORD = "Xiuwen-Phone-2026!"


def login(page, username, password):
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def test_official_logs_risk_on_phone_and_it_is_closed(visit, official, unitleader, tmp_path):
    official.set_password(PASSWORD)
    official.save()
    deadline = today() + datetime.timedelta(days=20)

    # The official opens the site on his phone and logs in.
    page = visit(None, "/", size="phone")
    assert "/accounts/login/" in page.url
    shots(page, "login")
    assert_accessible(page)
    login(page, "xiuwen_official", PASSWORD)
    page.get_by_role("heading", name="我的工作").wait_for()

    # From the collapsed menu to the new-risk form.
    page.get_by_role("button", name="展开菜单").click()
    page.get_by_role("link", name="登记风险", exact=True).click()
    page.get_by_role("heading", name="登记风险隐患").wait_for()
    assert_accessible(page)
    page.get_by_label("风险隐患名称").fill("修文村东侧自建房墙体开裂")
    page.get_by_label("所属领域").select_option(label="社会安全")
    page.get_by_label("风险等级").select_option(label="较大")
    page.get_by_label("风险隐患描述").fill("东侧山墙出现贯通裂缝，约 1.5 米。")
    page.get_by_label("整改措施").fill("疏散住户，请住建局鉴定后加固。")
    page.get_by_label("整改时限").fill(deadline.isoformat())
    page.get_by_label("附件（照片、PDF 等）").set_input_files(png_file(tmp_path / "现场照片.png"))
    shots(page, "risk-new")
    page.get_by_role("button", name="登记", exact=True).click()

    page.get_by_text(re.compile(r"已登记风险隐患 YC-\d{4}-\d{5}。")).wait_for()
    risk = Risk.objects.get(title="修文村东侧自建房墙体开裂")
    assert risk.state == State.REPORTED and risk.created_by == official
    assert risk.attachments.get().original_name == "现场照片.png"
    # The photo shows as a thumbnail on the timeline, served through the access-checked view.
    thumb = page.locator(".timeline img.thumb")
    thumb.wait_for()
    page.wait_for_function("(img) => img.complete", arg=thumb.element_handle())
    assert thumb.evaluate("(img) => img.naturalWidth") == 48
    shots(page, "risk-reported")

    # The unit leader, at his desk, assigns it to the official.
    leader_page = visit(unitleader, f"/risks/{risk.pk}/")
    open_action(leader_page, "交办")
    tom_select(leader_page, "id_assign-responsible", "王修文")
    act(leader_page, "交办", {"交办意见": "请三日内完成现场核查。"})

    # The official signs for it, reports progress with a photo, and asks for closure.
    page.reload()
    act(page, "签收")
    act(
        page,
        "报送进展",
        {"整改进展": "住户已疏散，已设置警示围挡。"},
        {"附件": png_file(tmp_path / "围挡.png")},
    )
    act(page, "申请销号", {"整改完成情况": "墙体已加固，住建局鉴定合格。"})
    risk.refresh_from_db()
    assert risk.state == State.CLOSURE_PENDING

    # The unit leader approves (the page asks to confirm first).
    leader_page.reload()
    act(leader_page, "验收销号", {"验收意见": "现场复核合格，同意销号。"})
    risk.refresh_from_db()
    assert risk.state == State.CLOSED and risk.closed_at is not None

    # The timeline tells the story, in order.
    page.reload()
    kinds = page.locator(".timeline-item strong").all_inner_texts()
    assert kinds == ["登记", "交办", "签收", "整改进展", "申请销号", "验收销号"]
    assert page.get_by_text("住户已疏散，已设置警示围挡。").is_visible()
    assert page.locator(".timeline img.thumb").count() == 2
    shots(page, "risk-closed")
    assert_accessible(page)

    # The ledger (cards on the phone) shows it closed.
    page.goto(page.url.split("/risks/")[0] + "/risks/?state=closed")
    card = page.locator(".ledger-cards .risk-row", has_text="修文村东侧自建房墙体开裂")
    card.wait_for()
    assert "已销号" in card.inner_text()
    assert page.locator(".ledger-cards .risk-row").count() == 1
    leader_page.goto(leader_page.url.split("/risks/")[0] + "/risks/")
    row = leader_page.locator("table tbody tr", has_text="修文村东侧自建房墙体开裂")
    assert "已销号" in row.inner_text()
    shots(leader_page, "ledger")
    assert_accessible(leader_page)
