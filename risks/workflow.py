"""The life of a risk: every state change as a service function.

Each service locks the risk's row, checks the rule in ``risks.permissions`` (who may do it, from
which state), changes the risk, and writes the timeline entry in the same transaction. Anything
else is refused with InvalidTransition or NotAllowed, and nothing is saved.
"""

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from . import audit, bulk
from .attachments import MAX_FILES, stored_file, validate_upload
from .models import (
    OPEN_STATES,
    Attachment,
    AuditAction,
    AuditEntry,
    EventKind,
    LedgerCounter,
    Level,
    Risk,
    RiskEvent,
    Role,
    State,
    SupervisionLight,
    Unit,
    display_name,
    today,
)
from .permissions import (
    InvalidTransition,
    NotAllowed,
    can_change_deadline_directly,
    can_create_risk,
    can_edit_risk,
    check_action,
    is_district_level,
    writable_units,
)

BULK_BATCH = 1000  # rows per INSERT in the bulk services

# Fields whose changes are written to the timeline as old → new, in the form's order.
TRACKED_FIELDS = (
    "title",
    "description",
    "domain",
    "category",
    "level",
    "hazard_grade",
    "source",
    "campaign",
    "found_on",
    "township",
    "village",
    "address",
    "owner_unit",
    "supervising_unit",
    "responsible",
    "leader_in_charge",
    "measures",
    "deadline",
    "is_black_swan",
    "is_grey_rhino",
    "remarks",
)


def next_ledger_code(year: int) -> str:
    """Allocate the next ledger code of ``year`` (YC-2026-00042) without races."""
    return next_ledger_codes(year, 1)[0]


def next_ledger_codes(year: int, count: int) -> list[str]:
    """Allocate ``count`` consecutive ledger codes of ``year`` at once, without races.

    The UPDATE takes the counter row's lock until the surrounding transaction ends, so concurrent
    creations queue on it and each reads its own block. The first risk of a year creates the row;
    two first creations at once collide on the primary key and the loser retries the UPDATE.
    """
    if count < 1:
        return []
    for _attempt in range(3):
        with transaction.atomic():
            if LedgerCounter.objects.filter(year=year).update(last=F("last") + count):
                last = LedgerCounter.objects.get(year=year).last
                break
            try:
                with transaction.atomic():
                    LedgerCounter.objects.create(year=year, last=count)
                last = count
                break
            except IntegrityError:
                continue
    else:
        raise RuntimeError("could not allocate a ledger code")
    return [f"{settings.LEDGER_CODE_PREFIX}-{year}-{n:05d}" for n in range(last - count + 1, last + 1)]


def _lock(risk: Risk) -> Risk:
    """Re-read the risk under a row lock, so two people acting at once see each other's change."""
    return Risk.objects.select_for_update().select_related("owner_unit").get(pk=risk.pk)


# The timeline entry and the audit entry are written together: the timeline is what people read
# on the risk, the audit log is what the auditor reads, and neither can miss a change.
EVENT_AUDIT_ACTION = {EventKind.CREATED: AuditAction.CREATE, EventKind.EDITED: AuditAction.UPDATE}


def _event(risk: Risk, *, kind: str, by, text: str = "", from_state: str = "", changes=None, files=()):
    event, entry = event_rows(risk, kind=kind, by=by, at=timezone.now(), text=text, from_state=from_state,
                              changes=changes)  # fmt: skip
    event.save()
    entry.save()
    for upload in files:
        _attach(event, upload, by)
    return event


def event_rows(risk: Risk, *, kind: str, by, at, text: str = "", from_state: str = "", changes=None):
    """A timeline entry and its audit entry, not saved yet (bulk services save many at once)."""
    event = RiskEvent(
        risk=risk,
        kind=kind,
        actor=by,
        at=at,
        text=text,
        from_state=from_state,
        to_state=risk.state if from_state else "",
        changes=changes or [],
    )
    label = event.get_kind_display()
    entry = audit.entry(
        actor=by,
        action=EVENT_AUDIT_ACTION.get(kind, AuditAction.TRANSITION),
        obj=risk,
        at=at,
        summary=f"{label}：{text}" if text else label,
        changes=changes or [],
    )
    return event, entry


