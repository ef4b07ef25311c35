"""manage.py seed_demo: the demo district, its people and a year of risks.

The district is seeded once for the module, inside a transaction that is rolled back when the
module is done, so other test modules start from an empty database; each test runs in a savepoint
within it.
"""

import datetime
import io
import re
from collections import Counter, defaultdict

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import RequestFactory
from django.utils import timezone

from risks import demo_data
from risks.models import (
    Domain,
    EventKind,
    LedgerCounter,
    Level,
    Profile,
    Risk,
    RiskEvent,
    Role,
    State,
    Unit,
    UnitKind,
)

PASSWORD = "Seed-Test-2026#"
User = get_user_model()

pytestmark = pytest.mark.django_db

# The accounts the demo is given with: role and unit.
NAMED = {
    "official": (Role.OFFICIAL, "修文镇"),
    "official2": (Role.OFFICIAL, "东阳镇"),
    "unitleader": (Role.UNIT_LEADER, "修文镇"),
    "deptofficial": (Role.OFFICIAL, "应急管理局"),
    "leader": (Role.DISTRICT_LEADER, "榆次区"),
    "admin": (Role.ADMIN, "区委国安办"),
    "secadmin": (Role.SECURITY_ADMIN, "区委国安办"),
    "auditor": (Role.AUDITOR, "区委国安办"),
}
STREETS = [
    "晋华街道",
    "经纬街道",
    "锦纶街道",
    "北关街道",
    "新建街道",
    "新华街道",
    "路西街道",
    "安宁街道",
    "西南街道",
]
TOWNS = [
    "乌金山镇",
    "修文镇",
    "东阳镇",
    "北田镇",
    "长凝镇",
    "什贴镇",
    "郭家堡乡",
    "张庆乡",
    "庄子乡",
    "东赵乡",
]


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        out = io.StringIO()
        call_command("seed_demo", password=PASSWORD, stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


def counts() -> dict:
    return {
        model.__name__: model.objects.count()
        for model in (Unit, User, Profile, Risk, RiskEvent, LedgerCounter)
    }


def test_demo_users_are_not_forced_to_change_their_password(seeded, settings):
    from accounts import policy

    settings.PASSWORD_EXPIRY_DAYS = 90
    soon = timezone.now() + datetime.timedelta(days=89)
    for username in NAMED:
        user = User.objects.get(username=username)
        assert policy.password_change_reason(user, now=soon) == "", username
    later = timezone.now() + datetime.timedelta(days=91)
    assert policy.password_change_reason(User.objects.get(username="official"), now=later) == "expired"


def test_streets_and_townships_lie_under_the_district_with_their_kinds(seeded):
    root = Unit.objects.get(code="YC")
    assert (root.name, root.kind, root.is_root()) == ("榆次区", UnitKind.DISTRICT, True)
    kinds = {unit.name: unit.kind for unit in Unit.objects.get_children(root)}
    assert {name: kinds.get(name) for name in STREETS} == dict.fromkeys(STREETS, UnitKind.STREET)
    assert {name: kinds.get(name) for name in TOWNS} == dict.fromkeys(TOWNS, UnitKind.TOWNSHIP)
    assert Unit.objects.filter(kind__in=(UnitKind.STREET, UnitKind.TOWNSHIP)).count() == 19
    assert Counter(kinds.values())[UnitKind.DEPARTMENT] == 13
    assert kinds["应急管理局"] == UnitKind.DEPARTMENT
    assert kinds["区委国安办"] == UnitKind.OFFICE


def test_each_territory_has_invented_villages_or_communities_marked_demo(seeded):
    for territory in Unit.objects.filter(kind__in=(UnitKind.STREET, UnitKind.TOWNSHIP)):
        below = list(Unit.objects.get_children(territory))
        grassroots = UnitKind.COMMUNITY if territory.kind == UnitKind.STREET else UnitKind.VILLAGE
        assert 3 <= len(below) <= 4, territory.name
        assert {unit.kind for unit in below} == {grassroots}, territory.name
        assert all(unit.code.endswith("-DEMO") and "演示" not in unit.name for unit in below)


def test_named_demo_users_have_their_role_and_unit_and_log_in(seeded):
    request = RequestFactory().get("/")
    for username, (role, unit_name) in NAMED.items():
        user = User.objects.select_related("profile__unit").get(username=username)
        assert (user.profile.role, user.profile.unit.name) == (role, unit_name), username
        assert user.last_name and user.first_name and user.profile.title
        assert re.fullmatch(r"1[3-9]\d{9}", user.profile.phone)
        assert authenticate(request, username=username, password=PASSWORD) == user, username
    assert authenticate(request, username="official", password="Wrong-Password-1") is None
    admin = User.objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser
    assert not User.objects.filter(is_superuser=True).exclude(username="admin").exists()
    assert Profile.objects.filter(role=Role.DISTRICT_LEADER).count() == 4


def test_every_territory_and_department_has_an_official_and_a_leader(seeded):
    for unit in Unit.objects.filter(kind__in=(UnitKind.STREET, UnitKind.TOWNSHIP, UnitKind.DEPARTMENT)):
        roles = Counter(unit.people.values_list("role", flat=True))
        assert roles == {Role.OFFICIAL: 1, Role.UNIT_LEADER: 1}, unit.name


def test_about_four_hundred_risks_in_every_state_level_and_many_domains(seeded):
    assert 350 <= Risk.objects.count() <= 450
    assert set(Risk.objects.values_list("state", flat=True)) == set(State.values)
    assert set(Risk.objects.values_list("level", flat=True)) == set(Level.values)
    assert Risk.objects.values("domain").distinct().count() >= 12
    assert Risk.objects.overdue().count() >= 40
    today = timezone.localdate()
    found = Risk.objects.values_list("found_on", flat=True)
    assert all(0 <= (today - day).days < 366 for day in found)
    # The four quarters before today each have risks.
    assert len({(day.year, (day.month - 1) // 3) for day in found}) >= 4


def test_the_workflow_sidelines_occur(seeded):
    kinds = set(RiskEvent.objects.values_list("kind", flat=True))
    for kind in (
        EventKind.PROGRESS,
        EventKind.CLOSURE_RETURNED,
        EventKind.EXTENSION_APPROVED,
        EventKind.HANDOVER_ACCEPTED,
        EventKind.REOPENED,
        EventKind.WITHDRAWN,
    ):
        assert kind in kinds, kind
    assert Risk.objects.filter(is_grey_rhino=True).exists()
    assert Risk.objects.filter(is_black_swan=True).exists()
    assert Risk.objects.exclude(supervising_unit=None).exists()
    assert Risk.objects.filter(owner_unit__kind=UnitKind.DEPARTMENT).exists()


def test_every_timeline_starts_with_created_and_runs_forward_in_time(seeded):
    events = defaultdict(list)
    for risk_id, kind, at in RiskEvent.objects.order_by("risk_id", "id").values_list("risk_id", "kind", "at"):
        events[risk_id].append((kind, at))
    now = timezone.now()
    for risk in Risk.objects.all():
        timeline = events[risk.pk]
        times = [at for _kind, at in timeline]
        assert timeline and timeline[0][0] == EventKind.CREATED, risk.code
        assert times == sorted(times), risk.code
        assert times[-1] <= now
        assert risk.created_at == times[0] and risk.updated_at == times[-1]
        assert timezone.localtime(times[0]).date() >= risk.found_on
        if risk.state == State.CLOSED:
            assert risk.closed_at == max(at for kind, at in timeline if kind == EventKind.CLOSURE_APPROVED)


def test_closures_are_approved_by_someone_else_and_major_ones_by_the_district(seeded):
    approvals = RiskEvent.objects.filter(kind=EventKind.CLOSURE_APPROVED).select_related(
        "risk", "actor__profile"
    )
    assert approvals.filter(risk__level=Level.MAJOR).exists()
    for event in approvals:
        assert event.actor_id != event.risk.responsible_id
        if event.risk.level == Level.MAJOR:
            assert event.actor.profile.role == Role.DISTRICT_LEADER


def test_ledger_codes_number_the_risks_by_year_in_the_order_they_were_logged(seeded):
    numbers = defaultdict(list)
    for code, created_at in Risk.objects.order_by("created_at", "id").values_list("code", "created_at"):
        prefix, year, number = code.split("-")
        assert (prefix, int(year)) == ("YC", timezone.localtime(created_at).year)
        numbers[int(year)].append(int(number))
    assert {year: list(range(1, len(n) + 1)) for year, n in numbers.items()} == numbers
    assert dict(LedgerCounter.objects.values_list("year", "last")) == {y: len(n) for y, n in numbers.items()}


def test_running_again_duplicates_nothing_and_sets_the_password(seeded, monkeypatch):
    assert "新建风险隐患：400" in seeded
    before = counts()
    monkeypatch.setenv("DEMO_PASSWORD", "Other-Demo-2026#")
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert counts() == before
    assert "跳过" in out.getvalue()
    assert authenticate(RequestFactory().get("/"), username="leader", password="Other-Demo-2026#") is not None


def test_a_weak_password_is_refused():
    with pytest.raises(CommandError, match="密码不符合要求"):
        call_command("seed_demo", password="short", stdout=io.StringIO())


def test_without_active_domains_it_stops_with_a_message_and_writes_nothing():
    Risk.objects.all().delete()
    Domain.objects.update(is_active=False)
    before = counts()
    with pytest.raises(CommandError, match="没有启用的安全领域"):
        call_command("seed_demo", password=PASSWORD, stdout=io.StringIO())
    assert counts() == before


def test_the_data_names_the_territories_of_the_design():
    assert [name for name, _abbr, _places in demo_data.STREETS] == STREETS
    assert [name for name, _abbr, _places in demo_data.TOWNS] == TOWNS


def test_seed_demo_refuses_to_run_with_production_settings(settings):
    settings.DEBUG = False
    settings.SECRET_KEY = "a-real-production-secret-key-of-enough-length-0123456789"
    with pytest.raises(CommandError, match="DEBUG 已关闭"):
        call_command("seed_demo", password="Yuci-Demo-2026!")
