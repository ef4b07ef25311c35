"""Ledger import: reading files, checking rows, saving all or nothing, scope, the command."""

import datetime
import io
import zipfile

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from risks import workflow
from risks.ledger_io.columns import HEADERS
from risks.ledger_io.importer import ImportRefused, check_sheet, import_rows, parse_date
from risks.ledger_io.reader import LedgerFileError, read_ledger
from risks.models import AuditAction, AuditEntry, EventKind, Level, Risk, RiskEvent, Source, State
from risks.permissions import NotAllowed

from .factories import RiskFactory
from .xlsx import row, workbook_bytes

pytestmark = pytest.mark.django_db


def good(**overrides) -> dict:
    values = {
        "风险隐患名称": "修文村燃气管道老化",
        "所属领域": "社会安全",
        "风险等级": "较大",
        "所在乡镇(街道)": "修文镇",
        "村(社区)": "修文村",
        "来源": "排查",
        "责任单位": "修文镇",
        "整改措施": "更换管道",
        "整改时限": "2026-06-30",
        "发现日期": "2026-03-01",
    }
    values.update(overrides)
    return values


def sheet(rows: list[dict], name="台账.xlsx"):
    return read_ledger(io.BytesIO(workbook_bytes([row(r) for r in rows])), name)


def problems(result) -> list[tuple]:
    return [(p.row, p.column, p.message) for p in result.problems]


@pytest.fixture
def today_is(frozen_today):
    return frozen_today(datetime.date(2026, 4, 1))


# --- dates and names ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["2026-03-01", "2026/3/1", "2026年3月1日", "2026.3.1", "2026-03-01 00:00:00", 46082, "46082",
     datetime.datetime(2026, 3, 1, 0, 0), datetime.date(2026, 3, 1)],
)  # fmt: skip
def test_dates_in_the_usual_forms(value):
    assert parse_date(value) == datetime.date(2026, 3, 1)


@pytest.mark.parametrize("value", ["2026-02-30", "2026年13月1日", "明天", "0", "3/1/2026"])
def test_impossible_or_unknown_dates_are_refused(value):
    with pytest.raises(ValueError):
        parse_date(value)


def test_names_match_with_full_width_letters_and_spaces(district, official, today_is):
    typed = {
        "所在乡镇(街道)": " 修 文 镇 ",
        "责任单位": "ｘｉｕｗｅｎ",
        "所属领域": "societal",
        "风险等级": " 较大",
    }
    result = check_sheet(sheet([good(**typed)]), official)
    assert problems(result) == []
    fields = result.rows[0].fields
    assert fields["township"] == district.xiuwen and fields["owner_unit"] == district.xiuwen
    assert fields["level"] == Level.SIGNIFICANT


# --- whole-file problems: a message, nothing saved ---------------------------------------------


def read_bytes(content: bytes, name="台账.xlsx"):
    with pytest.raises(LedgerFileError) as caught:
        read_ledger(io.BytesIO(content), name)
    return " ".join(caught.value.messages)


def test_not_an_excel_file():
    assert "不是一个 Excel" in read_bytes(b"<html>hello</html>")


def test_a_corrupt_zip():
    assert "已损坏" in read_bytes(b"PK\x03\x04" + b"\x00garbage" * 100)


def test_a_zip_that_is_not_a_workbook():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hi")
    assert "已损坏" in read_bytes(buffer.getvalue())


def test_old_xls_and_other_types_are_refused():
    assert ".xls" in read_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 100, "台账.xls")
    assert "只能导入" in read_bytes(b"hello", "台账.pdf")


def test_an_empty_sheet():
    buffer = io.BytesIO()
    Workbook().save(buffer)
    assert "空的" in read_bytes(buffer.getvalue())


def test_header_without_rows():
    assert "没有数据行" in read_bytes(workbook_bytes([]))


def test_missing_columns_are_named():
    headers = [h for h in HEADERS if h != "整改时限"]
    message = read_bytes(workbook_bytes([["x"] * len(headers)], headers))
    assert "缺少必需的列：整改时限" in message


def test_renamed_columns_are_named():
    headers = ["整改期限" if h == "整改时限" else h for h in HEADERS]
    message = read_bytes(workbook_bytes([["x"] * len(headers)], headers))
    assert "缺少必需的列：整改时限" in message and "无法识别的列：整改期限" in message


def test_no_header_at_all():
    assert "找不到表头" in read_bytes(workbook_bytes([["a", "b"]] * 12, ["甲", "乙"]))


def test_a_20_mb_file_is_refused():
    assert "超过上限" in read_bytes(b"PK\x03\x04" + b"\x00" * (20 * 1024 * 1024))


def test_rows_over_the_limit_are_refused(settings):
    lines = [",".join(HEADERS)] + ["标题,社会安全"] * 20001
    content = "\n".join(lines).encode()
    assert "超过 20000 行" in read_bytes(content, "台账.csv")


def test_csv_in_gbk_is_read(district, official, today_is):
    values = good()
    content = (",".join(HEADERS) + "\n" + ",".join(str(values.get(h, "")) for h in HEADERS)).encode("gb18030")
    result = check_sheet(read_ledger(io.BytesIO(content), "台账.csv"), official)
    assert problems(result) == []


