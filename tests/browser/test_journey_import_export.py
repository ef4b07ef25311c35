"""Journey: an official imports a ledger file with errors, sees the row problems, uploads a
corrected file, imports it, then exports the ledger as .xlsx and finds the imported row in it."""

import datetime
import io

from openpyxl import load_workbook

from risks.ledger_io.columns import HEADERS
from risks.models import Risk, today
from tests.requires import requires_chromium
from tests.xlsx import ledger_rows, row, workbook_bytes

from .helpers import shots

pytestmark = [requires_chromium]

TITLE = "修文村燃气管道老化"


def ledger_file(path, **overrides):
    values = {
        "风险隐患名称": TITLE,
        "所属领域": "社会安全",
        "风险等级": "较大",
        "所在乡镇(街道)": "修文镇",
        "村(社区)": "修文村",
        "来源": "排查",
        "责任单位": "修文镇",
        "整改措施": "更换管道",
        "整改时限": (today() + datetime.timedelta(days=60)).isoformat(),
        "发现日期": (today() - datetime.timedelta(days=3)).isoformat(),
        **overrides,
    }
    path.write_bytes(workbook_bytes([row(values)]))
    return path


def test_official_imports_a_corrected_file_then_exports_the_ledger(visit, official, district, tmp_path):
    page = visit(official, "/risks/import/", size="phone")
    # The template's columns are the ledger's.
    with page.expect_download() as template:
        page.get_by_role("link", name="下载导入模板").click()
    sheet = load_workbook(io.BytesIO(template.value.path().read_bytes())).worksheets[0]
    assert [cell.value for cell in sheet[1]][: len(HEADERS)] == HEADERS

    page.get_by_label("文件").set_input_files(ledger_file(tmp_path / "台账-有误.xlsx", 风险等级="特大"))
    page.get_by_role("button", name="上传并检查").click()
    problems = page.get_by_test_id("problems")
    problems.wait_for()
    assert "没有“特大”这个等级" in problems.inner_text()
    assert page.get_by_test_id("rejected-rows").inner_text() == "1"
    shots(page, "import-problems")
    assert Risk.objects.count() == 0

    page.get_by_role("link", name="再导入一个文件").click()
    page.get_by_label("文件").set_input_files(ledger_file(tmp_path / "台账-已改.xlsx"))
    page.get_by_role("button", name="上传并检查").click()
    page.get_by_text("检查通过：全部行无误，可以导入。").wait_for()
    page.get_by_role("button", name="导入全部 1 行").click()
    page.get_by_text("已导入 1 条风险隐患。", exact=True).wait_for()
    assert page.get_by_test_id("imported-rows").inner_text() == "1"
    shots(page, "import-done")
    assert Risk.objects.get().title == TITLE

    page.get_by_role("link", name="查看台账").click()
    page.get_by_test_id("export-xlsx").wait_for()
    with page.expect_download() as export:
        page.get_by_test_id("export-xlsx").click()
    assert export.value.suggested_filename.endswith(".xlsx")
    rows = ledger_rows(export.value.path().read_bytes())
    (imported,) = [r for r in rows if r["风险隐患名称"] == TITLE]
    assert (imported["风险等级"], imported["责任单位"]) == ("较大", "修文镇")
    shots(page, "ledger-after-import")
