"""The leaders' dashboard (/dashboard/): hand-counted figures, each link's ledger count, scope,
query count."""

import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from quarters.figures import Quarter, snapshot_quarter
from risks.models import SupervisionLight

from .factories import RiskFactory

pytestmark = pytest.mark.django_db
d = datetime.date


def board(client, user):
    client.force_login(user)
    response = client.get(reverse("quarters:dashboard"))
    assert response.status_code == 200
    return response.context


def ledger_count(client, url: str) -> int:
    parts = urlsplit(url)
    assert parts.path == reverse("risks:list")
    response = client.get(parts.path, parse_qs(parts.query))
    assert response.status_code == 200
    assert not response.context["filter"].form.errors, response.context["filter"].form.errors
    return response.context["filter"].qs.count()


def all_links(context) -> list[tuple[int, str]]:
    """Every (figure, ledger URL) pair the board shows."""
    pairs = [(card["value"], card["url"]) for card in context["cards"]]
    pairs += [(light["value"], light["url"]) for light in context["lights"]]
    for row in context["by_domain"]:
        pairs.append((row["total"], row["url"]))
        pairs += [(cell["value"], cell["url"]) for cell in row["cells"]]
    pairs += [(total["value"], total["url"]) for total in context["level_totals"]]
    pairs.append((context["open_total"], context["open_url"]))
    for row in context["by_unit"]:
        for key in ("open", "overdue", "closed", "on_time"):
            pairs.append((row[key], row[f"{key}_url"]))
    return pairs


def test_district_leader_sees_the_hand_counted_figures(client, hand_ledger, frozen_today, leader):
    frozen_today(d(2026, 6, 30))
    context = board(client, leader)
    figures = {card["key"]: card["value"] for card in context["cards"]}
    assert figures == {"open": 3, "new": 4, "closed": 3, "on_time": 2, "overdue": 2}
    assert context["on_time_rate"] == "66.7%"
    assert context["oldest"].pk == hand_ledger.d.pk and context["oldest_days"] == 76
    assert {
        row["name"]: (row["open"], row["overdue"], row["closed"], row["on_time"])
        for row in context["by_unit"]
    } == {
        "修文镇": (1, 1, 2, 1),
        "东阳镇": (1, 1, 1, 1),
        "应急管理局": (1, 0, 0, 0),
    }
    assert {light["key"]: light["value"] for light in context["lights"]}[SupervisionLight.GREEN] == 3
    assert [row["label"] for row in context["trend"]][-2:] == ["2026Q1", "2026Q2"]
    # Q1 from the timeline (no snapshot): 4 new, 1 closed, 3 open and none overdue at its end.
    q1 = context["trend"][-2]
    assert (q1["new"], q1["closed"], q1["carried_over"], q1["overdue_at_end"]) == (4, 1, 3, 0)
    html = context["chart"]
    assert html["trendNew"][-2:] == [4, 4]


def test_each_dashboard_figure_equals_its_ledger_count(client, hand_ledger, frozen_today, leader):
    frozen_today(d(2026, 6, 30))
    pairs = all_links(board(client, leader))
    assert len(pairs) > 20
    for figure, url in pairs:
        assert ledger_count(client, url) == figure, url


def test_unit_leader_sees_his_subtree_and_its_links_agree(client, hand_ledger, frozen_today, unitleader):
    frozen_today(d(2026, 6, 30))
    context = board(client, unitleader)
    figures = {card["key"]: card["value"] for card in context["cards"]}
    # 修文镇 owns A B E H: E open and overdue, H new (withdrawn), A B closed (B on time).
    assert figures == {"open": 1, "new": 2, "closed": 2, "on_time": 1, "overdue": 1}
    assert context["unit"] == hand_ledger.district.xiuwen
    for figure, url in all_links(context):
        assert "owner_unit=" in url or "owner_exact=" in url
        assert ledger_count(client, url) == figure, url


@pytest.mark.parametrize("persona", ["official", "village_official", "deptofficial", "auditor", "secadmin"])
def test_people_without_the_quarter_in_their_work_get_403(client, district, people, persona):
    client.force_login(getattr(people, persona))
    response = client.get(reverse("quarters:dashboard"))
    assert response.status_code == 403
    assert "只有区领导、管理员和单位负责人" in response.content.decode()


def test_admin_sees_the_district(client, hand_ledger, frozen_today, admin_user):
    frozen_today(d(2026, 6, 30))
    assert board(client, admin_user)["unit"] is None


def test_dashboard_answers_get_only(client, district, leader):
    client.force_login(leader)
    assert client.post(reverse("quarters:dashboard")).status_code == 405


def test_dashboard_page_draws_charts_from_a_static_script(client, hand_ledger, frozen_today, leader):
    frozen_today(d(2026, 6, 30))
    client.force_login(leader)
    html = client.get(reverse("quarters:dashboard")).content.decode()
    assert 'id="dashboard-data" type="application/json"' in html
    assert "vendor/echarts/echarts.min.js" in html and "js/dashboard.js" in html
    assert "<script>" not in html.replace('<script id="dashboard-data" type="application/json">', "")
    assert 'data-figure="overdue">2<' in html


def test_dashboard_query_count_does_not_grow_with_risks(client, district, leader, frozen_today):
    frozen_today(d(2026, 6, 30))
    client.force_login(leader)

    def add(n):
        for i in range(n):
            RiskFactory(
                township=district.xiuwen if i % 2 else district.dongyang,
                owner_unit=district.emergency if i % 3 == 0 else district.xiuwen,
                found_on=d(2026, 4, 1),
                deadline=d(2026, 5, 1 + i % 20),
            )

    add(3)
    client.get(reverse("quarters:dashboard"))  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("quarters:dashboard"))
    add(30)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("quarters:dashboard"))
    assert response.context["cards"][0]["value"] == 33
    assert len(many) == len(few)
    assert len(many) <= 25


def test_trend_reads_a_snapshot_once_the_quarter_is_frozen(client, hand_ledger, frozen_today, leader):
    frozen_today(d(2026, 7, 2))
    snapshot_quarter(Quarter(2026, 2))
    snapshot_quarter(Quarter(2026, 1))
    trend = board(client, leader)["trend"]
    q1, q2 = trend[-3], trend[-2]
    assert (q1["new"], q1["closed"], q1["carried_over"], q1["overdue_at_end"]) == (4, 1, 3, 0)
    assert (q2["new"], q2["closed"], q2["carried_over"], q2["overdue_at_end"]) == (4, 3, 3, 2)
