"""Warnings and assignments (预警交办) with sign-for and feedback; review meetings and sign-off."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from quarters import services
from quarters.models import Directive, DirectiveKind, Receipt, ReceiptAttachment, ReviewMeeting, WarningColor
from risks.models import AuditEntry, Level, Risk, Source

from .factories import RiskFactory, pdf_upload, societal_domain

pytestmark = pytest.mark.django_db
d = datetime.date


@pytest.fixture
def today(frozen_today):
    return frozen_today(d(2026, 5, 4))


def issue(by, units, *, kind=DirectiveKind.ASSIGNMENT, deadline=None, color="", title="排查燃气隐患"):
    return services.directive_issue(
        by=by,
        kind=kind,
        title=title,
        content="五一后全面排查",
        deadline=deadline or d(2026, 5, 20),
        units=units,
        color=color,
    )


def form_data(district, **overrides):
    data = {
        "kind": DirectiveKind.WARNING,
        "color": WarningColor.ORANGE,
        "title": "汛期地质灾害预警",
        "content": "近期降雨偏多",
        "deadline": "2026-05-15",
        "units": [district.xiuwen.pk, district.dongyang.pk],
    }
    return data | overrides


# ---------------------------------------------------------------------------------------------
# Issuing


def test_leader_issues_a_warning_to_two_units(client, district, leader, today):
    client.force_login(leader)
    response = client.post(reverse("quarters:directive_create"), form_data(district))
    directive = Directive.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "quarters:directive", args=[directive.pk]
    )
    assert (directive.kind, directive.color, directive.issued_by) == ("warning", "orange", leader)
    assert set(directive.receipts.values_list("unit__name", flat=True)) == {"修文镇", "东阳镇"}
    assert AuditEntry.objects.filter(object_type="quarters.directive", object_id=str(directive.pk)).exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"units": []}, "请至少选择一个接收单位"),
        ({"color": ""}, "请选择预警级别"),
        ({"title": " "}, "这个字段是必填项"),
        ({"deadline": ""}, "请填写反馈时限"),
        ({"deadline": "2026-05-01"}, "反馈时限不能早于今天"),
        ({"kind": "decree"}, "decree"),
    ],
)
def test_bad_directive_gets_a_message_and_saves_nothing(client, district, leader, today, overrides, message):
    client.force_login(leader)
    response = client.post(reverse("quarters:directive_create"), form_data(district, **overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Directive.objects.exists() and not Receipt.objects.exists()


def test_assignment_needs_no_colour_and_keeps_none(district, leader, today):
    directive = issue(leader, [district.xiuwen], color=WarningColor.RED)
    assert directive.color == ""


@pytest.mark.parametrize("persona", ["official", "unitleader", "auditor"])
def test_only_the_district_issues(client, district, people, persona, today):
    client.force_login(getattr(people, persona))
    assert client.get(reverse("quarters:directive_create")).status_code == 403
    assert client.post(reverse("quarters:directive_create"), form_data(district)).status_code == 403
    assert not Directive.objects.exists()


# ---------------------------------------------------------------------------------------------
# Signing for and answering


def test_unit_signs_for_and_answers_with_an_attachment_and_the_issuer_sees_it(
    client, district, leader, official, today
):
    directive = issue(leader, [district.xiuwen, district.dongyang])
    receipt = directive.receipts.get(unit=district.xiuwen)
    client.force_login(official)
    assert client.post(reverse("quarters:receipt_sign", args=[receipt.pk])).status_code == 302
    receipt.refresh_from_db()
    assert receipt.signed_by == official and receipt.signed_at
    response = client.post(
        reverse("quarters:receipt_answer", args=[receipt.pk]),
        {f"r{receipt.pk}-text": "已排查 12 处，整改 3 处", f"r{receipt.pk}-files": [pdf_upload()]},
    )
    assert response.status_code == 302
    receipt.refresh_from_db()
    assert receipt.feedback == "已排查 12 处，整改 3 处" and receipt.answered_by == official
    attachment = ReceiptAttachment.objects.get(receipt=receipt)
    assert attachment.original_name == "整改报告.pdf"

    client.force_login(leader)
    html = client.get(reverse("quarters:directive", args=[directive.pk])).content.decode()
    assert "已排查 12 处，整改 3 处" in html and "整改报告.pdf" in html
    assert html.count("未签收") == 1  # 东阳镇 has not signed yet
    listing = client.get(reverse("quarters:directives")).content.decode()
    assert "接收单位 2 个，已签收 1，已反馈 1" in listing
    download = client.get(reverse("quarters:receipt_file", args=[attachment.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")


def test_feedback_to_another_units_receipt_is_refused_and_saves_nothing(
    client, district, leader, official, official2, today
):
    directive = issue(leader, [district.xiuwen, district.dongyang])
    theirs = directive.receipts.get(unit=district.xiuwen)
    client.force_login(official2)  # 东阳镇 sees the directive (it received it too) but not 修文镇's part
    response = client.post(
        reverse("quarters:receipt_answer", args=[theirs.pk]), {f"r{theirs.pk}-text": "代答"}
    )
    assert response.status_code == 403
    assert client.post(reverse("quarters:receipt_sign", args=[theirs.pk])).status_code == 403
    theirs.refresh_from_db()
    assert (theirs.feedback, theirs.signed_at, theirs.answered_at) == ("", None, None)


def test_a_directive_not_sent_to_my_unit_is_invisible(client, district, leader, official2, today):
    directive = issue(leader, [district.xiuwen])
    receipt = directive.receipts.get()
    client.force_login(official2)
    assert client.get(reverse("quarters:directive", args=[directive.pk])).status_code == 404
    assert (
        client.post(
            reverse("quarters:receipt_answer", args=[receipt.pk]), {f"r{receipt.pk}-text": "x"}
        ).status_code
        == 404
    )
    assert "排查燃气隐患" not in client.get(reverse("quarters:directives")).content.decode()
    receipt.refresh_from_db()
    assert receipt.answered_at is None


def test_empty_feedback_gets_a_message_and_saves_nothing(client, district, leader, official, today):
    receipt = issue(leader, [district.xiuwen]).receipts.get()
    client.force_login(official)
    response = client.post(
        reverse("quarters:receipt_answer", args=[receipt.pk]), {f"r{receipt.pk}-text": "  "}, follow=True
    )
    assert "请填写反馈内容" in response.content.decode()
    receipt.refresh_from_db()
    assert (receipt.signed_at, receipt.answered_at) == (None, None)


def test_signing_twice_says_so(district, leader, official, today):
    receipt = issue(leader, [district.xiuwen]).receipts.get()
    services.receipt_sign(by=official, receipt=receipt)
    with pytest.raises(Exception, match="已经签收过了"):
        services.receipt_sign(by=official, receipt=receipt)


def test_receipt_views_answer_post_only(client, district, leader, official, today):
    receipt = issue(leader, [district.xiuwen]).receipts.get()
    client.force_login(official)
    assert client.get(reverse("quarters:receipt_sign", args=[receipt.pk])).status_code == 405
    assert client.get(reverse("quarters:receipt_answer", args=[receipt.pk])).status_code == 405


def test_unit_leader_answers_for_his_villages(district, leader, unitleader, today):
    receipt = issue(leader, [district.xiuwen_village]).receipts.get()
    services.receipt_answer(by=unitleader, receipt=receipt, text="村里已落实")
    receipt.refresh_from_db()
    assert receipt.signed_by == unitleader and receipt.answered_at


def test_my_work_shows_what_my_unit_must_sign_for_or_answer(
    client, district, leader, official, official2, today
):
    directive = issue(leader, [district.xiuwen], title="交办：清理违规充电")
    client.force_login(official)
    html = client.get(reverse("risks:my_work")).content.decode()
    assert "交办：清理违规充电" in html and "待签收" in html
    client.force_login(official2)
    assert "交办：清理违规充电" not in client.get(reverse("risks:my_work")).content.decode()
    services.receipt_answer(by=official, receipt=directive.receipts.get(), text="已完成")
    client.force_login(official)
    assert "交办：清理违规充电" not in client.get(reverse("risks:my_work")).content.decode()


def test_receipts_needing_reminder_are_unsigned_or_unanswered_past_the_deadline(
    district, leader, official, official2, frozen_today
):
    frozen_today(d(2026, 5, 4))
    directive = issue(
        leader, [district.xiuwen, district.dongyang, district.emergency], deadline=d(2026, 5, 10)
    )
    xiuwen, dongyang, emergency = (
        directive.receipts.get(unit=u) for u in (district.xiuwen, district.dongyang, district.emergency)
    )
    services.receipt_sign(by=official, receipt=xiuwen)
    services.receipt_answer(by=official2, receipt=dongyang, text="已办结")
    assert set(services.receipts_needing_reminder(d(2026, 5, 10))) == {emergency}
    # After the deadline, signed but unanswered is due too.
    assert set(services.receipts_needing_reminder(d(2026, 5, 11))) == {emergency, xiuwen}


def test_directive_list_query_count_is_constant(client, district, leader, today):
    client.force_login(leader)
    issue(leader, [district.xiuwen])
    client.get(reverse("quarters:directives"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("quarters:directives"))
    for _ in range(5):
        issue(leader, [district.xiuwen, district.dongyang])
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("quarters:directives"))
    assert len(many) == len(few)


# ---------------------------------------------------------------------------------------------
# An assignment puts risks on the ledger


def test_an_assignment_creates_a_risk_in_the_ledger(district, leader, today):
    directive = issue(leader, [district.xiuwen])
    risk = RiskFactory.build(
        title="违规充电隐患",
        township=district.xiuwen,
        owner_unit=district.xiuwen,
        domain=societal_domain(),
        level=Level.GENERAL,
        deadline=d(2026, 6, 1),
        created_by=leader,
        updated_by=leader,
    )
    risk = services.directive_create_risk(by=leader, directive=directive, risk=risk)
    assert risk.pk and risk.code.startswith("YC-2026-")
    assert Risk.objects.get(pk=risk.pk).source == Source.SUPERIOR
    assert list(directive.risks.all()) == [risk]


def test_a_warning_creates_no_risk(district, leader, today):
    directive = issue(leader, [district.xiuwen], kind=DirectiveKind.WARNING, color=WarningColor.BLUE)
    risk = RiskFactory.build(township=district.xiuwen, created_by=leader, updated_by=leader)
    with pytest.raises(Exception, match="只有交办单"):
        services.directive_create_risk(by=leader, directive=directive, risk=risk)
    assert not Risk.objects.exists()


def test_assignment_risk_page_for_an_outsider_is_404(client, district, leader, official2, today):
    directive = issue(leader, [district.xiuwen])
    client.force_login(official2)
    assert client.get(reverse("quarters:directive_add_risk", args=[directive.pk])).status_code == 404


def test_receiving_unit_logs_a_risk_from_the_assignment_page(client, district, leader, official, today):
    directive = issue(leader, [district.xiuwen])
    client.force_login(official)
    page = reverse("quarters:directive_add_risk", args=[directive.pk])
    assert client.get(page).status_code == 200
    data = {
        "title": "交办发现的燃气隐患",
        "domain": societal_domain().pk,
        "level": Level.GENERAL,
        "source": "inspection",
        "found_on": "2026-05-04",
        "township": district.xiuwen.pk,
        "owner_unit": district.xiuwen.pk,
        "deadline": "2026-06-04",
    }
    bad = client.post(page, data | {"deadline": "2026-05-01"})
    assert bad.status_code == 400 and not Risk.objects.exists()
    response = client.post(page, data)
    risk = Risk.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("risks:detail", args=[risk.pk])
    assert risk.source == Source.SUPERIOR and list(directive.risks.all()) == [risk]


def test_warning_has_no_risk_page(client, district, leader, today):
    directive = issue(leader, [district.xiuwen], kind=DirectiveKind.WARNING, color=WarningColor.RED)
    client.force_login(leader)
    assert client.get(reverse("quarters:directive_add_risk", args=[directive.pk])).status_code == 404


# ---------------------------------------------------------------------------------------------
# Review meetings


def meeting_data(**overrides):
    data = {
        "kind": "quarterly",
        "year": 2026,
        "quarter": 1,
        "held_on": "2026-04-08",
        "title": "一季度研判会",
        "attendees": "周区长、各乡镇负责人",
        "analysis": "总体平稳。",
        "conclusions": "重点盯住燃气。",
        "instructions": "抓紧整改。",
    }
    return data | overrides


def test_leader_records_and_signs_off_a_review(client, district, leader, today):
    client.force_login(leader)
    response = client.post(reverse("quarters:meeting_create"), meeting_data())
    meeting = ReviewMeeting.objects.get()
    assert response.status_code == 302 and meeting.created_by == leader
    assert client.post(reverse("quarters:meeting_sign_off", args=[meeting.pk])).status_code == 302
    meeting.refresh_from_db()
    assert meeting.signed_off_by == leader and meeting.is_signed_off
    response = client.post(reverse("quarters:meeting_sign_off", args=[meeting.pk]), follow=True)
    assert "已经签发" in response.content.decode()
    assert "已签发" in client.get(reverse("quarters:meeting", args=[meeting.pk])).content.decode()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"quarter": ""}, "季度研判会须注明季度"),
        ({"quarter": "5"}, "5"),
        ({"attendees": ""}, "这个字段是必填项"),
    ],
)
def test_bad_meeting_gets_a_message_and_saves_nothing(client, district, leader, today, overrides, message):
    client.force_login(leader)
    response = client.post(reverse("quarters:meeting_create"), meeting_data(**overrides))
    assert response.status_code == 400 and message in response.content.decode()
    assert not ReviewMeeting.objects.exists()


def test_admin_records_but_only_a_district_leader_signs_off(client, district, admin_user, today):
    client.force_login(admin_user)
    client.post(reverse("quarters:meeting_create"), meeting_data())
    meeting = ReviewMeeting.objects.get()
    assert client.post(reverse("quarters:meeting_sign_off", args=[meeting.pk])).status_code == 403
    meeting.refresh_from_db()
    assert not meeting.is_signed_off


@pytest.mark.parametrize("persona", ["official", "auditor"])
def test_meetings_are_not_for_officials(client, district, people, persona, today):
    client.force_login(getattr(people, persona))
    assert client.get(reverse("quarters:meetings")).status_code == 403
    assert client.post(reverse("quarters:meeting_create"), meeting_data()).status_code == 403
    assert not ReviewMeeting.objects.exists()


def test_unit_leader_reads_meetings_but_cannot_record_them(client, district, leader, unitleader, today):
    client.force_login(leader)
    client.post(reverse("quarters:meeting_create"), meeting_data())
    client.force_login(unitleader)
    meeting = ReviewMeeting.objects.get()
    assert client.get(reverse("quarters:meeting", args=[meeting.pk])).status_code == 200
    assert client.get(reverse("quarters:meeting_create")).status_code == 403
    assert client.get(reverse("quarters:meeting", args=[meeting.pk + 1])).status_code == 404


def test_meeting_page_names_only_the_risks_the_reader_may_see(
    client, district, leader, unitleader, unitleader2
):
    from quarters.figures import Quarter
    from quarters.models import MeetingKind
    from risks.models import today

    xiuwen_risk = RiskFactory(township=district.xiuwen, title="修文镇专属风险")
    past = Quarter.current().previous()
    meeting = services.meeting_record(
        by=leader,
        meeting=ReviewMeeting(
            kind=MeetingKind.QUARTERLY,
            year=past.year,
            quarter=past.number,
            held_on=today(),
            title="季度研判会",
            attendees="周区长",
            analysis="总体平稳",
        ),
        risks=[xiuwen_risk],
    )
    client.force_login(unitleader)
    assert "修文镇专属风险" in client.get(reverse("quarters:meeting", args=[meeting.pk])).content.decode()
    client.force_login(unitleader2)
    response = client.get(reverse("quarters:meeting", args=[meeting.pk]))
    assert response.status_code == 200
    assert "修文镇专属风险" not in response.content.decode()
