"""The life of a risk (DESIGN.md "Life of a risk") through the services of risks.workflow.

The tables at the top cover every action of permissions.ACTIONS: refused from every state its rule
does not list, refused for people its rule does not name, and carried out from every state it
does list. The tests below them pin the rules the design spells out one by one.
"""

import datetime
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from risks import workflow
from risks.attachments import MAX_FILES
from risks.models import (
    Attachment,
    AuditAction,
    AuditEntry,
    EventKind,
    LedgerCounter,
    Level,
    Risk,
    RiskEvent,
    State,
)
from risks.permissions import ACTIONS, InvalidTransition, NotAllowed

from .factories import PDF_BYTES, PNG_BYTES, RiskFactory, pdf_upload, png_upload

DAY = datetime.timedelta(days=1)

# How each action is called in these tests; ``p`` gives the personas and the unit tree, ``text``
# is the action's text or reason.
CALLS = {
    "assign": lambda risk, by, p, text="": workflow.risk_assign(
        risk=risk, by=by, responsible=p.village_official, text=text
    ),
    "sign_for": lambda risk, by, p, text="收到": workflow.risk_sign_for(risk=risk, by=by, text=text),
    "progress": lambda risk, by, p, text="已设置围挡": workflow.risk_add_progress(
        risk=risk, by=by, text=text, files=[png_upload()]
    ),
    "request_handover": lambda risk, by, p, text="位于东阳镇辖区": workflow.risk_request_handover(
        risk=risk, by=by, to_unit=p.district.dongyang, reason=text
    ),
    "accept_handover": lambda risk, by, p, text="同意接收": workflow.risk_accept_handover(
        risk=risk, by=by, text=text
    ),
    "refuse_handover": lambda risk, by, p, text="不属本镇": workflow.risk_refuse_handover(
        risk=risk, by=by, reason=text
    ),
    "request_closure": lambda risk, by, p, text="整改完毕": workflow.risk_request_closure(
        risk=risk, by=by, text=text, files=[pdf_upload()]
    ),
    "approve_closure": lambda risk, by, p, text="验收合格": workflow.risk_approve_closure(
        risk=risk, by=by, text=text
    ),
    "return_closure": lambda risk, by, p, text="照片不清晰": workflow.risk_return_closure(
        risk=risk, by=by, reason=text
    ),
    "request_extension": lambda risk, by, p, text="雨季无法施工": workflow.risk_request_extension(
        risk=risk, by=by, new_deadline=risk.deadline + 10 * DAY, reason=text
    ),
    "approve_extension": lambda risk, by, p, text="同意": workflow.risk_approve_extension(
        risk=risk, by=by, text=text
    ),
    "refuse_extension": lambda risk, by, p, text="理由不足": workflow.risk_refuse_extension(
        risk=risk, by=by, reason=text
    ),
    "withdraw": lambda risk, by, p, text="重复登记": workflow.risk_withdraw(risk=risk, by=by, reason=text),
    "reopen": lambda risk, by, p, text="隐患复发": workflow.risk_reopen(risk=risk, by=by, reason=text),
    "supervise": lambda risk, by, p, text="月底前完成整改": workflow.risk_supervise_manual(
        risk=risk, by=by, text=text
    ),
}
# Actions that need a text or reason: returns, refusals, withdrawals and reopening need a reason,
# and an update or closure request says what was done.
NEEDS_TEXT = [
    "progress",
    "request_handover",
    "refuse_handover",
    "request_closure",
    "return_closure",
    "request_extension",
    "refuse_extension",
    "withdraw",
    "reopen",
    "supervise",
]

# Who carries each action out on a 修文镇 risk that 修文镇's official is responsible for.
ACTOR = {
    "assign": "unitleader",
    "sign_for": "official",
    "progress": "official",
    "request_handover": "unitleader",
    "accept_handover": "official2",
    "refuse_handover": "official2",
    "request_closure": "official",
    "approve_closure": "unitleader",
    "return_closure": "unitleader",
    "request_extension": "official",
    "approve_extension": "unitleader",
    "refuse_extension": "unitleader",
    "withdraw": "leader",
    "reopen": "unitleader",
    "supervise": "leader",
}

# Actions that answer a pending request, and how the request is made first.
PENDING = {
    "accept_handover": "request_handover",
    "refuse_handover": "request_handover",
    "approve_extension": "request_extension",
    "refuse_extension": "request_extension",
}

# The timeline entry each action writes, and the state it leaves (None: unchanged).
OUTCOME = {
    "assign": (EventKind.ASSIGNED, State.ASSIGNED),
    "sign_for": (EventKind.SIGNED, State.IN_PROGRESS),
    "progress": (EventKind.PROGRESS, None),
    "request_handover": (EventKind.HANDOVER_REQUESTED, None),
    "accept_handover": (EventKind.HANDOVER_ACCEPTED, State.REPORTED),
    "refuse_handover": (EventKind.HANDOVER_REFUSED, None),
    "request_closure": (EventKind.CLOSURE_REQUESTED, State.CLOSURE_PENDING),
    "approve_closure": (EventKind.CLOSURE_APPROVED, State.CLOSED),
    "return_closure": (EventKind.CLOSURE_RETURNED, State.IN_PROGRESS),
    "request_extension": (EventKind.EXTENSION_REQUESTED, None),
    "approve_extension": (EventKind.EXTENSION_APPROVED, None),
    "refuse_extension": (EventKind.EXTENSION_REFUSED, None),
    "withdraw": (EventKind.WITHDRAWN, State.WITHDRAWN),
    "reopen": (EventKind.REOPENED, State.IN_PROGRESS),
    "supervise": (EventKind.SUPERVISED, None),
}