def _attach(event: RiskEvent, upload, by) -> Attachment:
    return Attachment.objects.create(event=event, risk_id=event.risk_id, **stored_file(upload, by=by))


def _check_files(files) -> list:
    files = list(files or ())
    if len(files) > MAX_FILES:
        raise InvalidTransition(_("一次最多上传 %(n)d 个附件。") % {"n": MAX_FILES})
    for upload in files:
        validate_upload(upload)  # before any write, so a bad file saves nothing
    return files


def _check_responsible(responsible, owner_unit: Unit) -> None:
    profile = getattr(responsible, "profile", None)
    if (
        profile is None
        or not responsible.is_active
        or not profile.unit.is_within(owner_unit)
        or profile.role not in (Role.OFFICIAL, Role.UNIT_LEADER)
    ):
        raise InvalidTransition(_("责任人必须是责任单位（或其下属单位）的在岗人员。"))


def _check_dates(risk: Risk) -> None:
    if risk.found_on and risk.deadline and risk.deadline < risk.found_on:
        raise InvalidTransition(_("整改时限不能早于发现日期。"))
    if risk.found_on and risk.found_on > today():
        raise InvalidTransition(_("发现日期不能晚于今天。"))


def _require(text: str, what: str) -> str:
    text = (text or "").strip()
    if not text:
        raise InvalidTransition(_("请填写%(what)s。") % {"what": what})
    return text


def _save(risk: Risk, by, *fields):
    risk.updated_by = by
    risk.updated_at = timezone.now()
    risk.save(update_fields=[*fields, "updated_by", "updated_at"])


def _display(risk: Risk, field: str):
    value = getattr(risk, field)
    if value is None or value == "":
        return ""
    model_field = Risk._meta.get_field(field)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if hasattr(value, "get_username"):
        return display_name(value)
    return str(value)


def diff(before: Risk, after: Risk) -> list[dict]:
    changes = []
    for field in TRACKED_FIELDS:
        attname = Risk._meta.get_field(field).attname
        if getattr(before, attname) != getattr(after, attname):
            changes.append(
                {
                    "field": field,
                    "label": str(Risk._meta.get_field(field).verbose_name),
                    "old": _display(before, field),
                    "new": _display(after, field),
                }
            )
    return changes


# ---------------------------------------------------------------------------------------------
# Create and edit


@transaction.atomic
def risk_create(*, by, risk: Risk, cooperating_units=(), files=()) -> Risk:
    """Save a new, validated (unsaved) risk: allocate its code and write the first timeline entry."""
    if not can_create_risk(by):
        raise NotAllowed(_("您的角色不能登记风险隐患。"))
    if not writable_units(by).filter(pk=risk.owner_unit_id).exists():
        raise NotAllowed(_("您不能为单位“%(unit)s”登记风险隐患。") % {"unit": risk.owner_unit})
    if risk.responsible_id:
        _check_responsible(risk.responsible, risk.owner_unit)
    _check_dates(risk)
    files = _check_files(files)
    now = timezone.now()
    _prepare_new(risk, by=by, code=next_ledger_code(timezone.localtime(now).year), at=now)
    risk.save()
    risk.cooperating_units.set(cooperating_units)
    for n, (event, entry) in enumerate(_creation_rows(risk, by=by, at=now)):
        event.save()
        entry.save()
        if n == 0:  # the files come with the registration
            for upload in files:
                _attach(event, upload, by)
    return risk


def _prepare_new(risk: Risk, *, by, code: str, at) -> None:
    """A new risk's code, author and first state: 待签收 (assigned) when logged with a responsible
    person already chosen, handed straight to them to sign for; else 已登记."""
    risk.code = code
    risk.state = State.ASSIGNED if risk.responsible_id else State.REPORTED
    risk.created_by = risk.updated_by = by
    risk.created_at = risk.updated_at = at


