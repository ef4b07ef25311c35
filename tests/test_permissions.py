"""Who sees what and who may do what (DESIGN.md "Who owns a risk, and who sees it").

A person sees a risk located in their unit's subtree, or owned, cooperated on or supervised by a
unit in it; district leaders, admins and the security office see everything.
"""

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from risks import permissions, workflow
from risks.models import DataScope, Risk, Role, State
from risks.permissions import allowed_actions, get_visible_risk, visible_risks

from .factories import RiskFactory, UserFactory, person


@pytest.fixture
def ledger(district):
    """One risk for each way a unit can be tied to a risk, named for what ties it."""
    d = district
    return SimpleNamespace(
        xiuwen=RiskFactory(township=d.xiuwen),
        xiuwen_village=RiskFactory(township=d.xiuwen, village=d.xiuwen_village, owner_unit=d.xiuwen_village),
        # Located in 修文镇's village but owned by a department.
        located_in_xiuwen_village=RiskFactory(
            township=d.xiuwen, village=d.dongchangshou, owner_unit=d.housing
        ),
        owned_by_xiuwen_elsewhere=RiskFactory(township=d.dongyang, owner_unit=d.xiuwen),
        xiuwen_cooperates=RiskFactory(township=d.dongyang, cooperating_units=[d.xiuwen]),
        xiuwen_village_cooperates=RiskFactory(township=d.dongyang, cooperating_units=[d.xiuwen_village]),
        dongyang=RiskFactory(township=d.dongyang),
        dongyang_village=RiskFactory(
            township=d.dongyang, village=d.dongyang_village, owner_unit=d.dongyang_village
        ),
        emergency_supervises_dongyang=RiskFactory(township=d.dongyang, supervising_unit=d.emergency),
        emergency_supervises_xiuwen=RiskFactory(township=d.xiuwen, supervising_unit=d.emergency),
    )


def seen(user, ledger) -> set[str]:
    """The names (in ``ledger``) of the risks ``user`` sees."""
    visible = set(visible_risks(user).values_list("pk", flat=True))
    return {name for name, risk in vars(ledger).items() if risk.pk in visible}


# What 修文镇 itself is tied to; its subtree adds what its villages are tied to elsewhere.
XIUWEN_ITSELF = {
    "xiuwen",
    "xiuwen_village",
    "located_in_xiuwen_village",
    "owned_by_xiuwen_elsewhere",
    "xiuwen_cooperates",
    "emergency_supervises_xiuwen",
}
XIUWEN = XIUWEN_ITSELF | {"xiuwen_village_cooperates"}
DONGYANG = {"dongyang", "dongyang_village", "emergency_supervises_dongyang"}
ALL = XIUWEN | DONGYANG


def test_the_ledger_fixture_names_every_risk(ledger):
    assert set(vars(ledger)) == ALL


def test_township_official_sees_his_township_its_villages_and_what_it_owns_or_helps_with(official, ledger):
    assert seen(official, ledger) == XIUWEN


def test_township_unit_leader_sees_the_same_as_its_official(unitleader, ledger):
    assert seen(unitleader, ledger) == XIUWEN


def test_other_township_sees_its_own_and_not_xiuwens(official2, ledger):
    # Risks located in 东阳镇 are 东阳镇's to see, whoever owns or helps with them.
    assert seen(official2, ledger) == DONGYANG | {
        "owned_by_xiuwen_elsewhere",
        "xiuwen_cooperates",
        "xiuwen_village_cooperates",
    }


def test_village_official_sees_only_his_village(village_official, ledger):
    assert seen(village_official, ledger) == {"xiuwen_village", "xiuwen_village_cooperates"}


def test_department_official_sees_what_it_supervises_across_townships(deptofficial, ledger):
    assert seen(deptofficial, ledger) == {"emergency_supervises_dongyang", "emergency_supervises_xiuwen"}


def test_department_sees_what_it_owns(district, ledger):
    housing_official = person(role=Role.OFFICIAL, unit=district.housing)

    assert seen(housing_official, ledger) == {"located_in_xiuwen_village"}


@pytest.mark.parametrize("persona", ["leader", "admin_user", "secadmin", "auditor"])
def test_district_people_see_everything(persona, people, ledger):
    assert seen(getattr(people, persona), ledger) == ALL


def test_leader_of_the_district_unit_sees_everything(district, ledger):
    # Scope follows the unit too: anyone whose unit is the district itself sees all.
    assert seen(person(role=Role.OFFICIAL, unit=district.root), ledger) == ALL


def test_user_without_a_profile_sees_nothing(db, ledger):
    assert seen(UserFactory(), ledger) == set()


def test_anonymous_user_sees_nothing(ledger):
    assert seen(AnonymousUser(), ledger) == set()


@pytest.mark.parametrize("persona", ["official", "leader"])
def test_inactive_user_sees_nothing(persona, people, ledger):
    user = getattr(people, persona)
    user.is_active = False
    user.save()

    assert seen(user, ledger) == set()


def test_visible_risks_narrows_a_given_queryset(official, district, ledger):
    narrowed = visible_risks(official, Risk.objects.filter(township=district.dongyang))

    assert set(narrowed) == {
        ledger.owned_by_xiuwen_elsewhere,
        ledger.xiuwen_cooperates,
        ledger.xiuwen_village_cooperates,
    }


# ---------------------------------------------------------------------------------------------
# The five data scopes (RuoYi's words), as a role may be configured


def scoped(monkeypatch, scope):
    monkeypatch.setitem(permissions.ROLE_DATA_SCOPE, Role.OFFICIAL, scope)


def test_scope_all_sees_everything(monkeypatch, official, ledger):
    scoped(monkeypatch, DataScope.ALL)

    assert seen(official, ledger) == ALL


