"""The quarter report (/reports/<year>/<quarter>/, .pdf, .xlsx): hand-counted figures, frozen
content, scope, bad input."""

import datetime
import io
import re
import subprocess

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from quarters import services
from quarters.models import MeetingKind, QuarterSnapshot, ReviewMeeting, SnapshotSource
from risks import workflow
from risks.models import AuditAction, AuditEntry, QuarterlyReport, Risk

from .quarter_ledger import Q2_DISTRICT, Q2_XIUWEN
from .requires import requires_poppler

pytestmark = pytest.mark.django_db
d = datetime.date
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def url(year=2026, quarter=2, fmt=None):
    if fmt:
        return reverse("quarters:report_download", args=[year, quarter, fmt])
    return reverse("quarters:report", args=[year, quarter])


def get(client, user, path):
    client.force_login(user)
    return client.get(path)


@pytest.fixture
def after_q2(hand_ledger, frozen_today):
    frozen_today(d(2026, 7, 3))
    return hand_ledger


def test_report_gives_the_hand_counted_figures(client, after_q2, leader):
    response = get(client, leader, url())
    assert response.status_code == 200
    total = response.context["total"]
    assert {k: total[k] for k in Q2_DISTRICT} == Q2_DISTRICT
    assert total["on_time_rate_text"] == "66.7%" and total["closure_rate_text"] == "42.9%"
    overview = {row["key"]: row for row in response.context["overview"]}
    # Q1 for quarter on quarter: 4 new, 1 closed, 3 carried over; a year before: nothing.
    assert overview["new"]["qoq"] == "0（0.0%）" and overview["closed"]["qoq"] == "+2（+200.0%）"
    assert overview["carried_over"]["yoy"] == "+3"
    assert [r.title for r in response.context["key_risks"]] == ["D", "B"]
    townships = [
        (r["name"], r["place"], r["on_time_rate_text"], r["overdue_days"])
        for r in response.context["townships"]
    ]
    assert townships == [("东阳镇", 1, "100.0%", 76), ("修文镇", 2, "50.0%", 20)]
    assert [(r["name"], r["on_time_rate_text"]) for r in response.context["departments"]] == [
        ("应急管理局", "—")
    ]
    html = response.content.decode()
    for heading in (
        "一、总体形势",
        "二、分领域研判",
        "三、重点风险清单",
        "四、整改成效",
        "五、排名通报",
        "六、单位季度报告",
        "七、季度研判会议",
    ):
        assert heading in html
    assert "期初在办风险隐患 3 条，本季新增 4 条，销号 3 条（其中按期销号 2 条）" in html
    # A report of an older quarter is frozen from the timeline on first view.
    assert QuarterSnapshot.objects.get(year=2026, quarter=2).source == SnapshotSource.HISTORY


def test_unit_leader_report_counts_only_his_subtree(client, after_q2, unitleader):
    response = get(client, unitleader, url())
    assert response.status_code == 200
    total = response.context["total"]
    assert {k: total[k] for k in Q2_XIUWEN} == Q2_XIUWEN
    assert [r.title for r in response.context["key_risks"]] == ["B"]
    assert [r["name"] for r in response.context["townships"]] == ["修文镇"]
    assert {r.title for r in response.context["ledger"]} == {"A", "B", "E", "H"}


@pytest.mark.parametrize("fmt", [None, "pdf", "xlsx"])
def test_official_gets_403(client, after_q2, official, fmt):
    assert get(client, official, url(fmt=fmt)).status_code == 403


@pytest.mark.parametrize(
    ("year", "quarter", "message"),
    [(2026, 5, "没有第 5 季度"), (2030, 1, "尚未开始"), (2026, 3, "尚未结束")],
)
def test_a_quarter_that_does_not_exist_gets_a_clear_404(client, after_q2, leader, year, quarter, message):
    response = get(client, leader, url(year, quarter))
    assert response.status_code == 404
    assert message in response.content.decode()
    assert not QuarterSnapshot.objects.filter(year=year, quarter=quarter).exists()


def test_report_answers_get_only(client, after_q2, leader):
    client.force_login(leader)
    assert client.post(url()).status_code == 405
    assert client.post(url(fmt="xlsx")).status_code == 405


def test_past_report_is_byte_for_byte_the_same_after_later_changes(
    client, after_q2, leader, unitleader2, official, frozen_today
):
    first = CSRF.sub("", get(client, leader, url()).content.decode())
    frozen_xlsx = get(client, leader, url(fmt="xlsx")).content
    # Later: D is closed, E edited (title and deadline), F handed over and accepted, a new risk.
    frozen_today(d(2026, 8, 5))
    risk_d = Risk.objects.get(pk=after_q2.d.pk)
    workflow.risk_request_closure(risk=risk_d, by=risk_d.responsible, text="完成")
    workflow.risk_approve_closure(risk=Risk.objects.get(pk=risk_d.pk), by=leader)
    e = Risk.objects.get(pk=after_q2.e.pk)
    e.title, e.deadline = "E（改名）", d(2026, 12, 31)
    workflow.risk_update(risk=e, by=leader, changed=e, reason="调整")
    f = Risk.objects.get(pk=after_q2.f.pk)
    workflow.risk_request_handover(risk=f, by=leader, to_unit=after_q2.district.dongyang, reason="属地管理")
    workflow.risk_accept_handover(risk=Risk.objects.get(pk=f.pk), by=unitleader2)
    Risk.objects.filter(pk=after_q2.g.pk).update(level="major", title="G（改）")
    second = CSRF.sub("", get(client, leader, url()).content.decode())
    assert second == first
    workbook = load_workbook(io.BytesIO(get(client, leader, url(fmt="xlsx")).content))
    before = load_workbook(io.BytesIO(frozen_xlsx))
    for name in before.sheetnames:
        assert [list(r) for r in workbook[name].values] == [list(r) for r in before[name].values], name