def _creation_rows(risk: Risk, *, by, at) -> list[tuple]:
    """A new risk's timeline and audit entries (unsaved): 登记, then 交办 when it is logged with a
    responsible person."""
    rows = [event_rows(risk, kind=EventKind.CREATED, by=by, at=at, text=risk.description)]
    if risk.responsible_id:
        text = _("登记时指定责任人：%(name)s") % {"name": _display(risk, "responsible")}
        rows.append(
            event_rows(risk, kind=EventKind.ASSIGNED, by=by, at=at, text=text, from_state=State.REPORTED)
        )
    return rows


@transaction.atomic
def risks_create_many(*, by, items) -> list[Risk]:
    """Save many new, validated risks at once (the Excel import): what ``risk_create`` does for
    one — the same checks, ledger codes, timeline entries and audit entries — in a few queries
    per thousand risks. ``items`` is a list of (unsaved risk, cooperating units). All or nothing.
    """
    if not can_create_risk(by):
        raise NotAllowed(_("您的角色不能登记风险隐患。"))
    items = list(items)
    writable = set(writable_units(by).values_list("pk", flat=True))
    for risk, _units in items:
        if risk.owner_unit_id not in writable:
            raise NotAllowed(_("您不能为单位“%(unit)s”登记风险隐患。") % {"unit": risk.owner_unit})
        if risk.responsible_id:
            _check_responsible(risk.responsible, risk.owner_unit)
        _check_dates(risk)
    now = timezone.now()
    codes = next_ledger_codes(timezone.localtime(now).year, len(items))
    risks = []
    for (risk, _units), code in zip(items, codes, strict=True):
        _prepare_new(risk, by=by, code=code, at=now)
        risks.append(risk)
    Risk.objects.bulk_create(risks, batch_size=BULK_BATCH)
    Through = Risk.cooperating_units.through
    Through.objects.bulk_create(
        [Through(risk_id=risk.pk, unit_id=unit.pk) for risk, units in items for unit in units],
        batch_size=BULK_BATCH,
    )
    rows = [row for risk in risks for row in _creation_rows(risk, by=by, at=now)]
    events, entries = zip(*rows, strict=True) if rows else ((), ())
    bulk.insert(RiskEvent, events)
    bulk.insert(AuditEntry, entries)
    return risks


@transaction.atomic
def risk_update(*, risk: Risk, by, changed: Risk, cooperating_units=None, reason: str = "") -> list[dict]:
    """Save an edited copy of ``risk``; the timeline shows each field's old → new value."""
    current = _lock(risk)
    if not can_edit_risk(by, current):
        raise NotAllowed(_("您不能修改这条风险隐患。"))
    if changed.deadline != current.deadline and not can_change_deadline_directly(by, current):
        raise InvalidTransition(_("交办后整改时限只能通过延期申请变更。"))
    if changed.owner_unit_id != current.owner_unit_id:
        raise InvalidTransition(_("责任单位只能通过转办变更。"))
    if changed.responsible_id != current.responsible_id:
        raise InvalidTransition(_("责任人只能通过交办变更。"))
    if current.level == Level.MAJOR and changed.level != Level.MAJOR and not is_district_level(by):
        # 重大 risks are closed by the district: lowering one would let a township close it.
        raise NotAllowed(_("只有区领导可以调低“重大”风险的等级。"))
    _check_dates(changed)
    changes = diff(current, changed)
    old_coop = set(current.cooperating_units.values_list("pk", flat=True))
    if cooperating_units is not None:
        new_coop = {u.pk for u in cooperating_units}
        if new_coop != old_coop:
            names = dict(Unit.objects.filter(pk__in=old_coop | new_coop).values_list("pk", "name"))
            changes.append(
                {
                    "field": "cooperating_units",
                    "label": str(Risk._meta.get_field("cooperating_units").verbose_name),
                    "old": "、".join(sorted(names[i] for i in old_coop)),
                    "new": "、".join(sorted(names[i] for i in new_coop)),
                }
            )
            current.cooperating_units.set(cooperating_units)
    if not changes:
        return []
    for field in TRACKED_FIELDS:
        attname = Risk._meta.get_field(field).attname
        setattr(current, attname, getattr(changed, attname))
    _save(current, by, *(Risk._meta.get_field(f).attname for f in TRACKED_FIELDS))
    _event(current, kind=EventKind.EDITED, by=by, text=reason.strip(), changes=changes)
    return changes