# The fields each action sets, given the risk before it and the personas.
FIELDS = {
    "assign": lambda before, p: {"responsible_id": p.village_official.pk},
    "sign_for": lambda before, p: {"responsible_id": before.responsible_id},
    "progress": lambda before, p: {"deadline": before.deadline},
    "request_handover": lambda before, p: {
        "handover_to_id": p.district.dongyang.pk,
        "owner_unit_id": p.district.xiuwen.pk,
    },
    "accept_handover": lambda before, p: {
        "owner_unit_id": p.district.dongyang.pk,
        "handover_to_id": None,
        "responsible_id": None,
    },
    "refuse_handover": lambda before, p: {"owner_unit_id": p.district.xiuwen.pk, "handover_to_id": None},
    "request_closure": lambda before, p: {"closure_requested_by_id": p.official.pk, "closed_at": None},
    "approve_closure": lambda before, p: {"closure_requested_by_id": None},
    "return_closure": lambda before, p: {"closure_requested_by_id": None, "closed_at": None},
    "request_extension": lambda before, p: {
        "requested_deadline": before.deadline + 10 * DAY,
        "deadline": before.deadline,
    },
    "approve_extension": lambda before, p: {
        "deadline": before.requested_deadline,
        "requested_deadline": None,
    },
    "refuse_extension": lambda before, p: {"deadline": before.deadline, "requested_deadline": None},
    "withdraw": lambda before, p: {
        "handover_to_id": None,
        "requested_deadline": None,
        "closure_requested_by_id": None,
    },
    "reopen": lambda before, p: {"closed_at": None},
    # The supervision light belongs to the escalation ladder: a leader's 督办 leaves it.
    "supervise": lambda before, p: {
        "supervision_light": before.supervision_light,
        "deadline": before.deadline,
    },
}
ATTACHED = {"progress": 1, "request_closure": 1}
# Transitions record from_state → to_state on their entry; side actions leave both empty.
SIDE_ACTIONS = {
    "progress",
    "request_handover",
    "refuse_handover",
    "request_extension",
    "approve_extension",
    "refuse_extension",
    "supervise",
}

# From which states each action may start (DESIGN.md "Life of a risk"), written out rather than read
# from ACTIONS, so that a rule widened or narrowed by mistake fails here.
OPEN_BEFORE_CLOSURE = (State.REPORTED, State.ASSIGNED, State.IN_PROGRESS)
STATES = {
    "assign": (State.REPORTED, State.ASSIGNED),
    "sign_for": (State.ASSIGNED,),
    "progress": (State.IN_PROGRESS,),
    "request_handover": OPEN_BEFORE_CLOSURE,
    "accept_handover": OPEN_BEFORE_CLOSURE,
    "refuse_handover": OPEN_BEFORE_CLOSURE,
    "request_closure": (State.IN_PROGRESS,),
    "approve_closure": (State.CLOSURE_PENDING,),
    "return_closure": (State.CLOSURE_PENDING,),
    "request_extension": (State.ASSIGNED, State.IN_PROGRESS),
    "approve_extension": (State.ASSIGNED, State.IN_PROGRESS),
    "refuse_extension": (State.ASSIGNED, State.IN_PROGRESS),
    "withdraw": (*OPEN_BEFORE_CLOSURE, State.CLOSURE_PENDING),
    "reopen": (State.CLOSED,),
    "supervise": (*OPEN_BEFORE_CLOSURE, State.CLOSURE_PENDING),
}
ALLOWED = [(action, state) for action, states in STATES.items() for state in states]
REFUSED = [(action, state) for action, states in STATES.items() for state in State if state not in states]


@contextmanager
def refused(error, risk):
    """The block must raise ``error`` and leave ``risk``, its timeline, its attachments and the
    stored files as they were."""
    before = saved(risk), media_files()
    with pytest.raises(error):
        yield
    assert (saved(risk), media_files()) == before


def saved(risk):
    """What the database holds for ``risk``: its row, its timeline and its attachments."""
    return (
        Risk.objects.filter(pk=risk.pk).values().get(),
        list(RiskEvent.objects.filter(risk_id=risk.pk).values_list("pk", flat=True)),
        list(Attachment.objects.filter(risk_id=risk.pk).values_list("pk", flat=True)),
    )


def media_files() -> list[Path]:
    return sorted(path for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file())


def refresh(risk):
    return Risk.objects.get(pk=risk.pk)


def ask_pending(action, risk, p):
    """Put the request that ``action`` answers in place, the way people make it."""
    request = PENDING[action]
    CALLS[request](risk, getattr(p, ACTOR[request]), p)
    return refresh(risk)


