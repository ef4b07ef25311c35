"""State changes of the quarter's nouns: keyword-only, atomic, audited in the same transaction."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from risks import audit, workflow
from risks.attachments import MAX_FILES, stored_file, validate_upload
from risks.models import AuditAction, Risk, Role, Source, Unit, today
from risks.permissions import NotAllowed, profile_of

from .models import Directive, DirectiveKind, Receipt, ReceiptAttachment, ReviewMeeting, WarningColor
from .permissions import answers_for, can_issue, can_sign_off


def _require(text: str, what: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError(_("请填写%(what)s。") % {"what": what})
    return text


# ---------------------------------------------------------------------------------------------
# Review meetings


@transaction.atomic
def meeting_record(*, by, meeting: ReviewMeeting, risks=(), reports=()) -> ReviewMeeting:
    """Save a new (unsaved, validated) meeting record with its linked risks and reports."""
    if not can_issue(by):
        raise NotAllowed(_("只有区领导和管理员可以记录研判会议。"))
    _require(meeting.attendees, _("参会人员"))
    _require(meeting.analysis, _("形势分析"))
    meeting.created_by = by
    meeting.save()
    meeting.risks.set(risks)
    meeting.reports.set(reports)
    audit.record(actor=by, action=AuditAction.CREATE, obj=meeting, summary=meeting.get_kind_display())
    return meeting


@transaction.atomic
def meeting_sign_off(*, by, meeting: ReviewMeeting) -> ReviewMeeting:
    """A district leader signs the review off; the record is final afterwards."""
    if not can_sign_off(by):
        raise NotAllowed(_("只有区领导可以签发研判结论。"))
    current = ReviewMeeting.objects.select_for_update().get(pk=meeting.pk)
    if current.is_signed_off:
        raise ValidationError(_("该会议记录已经签发。"))
    current.signed_off_by = by
    current.signed_off_at = timezone.now()
    current.save(update_fields=["signed_off_by", "signed_off_at"])
    audit.record(actor=by, action=AuditAction.TRANSITION, obj=current, summary=_("签发研判结论"))
    return current


# ---------------------------------------------------------------------------------------------
# Warnings and assignments


@transaction.atomic
def directive_issue(
    *,
    by,
    kind: str,
    title: str,
    content: str,
    deadline: datetime.date | None,
    units,
    color: str = "",
    meeting: ReviewMeeting | None = None,
) -> Directive:
    """Issue a warning or an assignment to one or more units; each gets a receipt to sign."""
    if not can_issue(by):
        raise NotAllowed(_("只有区领导和管理员可以下发预警和交办单。"))
    if kind not in DirectiveKind.values:
        raise ValidationError(_("请选择预警或交办单。"))
    title = _require(title, _("标题"))
    content = _require(content, _("预警依据") if kind == DirectiveKind.WARNING else _("交办任务"))
    units = [unit for unit in units or () if unit is not None]
    if not units:
        raise ValidationError(_("请至少选择一个接收单位。"))
    if any(not unit.is_active for unit in units):
        raise ValidationError(_("接收单位必须是在用的单位。"))
    if kind == DirectiveKind.WARNING:
        if color not in WarningColor.values:
            raise ValidationError(_("请选择预警级别（红、橙、黄、蓝）。"))
    else:
        color = ""
    if deadline is None:
        raise ValidationError(_("请填写反馈时限。"))
    if deadline < today():
        raise ValidationError(_("反馈时限不能早于今天。"))
    directive = Directive.objects.create(
        kind=kind, title=title, content=content, color=color, deadline=deadline, meeting=meeting, issued_by=by
    )
    Receipt.objects.bulk_create([Receipt(directive=directive, unit=unit) for unit in units])
    audit.record(
        actor=by,
        action=AuditAction.CREATE,
        obj=directive,
        summary=_("下发%(kind)s：%(units)s")
        % {"kind": directive.get_kind_display(), "units": "、".join(u.name for u in units)},
    )
    return directive


def _lock_receipt(receipt: Receipt, by) -> Receipt:
    current = Receipt.objects.select_for_update().select_related("directive", "unit").get(pk=receipt.pk)
    if not answers_for(by, current.unit):
        raise NotAllowed(_("只有接收单位“%(unit)s”的人员可以签收和反馈。") % {"unit": current.unit.name})
    return current


@transaction.atomic
def receipt_sign(*, by, receipt: Receipt) -> Receipt:
    current = _lock_receipt(receipt, by)
    if current.signed_at:
        raise ValidationError(_("已经签收过了。"))
    current.signed_by = by
    current.signed_at = timezone.now()
    current.save(update_fields=["signed_by", "signed_at"])
    audit.record(actor=by, action=AuditAction.TRANSITION, obj=current, summary=_("签收"))
    return current


@transaction.atomic
def receipt_answer(*, by, receipt: Receipt, text: str, files=()) -> Receipt:
    """The unit's feedback (反馈), with attachments; answering also signs for it if not yet."""
    current = _lock_receipt(receipt, by)
    text = _require(text, _("反馈内容"))
    files = list(files or ())
    if len(files) > MAX_FILES:
        raise ValidationError(_("一次最多上传 %(n)d 个附件。") % {"n": MAX_FILES})
    types = [validate_upload(upload) for upload in files]  # before any write
    now = timezone.now()
    if not current.signed_at:
        current.signed_by, current.signed_at = by, now
    current.feedback = text
    current.answered_by, current.answered_at = by, now
    current.save(update_fields=["signed_by", "signed_at", "feedback", "answered_by", "answered_at"])
    for upload, content_type in zip(files, types, strict=True):
        ReceiptAttachment.objects.create(
            receipt=current, **stored_file(upload, by=by, content_type=content_type)
        )
    audit.record(actor=by, action=AuditAction.TRANSITION, obj=current, summary=_("反馈：%(t)s") % {"t": text})
    return current