def test_excel_gives_the_hand_counted_figures_and_the_quarters_ledger(client, after_q2, leader):
    response = get(client, leader, url(fmt="xlsx"))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="quarter-report-2026Q2.xlsx"'
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["总体形势", "分领域", "乡镇排名", "部门排名", "重点风险", "本季台账"]
    overview = {
        row[0]: row[1]
        for row in workbook["总体形势"].iter_rows(min_row=2, values_only=True)
        if row and row[0]
    }
    assert overview["期初在办"] == 3 and overview["本季新增"] == 4 and overview["本季销号"] == 3
    assert overview["按期销号"] == 2 and overview["期末逾期"] == 2 and overview["结转下季"] == 3
    assert overview["逾期天数合计"] == 96 and overview["按期销号率"] == "66.7%"
    ledger = list(workbook["本季台账"].iter_rows(min_row=2, values_only=True))
    assert sorted(row[2] for row in ledger) == list("ABDEFGH")
    d_row = next(row for row in ledger if row[2] == "D")
    assert d_row[4] == "重大" and d_row[-2] == "是" and d_row[-1] == 76
    assert [row[1] for row in workbook["乡镇排名"].iter_rows(min_row=2, values_only=True)] == [
        "东阳镇",
        "修文镇",
    ]
    assert AuditEntry.objects.filter(action=AuditAction.EXPORT, object_id="2026Q2").count() == 1


@requires_poppler
def test_pdf_holds_the_chinese_headings_and_figures(client, after_q2, leader, tmp_path):
    response = get(client, leader, url(fmt="pdf"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    path = tmp_path / "report.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    flat = re.sub(r"\s+", "", text)
    for heading in (
        "2026年第二季度安全风险研判报告",
        "一、总体形势",
        "二、分领域研判",
        "三、重点风险清单",
        "五、排名通报",
    ):
        assert heading in flat
    assert "期初在办风险隐患3条，本季新增4条，销号3条（其中按期销号2条）" in flat
    assert "按期销号率66.7%" in flat
    assert "—1—" in flat  # page numbers
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in fonts.splitlines()[2:] if line.strip()]
    assert rows and all("yes" in row[-5:-3] for row in rows), fonts  # every font embedded
    assert any("CJK" in row[0] or "WenQuanYi" in row[0] for row in rows), fonts  # a Chinese font


def test_report_shows_the_review_meeting_and_the_units_reports(
    client, after_q2, leader, unitleader, official, district
):
    meeting = services.meeting_record(
        by=leader,
        meeting=ReviewMeeting(
            kind=MeetingKind.QUARTERLY,
            year=2026,
            quarter=2,
            held_on=d(2026, 7, 2),
            title="二季度研判会",
            attendees="周区长、刘镇长",
            analysis="重大风险逾期仍在东阳镇。",
            instructions="限期销号。",
        ),
        risks=[after_q2.d],
    )
    services.meeting_sign_off(by=leader, meeting=meeting)
    QuarterlyReport.objects.create(
        unit=district.xiuwen,
        year=2026,
        quarter=2,
        analysis="本镇形势平稳。",
        submitted_by=official,
        submitted_at=timezone.now(),
    )
    html = get(client, leader, url()).content.decode()
    assert (
        "二季度研判会" in html and "限期销号。" in html and after_q2.d.code in html and "已由 周区长" in html
    )
    assert "本镇形势平稳。" in html
    missing = html.split("未报送单位：")[1].split("</p>")[0]
    assert "东阳镇" in missing and "应急管理局" in missing and "修文镇" not in missing


def test_report_query_count_does_not_grow_with_risks(client, after_q2, leader, make_risk, frozen_today):
    client.force_login(leader)
    client.get(url())  # freezes Q2, Q1 and Q2 of 2025
    with CaptureQueriesContext(connection) as queries:
        client.get(url())
    assert len(queries) < 30


def test_a_long_key_risk_list_is_cut_on_the_page_and_whole_in_excel(client, after_q2, leader, monkeypatch):
    from quarters import reports

    monkeypatch.setattr(reports, "KEY_RISKS_SHOWN", 1)
    response = get(client, leader, url())
    assert [r.title for r in response.context["key_risks"]] == ["D"]  # 重大 first
    note = "以上列出前 1 条（重大在前），共 2 条；全部重点风险见本报告的 Excel 版。"
    assert note in response.content.decode()
    workbook = load_workbook(io.BytesIO(get(client, leader, url(fmt="xlsx")).content))
    key = [row[1] for row in workbook["重点风险"].iter_rows(min_row=2, values_only=True) if row and row[1]]
    assert key == ["D", "B"]


def test_a_short_key_risk_list_has_no_note(client, after_q2, leader):
    response = get(client, leader, url())
    assert response.context["key_risks_total"] == 2
    assert "全部重点风险见本报告的 Excel 版" not in response.content.decode()