def test_the_tables_cover_every_action():
    assert set(CALLS) == set(ACTOR) == set(OUTCOME) == set(FIELDS) == set(STATES) == set(ACTIONS)


@pytest.mark.parametrize("action", STATES)
def test_rule_lists_the_states_the_design_gives(action):
    assert set(ACTIONS[action].states) == set(STATES[action])


@pytest.mark.parametrize(("action", "state"), REFUSED)
def test_action_is_refused_from_a_state_its_rule_does_not_list(action, state, make_risk, people):
    risk = make_risk(state)
    if action in PENDING:
        # Give it the request the answer needs, so that the state is the only thing in the way.
        Risk.objects.filter(pk=risk.pk).update(
            handover_to=people.district.dongyang, requested_deadline=risk.deadline + DAY
        )
        risk = refresh(risk)

    with refused(InvalidTransition, risk):
        CALLS[action](risk, getattr(people, ACTOR[action]), people)


@pytest.mark.parametrize(("action", "state"), ALLOWED)
def test_action_from_a_state_its_rule_lists_changes_the_risk_and_writes_one_entry(
    action, state, make_risk, people
):
    risk = make_risk(state)
    if action in PENDING:
        risk = ask_pending(action, risk, people)
    last_event = risk.events.order_by("pk").last().pk
    actor = getattr(people, ACTOR[action])

    CALLS[action](risk, actor, people)

    after = refresh(risk)
    kind, to_state = OUTCOME[action]
    assert after.state == (to_state or state)
    expected = FIELDS[action](risk, people)
    assert {field: getattr(after, field) for field in expected} == expected
    assert after.updated_by == actor
    (event,) = RiskEvent.objects.filter(risk=risk, pk__gt=last_event)
    assert (event.kind, event.actor) == (kind, actor)
    if action in SIDE_ACTIONS:
        assert (event.from_state, event.to_state) == ("", "")
    else:
        assert (event.from_state, event.to_state) == (state, after.state)
    assert event.attachments.count() == ATTACHED.get(action, 0)


REFUSED_PEOPLE = [
    ("assign", State.REPORTED, "official"),
    ("assign", State.REPORTED, "outsider"),
    ("assign", State.REPORTED, "unitleader2"),
    ("assign", State.REPORTED, "auditor"),
    ("sign_for", State.ASSIGNED, "village_official"),
    ("sign_for", State.ASSIGNED, "unitleader2"),
    ("progress", State.IN_PROGRESS, "outsider"),
    ("progress", State.IN_PROGRESS, "deptofficial"),
    ("progress", State.IN_PROGRESS, "auditor"),
    ("request_handover", State.IN_PROGRESS, "official"),
    ("request_handover", State.IN_PROGRESS, "unitleader2"),
    ("accept_handover", State.IN_PROGRESS, "official"),
    ("accept_handover", State.IN_PROGRESS, "deptofficial"),
    ("accept_handover", State.IN_PROGRESS, "auditor"),
    ("refuse_handover", State.IN_PROGRESS, "official"),
    ("refuse_handover", State.IN_PROGRESS, "unitleader"),
    ("request_closure", State.IN_PROGRESS, "outsider"),
    ("request_closure", State.IN_PROGRESS, "deptofficial"),
    ("request_closure", State.IN_PROGRESS, "auditor"),
    ("approve_closure", State.CLOSURE_PENDING, "official"),
    ("approve_closure", State.CLOSURE_PENDING, "village_official"),
    ("approve_closure", State.CLOSURE_PENDING, "unitleader2"),
    ("approve_closure", State.CLOSURE_PENDING, "deptofficial"),
    ("approve_closure", State.CLOSURE_PENDING, "auditor"),
    ("return_closure", State.CLOSURE_PENDING, "official"),
    ("return_closure", State.CLOSURE_PENDING, "unitleader2"),
    ("request_extension", State.IN_PROGRESS, "outsider"),
    ("request_extension", State.IN_PROGRESS, "auditor"),
    ("approve_extension", State.IN_PROGRESS, "official"),
    ("approve_extension", State.IN_PROGRESS, "unitleader2"),
    ("refuse_extension", State.IN_PROGRESS, "official"),
    ("withdraw", State.IN_PROGRESS, "official"),
    ("withdraw", State.IN_PROGRESS, "unitleader"),
    ("withdraw", State.IN_PROGRESS, "auditor"),
    ("withdraw", State.IN_PROGRESS, "secadmin"),
    ("reopen", State.CLOSED, "official"),
    ("reopen", State.CLOSED, "unitleader2"),
    ("reopen", State.CLOSED, "auditor"),
    ("supervise", State.IN_PROGRESS, "official"),
    ("supervise", State.IN_PROGRESS, "unitleader"),
    ("supervise", State.IN_PROGRESS, "admin_user"),
    ("supervise", State.IN_PROGRESS, "auditor"),
]


@pytest.mark.parametrize(("action", "state", "persona"), REFUSED_PEOPLE)
def test_action_is_refused_for_someone_its_rule_does_not_name(action, state, persona, make_risk, people):
    risk = make_risk(state)
    if action in PENDING:
        risk = ask_pending(action, risk, people)

    with refused(NotAllowed, risk):
        CALLS[action](risk, getattr(people, persona), people)