@transaction.atomic
def directive_create_risk(*, by, directive: Directive, risk: Risk, cooperating_units=()) -> Risk:
    """An assignment puts a risk on the ledger (source 上级交办), linked to the assignment."""
    if directive.kind != DirectiveKind.ASSIGNMENT:
        raise ValidationError(_("只有交办单可以生成台账风险。"))
    if not can_issue(by) and not any(
        answers_for(by, r.unit) for r in directive.receipts.select_related("unit")
    ):
        raise NotAllowed(_("您不能为这份交办单登记风险。"))
    risk.source = Source.SUPERIOR
    risk = workflow.risk_create(by=by, risk=risk, cooperating_units=cooperating_units)
    directive.risks.add(risk)
    return risk


# ---------------------------------------------------------------------------------------------
# For the reminder sweep


def receipts_needing_reminder(on: datetime.date | None = None):
    """Receipts not yet signed for, or not answered by their deadline as of ``on``.

    Each row carries ``directive`` and ``unit``; the reminder sweep decides whom to tell.
    """
    on = on or today()
    return (
        Receipt.objects.filter(
            Q(signed_at__isnull=True) | Q(answered_at__isnull=True, directive__deadline__lt=on)
        )
        .select_related("directive", "unit")
        .order_by("directive__deadline", "id")
    )


def units_answered_by(user):
    """Units whose receipts the person signs for and answers: an official's own unit, a unit
    leader's subtree (rule: quarters.permissions.answers_for)."""
    profile = profile_of(user)
    if profile is None or not user.is_active or profile.role not in (Role.OFFICIAL, Role.UNIT_LEADER):
        return Unit.objects.none()
    if profile.role == Role.UNIT_LEADER:
        return profile.unit.subtree()
    return Unit.objects.filter(pk=profile.unit_id)


def open_receipts_of(user):
    """Receipts the person's unit has to sign for or answer (for "my work")."""
    return (
        Receipt.objects.filter(unit__in=units_answered_by(user), answered_at__isnull=True)
        .select_related("directive", "unit")
        .order_by("directive__deadline", "id")
    )
