"""The import template (same columns as the export, drop-down lists, an instruction sheet) and
the file of rejected rows that an import of "only the valid rows" gives back."""

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from ..models import GRASSROOTS_KINDS, TERRITORY_KINDS, Domain, Level, Source, Unit
from ..permissions import writable_units
from .columns import COLUMNS, HEADERS

TEMPLATE_ROWS = 2000
INDEX = {c.key: i for i, c in enumerate(COLUMNS)}  # rows that get the drop-down lists

INSTRUCTIONS = {
    "seq": _("可留空，导入时忽略"),
    "code": _("留空；导入时由系统按年度自动编号"),
    "title": _("必填，不超过 200 字"),
    "domain": _("必填，从下拉列表选择（如“社会安全”），也可填领域编码"),
    "category": _("选填，须是该领域下的类别，如“安全生产”或“安全生产 › 矿山”"),
    "level": _("必填：重大、较大、一般、低"),
    "township": _("必填：乡镇或街道的名称（或单位编码）"),
    "village": _("选填：所填乡镇(街道)下的村或社区"),
    "source": _("选填，默认“排查”"),
    "owner_unit": _("必填：您所在单位或其下属单位（名称或编码）"),
    "cooperating_units": _("选填：多个单位用“、”分隔"),
    "responsible": _("选填：责任单位人员的姓名或登录账号；填写后导入即为“待签收”"),
    "phone": _("导入时忽略（取自责任人的资料）"),
    "leader_in_charge": _("选填：区领导的姓名或登录账号"),
    "measures": _("选填"),
    "deadline": _("必填：日期，如 2026-03-01、2026/3/1、2026年3月1日；不得早于发现日期"),
    "progress": _("导入时忽略；整改进展在系统中逐条报送"),
    "supervision_light": _("导入时忽略（由系统按逾期天数确定）"),
    "state": _("导入时忽略；导入后为“已登记”或“待签收”"),
    "closed_at": _("导入时忽略"),
    "remarks": _("选填，不超过 500 字"),
    "found_on": _("选填，默认导入当天；不得晚于今天"),
}


def _header_row(ws, headers):
    ws.append(headers)
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="FFD9E1F2")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _list_column(ws_lists, column: int, title: str, values: list[str]) -> str:
    letter = get_column_letter(column)
    ws_lists.cell(row=1, column=column, value=title)
    for row, value in enumerate(values, start=2):
        ws_lists.cell(row=row, column=column, value=value)
    last = max(len(values) + 1, 2)
    return f"{quote_sheetname(ws_lists.title)}!${letter}$2:${letter}${last}"


def template_workbook(user) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = _("风险隐患台账")
    _header_row(ws, HEADERS)
    for index, column in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(index)].width = column.width
    ws.freeze_panes = "A2"

    lists = wb.create_sheet(_("选项"))
    units = Unit.objects.filter(is_active=True).order_by("path")
    ranges = {
        "domain": _list_column(
            lists, 1, _("所属领域"), [d.name for d in Domain.objects.filter(is_active=True)]
        ),
        "level": _list_column(lists, 2, _("风险等级"), [str(label) for label in Level.labels]),
        "source": _list_column(lists, 3, _("来源"), [str(label) for label in Source.labels]),
        "township": _list_column(
            lists, 4, _("乡镇(街道)"), [u.name for u in units.filter(kind__in=TERRITORY_KINDS)]
        ),
        "village": _list_column(
            lists, 5, _("村(社区)"), [u.name for u in units.filter(kind__in=GRASSROOTS_KINDS)]
        ),
        "owner_unit": _list_column(
            lists, 6, _("责任单位"), [u.name for u in writable_units(user).order_by("path")]
        ),
    }
    lists.sheet_state = "hidden"
    for key, formula in ranges.items():
        letter = get_column_letter(INDEX[key] + 1)
        validation = DataValidation(
            type="list",
            formula1=f"={formula}",
            allow_blank=True,
            showErrorMessage=key in ("domain", "level", "source"),
            errorTitle=_("输入有误"),
            error=_("请从下拉列表中选择。"),
        )
        validation.add(f"{letter}2:{letter}{TEMPLATE_ROWS + 1}")
        ws.add_data_validation(validation)

    guide = wb.create_sheet(_("填写说明"))
    guide.append([_("榆次区安全风险隐患台账导入模板 · 填写说明")])
    guide["A1"].font = Font(bold=True, size=14)
    guide.append([_("在“风险隐患台账”工作表第 2 行起逐行填写，不要修改、删除或调换表头。")])
    guide.append(
        [_("可直接导入本系统导出的台账（.xlsx 或 .csv）；日期可写 2026-03-01、2026/3/1、2026年3月1日。")]
    )
    guide.append([_("单元格中不要使用公式。单个文件不超过 10 MB、20000 行。")])
    guide.append([_("上传后先预览：每一行的问题都会列出；文件全部无误才会导入，或可选择只导入无误的行。")])
    guide.append([])
    _header_row(guide, [_("列"), _("是否必填"), _("填写要求")])
    for column in COLUMNS:
        guide.append(
            [column.header, _("必填") if column.required else "", str(INSTRUCTIONS.get(column.key, ""))]
        )
    guide.column_dimensions["A"].width = 18
    guide.column_dimensions["B"].width = 10
    guide.column_dimensions["C"].width = 80
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def rejected_workbook(sheet, problems_by_row: dict[int, list[str]]) -> bytes:
    """The rows that were not imported, as they were, with an error column in front."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("未导入的行"))
    headers = [_("错误说明"), _("原行号"), *HEADERS]
    ws.append(headers)
    ws.freeze_panes = "A2"
    for number, raw in sheet.rows:
        if number not in problems_by_row:
            continue
        line = [None] * len(HEADERS)
        for key, index in sheet.columns.items():
            value = raw[index] if index < len(raw) else None
            if isinstance(value, str | int | float) or hasattr(value, "isoformat"):
                line[INDEX[key]] = value
        ws.append([_text(ws, "；".join(problems_by_row[number])), number, *[_text(ws, v) for v in line]])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _text(ws, value):
    # Written as text cells, so nothing the rejected file holds can run as a formula.
    if value is None:
        return None
    value = value.isoformat()[:10] if hasattr(value, "isoformat") else str(value)
    cell = WriteOnlyCell(ws, value)
    cell.data_type = "s"
    return cell