# ---------------------------------------------------------------------------------------------
# The main line


def _transition(risk: Risk, by, action: str) -> Risk:
    current = _lock(risk)
    check_action(action, by, current)
    return current


@transaction.atomic
def risk_assign(*, risk: Risk, by, responsible, text: str = "") -> Risk:
    current = _transition(risk, by, "assign")
    _check_responsible(responsible, current.owner_unit)
    before = current.state
    old = _display(current, "responsible")
    current.responsible = responsible
    current.state = State.ASSIGNED
    _save(current, by, "responsible", "state")
    changes = []
    if old != _display(current, "responsible"):
        changes = [
            {
                "field": "responsible",
                "label": str(Risk._meta.get_field("responsible").verbose_name),
                "old": old,
                "new": _display(current, "responsible"),
            }
        ]
    _event(current, kind=EventKind.ASSIGNED, by=by, text=text.strip(), from_state=before, changes=changes)
    return current


@transaction.atomic
def risk_sign_for(*, risk: Risk, by, text: str = "") -> Risk:
    current = _transition(risk, by, "sign_for")
    current.state = State.IN_PROGRESS
    _save(current, by, "state")
    _event(current, kind=EventKind.SIGNED, by=by, text=text.strip(), from_state=State.ASSIGNED)
    return current


@transaction.atomic
def risk_add_progress(*, risk: Risk, by, text: str, files=()) -> RiskEvent:
    current = _transition(risk, by, "progress")
    text = _require(text, _("整改进展"))
    files = _check_files(files)
    current.last_progress_at = timezone.now()
    _save(current, by, "last_progress_at")
    return _event(current, kind=EventKind.PROGRESS, by=by, text=text, files=files)


@transaction.atomic
def risk_request_closure(*, risk: Risk, by, text: str, files=()) -> Risk:
    current = _transition(risk, by, "request_closure")
    text = _require(text, _("整改完成情况"))
    files = _check_files(files)
    current.state = State.CLOSURE_PENDING
    current.closure_requested_by = by
    current.last_progress_at = timezone.now()
    _save(current, by, "state", "closure_requested_by", "last_progress_at")
    _event(
        current, kind=EventKind.CLOSURE_REQUESTED, by=by, text=text, from_state=State.IN_PROGRESS, files=files
    )
    return current


@transaction.atomic
def risk_approve_closure(*, risk: Risk, by, text: str = "") -> Risk:
    current = _transition(risk, by, "approve_closure")
    current.state = State.CLOSED
    current.closed_at = timezone.now()
    current.closure_requested_by = None
    _save(current, by, "state", "closed_at", "closure_requested_by")
    _event(
        current, kind=EventKind.CLOSURE_APPROVED, by=by, text=text.strip(), from_state=State.CLOSURE_PENDING
    )
    return current


@transaction.atomic
def risk_return_closure(*, risk: Risk, by, reason: str) -> Risk:
    current = _transition(risk, by, "return_closure")
    reason = _require(reason, _("退回理由"))
    current.state = State.IN_PROGRESS
    current.closure_requested_by = None
    _save(current, by, "state", "closure_requested_by")
    _event(current, kind=EventKind.CLOSURE_RETURNED, by=by, text=reason, from_state=State.CLOSURE_PENDING)
    return current


@transaction.atomic
def risk_withdraw(*, risk: Risk, by, reason: str) -> Risk:
    current = _transition(risk, by, "withdraw")
    reason = _require(reason, _("撤销理由"))
    before = current.state
    current.state = State.WITHDRAWN
    current.handover_to = None
    current.requested_deadline = None
    current.closure_requested_by = None
    _save(current, by, "state", "handover_to", "requested_deadline", "closure_requested_by")
    _event(current, kind=EventKind.WITHDRAWN, by=by, text=reason, from_state=before)
    return current


@transaction.atomic
def risk_reopen(*, risk: Risk, by, reason: str) -> Risk:
    current = _transition(risk, by, "reopen")
    reason = _require(reason, _("重新打开的理由"))
    current.state = State.IN_PROGRESS
    current.closed_at = None
    _save(current, by, "state", "closed_at")
    _event(current, kind=EventKind.REOPENED, by=by, text=reason, from_state=State.CLOSED)
    return current