@pytest.mark.parametrize("text", ["", "   "])
@pytest.mark.parametrize("action", NEEDS_TEXT)
def test_action_needs_a_text_or_reason(action, text, make_risk, people):
    risk = make_risk(STATES[action][-1])
    if action in PENDING:
        risk = ask_pending(action, risk, people)

    with refused(InvalidTransition, risk):
        CALLS[action](risk, getattr(people, ACTOR[action]), people, text)


def test_acting_on_a_stale_copy_sees_the_current_state(make_risk, unitleader, leader):
    risk = make_risk(State.CLOSURE_PENDING)
    workflow.risk_approve_closure(risk=risk, by=unitleader)

    with pytest.raises(InvalidTransition):
        workflow.risk_approve_closure(risk=risk, by=leader)  # risk still says closure_pending

    assert RiskEvent.objects.filter(risk=risk, kind=EventKind.CLOSURE_APPROVED).count() == 1


# ---------------------------------------------------------------------------------------------
# Closure: segregation of duties, 重大 risks, returns


def test_official_cannot_approve_own_closure(make_risk, official):
    risk = make_risk(State.CLOSURE_PENDING)
    assert risk.closure_requested_by == official

    with refused(NotAllowed, risk):
        workflow.risk_approve_closure(risk=risk, by=official)


def test_unit_leader_cannot_approve_closure_he_requested(make_risk, unitleader, leader):
    risk = make_risk(State.IN_PROGRESS)
    workflow.risk_request_closure(risk=risk, by=unitleader, text="已整改")

    with pytest.raises(NotAllowed):
        workflow.risk_approve_closure(risk=risk, by=unitleader)
    workflow.risk_approve_closure(risk=risk, by=leader)

    assert refresh(risk).state == State.CLOSED


def test_responsible_person_cannot_approve_closure(make_risk, official, unitleader, leader):
    risk = make_risk(State.IN_PROGRESS, responsible=unitleader)
    # The official of the owner unit asks, so the leader is not the requester, only responsible.
    workflow.risk_request_closure(risk=risk, by=official, text="已整改")

    with refused(NotAllowed, risk):
        workflow.risk_approve_closure(risk=risk, by=unitleader)

    workflow.risk_approve_closure(risk=risk, by=leader)
    assert refresh(risk).state == State.CLOSED


def test_major_risk_closure_is_approved_by_the_district_not_the_unit_leader(make_risk, unitleader, leader):
    risk = make_risk(State.CLOSURE_PENDING, level=Level.MAJOR)

    with refused(NotAllowed, risk):
        workflow.risk_approve_closure(risk=risk, by=unitleader)

    workflow.risk_approve_closure(risk=risk, by=leader)
    closed = refresh(risk)
    assert closed.state == State.CLOSED
    assert closed.closed_at is not None
    assert closed.events.last().actor == leader


def test_district_leader_may_approve_a_township_closure(make_risk, leader):
    risk = make_risk(State.CLOSURE_PENDING)

    workflow.risk_approve_closure(risk=risk, by=leader)

    assert refresh(risk).state == State.CLOSED


def test_returned_closure_goes_back_to_work_with_the_reason_on_the_timeline(make_risk, unitleader, official):
    risk = make_risk(State.CLOSURE_PENDING)

    workflow.risk_return_closure(risk=risk, by=unitleader, reason="  照片不清晰  ")

    event = refresh(risk).events.last()
    assert (event.kind, event.text) == (EventKind.CLOSURE_RETURNED, "照片不清晰")
    # The official may ask again once the work is done.
    workflow.risk_request_closure(risk=risk, by=official, text="补充了照片")
    assert refresh(risk).state == State.CLOSURE_PENDING


# ---------------------------------------------------------------------------------------------
# Deadline extension (延期)


def test_extension_cannot_be_asked_after_the_deadline(make_risk, official, frozen_today):
    start = frozen_today(datetime.date(2026, 6, 1))
    risk = make_risk(State.IN_PROGRESS, found_on=start, deadline=start + 5 * DAY)
    frozen_today(start + 6 * DAY)

    with refused(InvalidTransition, risk):
        workflow.risk_request_extension(
            risk=risk, by=official, new_deadline=start + 20 * DAY, reason="来不及"
        )


def test_extension_may_be_asked_on_the_deadline_day(make_risk, official, frozen_today):
    start = frozen_today(datetime.date(2026, 6, 1))
    risk = make_risk(State.IN_PROGRESS, found_on=start, deadline=start + 5 * DAY)
    frozen_today(start + 5 * DAY)

    workflow.risk_request_extension(risk=risk, by=official, new_deadline=start + 20 * DAY, reason="材料未到")

    assert refresh(risk).requested_deadline == start + 20 * DAY


@pytest.mark.parametrize("days_later", [0, -1])
def test_extension_must_move_the_deadline_later(days_later, make_risk, official):
    risk = make_risk(State.IN_PROGRESS)

    with refused(InvalidTransition, risk):
        workflow.risk_request_extension(
            risk=risk, by=official, new_deadline=risk.deadline + days_later * DAY, reason="来不及"
        )


