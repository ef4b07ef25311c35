"""Read an uploaded ledger (.xlsx or .csv) into rows of raw cell values.

Whatever is wrong with the file as a whole (not a spreadsheet, a corrupt zip, too large, no
header, columns missing or renamed) raises LedgerFileError with a message in Chinese; what is
wrong with one cell is left to the importer, which reports it by row and column.
"""

import csv
import io
import zipfile
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from .columns import BY_KEY, COLUMNS, norm

HEADER_SEARCH_ROWS = 10
FORMULA = object()  # a cell that holds a formula: refused, reported by row and column


class LedgerFileError(ValidationError):
    """The file cannot be read as a ledger at all."""


@dataclass
class Sheet:
    columns: dict[str, int]  # column key → index in each row
    header_row: int  # 1-based row number of the header
    rows: list[tuple[int, list]] = field(default_factory=list)  # (row number, raw values)
    ignored_headers: list[str] = field(default_factory=list)

    def value(self, raw: list, key: str):
        index = self.columns.get(key)
        return raw[index] if index is not None and index < len(raw) else None


def max_bytes() -> int:
    return getattr(settings, "LEDGER_IMPORT_MAX_BYTES", 10 * 1024 * 1024)


def max_rows() -> int:
    return getattr(settings, "LEDGER_IMPORT_MAX_ROWS", 20000)


def _size(handle) -> int:
    handle.seek(0, io.SEEK_END)
    size = handle.tell()
    handle.seek(0)
    return size


def read_ledger(handle, name: str) -> Sheet:
    """Read ``handle`` (a binary file) named ``name``; raise LedgerFileError when unreadable."""
    size = _size(handle)
    if size > max_bytes():
        raise LedgerFileError(
            _("文件大小 %(size)s 超过上限 %(limit)s。请拆分成几个文件分别导入。")
            % {"size": filesizeformat(size), "limit": filesizeformat(max_bytes())}
        )
    if size == 0:
        raise LedgerFileError(_("文件是空的。"))
    suffix = name.lower().rsplit(".", 1)[-1] if "." in name else ""
    if suffix == "csv":
        rows = _csv_rows(handle)
    elif suffix in ("xlsx", "xlsm"):
        rows = _xlsx_rows(handle)
    elif suffix in ("xls", "et", "wps"):
        raise LedgerFileError(_("不支持旧版 .xls 格式。请在 Excel 或 WPS 中“另存为” .xlsx 后再导入。"))
    else:
        raise LedgerFileError(_("只能导入 Excel（.xlsx）或 CSV 文件。"))
    return _to_sheet(rows)


def _xlsx_rows(handle):
    head = handle.read(4)
    handle.seek(0)
    if head != b"PK\x03\x04":
        raise LedgerFileError(_("这不是一个 Excel（.xlsx）文件。请确认文件类型，或另存为 .xlsx 后再导入。"))
    try:
        workbook = load_workbook(handle, read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, IndexError) as exc:
        raise LedgerFileError(_("Excel 文件已损坏，无法读取。请用 Excel 打开检查后重新保存。")) from exc
    except Exception as exc:  # openpyxl raises many kinds on a broken package  # noqa: BLE001
        raise LedgerFileError(_("Excel 文件已损坏，无法读取。请用 Excel 打开检查后重新保存。")) from exc
    sheet = _ledger_worksheet(workbook)
    try:
        for row in sheet.iter_rows():
            yield [FORMULA if getattr(c, "data_type", None) == "f" else c.value for c in row]
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise LedgerFileError(_("Excel 文件已损坏，无法读取。请用 Excel 打开检查后重新保存。")) from exc
    finally:
        workbook.close()


def _ledger_worksheet(workbook):
    """The sheet whose first rows hold the header; else the first sheet."""
    wanted = norm(BY_KEY["title"].header)
    for ws in workbook.worksheets:
        for row in ws.iter_rows(max_row=HEADER_SEARCH_ROWS, values_only=True):
            if any(norm(v) == wanted for v in row if isinstance(v, str)):
                return ws
    return workbook.worksheets[0]


def _csv_rows(handle):
    data = handle.read()
    for encoding in ("utf-8-sig", "gb18030"):  # Excel and WPS in China save CSV as GBK
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise LedgerFileError(_("无法识别 CSV 文件的编码。请保存为 UTF-8 或 GBK 编码。"))
    if "\x00" in text:
        raise LedgerFileError(_("这不是一个 CSV 文本文件。"))
    try:
        yield from csv.reader(io.StringIO(text, newline=""))
    except csv.Error as exc:
        raise LedgerFileError(_("CSV 文件格式有误：%(e)s") % {"e": exc}) from exc


def _blank(row) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in row)


def _to_sheet(rows) -> Sheet:
    by_header = {norm(c.header): c for c in COLUMNS}
    wanted = norm(BY_KEY["title"].header)
    sheet = None
    limit = max_rows()
    seen_any = False
    for number, raw in enumerate(rows, start=1):
        raw = list(raw)
        if _blank(raw):
            continue
        seen_any = True
        if sheet is None:
            if any(isinstance(v, str) and norm(v) == wanted for v in raw):
                sheet = _header(raw, number, by_header)
            elif number >= HEADER_SEARCH_ROWS:
                break
            continue
        if len(sheet.rows) >= limit:
            raise LedgerFileError(
                _("数据超过 %(limit)d 行的上限。请拆分成几个文件分别导入。") % {"limit": limit}
            )
        sheet.rows.append((number, raw))
    if not seen_any:
        raise LedgerFileError(_("工作表是空的，没有任何数据。"))
    if sheet is None:
        raise LedgerFileError(
            _("找不到表头行：前 %(n)d 行中没有“风险隐患名称”列。请使用导入模板。") % {"n": HEADER_SEARCH_ROWS}
        )
    if not sheet.rows:
        raise LedgerFileError(_("表头下面没有数据行。"))
    return sheet


def _header(raw: list, number: int, by_header: dict) -> Sheet:
    columns, ignored = {}, []
    for index, value in enumerate(raw):
        if value is None or value is FORMULA or not str(value).strip():
            continue
        column = by_header.get(norm(value))
        if column is None:
            ignored.append(str(value).strip())
        elif column.key not in columns:
            columns[column.key] = index
    missing = [c.header for c in COLUMNS if c.required and c.key not in columns]
    if missing:
        message = _("缺少必需的列：%(cols)s。") % {"cols": "、".join(missing)}
        if ignored:
            message += _("文件中有无法识别的列：%(cols)s（是否被改名？）。") % {"cols": "、".join(ignored)}
        message += _("请使用导入模板，不要修改表头。")
        raise LedgerFileError(message)
    return Sheet(columns=columns, header_row=number, ignored_headers=ignored)
