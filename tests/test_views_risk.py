"""A risk's pages: new, detail, edit, workflow actions and attachments — for every persona."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from risks.models import Attachment, EventKind, Level, Risk, RiskEvent, State, today

from .factories import PNG_BYTES, png_upload

pytestmark = pytest.mark.django_db


def new_risk_data(district, **overrides):
    data = {
        "title": "修文镇某煤矿井下通风系统老化",
        "domain": 7,  # 社会安全, by the migration's order
        "level": Level.SIGNIFICANT,
        "source": "inspection",
        "found_on": (today() - datetime.timedelta(days=2)).isoformat(),
        "township": district.xiuwen.pk,
        "owner_unit": district.xiuwen.pk,
        "deadline": (today() + datetime.timedelta(days=30)).isoformat(),
        "description": "主扇风机运行异常",
        "measures": "更换风机，停产整顿",
    }
    from risks.models import Domain

    data["domain"] = Domain.objects.get(code="societal").pk
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# -- new ---------------------------------------------------------------------------------------------


def test_official_logs_a_risk_with_a_photo(client, district, official):
    client.force_login(official)
    data = new_risk_data(district, attachments=png_upload("现场.png"))
    response = client.post(reverse("risks:create"), data)
    risk = Risk.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("risks:detail", args=[risk.pk])
    assert risk.code == f"YC-{today().year}-00001"
    assert risk.state == State.REPORTED
    assert risk.created_by == official
    event = risk.events.get()
    assert event.kind == EventKind.CREATED
    assert event.attachments.get().original_name == "现场.png"
    follow = client.get(response["Location"])
    assert f"已登记风险隐患 {risk.code}" in follow.content.decode()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"title": ""}, "title", "这个字段是必填项"),
        ({"deadline": None}, "deadline", "这个字段是必填项"),
        ({"found_on": "2026-05-10", "deadline": "2026-05-01"}, "deadline", "整改时限不能早于发现日期"),
        ({"found_on": "2999-01-01", "deadline": "2999-02-01"}, "found_on", "发现日期不能晚于今天"),
        ({"level": "purple"}, "level", "选择一个有效的选项"),
        ({"domain": "999999"}, "domain", "选择一个有效的选项"),
    ],
)
def test_bad_new_risk_gets_a_message_and_saves_nothing(client, district, official, overrides, field, message):
    client.force_login(official)
    response = client.post(reverse("risks:create"), new_risk_data(district, **overrides))
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert "没有保存任何数据" in response.content.decode()
    assert Risk.objects.count() == 0
    assert RiskEvent.objects.count() == 0


def test_responsible_person_outside_the_owner_unit_is_refused(client, district, official, official2):
    client.force_login(official)
    response = client.post(reverse("risks:create"), new_risk_data(district, responsible=official2.pk))
    assert response.status_code == 400
    assert "责任人必须是责任单位" in " ".join(response.context["form"].errors["responsible"])
    assert not Risk.objects.exists()


def test_village_outside_the_township_is_refused(client, district, official):
    client.force_login(official)
    response = client.post(
        reverse("risks:create"), new_risk_data(district, village=district.dongyang_village.pk)
    )
    assert response.status_code == 400
    assert "village" in response.context["form"].errors
    assert not Risk.objects.exists()


def test_official_cannot_log_a_risk_for_another_township(client, district, official):
    client.force_login(official)
    response = client.post(reverse("risks:create"), new_risk_data(district, owner_unit=district.dongyang.pk))
    assert response.status_code == 400
    assert "owner_unit" in response.context["form"].errors
    assert not Risk.objects.exists()


def test_disallowed_attachment_is_refused_and_nothing_saved(client, district, official):
    client.force_login(official)
    fake = SimpleUploadedFile(
        "报告.pdf", b"<html><script>alert(1)</script></html>", content_type="application/pdf"
    )
    response = client.post(reverse("risks:create"), new_risk_data(district, attachments=fake))
    assert response.status_code == 400
    assert "类型不允许" in response.content.decode()
    assert not Risk.objects.exists()
    assert not Attachment.objects.exists()


def test_oversized_attachment_is_refused(client, district, official, settings):
    settings.ATTACHMENT_MAX_BYTES = 1000
    client.force_login(official)
    big = SimpleUploadedFile("大.png", PNG_BYTES + b"\x00" * 2000, content_type="image/png")
    response = client.post(reverse("risks:create"), new_risk_data(district, attachments=big))
    assert response.status_code == 400
    assert "超过大小上限" in response.content.decode()
    assert not Risk.objects.exists()


@pytest.mark.parametrize("who", ["auditor", "secadmin"])
def test_roles_that_do_not_log_risks_get_403(client, people, who):
    client.force_login(getattr(people, who))
    assert client.get(reverse("risks:create")).status_code == 403


def test_new_form_shows_for_official(client, official):
    client.force_login(official)
    response = client.get(reverse("risks:create"))
    assert response.status_code == 200
    assert response.context["form"].initial["owner_unit"] == official.profile.unit


# -- detail --------------------------------------------------------------------------------------------


def test_detail_shows_the_timeline_and_exactly_the_allowed_actions(client, make_risk, official, unitleader):
    risk = make_risk(State.CLOSURE_PENDING)
    client.force_login(unitleader)
    response = client.get(reverse("risks:detail", args=[risk.pk]))
    assert response.status_code == 200
    assert [f["action"] for f in response.context["action_forms"]] == ["approve_closure", "return_closure"]
    body = response.content.decode()
    for text in ["登记", "交办", "签收", "申请销号", "验收销号"]:
        assert text in body
    client.force_login(official)
    response = client.get(reverse("risks:detail", args=[risk.pk]))
    assert response.context["action_forms"] == []
    assert "目前没有可进行的操作" in response.content.decode()


def test_detail_query_count_does_not_grow_with_the_timeline(client, make_risk, official):
    risk = make_risk(State.IN_PROGRESS)
    client.force_login(official)
    url = reverse("risks:detail", args=[risk.pk])
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    for i in range(5):
        client.post(
            reverse("risks:action", args=[risk.pk, "progress"]),
            {"progress-text": f"进展{i}", "progress-files": png_upload()},
        )
    with CaptureQueriesContext(connection) as after:
        client.get(url)
    assert len(before) == len(after)


@pytest.mark.parametrize("path", ["risks:detail", "risks:edit"])
def test_out_of_scope_risk_answers_404(client, make_risk, official2, path):
    risk = make_risk(State.IN_PROGRESS)
    client.force_login(official2)
    response = client.get(reverse(path, args=[risk.pk]))
    assert response.status_code == 404
    assert risk.title not in response.content.decode()


@pytest.mark.parametrize(
    "url", ["/risks/999999/", "/risks/99999999999999999999999/", "/risks/abc/", "/risks/-1/"]
)
def test_unknown_or_malformed_ids_answer_404(client, official, url):
    client.force_login(official)
    assert client.get(url).status_code == 404


def test_detail_refuses_post(client, make_risk, official):
    risk = make_risk(State.IN_PROGRESS)
    client.force_login(official)
    assert client.post(reverse("risks:detail", args=[risk.pk])).status_code == 405


# -- edit ------------------------------------------------------------------------------------------------


def test_edit_records_old_and_new_values_on_the_timeline(client, district, make_risk, official):
    risk = make_risk(State.IN_PROGRESS, title="旧名称")
    client.force_login(official)
    form = client.get(reverse("risks:edit", args=[risk.pk])).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None and k not in ("cooperating_units",)}
    data.update(
        title="新名称",
        level=Level.SIGNIFICANT,
        reason="核实后升级",
        found_on=risk.found_on.isoformat(),
        deadline=risk.deadline.isoformat(),
    )
    response = client.post(reverse("risks:edit", args=[risk.pk]), data)
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    risk.refresh_from_db()
    assert risk.title == "新名称" and risk.level == Level.SIGNIFICANT
    event = risk.events.filter(kind=EventKind.EDITED).get()
    assert {"label": "风险隐患名称", "old": "旧名称", "new": "新名称", "field": "title"} in event.changes
    assert {"label": "风险等级", "old": "一般", "new": "较大", "field": "level"} in event.changes
    detail = client.get(reverse("risks:detail", args=[risk.pk])).content.decode()
    assert "旧名称" in detail and "核实后升级" in detail


def test_official_cannot_move_the_deadline_after_assignment(client, make_risk, official):
    risk = make_risk(State.IN_PROGRESS)
    original = risk.deadline
    client.force_login(official)
    form = client.get(reverse("risks:edit", args=[risk.pk])).context["form"]
    assert form.fields["deadline"].disabled
    data = {k: v for k, v in form.initial.items() if v is not None and k != "cooperating_units"}
    data.update(
        found_on=risk.found_on.isoformat(), deadline=(risk.deadline + datetime.timedelta(days=60)).isoformat()
    )
    client.post(reverse("risks:edit", args=[risk.pk]), data)
    risk.refresh_from_db()
    assert risk.deadline == original
    assert not risk.events.filter(kind=EventKind.EDITED).exists()


def test_department_sees_a_supervised_risk_but_cannot_edit_it(client, district, make_risk, deptofficial):
    risk = make_risk(State.IN_PROGRESS, supervising_unit=district.emergency)
    client.force_login(deptofficial)
    assert client.get(reverse("risks:detail", args=[risk.pk])).status_code == 200
    assert client.get(reverse("risks:edit", args=[risk.pk])).status_code == 403


# -- actions ------------------------------------------------------------------------------------------


def act(client, risk, action, **fields):
    data = {f"{action}-{k}": v for k, v in fields.items()}
    return client.post(reverse("risks:action", args=[risk.pk, action]), data)


def test_the_whole_life_of_a_risk_through_the_pages(client, district, official, unitleader, make_risk):
    risk = make_risk(State.REPORTED)
    client.force_login(unitleader)
    assert act(client, risk, "assign", responsible=official.pk, text="请尽快整改").status_code == 302
    client.force_login(official)
    act(client, risk, "sign_for")
    act(client, risk, "progress", text="已更换风机", files=png_upload())
    act(client, risk, "request_closure", text="整改完成")
    client.force_login(unitleader)
    response = act(client, risk, "approve_closure", text="验收合格")
    risk.refresh_from_db()
    assert risk.state == State.CLOSED and risk.closed_at is not None
    assert list(risk.events.values_list("kind", flat=True)) == [
        "created",
        "assigned",
        "signed",
        "progress",
        "closure_requested",
        "closure_approved",
    ]
    assert "已验收销号" in client.get(response["Location"]).content.decode()


def test_official_cannot_approve_his_own_closure_request(client, make_risk, official):
    risk = make_risk(State.CLOSURE_PENDING)
    client.force_login(official)
    response = act(client, risk, "approve_closure")
    assert response.status_code == 403
    assert Risk.objects.get(pk=risk.pk).state == State.CLOSURE_PENDING


def test_auditor_may_look_but_not_change(client, make_risk, auditor):
    risk = make_risk(State.CLOSURE_PENDING)
    client.force_login(auditor)
    assert client.get(reverse("risks:detail", args=[risk.pk])).status_code == 200
    assert act(client, risk, "approve_closure").status_code == 403
    assert act(client, risk, "withdraw", text="x").status_code == 403
    assert Risk.objects.get(pk=risk.pk).state == State.CLOSURE_PENDING


def test_transition_from_the_wrong_state_gets_a_message_and_changes_nothing(client, make_risk, unitleader):
    risk = make_risk(State.IN_PROGRESS)
    client.force_login(unitleader)
    events = risk.events.count()
    response = act(client, risk, "approve_closure")
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "当前状态为“整改中”，不能验收销号" in page
    assert Risk.objects.get(pk=risk.pk).state == State.IN_PROGRESS
    assert risk.events.count() == events


def test_return_without_a_reason_is_refused(client, make_risk, unitleader):
    risk = make_risk(State.CLOSURE_PENDING)
    client.force_login(unitleader)
    response = act(client, risk, "return_closure", text="")
    assert "退回理由" in client.get(response["Location"]).content.decode()
    assert Risk.objects.get(pk=risk.pk).state == State.CLOSURE_PENDING


def test_outsider_cannot_act_on_a_risk_by_guessing_its_id(client, make_risk, official2):
    risk = make_risk(State.IN_PROGRESS)
    client.force_login(official2)
    assert act(client, risk, "progress", text="x").status_code == 404
    assert not risk.events.filter(kind=EventKind.PROGRESS).exists()


def test_unknown_action_is_404_and_get_is_405(client, make_risk, official):
    risk = make_risk(State.IN_PROGRESS)
    client.force_login(official)
    assert client.post(reverse("risks:action", args=[risk.pk, "explode"])).status_code == 404
    assert client.get(reverse("risks:action", args=[risk.pk, "progress"])).status_code == 405


def test_extension_through_the_pages(client, make_risk, official, unitleader):
    risk = make_risk(State.IN_PROGRESS)
    new = risk.deadline + datetime.timedelta(days=30)
    client.force_login(official)
    act(client, risk, "request_extension", new_deadline=new.isoformat(), text="设备到货延迟")
    client.force_login(unitleader)
    act(client, risk, "approve_extension")
    assert Risk.objects.get(pk=risk.pk).deadline == new


def test_bad_extension_date_gets_a_message(client, make_risk, official):
    risk = make_risk(State.IN_PROGRESS)
    client.force_login(official)
    response = act(client, risk, "request_extension", new_deadline="2026-02-30", text="x")
    assert "延期至" in client.get(response["Location"]).content.decode()
    assert Risk.objects.get(pk=risk.pk).requested_deadline is None


# -- attachments ------------------------------------------------------------------------------------


def _attachment(client, risk, user):
    client.force_login(user)
    act(client, risk, "progress", text="照片", files=png_upload("../../etc/现场.png"))
    return Attachment.objects.get(risk=risk)


def test_attachment_is_served_to_who_may_see_the_risk(client, make_risk, official, leader):
    risk = make_risk(State.IN_PROGRESS)
    attachment = _attachment(client, risk, official)
    assert attachment.original_name == "现场.png"
    assert ".." not in attachment.file.name and attachment.file.name.startswith("attachments/")
    client.force_login(leader)
    response = client.get(reverse("risks:attachment", args=[attachment.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG_BYTES
    assert response["X-Content-Type-Options"] == "nosniff"


def test_attachment_of_an_out_of_scope_risk_is_404(client, make_risk, official, official2):
    risk = make_risk(State.IN_PROGRESS)
    attachment = _attachment(client, risk, official)
    client.force_login(official2)
    assert client.get(reverse("risks:attachment", args=[attachment.pk])).status_code == 404
    assert client.get(reverse("risks:attachment", args=[987654])).status_code == 404


def _edit_data(client, risk, **changes):
    form = client.get(reverse("risks:edit", args=[risk.pk])).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None and k != "cooperating_units"}
    data.update(found_on=risk.found_on.isoformat(), deadline=risk.deadline.isoformat(), **changes)
    return data


def test_only_the_district_may_lower_a_major_risk(client, make_risk, official, leader):
    risk = make_risk(State.CLOSURE_PENDING, level=Level.MAJOR)
    client.force_login(official)
    response = client.post(
        reverse("risks:edit", args=[risk.pk]), _edit_data(client, risk, level=Level.GENERAL)
    )
    assert response.status_code == 403
    assert Risk.objects.get(pk=risk.pk).level == Level.MAJOR
    client.force_login(leader)
    response = client.post(
        reverse("risks:edit", args=[risk.pk]), _edit_data(client, risk, level=Level.GENERAL)
    )
    assert response.status_code == 302
    assert Risk.objects.get(pk=risk.pk).level == Level.GENERAL
