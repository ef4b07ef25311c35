"""Interface details that every page shares: empty choices that read well, friendly error pages,
dates in the person's language, the ledger's empty state. (The browser tests cover layout and
accessibility; these check the HTML the server sends.)"""

import datetime

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import translation

from risks.models import State


def test_new_risk_form_offers_please_choose_not_dashes(client, official):
    client.force_login(official)
    html = client.get(reverse("risks:create")).content.decode()
    assert "---------" not in html
    assert '<option value="" selected>请选择</option>' in html  # category, hazard grade, village…


def test_ledger_filters_offer_all_not_dashes(client, official):
    client.force_login(official)
    html = client.get(reverse("risks:list")).content.decode()
    assert "---------" not in html
    assert '<option value="" selected>全部</option>' in html
    assert 'aria-label="整改时限（起）"' in html and 'aria-label="整改时限（止）"' in html


def test_action_form_offers_please_choose(client, make_risk, unitleader):
    risk = make_risk(State.REPORTED)
    client.force_login(unitleader)
    html = client.get(reverse("risks:detail", args=[risk.pk])).content.decode()
    assert "---------" not in html and ">请选择</option>" in html


def test_empty_ledger_says_what_to_do_next(client, make_risk, official):
    make_risk(State.IN_PROGRESS)
    client.force_login(official)
    html = client.get(reverse("risks:list"), {"q": "没有这样的风险"}).content.decode()
    assert "没有符合这些筛选条件的风险隐患。" in html
    assert reverse("risks:create") in html and "清除筛选，查看全部" in html


def test_not_found_page_is_friendly_and_shows_no_internals(client, official):
    client.force_login(official)
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "没有找到这个页面，或您无权查看" in html and "<title>页面不存在 · " in html
    assert "Resolver404" not in html and "tried" not in html


def test_forbidden_page_gives_the_reason(client, make_risk, official):
    risk = make_risk(State.CLOSED)
    client.force_login(official)
    response = client.get(reverse("risks:edit", args=[risk.pk]))
    assert response.status_code == 403
    html = response.content.decode()
    assert "您无权进行这项操作" in html and "您不能修改这条风险隐患。" in html


def test_expired_form_gets_a_friendly_page_and_saves_nothing(official):
    client = Client(enforce_csrf_checks=True)
    client.force_login(official)
    response = client.post(reverse("risks:create"), {"title": "x"})
    assert response.status_code == 403
    assert "页面已过期，没有保存任何内容" in response.content.decode()


@pytest.mark.parametrize(
    ("language", "text"), [("zh-hans", "系统出了点问题"), ("en", "Something went wrong")]
)
def test_server_error_page_stands_alone_in_the_persons_language(language, text):
    # Rendered as Django's server_error view does: no request, no context processors.
    with translation.override(language):
        html = render_to_string("500.html")
    assert text in html and "{%" not in html


def test_risk_dates_follow_the_language(client, make_risk, official, frozen_today):
    frozen_today(datetime.date(2026, 11, 30))
    risk = make_risk(State.IN_PROGRESS, deadline=datetime.date(2026, 12, 30))
    client.force_login(official)
    assert "2026年12月30日" in client.get(reverse("risks:detail", args=[risk.pk])).content.decode()
    client.cookies["django_language"] = "en"
    assert "Dec. 30, 2026" in client.get(reverse("risks:detail", args=[risk.pk])).content.decode()