def test_scope_unit_sees_the_unit_but_not_its_villages(monkeypatch, official, ledger):
    scoped(monkeypatch, DataScope.UNIT)

    assert seen(official, ledger) == XIUWEN_ITSELF


def test_scope_unit_and_below_adds_the_villages(monkeypatch, official, ledger):
    scoped(monkeypatch, DataScope.UNIT_AND_BELOW)

    assert seen(official, ledger) == XIUWEN


def test_scope_custom_adds_the_chosen_units_subtrees(monkeypatch, district, village_official, ledger):
    scoped(monkeypatch, DataScope.CUSTOM)
    village_official.profile.custom_scope_units.set([district.dongyang])

    assert seen(village_official, ledger) == {"xiuwen_village", "xiuwen_village_cooperates"} | DONGYANG | {
        "owned_by_xiuwen_elsewhere",
        "xiuwen_cooperates",
    }


def test_scope_custom_without_units_is_the_own_subtree(monkeypatch, village_official, ledger):
    scoped(monkeypatch, DataScope.CUSTOM)

    assert seen(village_official, ledger) == {"xiuwen_village", "xiuwen_village_cooperates"}


def test_scope_self_sees_what_he_logged_or_is_responsible_for(monkeypatch, district, official, ledger):
    scoped(monkeypatch, DataScope.SELF)
    logged = RiskFactory(township=district.dongyang, created_by=official)
    responsible = RiskFactory(township=district.dongyang, responsible=official)

    assert set(visible_risks(official)) == {logged, responsible}


# ---------------------------------------------------------------------------------------------
# get_visible_risk: the one lookup of a single risk


def test_get_visible_risk_returns_a_risk_in_scope(official, ledger):
    assert get_visible_risk(official, str(ledger.xiuwen.pk)) == ledger.xiuwen


@pytest.mark.parametrize("pk", ["abc", "", None, "1.5", "999999999999999999999", "-1"])
def test_get_visible_risk_answers_404_for_malformed_or_unknown_ids(pk, official, ledger):
    with pytest.raises(Http404):
        get_visible_risk(official, pk)


def test_get_visible_risk_answers_404_out_of_scope(official, ledger):
    with pytest.raises(Http404):
        get_visible_risk(official, ledger.dongyang.pk)


def test_get_visible_risk_answers_404_for_a_deleted_risk(leader, ledger):
    pk = ledger.dongyang.pk
    ledger.dongyang.delete()

    with pytest.raises(Http404):
        get_visible_risk(leader, pk)


# ---------------------------------------------------------------------------------------------
# allowed_actions: what the risk page offers


@pytest.mark.parametrize(
    ("persona", "state", "expected"),
    [
        ("official", State.REPORTED, []),
        ("unitleader", State.REPORTED, ["assign", "request_handover"]),
        ("leader", State.REPORTED, ["assign", "request_handover", "withdraw", "supervise"]),
        ("admin_user", State.REPORTED, ["assign", "request_handover", "withdraw"]),
        ("official", State.ASSIGNED, ["sign_for", "request_extension"]),
        ("unitleader", State.ASSIGNED, ["assign", "sign_for", "request_handover", "request_extension"]),
        ("official", State.IN_PROGRESS, ["progress", "request_closure", "request_extension"]),
        ("village_official", State.IN_PROGRESS, []),
        (
            "unitleader",
            State.IN_PROGRESS,
            ["progress", "request_handover", "request_closure", "request_extension"],
        ),
        ("official", State.CLOSURE_PENDING, []),
        ("unitleader", State.CLOSURE_PENDING, ["approve_closure", "return_closure"]),
        ("leader", State.CLOSURE_PENDING, ["approve_closure", "return_closure", "withdraw", "supervise"]),
        ("unitleader", State.CLOSED, ["reopen"]),
        ("official", State.CLOSED, []),
        ("leader", State.WITHDRAWN, []),
        ("outsider", State.IN_PROGRESS, []),
        ("unitleader2", State.CLOSURE_PENDING, []),
        ("auditor", State.IN_PROGRESS, []),
        ("secadmin", State.CLOSURE_PENDING, []),
    ],
)
def test_allowed_actions_lists_exactly_what_the_person_may_do(persona, state, expected, make_risk, people):
    risk = make_risk(state)

    assert allowed_actions(getattr(people, persona), risk) == expected


def test_allowed_actions_offers_the_answers_to_a_pending_handover(make_risk, district, unitleader, official2):
    risk = make_risk(State.IN_PROGRESS)
    workflow.risk_request_handover(risk=risk, by=unitleader, to_unit=district.dongyang, reason="位于东阳镇")
    risk.refresh_from_db()

    assert allowed_actions(official2, risk) == ["accept_handover", "refuse_handover"]
    # While it waits, the owner may neither hand it over again nor ask to close it.
    assert allowed_actions(unitleader, risk) == ["progress", "request_extension"]


def test_allowed_actions_offers_the_decision_on_a_pending_extension(make_risk, official, unitleader):
    risk = make_risk(State.IN_PROGRESS)
    workflow.risk_request_extension(
        risk=risk, by=official, new_deadline=risk.deadline.replace(year=2099), reason="等"
    )
    risk.refresh_from_db()

    assert "approve_extension" in allowed_actions(unitleader, risk)
    assert "refuse_extension" in allowed_actions(unitleader, risk)
    assert "request_extension" not in allowed_actions(official, risk)


def test_inactive_superuser_sees_nothing(db, ledger):
    user = UserFactory(is_superuser=True, is_active=False)

    assert seen(user, ledger) == set()


def test_active_superuser_sees_everything(db, ledger):
    assert seen(UserFactory(is_superuser=True), ledger) == ALL
