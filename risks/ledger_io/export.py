"""Ledger export: the rows a person sees, as filtered, in the printed column order.

Rows are read with ``iterator(chunk_size=…)`` and written one at a time (openpyxl's write-only
workbook, or a CSV generator), so memory stays bounded however long the ledger is; the related
rows come with the same query (select_related), cooperating units with one query per chunk, and
the latest progress text as a subquery, so the query count does not grow with the rows.
"""

import csv
import datetime
import io
import tempfile
from collections.abc import Iterable, Iterator
from copy import copy

from django.db.models import OuterRef, Prefetch, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from .. import audit
from ..models import (
    AuditAction,
    EventKind,
    Level,
    RiskEvent,
    Source,
    State,
    SupervisionLight,
    Unit,
    display_name,
    today,
)
from ..permissions import unit_of
from .columns import COLUMNS, HEADERS, INDEX, TITLE, mask_phone, neutralise

CHUNK_SIZE = 2000
PROGRESS_KINDS = (EventKind.PROGRESS, EventKind.CLOSURE_REQUESTED)

# The level's own colours (红橙黄蓝); never the warning's or the supervision light's.
LEVEL_FILLS = {
    Level.MAJOR: ("FFFF4D4F", "FFFFFFFF"),
    Level.SIGNIFICANT: ("FFFFA940", "FF000000"),
    Level.GENERAL: ("FFFFE58F", "FF000000"),
    Level.LOW: ("FF91CAFF", "FF000000"),
}


def export_rows_queryset(queryset):
    """The ledger's queryset made ready to export: relations joined, the latest progress text
    as a subquery, cooperating units prefetched (per chunk when iterated)."""
    latest_progress = (
        RiskEvent.objects.filter(risk=OuterRef("pk"), kind__in=PROGRESS_KINDS)
        .order_by("-at", "-id")
        .values("text")[:1]
    )
    return (
        queryset.select_related(
            "domain",
            "category",
            "category__parent",
            "township",
            "village",
            "owner_unit",
            "responsible",
            "responsible__profile",
            "leader_in_charge",
        )
        .prefetch_related(Prefetch("cooperating_units", queryset=Unit.objects.order_by("path")))
        .annotate(latest_progress=Subquery(latest_progress))
    )


def _phone(user) -> str:
    profile = getattr(user, "profile", None) if user is not None else None
    return mask_phone(profile.phone) if profile is not None else ""


def _category(risk) -> str:
    return risk.category.name if risk.category_id else ""


def _closed_at(risk) -> str:
    return timezone.localtime(risk.closed_at).strftime("%Y-%m-%d %H:%M") if risk.closed_at else ""


class Labels:
    """The choices' labels, translated once per export: get_FOO_display() per row hashes the
    lazy labels every time, which was a third of a long export's time."""

    def __init__(self):
        self.level = {value: str(label) for value, label in Level.choices}
        self.source = {value: str(label) for value, label in Source.choices}
        self.state = {value: str(label) for value, label in State.choices}
        self.light = {value: str(label) for value, label in SupervisionLight.choices}
        self.overdue = {
            value: _("%(state)s（逾期）") % {"state": label} for value, label in self.state.items()
        }


def _state(risk, on: datetime.date, labels: Labels) -> str:
    table = labels.overdue if risk.is_overdue_on(on) else labels.state
    return table.get(risk.state, risk.state)


def row_values(risk, seq: int, on: datetime.date, labels: Labels | None = None) -> list:
    """One risk as the ledger prints it: text, or dates for the date columns."""
    labels = labels or Labels()
    values = {
        "seq": seq,
        "code": risk.code,
        "title": risk.title,
        "domain": risk.domain.name,
        "category": _category(risk),
        "level": labels.level.get(risk.level, risk.level),
        "township": risk.township.name,
        "village": risk.village.name if risk.village_id else "",
        "source": labels.source.get(risk.source, risk.source),
        "owner_unit": risk.owner_unit.name,
        "cooperating_units": "、".join(u.name for u in risk.cooperating_units.all()),
        "responsible": display_name(risk.responsible),
        "phone": _phone(risk.responsible),
        "leader_in_charge": display_name(risk.leader_in_charge),
        "measures": risk.measures,
        "deadline": risk.deadline,
        "progress": getattr(risk, "latest_progress", None) or "",
        "supervision_light": labels.light.get(risk.supervision_light, risk.supervision_light),
        "state": _state(risk, on, labels),
        "closed_at": _closed_at(risk),
        "remarks": risk.remarks,
        "found_on": risk.found_on,
    }
    return [values[c.key] for c in COLUMNS]


