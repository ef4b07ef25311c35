"""The ledger page (/risks/) and "my work" (/): scope, filters, counts, query counts."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from risks.models import Level, Risk, State, today

from .factories import RiskFactory

pytestmark = pytest.mark.django_db


def ledger(client, user, **params):
    client.force_login(user)
    return client.get(reverse("risks:list"), params)


def codes(response) -> set[str]:
    return {row.record.code for row in response.context["table"].page.object_list}


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("risks:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_official_sees_his_township_and_not_another(client, district, official):
    mine = RiskFactory(township=district.xiuwen, created_by=official)
    in_village = RiskFactory(
        township=district.xiuwen, village=district.xiuwen_village, owner_unit=district.xiuwen_village
    )
    other = RiskFactory(township=district.dongyang)
    response = ledger(client, official)
    assert response.status_code == 200
    assert codes(response) == {mine.code, in_village.code}
    assert other.code not in response.content.decode()
    assert response.context["table"].page.paginator.count == 2


def test_department_official_sees_what_it_supervises_across_townships(client, district, deptofficial):
    supervised = RiskFactory(township=district.dongyang, supervising_unit=district.emergency)
    RiskFactory(township=district.xiuwen)
    assert codes(ledger(client, deptofficial)) == {supervised.code}


def test_district_leader_sees_everything(client, district, leader):
    made = {RiskFactory(township=district.xiuwen).code, RiskFactory(township=district.dongyang).code}
    assert codes(ledger(client, leader)) == made


def test_filters_combine_and_live_in_the_url(client, district, leader, frozen_today):
    frozen_today(datetime.date(2026, 6, 15))
    found = datetime.date(2026, 5, 1)
    target = RiskFactory(
        township=district.xiuwen,
        village=district.xiuwen_village,
        owner_unit=district.xiuwen_village,
        level=Level.MAJOR,
        found_on=found,
        deadline=datetime.date(2026, 6, 1),
        title="煤矿井下通风老化",
    )
    RiskFactory(
        township=district.xiuwen, level=Level.MAJOR, found_on=found, deadline=datetime.date(2026, 7, 1)
    )
    RiskFactory(
        township=district.dongyang, level=Level.MAJOR, found_on=found, deadline=datetime.date(2026, 6, 1)
    )
    RiskFactory(township=district.xiuwen, level=Level.LOW, found_on=found, deadline=datetime.date(2026, 6, 1))
    response = ledger(
        client,
        leader,
        level="major",
        owner_unit=district.xiuwen.pk,
        overdue="on",
        domain=target.domain_id,
        q="通风",
    )
    assert codes(response) == {target.code}
    assert "通风" in response.content.decode()


def test_keyword_matches_code_and_title(client, district, leader):
    a = RiskFactory(township=district.xiuwen, title="燃气管道腐蚀")
    RiskFactory(township=district.xiuwen, title="自建房加层")
    assert codes(ledger(client, leader, q="燃气")) == {a.code}
    assert codes(ledger(client, leader, q=a.code)) == {a.code}


def test_deadline_range_and_state_filters(client, district, leader):
    a = RiskFactory(
        township=district.xiuwen, found_on=datetime.date(2026, 1, 1), deadline=datetime.date(2026, 3, 1)
    )
    RiskFactory(
        township=district.xiuwen, found_on=datetime.date(2026, 1, 1), deadline=datetime.date(2026, 5, 1)
    )
    RiskFactory(
        township=district.xiuwen,
        state=State.CLOSED,
        found_on=datetime.date(2026, 1, 1),
        deadline=datetime.date(2026, 3, 1),
    )
    response = ledger(
        client, leader, deadline_after="2026-02-01", deadline_before="2026-03-31", state="reported"
    )
    assert codes(response) == {a.code}


def test_bad_filter_values_answer_200_with_a_message_not_500(client, district, leader):
    RiskFactory(township=district.xiuwen)
    response = ledger(client, leader, deadline_after="not-a-date", level="purple", owner_unit="x", page="999")
    assert response.status_code == 200
    errors = response.context["filter"].errors
    assert {"deadline", "level", "owner_unit"} <= set(errors)
    # The message is shown beside the filter, in Chinese; a wrong filter shows no rows rather than all.
    assert "选择一个有效的选项" in response.content.decode()
    assert codes(response) == set()


def test_outsider_cannot_filter_by_another_townships_unit(client, district, official2):
    RiskFactory(township=district.xiuwen)
    response = ledger(client, official2, owner_unit=district.xiuwen.pk)
    assert codes(response) == set()


def test_sorting_by_deadline(client, district, leader):
    late = RiskFactory(township=district.xiuwen, deadline=today() + datetime.timedelta(days=90))
    early = RiskFactory(township=district.xiuwen, deadline=today() + datetime.timedelta(days=3))
    response = ledger(client, leader, sort="deadline")
    rows = [row.record.code for row in response.context["table"].page.object_list]
    assert rows == [early.code, late.code]


def test_overdue_rows_are_marked(client, district, leader):
    RiskFactory(
        township=district.xiuwen,
        found_on=today() - datetime.timedelta(days=40),
        deadline=today() - datetime.timedelta(days=5),
    )
    body = ledger(client, leader).content.decode()
    assert "逾期 5 天" in body
    assert "table-overdue" in body


def _queries_for(client, user, n, district):
    Risk.objects.all().delete()
    for _ in range(n):
        RiskFactory(
            township=district.xiuwen,
            village=district.xiuwen_village,
            supervising_unit=district.emergency,
            responsible=user,
            created_by=user,
        )
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("risks:list"), {"per_page": 200})
    assert response.status_code == 200
    assert len(response.context["table"].page.object_list) == n
    return len(queries)


@pytest.mark.parametrize("who", ["official", "leader"])
def test_ledger_query_count_is_the_same_for_10_and_200_rows(client, district, people, who):
    user = getattr(people, who)
    assert _queries_for(client, user, 10, district) == _queries_for(client, user, 200, district)


def test_ledger_query_count_is_bounded(client, district, official):
    assert _queries_for(client, official, 10, district) <= 20


def test_per_page_is_capped(client, district, leader):
    for _ in range(3):
        RiskFactory(township=district.xiuwen)
    response = ledger(client, leader, per_page=100000)
    assert response.context["table"].page.paginator.per_page == 200


# -- my work ---------------------------------------------------------------------------------------


def test_my_work_counts_equal_the_linked_ledger(
    client, district, official, unitleader, make_risk, frozen_today
):
    frozen_today(datetime.date(2026, 6, 15))
    make_risk(State.IN_PROGRESS, found_on=datetime.date(2026, 5, 1), deadline=datetime.date(2026, 6, 10))
    make_risk(State.IN_PROGRESS, found_on=datetime.date(2026, 5, 1), deadline=datetime.date(2026, 6, 18))
    make_risk(State.ASSIGNED, found_on=datetime.date(2026, 5, 1), deadline=datetime.date(2026, 8, 1))
    make_risk(State.CLOSURE_PENDING, found_on=datetime.date(2026, 5, 1), deadline=datetime.date(2026, 8, 1))
    RiskFactory(township=district.dongyang)  # not theirs
    for user, expected in [
        (official, {"responsible": 4, "due_soon": 1, "overdue": 1, "sign_for": 1, "approval": 0}),
        (unitleader, {"responsible": 0, "due_soon": 1, "overdue": 1, "sign_for": 1, "approval": 1}),
    ]:
        client.force_login(user)
        response = client.get(reverse("risks:my_work"))
        assert response.status_code == 200
        counts = {s["key"]: s["count"] for s in response.context["sections"]}
        assert counts == expected
        for key, count in counts.items():
            assert ledger(client, user, todo=key).context["table"].page.paginator.count == count


def test_my_work_query_count_does_not_grow(client, district, official, make_risk):
    client.force_login(official)
    make_risk(State.IN_PROGRESS)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("risks:my_work"))
    for _ in range(6):
        make_risk(State.IN_PROGRESS)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("risks:my_work"))
    assert len(few) == len(many)


def test_my_work_empty_state_says_what_to_do(client, official):
    client.force_login(official)
    body = client.get(reverse("risks:my_work")).content.decode()
    assert "登记风险隐患" in body


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_ledger_and_my_work_refuse_other_methods(client, official, method):
    client.force_login(official)
    assert getattr(client, method)(reverse("risks:list")).status_code == 405
    assert getattr(client, method)(reverse("risks:my_work")).status_code == 405


def test_keyword_ignores_case_of_letters_and_matches_chinese_in_descriptions(client, district, leader):
    a = RiskFactory(township=district.xiuwen, title="LPG 储罐", description="群众反映强烈")
    b = RiskFactory(township=district.xiuwen, title="自建房加层")
    assert codes(ledger(client, leader, q="lpg")) == {a.code}
    assert codes(ledger(client, leader, q="群众")) == {a.code}
    assert codes(ledger(client, leader, q=b.code.lower())) == {b.code}


@pytest.mark.parametrize("sort", ["", "deadline", "-deadline", "level"])
def test_pages_past_the_middle_show_the_same_rows_as_counting_from_the_start(client, district, leader, sort):
    # Many risks share a deadline and a level: the order needs the id as a tie-breaker, or the
    # pages read from the end would overlap those read from the start.
    for i in range(11):
        RiskFactory(
            township=district.xiuwen,
            level=Level.GENERAL if i % 2 else Level.LOW,
            found_on=datetime.date(2026, 1, 1),
            deadline=datetime.date(2026, 3, 1 + i % 3),
        )
    params = {"per_page": 3, **({"sort": sort} if sort else {})}
    pages = [
        [
            row.record.code
            for row in ledger(client, leader, page=n, **params).context["table"].page.object_list
        ]
        for n in (1, 2, 3, 4)
    ]
    seen = [code for page in pages for code in page]
    assert [len(page) for page in pages] == [3, 3, 3, 2]
    assert sorted(seen) == sorted(Risk.objects.values_list("code", flat=True))  # each once
    ordering = {"": ("-created_at", "-id"), "deadline": ("deadline", "id"), "-deadline": ("-deadline", "-id")}
    if sort in ordering:
        assert seen == list(Risk.objects.order_by(*ordering[sort]).values_list("code", flat=True))


def test_last_page_is_read_from_the_end_without_a_large_offset(client, district, leader):
    for _ in range(9):
        RiskFactory(township=district.xiuwen)
    client.force_login(leader)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("risks:list"), {"per_page": 2, "page": 5})
    rows = [row.record.pk for row in response.context["table"].page.object_list]
    assert rows == [Risk.objects.order_by("created_at", "id").first().pk]
    page_query = next(q["sql"] for q in queries if "OFFSET" in q["sql"] or "LIMIT 1" in q["sql"])
    assert "OFFSET 8" not in page_query and "ASC" in page_query


def test_official_scope_reaches_cooperation_and_supervision_below_his_unit(district, official):
    from risks.permissions import visible_risks

    cooperated = RiskFactory(township=district.dongyang)
    cooperated.cooperating_units.add(district.xiuwen_village)
    supervised = RiskFactory(township=district.dongyang, supervising_unit=district.xiuwen_village)
    RiskFactory(township=district.dongyang)
    assert set(visible_risks(official)) == {cooperated, supervised}


def test_official_scope_reads_his_units_once_per_request(district, official):
    from django.contrib.auth import get_user_model

    from risks.permissions import visible_risks

    RiskFactory(township=district.xiuwen)
    official = get_user_model().objects.select_related("profile__unit").get(pk=official.pk)
    with CaptureQueriesContext(connection) as queries:
        for _ in range(3):
            assert len(visible_risks(official)) == 1
    # The role's configured data scope and the unit's subtree once each, then one query per list.
    assert len(queries) == 2 + 3
