"""The audit log: one entry per change, written with it, never changed or deleted."""

import pytest
from django.urls import reverse

from risks import workflow
from risks.models import AuditAction, AuditEntry, Risk, State

from .factories import png_upload

pytestmark = pytest.mark.django_db


def test_each_transition_leaves_exactly_one_audit_entry(make_risk, official, unitleader):
    risk = make_risk(State.IN_PROGRESS)
    before = AuditEntry.objects.count()
    workflow.risk_request_closure(risk=risk, by=official, text="完成")
    entries = AuditEntry.objects.order_by("id")[before:]
    assert len(entries) == 1
    entry = entries[0]
    assert (entry.actor, entry.action, entry.object_type, entry.object_id) == (
        official,
        AuditAction.TRANSITION,
        "risks.risk",
        str(risk.pk),
    )
    assert entry.actor_unit == official.profile.unit
    assert "申请销号" in entry.summary


def test_create_and_edit_are_audited_with_the_diff(make_risk, official):
    risk = make_risk(State.REPORTED, title="旧")
    assert AuditEntry.objects.filter(action=AuditAction.CREATE, object_id=str(risk.pk)).count() == 1
    changed = Risk.objects.get(pk=risk.pk)
    changed.title = "新"
    workflow.risk_update(risk=risk, by=official, changed=changed)
    entry = AuditEntry.objects.get(action=AuditAction.UPDATE, object_id=str(risk.pk))
    assert {"field": "title", "label": "风险隐患名称", "old": "旧", "new": "新"} in entry.changes


def test_refused_transition_leaves_no_audit_entry(make_risk, official):
    risk = make_risk(State.CLOSURE_PENDING)
    before = AuditEntry.objects.count()
    with pytest.raises(workflow.NotAllowed):
        workflow.risk_approve_closure(risk=risk, by=official)
    assert AuditEntry.objects.count() == before


def test_attachment_download_is_audited_with_the_ip(client, make_risk, official):
    risk = make_risk(State.IN_PROGRESS)
    workflow.risk_add_progress(risk=risk, by=official, text="照片", files=[png_upload()])
    attachment = risk.attachments.get()
    client.force_login(official)
    client.get(reverse("risks:attachment", args=[attachment.pk]), REMOTE_ADDR="10.1.2.3")
    entry = AuditEntry.objects.get(action=AuditAction.DOWNLOAD)
    assert (entry.actor, entry.ip, entry.object_id) == (official, "10.1.2.3", str(attachment.pk))


def test_audit_entries_cannot_be_changed_or_deleted(make_risk):
    make_risk(State.REPORTED)
    entry = AuditEntry.objects.first()
    entry.summary = "篡改"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.update(summary="篡改")
    assert AuditEntry.objects.filter(summary="篡改").count() == 0


def test_audit_entries_of_any_change_shape_read_as_lines(make_risk, official):
    from risks import audit

    entry = audit.record(
        actor=official,
        action=AuditAction.EXPORT,
        summary="导出",
        changes=[{"format": "xlsx", "rows": 3}, {"field": "title", "label": "名称", "old": "a", "new": "b"}],
    )
    assert entry.change_lines() == ["format: xlsx；rows: 3", "名称: a → b"]
