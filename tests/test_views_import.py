"""The import pages (/risks/import/…): upload, preview, confirm, progress, downloads, Celery."""

import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from risks import tasks
from risks.ledger_io import jobs
from risks.models import AuditAction, AuditEntry, ImportJob, ImportStatus, Risk

from .test_ledger_import import good
from .xlsx import row, upload, workbook_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today(frozen_today):
    frozen_today(datetime.date(2026, 4, 1))


def file_of(*rows) -> bytes:
    return workbook_bytes([row(r) for r in rows])


def start(client, user, content: bytes, name="台账.xlsx"):
    client.force_login(user)
    return client.post(reverse("risks:import"), {"file": upload(content, name)})


def test_import_page_offers_upload_and_template(client, official):
    client.force_login(official)
    response = client.get(reverse("risks:import"))
    assert response.status_code == 200
    assert reverse("risks:import_template") in response.content.decode()


def test_roles_that_may_not_log_risks_get_403(client, auditor):
    client.force_login(auditor)
    assert client.get(reverse("risks:import")).status_code == 403
    assert client.get(reverse("risks:import_template")).status_code == 403


def test_valid_file_previews_then_imports_on_confirmation(client, district, official):
    response = start(client, official, file_of(good(), good(**{"风险隐患名称": "第二条"})))
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("risks:import_job", args=[job.pk])
    assert job.status == ImportStatus.CHECKED and job.valid_rows == 2 and job.problems == []
    assert Risk.objects.count() == 0  # nothing before the go-ahead
    page = client.get(response["Location"]).content.decode()
    assert "导入全部 2 行" in page
    response = client.post(reverse("risks:import_confirm", args=[job.pk]), {"mode": "all"}, follow=True)
    assert "已导入 2 条风险隐患" in response.content.decode()
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and job.imported_rows == 2
    assert Risk.objects.count() == 2
    assert AuditEntry.objects.filter(action=AuditAction.IMPORT, object_id=str(job.pk)).count() == 1
    # A second confirmation (double click) imports nothing more.
    client.post(reverse("risks:import_confirm", args=[job.pk]), {"mode": "all"})
    assert Risk.objects.count() == 2


def test_preview_lists_every_problem_and_all_mode_saves_nothing(client, district, official):
    content = file_of(
        good(),
        good(**{"风险隐患名称": "第二条", "风险等级": "特大"}),
        good(**{"风险隐患名称": "第三条", "责任单位": "东阳镇"}),
    )
    start(client, official, content)
    job = ImportJob.objects.get()
    page = client.get(reverse("risks:import_job", args=[job.pk])).content.decode()
    assert "没有“特大”这个等级" in page and "您无权为“东阳镇”登记风险隐患" in page
    assert "导入全部" not in page and "只导入无误的 1 行" in page
    response = client.post(reverse("risks:import_confirm", args=[job.pk]), {"mode": "all"}, follow=True)
    assert "不能全部导入" in response.content.decode()
    assert Risk.objects.count() == 0


def test_valid_rows_only_and_the_rejected_rows_come_back_with_errors(client, district, official):
    content = file_of(
        good(), good(**{"风险隐患名称": "第二条", "风险等级": "特大"}), good(**{"风险隐患名称": "=1+1"})
    )
    start(client, official, content)
    job = ImportJob.objects.get()
    client.post(reverse("risks:import_confirm", args=[job.pk]), {"mode": "valid_only"})
    assert list(Risk.objects.values_list("title", flat=True)) == ["修文村燃气管道老化"]
    response = client.get(reverse("risks:import_rejected", args=[job.pk]))
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:3] == ("错误说明", "原行号", "序号")
    assert len(rows) == 3
    assert "风险等级：没有“特大”这个等级" in rows[1][0] and rows[1][1] == 3
    assert rows[1][4] == "第二条" and rows[1][7] == "特大"
    assert "单元格含有公式" in rows[2][0] and rows[2][1] == 4
    assert all(cell.data_type != "f" for line in ws.iter_rows() for cell in line)


def test_bad_file_gets_a_clear_message_and_saves_nothing(client, district, official):
    start(client, official, b"not a spreadsheet at all")
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.FAILED
    page = client.get(reverse("risks:import_job", args=[job.pk])).content.decode()
    assert "这不是一个 Excel" in page
    assert Risk.objects.count() == 0


def test_a_20_mb_upload_is_refused_at_once(client, district, official):
    response = start(client, official, b"PK\x03\x04" + b"\x00" * (20 * 1024 * 1024))
    assert response.status_code == 400
    assert "超过大小上限" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_upload_without_a_file_is_400(client, official):
    client.force_login(official)
    assert client.post(reverse("risks:import"), {}).status_code == 400