def iter_rows(queryset, on: datetime.date | None = None) -> Iterator[tuple[object, list]]:
    on = on or today()
    labels = Labels()
    rows = export_rows_queryset(queryset).iterator(chunk_size=CHUNK_SIZE)
    for seq, risk in enumerate(rows, start=1):
        yield risk, row_values(risk, seq, on, labels)


def title_line(*, user, filter_text: str, count: int, on: datetime.date | None = None) -> str:
    unit = unit_of(user)
    parts = [
        f"{TITLE}（{unit.name if unit else _('全区')}）",
        _("筛选：%(f)s") % {"f": filter_text or _("全部")},
        _("导出日期：%(d)s") % {"d": (on or today()).isoformat()},
        _("共 %(n)d 条") % {"n": count},
    ]
    return "    ".join(parts)


# ---------------------------------------------------------------------------------------------
# Writers


class _Styles:
    """Each cell style made once, as openpyxl's compact style array; cells copy the array.

    Assigning font, fill, border and alignment objects to every cell costs a registry lookup
    each; for 100,000 rows of 22 cells that was most of the export's time."""

    def __init__(self, ws):
        thin = Side(style="thin", color="FFBFBFBF")
        border = Border(left=thin, right=thin, top=thin, bottom=thin)
        wrap = Alignment(wrap_text=True, vertical="top")
        top = Alignment(vertical="top")
        overdue_font = Font(bold=True, color="FFC00000")
        overdue_fill = PatternFill("solid", fgColor="FFFFE5E5")
        self.ws = ws
        self.title = self._make(font=Font(bold=True, size=14))
        self.header = self._make(
            font=Font(bold=True),
            fill=PatternFill("solid", fgColor="FFD9E1F2"),
            border=border,
            alignment=Alignment(horizontal="center", vertical="center", wrap_text=True),
        )
        self.plain = self._make(border=border, alignment=top)
        self.wrapped = self._make(border=border, alignment=wrap)
        self.date = self._make(border=border, alignment=top, number_format="yyyy-mm-dd")
        self.overdue_date = self._make(
            border=border, alignment=top, number_format="yyyy-mm-dd", font=overdue_font, fill=overdue_fill
        )
        self.overdue = self._make(border=border, alignment=top, font=overdue_font, fill=overdue_fill)
        self.levels = {
            level: self._make(
                border=border,
                alignment=top,
                fill=PatternFill("solid", fgColor=fill),
                font=Font(bold=True, color=font),
            )
            for level, (fill, font) in LEVEL_FILLS.items()
        }

    def _make(self, **attributes):
        cell = WriteOnlyCell(self.ws)
        for name, value in attributes.items():
            setattr(cell, name, value)
        return cell._style

    def cell(self, value, style):
        cell = WriteOnlyCell(self.ws, value)
        cell._style = copy(style)
        if isinstance(value, str):
            # Written as text, never a formula: openpyxl would take "=…" for one. quotePrefix is
            # what Excel sets when someone types '=…, so editing the cell keeps it text.
            cell.data_type = "s"
            if value.startswith(("=", "+", "-", "@")):
                cell.quotePrefix = True
        return cell


LEVEL_INDEX, DEADLINE_INDEX, STATE_INDEX = INDEX["level"], INDEX["deadline"], INDEX["state"]