# --- row problems: row, column, what is wrong, what was expected -------------------------------


@pytest.mark.parametrize(
    ("override", "column", "message"),
    [
        ({"责任单位": "不存在局"}, "责任单位", "没有名称或编码为“不存在局”的单位"),
        ({"所属领域": "宇宙安全"}, "所属领域", "没有“宇宙安全”这个领域"),
        ({"责任人": "查无此人"}, "责任人", "没有叫“查无此人”的在岗人员"),
        ({"整改时限": "2026-02-30"}, "整改时限", "日期“2026-02-30”不存在"),
        ({"整改时限": "2026-02-01"}, "整改时限", "整改时限 2026-02-01 早于发现日期 2026-03-01"),
        ({"发现日期": "2026-05-01", "整改时限": "2026-06-01"}, "发现日期", "发现日期 2026-05-01 晚于今天"),
        ({"风险等级": "特大"}, "风险等级", "没有“特大”这个等级"),
        ({"村(社区)": "东阳村"}, "村(社区)", "“东阳村”不属于“修文镇”"),
        ({"风险隐患名称": ""}, "风险隐患名称", "未填写"),
        ({"包联领导": "王修文"}, "包联领导", "须为区领导"),
    ],
)
def test_each_bad_cell_is_reported_by_row_and_column(district, official, today_is, override, column, message):
    result = check_sheet(sheet([good(), good(**{"风险隐患名称": "第二条", **override})]), official)
    assert len(result.problems) == 1
    problem = result.problems[0]
    assert (problem.row, problem.column) == (3, column)
    assert message in problem.message
    assert problem.expected
    with pytest.raises(ImportRefused):
        import_rows(result=result, by=official)
    assert Risk.objects.count() == 0


def test_formulas_in_cells_are_refused(district, official, today_is):
    content = workbook_bytes([row(good(**{"风险隐患名称": '=HYPERLINK("http://x","y")'}))])
    result = check_sheet(read_ledger(io.BytesIO(content), "台账.xlsx"), official)
    assert [(p.column, p.message) for p in result.problems] == [("风险隐患名称", "单元格含有公式")]


def test_duplicates_of_existing_risks_and_within_the_file(district, official, today_is):
    existing = RiskFactory(
        title="修文村燃气管道老化",
        township=district.xiuwen,
        village=district.xiuwen_village,
        found_on=datetime.date(2026, 3, 1),
    )
    result = check_sheet(
        sheet([good(), good(**{"风险隐患名称": "新的"}), good(**{"风险隐患名称": "新的"})]), official
    )
    assert problems(result) == [
        (2, "风险隐患名称", f"与已有风险隐患 {existing.code} 重复（名称、地点、发现日期相同）"),
        (4, "风险隐患名称", "与本文件第 3 行重复（名称、地点、发现日期相同）"),
    ]


# --- saving --------------------------------------------------------------------------------------


def test_a_valid_file_is_imported_through_the_workflow(district, official, today_is):
    rows = [
        good(),
        good(
            **{
                "风险隐患名称": "第二条",
                "责任人": "王修文",
                "配合单位": "应急管理局、住建局",
                "风险等级": "重大",
            }
        ),
    ]
    created = import_rows(result=check_sheet(sheet(rows), official), by=official, file_name="台账.xlsx")
    assert len(created) == 2
    first, second = Risk.objects.order_by("id")
    assert first.code.startswith("YC-2026-") and first.state == State.REPORTED
    assert first.village == district.xiuwen_village and first.source == Source.INSPECTION
    assert first.found_on == datetime.date(2026, 3, 1) and first.deadline == datetime.date(2026, 6, 30)
    assert second.state == State.ASSIGNED and second.responsible == official
    assert {u.name for u in second.cooperating_units.all()} == {"应急管理局", "住建局"}
    assert RiskEvent.objects.filter(kind=EventKind.CREATED).count() == 2
    entry = AuditEntry.objects.get(action=AuditAction.IMPORT)
    assert entry.actor == official and entry.changes[0]["created"] == 2


def test_an_import_cannot_create_risks_for_units_the_importer_may_not_write_to(district, official, today_is):
    rows = [
        good(),
        good(**{"风险隐患名称": "东阳的", "所在乡镇(街道)": "东阳镇", "村(社区)": "", "责任单位": "东阳镇"}),
    ]
    result = check_sheet(sheet(rows), official)
    assert problems(result) == [(3, "责任单位", "您无权为“东阳镇”登记风险隐患")]
    with pytest.raises(ImportRefused):
        import_rows(result=result, by=official)
    assert Risk.objects.count() == 0
    # Only the valid rows, when asked: 东阳镇's row stays out.
    import_rows(result=result, by=official, valid_only=True)
    assert list(Risk.objects.values_list("owner_unit__name", flat=True)) == ["修文镇"]


