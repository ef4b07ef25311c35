"""Journey: the admin creates a person with a temporary password and a responsibility list item
for the person's unit; the person logs in, must change the temporary password, then sees the item
on /duties/."""

from risks.models import today
from tests.requires import requires_chromium

from .helpers import shots, tom_select

pytestmark = [requires_chromium]

NEW_PASSWORD = "Xiuwen-Duty-2026!ok"
DUTY = "每季度组织一次燃气安全隐患排查"


def pick_unit(page, name):
    """Pick the unit, then leave the searchable select (Tab) so its list closes."""
    tom_select(page, "id_unit", name)
    page.keyboard.press("Tab")
    page.locator("#id_unit-ts-dropdown").wait_for(state="hidden")


def test_admin_creates_person_and_duty_item_and_person_sees_it(visit, live_server, admin_user, district):
    page = visit(admin_user, "/org/people/new/")
    page.get_by_label("账号").fill("xiuwen_newcomer")
    page.get_by_label("姓", exact=True).fill("钱")
    page.get_by_label("名", exact=True).fill("新来")
    pick_unit(page, "修文镇")
    page.get_by_label("角色").select_option(label="填报员")
    page.get_by_role("button", name="保存").click()
    password = page.get_by_test_id("temporary-password").inner_text().strip()
    shots(page, "person-temporary-password")
    assert len(password) >= 8

    # A list for 修文镇 this year, and an item in it.
    page.goto(live_server.url + "/duties/new/")
    pick_unit(page, "修文镇")
    page.get_by_label("年度").fill(str(today().year))
    page.get_by_role("button", name="保存").click()
    page.get_by_text("已新建责任清单。").wait_for()
    page.get_by_role("link", name="新增事项").click()
    page.get_by_label("责任类别").select_option(index=1)
    page.get_by_label("责任内容").fill(DUTY)
    page.get_by_role("button", name="保存").click()
    page.get_by_text("已新增责任事项。").wait_for()
    shots(page, "duty-list-admin")

    # The person logs in with the temporary password and must change it first.
    person = visit(None, "/duties/")
    person.get_by_label("用户名").fill("xiuwen_newcomer")
    person.get_by_label("密码").fill(password)
    person.get_by_role("button", name="登录").click()
    person.wait_for_url("**/accounts/password/**")
    person.get_by_text("首次登录或密码被管理员重置后，须先修改密码才能继续使用。").wait_for()
    shots(person, "password-forced")
    # Nothing else opens until it is changed.
    person.goto(live_server.url + "/duties/")
    person.wait_for_url("**/accounts/password/**")
    person.get_by_label("旧密码").fill(password)
    person.get_by_label("新密码", exact=True).fill(NEW_PASSWORD)
    person.get_by_label("新密码确认").fill(NEW_PASSWORD)
    person.get_by_role("button", name="修改密码").click()
    person.get_by_text("密码已修改。").wait_for()

    person.goto(live_server.url + "/duties/")
    person.get_by_role("link", name="修文镇").first.click()
    person.get_by_text(DUTY).wait_for()
    shots(person, "duty-list-person")