def test_second_extension_cannot_be_asked_while_one_is_pending(make_risk, official):
    risk = make_risk(State.IN_PROGRESS)
    workflow.risk_request_extension(risk=risk, by=official, new_deadline=risk.deadline + DAY, reason="等材料")

    with pytest.raises(InvalidTransition):
        workflow.risk_request_extension(
            risk=risk, by=official, new_deadline=risk.deadline + 9 * DAY, reason="再等"
        )

    assert refresh(risk).requested_deadline == risk.deadline + DAY


def test_approved_extension_moves_the_deadline_and_records_old_and_new(
    make_risk, official, unitleader, frozen_today
):
    start = frozen_today(datetime.date(2026, 6, 1))
    risk = make_risk(State.IN_PROGRESS, found_on=start, deadline=datetime.date(2026, 6, 30))
    workflow.risk_request_extension(
        risk=risk, by=official, new_deadline=datetime.date(2026, 7, 15), reason="雨季"
    )

    workflow.risk_approve_extension(risk=risk, by=unitleader, text="同意")

    after = refresh(risk)
    assert (after.deadline, after.requested_deadline) == (datetime.date(2026, 7, 15), None)
    event = after.events.last()
    assert (event.kind, event.actor) == (EventKind.EXTENSION_APPROVED, unitleader)
    assert event.changes == [
        {"field": "deadline", "label": "整改时限", "old": "2026-06-30", "new": "2026-07-15"}
    ]


def test_refused_extension_keeps_the_deadline(make_risk, official, unitleader):
    risk = make_risk(State.IN_PROGRESS)
    workflow.risk_request_extension(
        risk=risk, by=official, new_deadline=risk.deadline + 7 * DAY, reason="等材料"
    )

    workflow.risk_refuse_extension(risk=risk, by=unitleader, reason="时间够用")

    after = refresh(risk)
    assert (after.deadline, after.requested_deadline) == (risk.deadline, None)
    assert after.events.last().text == "时间够用"


@pytest.mark.parametrize("action", ["approve_extension", "refuse_extension"])
def test_requester_cannot_decide_own_extension(action, make_risk, unitleader, people):
    risk = make_risk(State.IN_PROGRESS)
    # A unit leader works for the owner unit, so he may ask; then he may not also decide.
    workflow.risk_request_extension(
        risk=risk, by=unitleader, new_deadline=risk.deadline + DAY, reason="等材料"
    )

    with refused(NotAllowed, risk):
        CALLS[action](refresh(risk), unitleader, people)


def test_responsible_person_cannot_approve_extension(make_risk, official, unitleader):
    risk = make_risk(State.IN_PROGRESS, responsible=unitleader)
    workflow.risk_request_extension(risk=risk, by=official, new_deadline=risk.deadline + DAY, reason="等材料")

    with refused(NotAllowed, risk):
        workflow.risk_approve_extension(risk=risk, by=unitleader)


# ---------------------------------------------------------------------------------------------
# Handover (转办)


def test_accepted_handover_moves_the_risk_to_the_new_unit(
    make_risk, district, unitleader, official, official2
):
    risk = make_risk(State.IN_PROGRESS)
    workflow.risk_request_handover(risk=risk, by=unitleader, to_unit=district.dongyang, reason="位于东阳镇")

    workflow.risk_accept_handover(risk=risk, by=official2)

    after = refresh(risk)
    assert (after.owner_unit, after.responsible, after.handover_to, after.state) == (
        district.dongyang,
        None,
        None,
        State.REPORTED,
    )
    event = after.events.last()
    assert (event.kind, event.actor, event.from_state, event.to_state) == (
        EventKind.HANDOVER_ACCEPTED,
        official2,
        State.IN_PROGRESS,
        State.REPORTED,
    )
    assert event.changes == [
        {"field": "owner_unit", "label": "责任单位", "old": "修文镇", "new": "东阳镇"},
        {"field": "responsible", "label": "责任人", "old": "王修文", "new": ""},
    ]


def test_refused_handover_keeps_the_owner_and_records_the_reason(
    make_risk, district, unitleader, unitleader2
):
    risk = make_risk(State.IN_PROGRESS)
    workflow.risk_request_handover(risk=risk, by=unitleader, to_unit=district.dongyang, reason="位于东阳镇")

    workflow.risk_refuse_handover(risk=risk, by=unitleader2, reason="经核实属修文镇")

    after = refresh(risk)
    assert (after.owner_unit, after.handover_to, after.state) == (district.xiuwen, None, State.IN_PROGRESS)
    event = after.events.last()
    assert (event.kind, event.actor) == (EventKind.HANDOVER_REFUSED, unitleader2)
    assert "经核实属修文镇" in event.text


def test_handover_to_the_owner_itself_is_refused(make_risk, district, unitleader):
    risk = make_risk(State.IN_PROGRESS)

    with refused(InvalidTransition, risk):
        workflow.risk_request_handover(risk=risk, by=unitleader, to_unit=district.xiuwen, reason="原单位")


def test_pending_handover_holds_the_closure_request(make_risk, district, unitleader, official):
    risk = make_risk(State.IN_PROGRESS)
    workflow.risk_request_handover(risk=risk, by=unitleader, to_unit=district.dongyang, reason="位于东阳镇")

    with pytest.raises(InvalidTransition):
        workflow.risk_request_closure(risk=risk, by=official, text="已整改")

    assert refresh(risk).state == State.IN_PROGRESS