def test_someone_elses_import_is_not_found(client, district, official, unitleader):
    start(client, official, file_of(good()))
    job = ImportJob.objects.get()
    client.force_login(unitleader)
    for name in ("risks:import_job", "risks:import_progress", "risks:import_rejected"):
        assert client.get(reverse(name, args=[job.pk])).status_code == 404
    assert client.post(reverse("risks:import_confirm", args=[job.pk]), {"mode": "all"}).status_code == 404
    assert Risk.objects.count() == 0


def test_confirm_and_cancel_need_post(client, district, official):
    start(client, official, file_of(good()))
    job = ImportJob.objects.get()
    assert client.get(reverse("risks:import_confirm", args=[job.pk])).status_code == 405
    assert client.get(reverse("risks:import_cancel", args=[job.pk])).status_code == 405
    assert client.post(reverse("risks:import_job", args=[job.pk])).status_code == 405


def test_cancel_saves_nothing(client, district, official):
    start(client, official, file_of(good()))
    job = ImportJob.objects.get()
    client.post(reverse("risks:import_cancel", args=[job.pk]))
    client.post(reverse("risks:import_confirm", args=[job.pk]), {"mode": "all"})
    job.refresh_from_db()
    assert job.status == ImportStatus.CANCELLED and Risk.objects.count() == 0


def test_template_has_the_columns_drop_downs_and_instructions(client, district, official):
    client.force_login(official)
    response = client.get(reverse("risks:import_template"))
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["风险隐患台账", "选项", "填写说明"]
    ws = wb["风险隐患台账"]
    from risks.ledger_io.columns import HEADERS

    assert [c.value for c in ws[1]] == HEADERS
    ranges = {str(v.sqref).split(":")[0][:-1]: v.formula1 for v in ws.data_validations.dataValidation}
    assert set(ranges) == {"D", "F", "G", "H", "I", "J"}  # 领域, 等级, 乡镇, 村, 来源, 责任单位
    lists = wb["选项"]
    owner_units = [c.value for c in lists["F"][1:] if c.value]
    assert "修文镇" in owner_units and "东阳镇" not in owner_units  # only units he may write to
    assert "重大" in [c.value for c in lists["B"]]
    assert any("整改时限" in str(c.value) for c in wb["填写说明"]["A"])


def test_template_filled_in_imports(client, district, official):
    client.force_login(official)
    wb = load_workbook(io.BytesIO(client.get(reverse("risks:import_template")).content))
    ws = wb["风险隐患台账"]
    ws.append(row(good()))
    buffer = io.BytesIO()
    wb.save(buffer)
    start(client, official, buffer.getvalue())
    assert ImportJob.objects.get().valid_rows == 1


def test_large_files_are_checked_and_imported_by_celery(
    client, district, official, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.LEDGER_IMPORT_SYNC_MAX_BYTES = 0
    sent = []
    monkeypatch.setattr(tasks.check_import_job, "delay", lambda pk: sent.append(("check", pk)))
    monkeypatch.setattr(tasks.run_import_job, "delay", lambda pk: sent.append(("import", pk)))
    with django_capture_on_commit_callbacks(execute=True):
        start(client, official, file_of(good()))
    job = ImportJob.objects.get()
    assert sent == [("check", job.pk)] and job.status == ImportStatus.CHECKING
    progress = client.get(reverse("risks:import_progress", args=[job.pk]))
    assert 'hx-trigger="every 1s"' in progress.content.decode() and "HX-Refresh" not in progress
    tasks.check_import_job(job.pk)  # what the worker runs
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKED
    assert client.get(reverse("risks:import_progress", args=[job.pk]))["HX-Refresh"] == "true"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("risks:import_confirm", args=[job.pk]), {"mode": "all"})
    assert sent[-1] == ("import", job.pk)
    tasks.run_import_job(job.pk)
    tasks.run_import_job(job.pk)  # redelivered: nothing twice
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and Risk.objects.count() == 1


def test_broker_down_runs_the_step_in_the_request(
    client, district, official, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.LEDGER_IMPORT_SYNC_MAX_BYTES = 0

    def down(pk):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.check_import_job, "delay", down)
    with django_capture_on_commit_callbacks(execute=True):
        start(client, official, file_of(good()))
    assert ImportJob.objects.get().status == ImportStatus.CHECKED


def test_checking_reports_progress(district, official):
    content = file_of(*[good(**{"风险隐患名称": f"第{i}条"}) for i in range(450)])
    job = jobs.job_start(by=official, upload=upload(content))
    assert job.status == ImportStatus.CHECKING and job.percent == 0
    jobs.job_check(job.pk)
    job.refresh_from_db()
    assert job.checked_rows == job.total_rows == 450 and job.percent == 100


def test_job_page_query_count_does_not_grow_with_problems(client, district, official):
    def queries(n):
        content = file_of(*[good(**{"风险隐患名称": f"第{i}条", "风险等级": "特大"}) for i in range(n)])
        start(client, official, content)
        job = ImportJob.objects.latest("id")
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("risks:import_job", args=[job.pk])).status_code == 200
        return len(ctx.captured_queries)

    assert queries(2) == queries(30)