# ---------------------------------------------------------------------------------------------
# Beside the main line: handover (转办) and deadline extension (延期)


@transaction.atomic
def risk_request_handover(*, risk: Risk, by, to_unit: Unit, reason: str) -> Risk:
    current = _transition(risk, by, "request_handover")
    reason = _require(reason, _("转办理由"))
    if to_unit is None or not to_unit.is_active or to_unit.pk == current.owner_unit_id:
        raise InvalidTransition(_("请选择另一个在用的单位作为转办对象。"))
    current.handover_to = to_unit
    _save(current, by, "handover_to")
    _event(
        current,
        kind=EventKind.HANDOVER_REQUESTED,
        by=by,
        text=_("转办至%(unit)s：%(reason)s") % {"unit": to_unit.name, "reason": reason},
    )
    return current


@transaction.atomic
def risk_accept_handover(*, risk: Risk, by, text: str = "") -> Risk:
    current = _transition(risk, by, "accept_handover")
    before = current.state
    changes = [
        {
            "field": "owner_unit",
            "label": str(Risk._meta.get_field("owner_unit").verbose_name),
            "old": current.owner_unit.name,
            "new": current.handover_to.name,
        },
    ]
    if current.responsible_id:
        changes.append(
            {
                "field": "responsible",
                "label": str(Risk._meta.get_field("responsible").verbose_name),
                "old": _display(current, "responsible"),
                "new": "",
            }
        )
    # The new owner unit assigns its own responsible person.
    current.owner_unit = current.handover_to
    current.handover_to = None
    current.responsible = None
    current.state = State.REPORTED
    current.requested_deadline = None
    _save(current, by, "owner_unit", "handover_to", "responsible", "state", "requested_deadline")
    _event(
        current,
        kind=EventKind.HANDOVER_ACCEPTED,
        by=by,
        text=text.strip(),
        from_state=before,
        changes=changes,
    )
    return current


@transaction.atomic
def risk_refuse_handover(*, risk: Risk, by, reason: str) -> Risk:
    current = _transition(risk, by, "refuse_handover")
    reason = _require(reason, _("拒绝理由"))
    unit = current.handover_to.name
    current.handover_to = None
    _save(current, by, "handover_to")
    _event(
        current,
        kind=EventKind.HANDOVER_REFUSED,
        by=by,
        text=_("%(unit)s拒绝接收：%(reason)s") % {"unit": unit, "reason": reason},
    )
    return current


@transaction.atomic
def risk_request_extension(*, risk: Risk, by, new_deadline: datetime.date, reason: str) -> Risk:
    current = _transition(risk, by, "request_extension")
    reason = _require(reason, _("延期理由"))
    if new_deadline is None or new_deadline <= current.deadline:
        raise InvalidTransition(
            _("新的整改时限必须晚于现在的时限（%(d)s）。") % {"d": current.deadline.isoformat()}
        )
    current.requested_deadline = new_deadline
    _save(current, by, "requested_deadline")
    _event(
        current,
        kind=EventKind.EXTENSION_REQUESTED,
        by=by,
        text=_("申请延期至 %(d)s：%(reason)s") % {"d": new_deadline.isoformat(), "reason": reason},
    )
    return current


def _extension_requester_id(risk: Risk):
    return (
        risk.events.filter(kind=EventKind.EXTENSION_REQUESTED)
        .order_by("-at", "-id")
        .values_list("actor_id", flat=True)
        .first()
    )


@transaction.atomic
def risk_approve_extension(*, risk: Risk, by, text: str = "") -> Risk:
    current = _transition(risk, by, "approve_extension")
    if _extension_requester_id(current) == by.pk:
        raise NotAllowed(_("不能批准自己提出的延期申请。"))
    old = current.deadline
    current.deadline = current.requested_deadline
    current.requested_deadline = None
    _save(current, by, "deadline", "requested_deadline")
    changes = [
        {
            "field": "deadline",
            "label": str(Risk._meta.get_field("deadline").verbose_name),
            "old": old.isoformat(),
            "new": current.deadline.isoformat(),
        }
    ]
    _event(current, kind=EventKind.EXTENSION_APPROVED, by=by, text=text.strip(), changes=changes)
    return current