# ---------------------------------------------------------------------------------------------
# Withdraw (撤销) and reopen


@pytest.mark.parametrize("persona", ["leader", "admin_user"])
def test_leader_or_admin_may_withdraw_with_a_reason(persona, make_risk, people):
    risk = make_risk(State.ASSIGNED)
    by = getattr(people, persona)

    workflow.risk_withdraw(risk=risk, by=by, reason="误报")

    after = refresh(risk)
    assert after.state == State.WITHDRAWN
    assert (after.events.last().kind, after.events.last().text) == (EventKind.WITHDRAWN, "误报")


def test_withdraw_clears_pending_requests(make_risk, district, unitleader, leader):
    risk = make_risk(State.IN_PROGRESS)
    workflow.risk_request_handover(risk=risk, by=unitleader, to_unit=district.dongyang, reason="位于东阳镇")

    workflow.risk_withdraw(risk=risk, by=leader, reason="重复登记")

    assert refresh(risk).handover_to is None


def test_approver_reopens_a_closed_risk(make_risk, unitleader):
    risk = make_risk(State.CLOSED)

    workflow.risk_reopen(risk=risk, by=unitleader, reason="隐患复发")

    after = refresh(risk)
    assert (after.state, after.closed_at) == (State.IN_PROGRESS, None)
    event = after.events.last()
    assert (event.kind, event.text, event.from_state, event.to_state) == (
        EventKind.REOPENED,
        "隐患复发",
        State.CLOSED,
        State.IN_PROGRESS,
    )


def test_closed_major_risk_is_reopened_only_by_the_district(make_risk, unitleader, leader):
    risk = make_risk(State.CLOSED, level=Level.MAJOR)

    with pytest.raises(NotAllowed):
        workflow.risk_reopen(risk=risk, by=unitleader, reason="隐患复发")
    workflow.risk_reopen(risk=risk, by=leader, reason="隐患复发")

    assert refresh(risk).state == State.IN_PROGRESS


# ---------------------------------------------------------------------------------------------
# Assignment


def test_responsible_person_must_belong_to_the_owner_unit(make_risk, unitleader, official2):
    risk = make_risk(State.REPORTED)

    with refused(InvalidTransition, risk):
        workflow.risk_assign(risk=risk, by=unitleader, responsible=official2)


def test_inactive_person_cannot_be_made_responsible(make_risk, unitleader, village_official):
    risk = make_risk(State.REPORTED)
    village_official.is_active = False
    village_official.save()

    with pytest.raises(InvalidTransition):
        workflow.risk_assign(risk=risk, by=unitleader, responsible=village_official)

    assert refresh(risk).state == State.REPORTED


def test_deactivated_unit_leader_can_no_longer_approve(make_risk, unitleader):
    risk = make_risk(State.CLOSURE_PENDING)
    unitleader.is_active = False
    unitleader.save()

    with pytest.raises(NotAllowed):
        workflow.risk_approve_closure(risk=risk, by=unitleader)

    assert refresh(risk).state == State.CLOSURE_PENDING


def test_reassignment_records_the_old_and_new_responsible(make_risk, unitleader, village_official):
    risk = make_risk(State.ASSIGNED)

    workflow.risk_assign(risk=risk, by=unitleader, responsible=village_official)

    assert refresh(risk).events.last().changes == [
        {"field": "responsible", "label": "责任人", "old": "王修文", "new": "赵村"},
    ]


# ---------------------------------------------------------------------------------------------
# Editing (risk_update)


def edited(risk, **fields):
    copy = refresh(risk)
    for name, value in fields.items():
        setattr(copy, name, value)
    return copy


def test_update_records_each_changed_field_old_to_new(make_risk, official):
    risk = make_risk(State.IN_PROGRESS, title="河道护栏缺失", level=Level.GENERAL)

    changes = workflow.risk_update(
        risk=risk, by=official, changed=edited(risk, title="河道护栏损毁", level=Level.MAJOR), reason="复查"
    )

    assert changes == [
        {"field": "title", "label": "风险隐患名称", "old": "河道护栏缺失", "new": "河道护栏损毁"},
        {"field": "level", "label": "风险等级", "old": "一般", "new": "重大"},
    ]
    after = refresh(risk)
    assert (after.title, after.level, after.updated_by) == ("河道护栏损毁", Level.MAJOR, official)
    event = after.events.last()
    assert (event.kind, event.actor, event.text, event.changes) == (
        EventKind.EDITED,
        official,
        "复查",
        changes,
    )


def test_update_without_changes_writes_nothing(make_risk, official):
    risk = make_risk(State.IN_PROGRESS)
    before = saved(risk)

    assert workflow.risk_update(risk=risk, by=official, changed=edited(risk)) == []

    assert saved(risk) == before


def test_official_cannot_move_the_deadline_after_assignment(make_risk, official):
    risk = make_risk(State.IN_PROGRESS)

    with refused(InvalidTransition, risk):
        workflow.risk_update(risk=risk, by=official, changed=edited(risk, deadline=risk.deadline + 30 * DAY))


