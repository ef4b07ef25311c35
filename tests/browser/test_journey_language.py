"""Journey: the language switch to English and back; the choice sticks from page to page."""

from pathlib import Path

from django.conf import settings
from django.utils import translation
from django.utils.formats import date_format

from risks.models import State
from tests.requires import requires_chromium

from .helpers import assert_accessible, shots

pytestmark = [requires_chromium]


def test_switch_to_english_and_back(visit, make_risk, official):
    po = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"
    mo = po.with_suffix(".mo")
    assert mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime, "compile the catalogues: make messages"
    risk = make_risk(State.IN_PROGRESS, title="修文村水库大坝渗漏")

    page = visit(official, f"/risks/{risk.pk}/", size="phone")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    page.get_by_role("button", name="展开菜单").click()
    page.get_by_role("button", name="English").click()

    # Back on the same page, in English: menus, labels, statuses, the domain's official name, dates.
    page.get_by_role("heading", name="Timeline").wait_for()
    assert page.url.endswith(f"/risks/{risk.pk}/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.title() == f"{risk.code} 修文村水库大坝渗漏 · Yuci District Security Risk Ledger"
    facts = page.locator("dl.facts").inner_text()
    assert "Security domain\nSocietal security" in facts
    with translation.override("en"):
        assert f"Deadline\n{date_format(risk.deadline)}" in facts  # e.g. "Dec. 30, 2026"
    assert page.locator(".badge", has_text="In progress").is_visible()
    assert page.locator("#actions .accordion-button", has_text="Report progress").count() == 1
    shots(page, "risk-english")
    assert_accessible(page)

    # The choice sticks on the next page, and the ledger's empty choices read "All".
    page.goto(page.url.split("/risks/")[0] + "/risks/")
    page.get_by_role("heading", name="Risk ledger").wait_for()
    assert page.get_by_label("Security domain").locator("option").first.inner_text() == "All"

    # And back to Chinese.
    page.get_by_role("button", name="Open menu").click()
    page.get_by_role("button", name="简体中文").click()
    page.get_by_role("heading", name="风险隐患台账").wait_for()
    assert page.locator("html").get_attribute("lang") == "zh-CN"