@transaction.atomic
def risk_refuse_extension(*, risk: Risk, by, reason: str) -> Risk:
    current = _transition(risk, by, "refuse_extension")
    if _extension_requester_id(current) == by.pk:
        raise NotAllowed(_("不能审批自己提出的延期申请。"))
    reason = _require(reason, _("驳回理由"))
    current.requested_deadline = None
    _save(current, by, "requested_deadline")
    _event(current, kind=EventKind.EXTENSION_REFUSED, by=by, text=reason)
    return current


# ---------------------------------------------------------------------------------------------
# Supervision (督办) from the escalation ladder


LIGHT_RANK = {
    SupervisionLight.GREEN: 0,
    SupervisionLight.YELLOW: 1,
    SupervisionLight.RED: 2,
    SupervisionLight.LISTED: 3,
}


def system_user():
    """The account the reminder system acts as on timelines and in the audit log (no login)."""
    user, _created = get_user_model().objects.get_or_create(
        username="system", defaults={"last_name": _("系统督办"), "is_active": False}
    )
    return user


@transaction.atomic
def risk_supervise_manual(*, risk: Risk, by, text: str) -> RiskEvent:
    """A district leader supervises (督办) one risk: the instruction goes on the timeline and into
    the audit log. The supervision light is left as it is: it belongs to the escalation ladder."""
    current = _transition(risk, by, "supervise")
    text = _require(text, _("督办意见"))
    _save(current, by)
    return _event(current, kind=EventKind.SUPERVISED, by=by, text=text)


@transaction.atomic
def risks_supervise(*, risk_ids, light: str, by, text: str = "") -> list[int]:
    """Raise the supervision light of these risks to ``light`` (never lower it): one UPDATE, and a
    timeline entry and an audit entry per risk, written in bulk so a sweep stays a few queries a
    batch. Returns the ids whose light changed."""
    lower = [value for value, rank in LIGHT_RANK.items() if rank < LIGHT_RANK[light]]
    rows = list(
        Risk.objects.select_for_update()
        .filter(pk__in=list(risk_ids), state__in=OPEN_STATES, supervision_light__in=lower)
        .values_list("pk", "code", "title", "supervision_light")
    )
    if not rows:
        return []
    ids = [row[0] for row in rows]
    now = timezone.now()
    Risk.objects.filter(pk__in=ids).update(supervision_light=light, updated_at=now)
    labels = dict(SupervisionLight.choices)
    label = str(Risk._meta.get_field("supervision_light").verbose_name)
    events, entries = [], []
    for pk, code, title, old in rows:
        changes = [
            {"field": "supervision_light", "label": label, "old": str(labels[old]), "new": str(labels[light])}
        ]
        events.append(
            RiskEvent(risk_id=pk, kind=EventKind.SUPERVISED, actor=by, at=now, text=text, changes=changes)
        )
        entries.append(
            audit.entry(
                at=now,
                actor=by,
                action=AuditAction.TRANSITION,
                object_type=Risk._meta.label_lower,
                object_id=str(pk),
                object_repr=f"{code} {title}",
                summary=f"{EventKind.SUPERVISED.label}：{text}" if text else str(EventKind.SUPERVISED.label),
                changes=changes,
            )
        )
    bulk.insert(RiskEvent, events)
    bulk.insert(AuditEntry, entries)
    return ids


__all__ = [
    "InvalidTransition",
    "NotAllowed",
    "next_ledger_code",
    "risk_create",
    "risks_create_many",
    "risk_update",
    "risk_assign",
    "risk_sign_for",
    "risk_add_progress",
    "risk_request_closure",
    "risk_approve_closure",
    "risk_return_closure",
    "risk_withdraw",
    "risk_reopen",
    "risk_request_handover",
    "risk_accept_handover",
    "risk_refuse_handover",
    "risk_request_extension",
    "risk_approve_extension",
    "risk_refuse_extension",
    "risk_supervise_manual",
    "risks_supervise",
    "system_user",
    "today",
]