def test_official_may_move_the_deadline_before_assignment(make_risk, official):
    risk = make_risk(State.REPORTED)
    new = risk.deadline + 30 * DAY

    changes = workflow.risk_update(risk=risk, by=official, changed=edited(risk, deadline=new))

    assert changes == [
        {"field": "deadline", "label": "整改时限", "old": risk.deadline.isoformat(), "new": new.isoformat()}
    ]
    assert refresh(risk).deadline == new


def test_district_leader_may_move_the_deadline_after_assignment(make_risk, leader):
    risk = make_risk(State.IN_PROGRESS)

    workflow.risk_update(risk=risk, by=leader, changed=edited(risk, deadline=risk.deadline + 30 * DAY))

    assert refresh(risk).deadline == risk.deadline + 30 * DAY


def test_owner_unit_changes_only_by_handover(make_risk, district, leader):
    risk = make_risk(State.IN_PROGRESS)

    with refused(InvalidTransition, risk):
        workflow.risk_update(risk=risk, by=leader, changed=edited(risk, owner_unit=district.dongyang))


@pytest.mark.parametrize("persona", ["outsider", "auditor", "deptofficial"])
def test_people_outside_the_owner_cannot_edit(persona, make_risk, people):
    risk = make_risk(State.IN_PROGRESS)

    with refused(NotAllowed, risk):
        workflow.risk_update(risk=risk, by=getattr(people, persona), changed=edited(risk, title="改名"))


def test_closed_risk_cannot_be_edited(make_risk, leader):
    risk = make_risk(State.CLOSED)

    with pytest.raises(NotAllowed):
        workflow.risk_update(risk=risk, by=leader, changed=edited(risk, title="改名"))

    assert refresh(risk).title == risk.title


def test_update_records_cooperating_units(make_risk, district, official):
    risk = make_risk(State.IN_PROGRESS)

    changes = workflow.risk_update(
        risk=risk, by=official, changed=edited(risk), cooperating_units=[district.emergency, district.housing]
    )

    assert changes == [
        {"field": "cooperating_units", "label": "配合单位", "old": "", "new": "住建局、应急管理局"}
    ]
    assert set(refresh(risk).cooperating_units.all()) == {district.emergency, district.housing}


# ---------------------------------------------------------------------------------------------
# Creating (risk_create) and ledger codes


def new_risk(by, owner, **fields):
    return RiskFactory.build(township=owner, owner_unit=owner, created_by=by, updated_by=by, **fields)


def test_official_cannot_log_a_risk_for_a_unit_outside_his_subtree(district, official):
    with pytest.raises(NotAllowed):
        workflow.risk_create(by=official, risk=new_risk(official, district.dongyang))

    assert not Risk.objects.exists()
    assert not LedgerCounter.objects.exists()  # no code was used up


def test_official_may_log_a_risk_for_a_village_below_him(district, official):
    risk = workflow.risk_create(by=official, risk=new_risk(official, district.xiuwen_village))

    assert refresh(risk).owner_unit == district.xiuwen_village


def test_auditor_cannot_log_a_risk(district, auditor):
    with pytest.raises(NotAllowed):
        workflow.risk_create(by=auditor, risk=new_risk(auditor, district.xiuwen))

    assert not Risk.objects.exists()


def test_new_risks_get_consecutive_codes_of_the_year(district, official, frozen_today):
    frozen_today(datetime.date(2026, 3, 1))

    first = workflow.risk_create(by=official, risk=new_risk(official, district.xiuwen))
    second = workflow.risk_create(by=official, risk=new_risk(official, district.xiuwen))
    frozen_today(datetime.date(2027, 1, 1))
    next_year = workflow.risk_create(by=official, risk=new_risk(official, district.xiuwen))

    codes = list(Risk.objects.order_by("pk").values_list("code", flat=True))
    assert (
        codes
        == [first.code, second.code, next_year.code]
        == ["YC-2026-00001", "YC-2026-00002", "YC-2027-00001"]
    )


def test_new_risk_is_reported_with_one_entry_on_its_timeline(district, official):
    risk = workflow.risk_create(by=official, risk=new_risk(official, district.xiuwen, description="桥梁裂缝"))

    after = refresh(risk)
    assert (after.state, after.created_by, after.updated_by) == (State.REPORTED, official, official)
    (event,) = after.events.all()
    assert (event.kind, event.actor, event.text) == (EventKind.CREATED, official, "桥梁裂缝")


def test_new_risk_with_a_responsible_person_waits_for_sign_for(district, official, village_official):
    risk = workflow.risk_create(
        by=official, risk=new_risk(official, district.xiuwen, responsible=village_official)
    )

    after = refresh(risk)
    assert after.state == State.ASSIGNED
    assert [(e.kind, e.from_state, e.to_state) for e in after.events.all()] == [
        (EventKind.CREATED, "", ""),
        (EventKind.ASSIGNED, State.REPORTED, State.ASSIGNED),
    ]