def test_roles_that_may_not_log_risks_cannot_import(district, auditor, today_is):
    result = check_sheet(sheet([good()]), auditor)
    with pytest.raises(NotAllowed):
        import_rows(result=result, by=auditor)
    assert Risk.objects.count() == 0


def test_the_import_is_one_transaction(district, official, today_is, monkeypatch):
    # The risks, their timelines and audit entries are written; then the import's own audit entry
    # fails: nothing of the import may stay.
    from risks.ledger_io import importer

    def failing(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(importer.audit, "record", failing)
    result = check_sheet(sheet([good(), good(**{"风险隐患名称": "第二条", "责任人": "王修文"})]), official)
    with pytest.raises(RuntimeError):
        import_rows(result=result, by=official)
    assert Risk.objects.count() == 0
    assert RiskEvent.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_imported_risks_get_the_timeline_and_audit_of_risks_logged_by_hand(district, official, today_is):
    rows = [good(), good(**{"风险隐患名称": "第二条", "责任人": "王修文", "配合单位": "应急管理局"})]
    by_hand = RiskFactory.build(
        title="手工登记", township=district.xiuwen, owner_unit=district.xiuwen, responsible=official,
        created_by=official, updated_by=official,
    )  # fmt: skip
    workflow.risk_create(by=official, risk=by_hand)

    first, second = import_rows(result=check_sheet(sheet(rows), official), by=official)

    def timeline(risk):
        return list(risk.events.order_by("id").values_list("kind", "actor_id", "from_state", "to_state"))

    def audited(risk):
        return list(
            AuditEntry.objects.filter(object_type="risks.risk", object_id=str(risk.pk))
            .order_by("id")
            .values_list("action", "actor_id", "actor_unit_id", "object_repr")
        )

    assert [first.code, second.code] == ["YC-2026-00002", "YC-2026-00003"]  # after the one by hand
    assert timeline(second) == [(k, official.pk, f, t) for k, _a, f, t in timeline(by_hand)]
    assert [a[:3] for a in audited(second)] == [a[:3] for a in audited(by_hand)]
    assert audited(second)[0][3] == f"{second.code} 第二条"
    assert second.events.get(kind=EventKind.ASSIGNED).text == "登记时指定责任人：王修文"
    assert timeline(first) == [(EventKind.CREATED, official.pk, "", "")]
    assert first.state == State.REPORTED and second.state == State.ASSIGNED
    assert list(second.cooperating_units.values_list("name", flat=True)) == ["应急管理局"]


def test_saving_an_import_takes_the_same_queries_for_3_rows_as_for_60(district, official, today_is):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def saved(n, prefix):
        rows = [
            good(**{"风险隐患名称": f"{prefix}{i}", "责任人": "王修文", "配合单位": "应急管理局"})
            for i in range(n)
        ]
        result = check_sheet(sheet(rows), official)
        with CaptureQueriesContext(connection) as queries:
            assert len(import_rows(result=result, by=official)) == n
        return len(queries)

    saved(1, "丙")  # the year's first import also creates its code counter
    assert saved(3, "甲") == saved(60, "乙")
    assert Risk.objects.count() == 64
    assert RiskEvent.objects.count() == 128


# --- the command ---------------------------------------------------------------------------------


def test_command_dry_run_lists_problems_and_saves_nothing(district, official, today_is, tmp_path):
    path = tmp_path / "台账.xlsx"
    path.write_bytes(workbook_bytes([row(good()), row(good(**{"风险等级": "特大"}))]))
    out = io.StringIO()
    call_command("import_ledger", str(path), "--as", official.username, "--dry-run", stdout=out)
    assert "第 3 行 [风险等级] 没有“特大”这个等级" in out.getvalue()
    assert Risk.objects.count() == 0
    with pytest.raises(CommandError, match="未导入任何数据"):
        call_command("import_ledger", str(path), "--as", official.username, stdout=out)
    assert Risk.objects.count() == 0
    call_command("import_ledger", str(path), "--as", official.username, "--valid-only", stdout=out)
    assert Risk.objects.count() == 1


def test_command_refuses_unknown_user_and_missing_file(district, tmp_path):
    with pytest.raises(CommandError, match="找不到文件"):
        call_command("import_ledger", str(tmp_path / "none.xlsx"), "--as", "nobody")
    path = tmp_path / "a.xlsx"
    path.write_bytes(b"x")
    with pytest.raises(CommandError, match="没有在岗账号"):
        call_command("import_ledger", str(path), "--as", "nobody")


def test_the_bulk_service_itself_refuses_a_unit_the_person_may_not_write_to(district, official, today_is):
    # Not only the file checker: the service refuses, and saves nothing of the other rows either.
    def risk(title, unit):
        return RiskFactory.build(
            title=title, township=unit, owner_unit=unit, created_by=official, updated_by=official
        )

    with pytest.raises(NotAllowed):
        workflow.risks_create_many(
            by=official,
            items=[(risk("修文的", district.xiuwen), []), (risk("东阳的", district.dongyang), [])],
        )
    assert Risk.objects.count() == 0 and RiskEvent.objects.count() == 0
    assert workflow.risks_create_many(by=official, items=[]) == []
