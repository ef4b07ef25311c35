"""Derived state on the models, the unit tree, the migrated domains and the database's own checks."""

import datetime

import pytest
import time_machine
from django.db import IntegrityError, transaction

from risks.models import OPEN_STATES, Category, Domain, Risk, State

from .factories import SHANGHAI, RiskFactory

DAY = datetime.timedelta(days=1)
TODAY = datetime.date(2026, 5, 20)


@pytest.fixture
def on_today(frozen_today):
    return frozen_today(TODAY)


def risk_due(district, deadline, state=State.IN_PROGRESS, **fields):
    return RiskFactory(
        township=district.xiuwen, found_on=deadline - 30 * DAY, deadline=deadline, state=state, **fields
    )


# ---------------------------------------------------------------------------------------------
# Overdue (逾期) is derived: deadline passed and not closed


def test_risk_past_its_deadline_is_overdue(district, on_today):
    risk = risk_due(district, TODAY - DAY)

    assert risk.is_overdue
    assert risk.days_left == -1


def test_risk_due_today_is_not_yet_overdue(district, on_today):
    risk = risk_due(district, TODAY)

    assert not risk.is_overdue
    assert risk.days_left == 0


def test_days_left_counts_to_the_deadline(district, on_today):
    assert risk_due(district, TODAY + 7 * DAY).days_left == 7


@pytest.mark.parametrize("state", [State.CLOSED, State.WITHDRAWN])
def test_finished_risk_is_never_overdue(state, district, on_today):
    assert not risk_due(district, TODAY - 100 * DAY, state=state).is_overdue


def test_overdue_follows_the_shanghai_date_not_utc(district):
    risk = risk_due(district, datetime.date(2026, 5, 19))
    # 00:30 on the 20th in Shanghai is still the 19th in UTC: the deadline has passed all the same.
    with time_machine.travel(datetime.datetime(2026, 5, 20, 0, 30, tzinfo=SHANGHAI), tick=False):
        assert risk.is_overdue
    with time_machine.travel(datetime.datetime(2026, 5, 19, 23, 30, tzinfo=SHANGHAI), tick=False):
        assert not risk.is_overdue


def test_queryset_overdue_and_open(district, on_today):
    overdue = {state: risk_due(district, TODAY - DAY, state=state) for state in State}
    due_today = risk_due(district, TODAY)

    assert set(Risk.objects.overdue()) == {overdue[state] for state in OPEN_STATES}
    assert set(Risk.objects.open()) == {overdue[state] for state in OPEN_STATES} | {due_today}
    assert set(Risk.objects.not_overdue()) == {overdue[State.CLOSED], overdue[State.WITHDRAWN], due_today}


def test_queryset_overdue_on_a_given_day(district, on_today):
    risk = risk_due(district, TODAY + 3 * DAY)

    assert list(Risk.objects.overdue(on=TODAY + 4 * DAY)) == [risk]
    assert list(Risk.objects.overdue(on=TODAY + 3 * DAY)) == []


def test_model_and_queryset_agree_on_overdue(district, on_today):
    risks = [
        risk_due(district, TODAY + offset * DAY, state=state) for offset in (-2, 0, 2) for state in State
    ]

    assert {r.pk for r in risks if r.is_overdue} == set(Risk.objects.overdue().values_list("pk", flat=True))


# ---------------------------------------------------------------------------------------------
# The unit tree


def test_subtree_is_the_unit_and_everything_below_it(district):
    assert set(district.xiuwen.subtree()) == {
        district.xiuwen,
        district.xiuwen_village,
        district.dongchangshou,
    }
    assert set(district.xiuwen_village.subtree()) == {district.xiuwen_village}
    assert district.root.subtree().count() == 9


def test_is_within_is_true_for_itself_and_its_ancestors_only(district):
    assert district.xiuwen_village.is_within(district.xiuwen)
    assert district.xiuwen_village.is_within(district.root)
    assert district.xiuwen.is_within(district.xiuwen)
    assert not district.xiuwen.is_within(district.xiuwen_village)
    assert not district.dongyang_village.is_within(district.xiuwen)
    assert not district.emergency.is_within(district.xiuwen)


def test_territory_and_grassroots_kinds(district):
    assert district.xiuwen.is_territory and not district.xiuwen.is_grassroots
    assert district.xiuwen_village.is_grassroots and not district.xiuwen_village.is_territory
    assert not district.emergency.is_territory and not district.emergency.is_grassroots


def test_location_unit_is_the_village_when_there_is_one(district):
    assert (
        RiskFactory(township=district.xiuwen, village=district.xiuwen_village).location_unit
        == district.xiuwen_village
    )
    assert RiskFactory(township=district.xiuwen).location_unit == district.xiuwen


# ---------------------------------------------------------------------------------------------
# Security domains, loaded by migration 0002


DOMAIN_NAMES = (
    "政治安全 军事安全 国土安全 经济安全 金融安全 文化安全 社会安全 科技安全 网络安全 粮食安全 "
    "生态安全 资源安全 核安全 海外利益安全 太空安全 深海安全 极地安全 生物安全 人工智能安全 数据安全"
).split()


@pytest.mark.django_db
def test_the_twenty_domains_are_loaded_in_the_design_order():
    assert list(Domain.objects.values_list("name", flat=True)) == DOMAIN_NAMES
    assert Domain.objects.filter(is_active=True).count() == 20


@pytest.mark.django_db
def test_food_supply_is_a_domain_and_food_safety_a_category_under_societal():
    assert Domain.objects.get(name="粮食安全").code == "food"
    assert not Domain.objects.filter(name="食品安全").exists()
    food_safety = Category.objects.get(name="食品安全")
    assert (food_safety.domain.name, food_safety.parent) == ("社会安全", None)


@pytest.mark.django_db
def test_mines_sit_under_production_safety_under_societal():
    mines = Category.objects.get(name="矿山")
    assert (mines.domain.code, mines.parent.name) == ("societal", "安全生产")
    assert str(mines) == "安全生产 › 矿山"


# ---------------------------------------------------------------------------------------------
# The database's own checks


def test_database_refuses_a_deadline_before_the_found_date(district):
    with pytest.raises(IntegrityError), transaction.atomic():
        RiskFactory(township=district.xiuwen, found_on=TODAY, deadline=TODAY - DAY)

    assert not Risk.objects.exists()


def test_database_accepts_a_deadline_on_the_found_date(district):
    RiskFactory(township=district.xiuwen, found_on=TODAY, deadline=TODAY)

    assert Risk.objects.count() == 1


def test_database_refuses_a_duplicate_ledger_code(district):
    RiskFactory(township=district.xiuwen, code="YC-2026-00001")

    with pytest.raises(IntegrityError), transaction.atomic():
        RiskFactory(township=district.xiuwen, code="YC-2026-00001")