def test_new_risk_keeps_its_attachments(district, official):
    risk = workflow.risk_create(
        by=official, risk=new_risk(official, district.xiuwen), files=[png_upload("现场.png")]
    )

    (attachment,) = Attachment.objects.filter(risk=risk)
    assert (attachment.original_name, attachment.content_type, attachment.size) == (
        "现场.png",
        "image/png",
        len(PNG_BYTES),
    )
    assert attachment.event.kind == EventKind.CREATED


# ---------------------------------------------------------------------------------------------
# Attachments: checked by content before anything is written


def html_named_pdf():
    return SimpleUploadedFile(
        "x.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>", content_type="application/pdf"
    )


def test_html_named_pdf_is_refused_and_nothing_saved(make_risk, official):
    risk = make_risk(State.IN_PROGRESS)

    with refused(ValidationError, risk):
        workflow.risk_add_progress(
            risk=risk, by=official, text="见附件", files=[pdf_upload(), html_named_pdf()]
        )


def test_html_named_pdf_refuses_the_closure_request(make_risk, official):
    risk = make_risk(State.IN_PROGRESS)

    with refused(ValidationError, risk):
        workflow.risk_request_closure(risk=risk, by=official, text="已整改", files=[html_named_pdf()])


def test_oversized_attachment_is_refused_and_nothing_saved(make_risk, official):
    risk = make_risk(State.IN_PROGRESS)

    with override_settings(ATTACHMENT_MAX_BYTES=len(PDF_BYTES) - 1), refused(ValidationError, risk):
        workflow.risk_add_progress(risk=risk, by=official, text="见附件", files=[pdf_upload()])


def test_too_many_attachments_are_refused(make_risk, official):
    risk = make_risk(State.IN_PROGRESS)

    with refused(InvalidTransition, risk):
        workflow.risk_add_progress(
            risk=risk,
            by=official,
            text="见附件",
            files=[png_upload(f"{n}.png") for n in range(MAX_FILES + 1)],
        )


def test_invalid_attachment_on_creation_saves_no_risk(district, official):
    with pytest.raises(ValidationError):
        workflow.risk_create(by=official, risk=new_risk(official, district.xiuwen), files=[html_named_pdf()])

    assert not Risk.objects.exists()
    assert not RiskEvent.objects.exists()


def test_path_traversal_name_gets_a_safe_stored_name(make_risk, official):
    risk = make_risk(State.IN_PROGRESS)

    workflow.risk_add_progress(
        risk=risk, by=official, text="现场照片", files=[png_upload("../../etc/passwd.png")]
    )

    (attachment,) = Attachment.objects.filter(risk=risk)
    assert attachment.original_name == "passwd.png"
    assert attachment.file.name.startswith("attachments/")
    assert ".." not in attachment.file.name
    assert "passwd" not in attachment.file.name
    media_root = Path(settings.MEDIA_ROOT).resolve()
    stored = media_root.joinpath(attachment.file.name).resolve()
    assert stored.is_relative_to(media_root)
    assert stored.read_bytes() == PNG_BYTES
    assert media_files() == [stored]


def test_update_cannot_change_the_responsible_person(make_risk, official, official2):
    # The responsible person changes only by assignment (交办), which checks who may assign and
    # that the person belongs to the owner unit; an edit must not be a way around it.
    risk = make_risk(State.IN_PROGRESS)

    with refused(InvalidTransition, risk):
        workflow.risk_update(risk=risk, by=official, changed=edited(risk, responsible=official2))


def test_new_risk_responsible_person_must_belong_to_the_owner_unit(district, official, official2):
    with pytest.raises(InvalidTransition):
        workflow.risk_create(by=official, risk=new_risk(official, district.xiuwen, responsible=official2))

    assert not Risk.objects.exists()


# ---------------------------------------------------------------------------------------------
# A leader's own supervision (督办)


def test_district_leader_supervises_with_an_instruction_and_the_light_stays(make_risk, leader):
    risk = make_risk(State.IN_PROGRESS)
    Risk.objects.filter(pk=risk.pk).update(supervision_light="yellow")

    workflow.risk_supervise_manual(risk=refresh(risk), by=leader, text="  本月底前完成整改，报区安委办。  ")

    after = refresh(risk)
    assert (after.state, after.supervision_light) == (State.IN_PROGRESS, "yellow")
    event = after.events.last()
    assert (event.kind, event.actor, event.text) == (
        EventKind.SUPERVISED,
        leader,
        "本月底前完成整改，报区安委办。",
    )
    assert event.changes == []
    entry = AuditEntry.objects.filter(object_id=str(risk.pk)).latest("pk")
    assert (entry.actor, entry.action) == (leader, AuditAction.TRANSITION)
    assert "本月底前完成整改" in entry.summary


def test_official_may_not_supervise(make_risk, official):
    risk = make_risk(State.IN_PROGRESS)

    with refused(NotAllowed, risk):
        workflow.risk_supervise_manual(risk=risk, by=official, text="请抓紧")


@pytest.mark.parametrize("state", [State.CLOSED, State.WITHDRAWN])
def test_closed_or_withdrawn_risk_cannot_be_supervised(state, make_risk, leader):
    risk = make_risk(state)

    with refused(InvalidTransition, risk):
        workflow.risk_supervise_manual(risk=risk, by=leader, text="请抓紧")