def write_xlsx(rows: Iterable[tuple[object, list]], target, *, title: str, on: datetime.date) -> int:
    """Write the ledger to ``target`` (a path or a binary file); return the number of rows."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("风险隐患台账"))
    styles = _Styles(ws)
    for index, column in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(index)].width = column.width
    ws.freeze_panes = "D3"  # title and header rows, and 序号/编号/名称, stay in view
    ws.print_title_rows = "2:2"
    ws.append([styles.cell(title, styles.title)])
    ws.append([styles.cell(column.header, styles.header) for column in COLUMNS])
    base = [styles.wrapped if c.wrap else styles.plain for c in COLUMNS]
    count = 0
    for risk, values in rows:
        line = list(base)
        for index, value in enumerate(values):
            if isinstance(value, datetime.date):
                line[index] = styles.date
        line[LEVEL_INDEX] = styles.levels.get(risk.level, styles.plain)
        if risk.is_overdue_on(on):
            line[DEADLINE_INDEX] = styles.overdue_date
            line[STATE_INDEX] = styles.overdue
        ws.append([styles.cell(v, style) for v, style in zip(values, line, strict=True)])
        count += 1
    wb.save(target)
    return count


def xlsx_tempfile(rows, *, title: str, on: datetime.date):
    """The workbook in an anonymous temporary file (deleted when closed), rewound; and its rows."""
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - FileResponse closes it
    count = write_xlsx(rows, handle, title=title, on=on)
    handle.seek(0)
    return handle, count


class _Echo:
    def write(self, value):
        return value


def csv_chunks(rows: Iterable[tuple[object, list]], *, title: str) -> Iterator[bytes]:
    """CSV as UTF-8 with a BOM (so Excel reads the Chinese), one encoded line at a time."""
    writer = csv.writer(_Echo())
    yield "\ufeff".encode()
    yield writer.writerow([neutralise(title)]).encode()
    yield writer.writerow(HEADERS).encode()
    for _risk, values in rows:
        line = [neutralise(v) if isinstance(v, str) else _plain(v) for v in values]
        yield writer.writerow(line).encode()


def _plain(value) -> str:
    if isinstance(value, datetime.date):
        return value.isoformat()
    return "" if value is None else str(value)


def record_export(*, user, fmt: str, filter_text: str, query: str, count: int) -> None:
    audit.record(
        actor=user,
        action=AuditAction.EXPORT,
        object_type="risks.risk",
        object_repr=str(TITLE),
        summary=_("导出台账（%(fmt)s，%(n)d 条）：%(f)s")
        % {"fmt": fmt, "n": count, "f": filter_text or _("全部")},
        changes=[{"format": fmt, "rows": count, "filter": filter_text, "query": query}],
    )


def export_filename(fmt: str, on: datetime.date | None = None) -> str:
    return f"{_('风险隐患台账')}-{(on or today()):%Y%m%d}.{fmt}"


def csv_text(rows, *, title: str) -> str:
    """The whole CSV as text (tests and small exports)."""
    buffer = io.BytesIO()
    for chunk in csv_chunks(rows, title=title):
        buffer.write(chunk)
    return buffer.getvalue().decode("utf-8-sig")


def describe_filters(filterset) -> str:
    """The filters in words, as the title row shows them: "风险等级：重大、较大；只看逾期"."""
    if not filterset.is_bound or not filterset.is_valid():
        return ""
    parts = []
    for name, field in filterset.form.fields.items():
        value = filterset.form.cleaned_data.get(name)
        if value in (None, "", [], ()) or value is False:
            continue
        if isinstance(value, slice):
            if value.start is None and value.stop is None:
                continue
            text = f"{value.start or ''}～{value.stop or ''}"
        elif value is True:
            text = _("是")
        elif isinstance(value, list | tuple):
            labels = dict(getattr(field, "choices", ()))
            text = "、".join(str(labels.get(v, v)) for v in value)
        elif getattr(field, "choices", None) and not hasattr(value, "pk"):
            text = str(dict(field.choices).get(value, value))
        else:
            text = str(value)
        parts.append(f"{field.label}：{text}")
    return "；".join(parts)


def export_ledger(*, user, queryset, fmt: str, filter_text: str, query: str):
    """The export itself: audited, and returned as (file or byte chunks, row count).

    xlsx is written to a temporary file first (the zip needs its end written before it can be
    sent); CSV streams straight from the database cursor, so its count is taken beforehand."""
    on = today()
    count = queryset.count()
    title = title_line(user=user, filter_text=filter_text, count=count, on=on)
    if fmt == "xlsx":
        content, count = xlsx_tempfile(iter_rows(queryset, on), title=title, on=on)
    else:
        content = csv_chunks(iter_rows(queryset, on), title=title)
    record_export(user=user, fmt=fmt, filter_text=filter_text, query=query, count=count)
    return content, count
