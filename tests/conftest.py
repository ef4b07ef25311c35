"""Personas and helpers shared by the tests.

The people (STYLE.md "Tests"): an official, unit leader and village official of 修文镇, the same
roles in 东阳镇 (the outsider), an official of 应急管理局, a district leader, an admin, a security
admin and an auditor of the security office. All fixtures are function-scoped.
"""

import datetime

import pytest
import time_machine

from risks import workflow
from risks.models import Level, Risk, Role, State

from .factories import SHANGHAI, RiskFactory, build_district, person
from .quarter_ledger import hand_ledger  # noqa: F401 - a fixture for the quarter tests


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """SQLite tests use a database file rather than memory.

    Django's in-memory test database is shared between connections through SQLite's shared
    cache, where a writer locks tables outright ("database table is locked") instead of making
    the others wait out the busy timeout. Threads with their own connections (test_ledger_code)
    must queue on the lock as web workers do, so give them a file (one per xdist worker).
    """
    from django.conf import settings

    for db_settings in settings.DATABASES.values():
        test_settings = db_settings.setdefault("TEST", {})
        if db_settings["ENGINE"] == "django.db.backends.sqlite3" and not test_settings.get("NAME"):
            test_settings["NAME"] = str(tmp_path_factory.mktemp("db") / "test.sqlite3")


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    # Uploaded attachments go to a throwaway folder, never to var/media.
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _two_factor_off(settings):
    # Personas of every role sign in with force_login; two-factor is tested in test_accounts.py,
    # which turns it back on (settings.TWO_FACTOR_REQUIRED_ROLES).
    settings.TWO_FACTOR_REQUIRED_ROLES = []


@pytest.fixture
def district(db):
    """The unit tree: root, xiuwen (+ xiuwen_village, dongchangshou), dongyang (+ dongyang_village),
    emergency (应急管理局), housing (住建局), office (区委国安办)."""
    return build_district()


def _persona(role: str, unit: str, username: str, name: str):
    """A fixture for the person ``name`` with ``role`` in ``district.<unit>``."""

    @pytest.fixture
    def persona(district):
        return person(role=role, unit=getattr(district, unit), username=username, last_name=name)

    persona.__doc__ = f"{name}: {Role(role).label}, {unit}"
    return persona


# The people of the tests (the fixture is the name on the left).
official = _persona(Role.OFFICIAL, "xiuwen", "xiuwen_official", "王修文")
official2 = _persona(Role.OFFICIAL, "dongyang", "dongyang_official", "李东阳")
village_official = _persona(Role.OFFICIAL, "xiuwen_village", "xiuwencun_official", "赵村")
unitleader = _persona(Role.UNIT_LEADER, "xiuwen", "xiuwen_leader", "刘镇长")
unitleader2 = _persona(Role.UNIT_LEADER, "dongyang", "dongyang_leader", "陈镇长")
deptofficial = _persona(Role.OFFICIAL, "emergency", "yingji_official", "孙应急")
leader = _persona(Role.DISTRICT_LEADER, "root", "district_leader", "周区长")
# Replaces pytest-django's superuser of the same name: our admin is a role, not a superuser.
admin_user = _persona(Role.ADMIN, "office", "office_admin", "吴管理")
secadmin = _persona(Role.SECURITY_ADMIN, "office", "office_secadmin", "郑安全")
auditor = _persona(Role.AUDITOR, "office", "office_auditor", "冯审计")


@pytest.fixture
def outsider(official2):
    """An official of another township (东阳镇)."""
    return official2


@pytest.fixture
def people(request):
    """The personas by fixture name (``people.official``, ``people.district``), each made only
    when first asked for: for tables of tests that name the person as a string."""

    class People:
        def __getattr__(self, name):
            return request.getfixturevalue(name)

    return People()


@pytest.fixture
def make_risk(district, official, unitleader, leader):
    """Build a risk and move it to ``state`` through the workflow services, in order:
    reported → assigned → in_progress → closure_pending → closed (or reported → withdrawn).

    By default 修文镇's official logs it for 修文镇 and is made responsible, 修文镇's leader
    assigns it and approves the closure (the district leader for 重大 risks). Other Risk fields
    are passed through (title, level, found_on, deadline, township, owner_unit, …).
    """

    def make(state=State.IN_PROGRESS, *, by=None, assigner=None, responsible=None, approver=None, **fields):
        by = by or official
        fields.setdefault("township", district.xiuwen)
        fields.setdefault("owner_unit", fields["township"])
        risk = workflow.risk_create(by=by, risk=RiskFactory.build(created_by=by, updated_by=by, **fields))
        if state == State.WITHDRAWN:
            workflow.risk_withdraw(risk=risk, by=leader, reason="重复登记")
        if state in (State.REPORTED, State.WITHDRAWN):
            return Risk.objects.get(pk=risk.pk)
        responsible = responsible or official
        workflow.risk_assign(risk=risk, by=assigner or unitleader, responsible=responsible)
        if state != State.ASSIGNED:
            workflow.risk_sign_for(risk=risk, by=responsible)
        if state in (State.CLOSURE_PENDING, State.CLOSED):
            workflow.risk_request_closure(risk=risk, by=responsible, text="已完成整改")
        if state == State.CLOSED:
            approver = approver or (leader if risk.level == Level.MAJOR else unitleader)
            workflow.risk_approve_closure(risk=risk, by=approver, text="验收合格")
        return Risk.objects.get(pk=risk.pk)

    return make


@pytest.fixture
def frozen_today():
    """Call with a date to make it "today" in Asia/Shanghai (10:00, clock stopped) for the rest of
    the test; call again to move on. Returns the date."""
    travellers = []

    def freeze(day: datetime.date) -> datetime.date:
        traveller = time_machine.travel(
            datetime.datetime.combine(day, datetime.time(10), tzinfo=SHANGHAI), tick=False
        )
        traveller.start()
        travellers.append(traveller)
        return day

    yield freeze
    for traveller in reversed(travellers):
        traveller.stop()
