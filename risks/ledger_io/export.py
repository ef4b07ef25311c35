"""Ledger export: the rows a person sees, as filtered, in the printed column order.

Rows are read as plain tuples (``values_list``, no model instances: building nine instances a
row was most of a long export's time) from a server-side cursor in chunks, with the cooperating
units of each chunk in one more query and the latest progress text as a subquery, so the query
count does not grow with the rows and memory stays bounded however long the ledger is. The
workbook is written row by row by XlsxWriter in its constant-memory mode (about twice as fast as
openpyxl's write-only mode); a CSV is a generator of encoded lines.
"""

import csv
import datetime
import io
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice

import xlsxwriter
from django.contrib.auth import get_user_model
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import audit
from ..models import (
    OPEN_STATES,
    AuditAction,
    EventKind,
    Level,
    Risk,
    RiskEvent,
    Source,
    State,
    SupervisionLight,
    person_name,
    today,
)
from ..permissions import unit_of
from .columns import COLUMNS, HEADERS, INDEX, TITLE, mask_phone, neutralise

CHUNK_SIZE = 2000
PROGRESS_KINDS = (EventKind.PROGRESS, EventKind.CLOSURE_REQUESTED)

# The level's own colours (红橙黄蓝); never the warning's or the supervision light's.
LEVEL_FILLS = {
    Level.MAJOR: ("#FF4D4F", "#FFFFFF"),
    Level.SIGNIFICANT: ("#FFA940", "#000000"),
    Level.GENERAL: ("#FFE58F", "#000000"),
    Level.LOW: ("#91CAFF", "#000000"),
}


def _person_fields(relation: str) -> tuple[str, ...]:
    return tuple(
        f"{relation}__{name}" for name in ("last_name", "first_name", get_user_model().USERNAME_FIELD)
    )


# What one row reads, in this order (a tuple from values_list).
FIELDS = (
    "pk",
    "code",
    "title",
    "domain__name",
    "category__name",
    "level",
    "township__name",
    "village__name",
    "source",
    "owner_unit__name",
    *_person_fields("responsible"),
    "responsible__profile__phone",
    *_person_fields("leader_in_charge"),
    "measures",
    "deadline",
    "latest_progress",
    "supervision_light",
    "state",
    "closed_at",
    "remarks",
    "found_on",
)


def export_rows_queryset(queryset):
    """The ledger's queryset as the export reads it: the columns' values as tuples (FIELDS), the
    latest progress text as a subquery."""
    latest_progress = (
        RiskEvent.objects.filter(risk=OuterRef("pk"), kind__in=PROGRESS_KINDS)
        .order_by("-at", "-id")
        .values("text")[:1]
    )
    return queryset.annotate(latest_progress=Subquery(latest_progress)).values_list(*FIELDS)


def _name(last, first, username) -> str:
    """The person's display name from the three columns (all None when nobody is named)."""
    return "" if username is None else person_name(last, first, username)


class Labels:
    """The choices' labels, translated once per export, not once per row."""

    def __init__(self):
        self.level = {value: str(label) for value, label in Level.choices}
        self.source = {value: str(label) for value, label in Source.choices}
        self.state = {value: str(label) for value, label in State.choices}
        self.light = {value: str(label) for value, label in SupervisionLight.choices}
        self.overdue = {
            value: _("%(state)s（逾期）") % {"state": label} for value, label in self.state.items()
        }


@dataclass(frozen=True)
class RowMark:
    """What the workbook colours a row by."""

    level: str
    overdue: bool


def row_values(row: tuple, cooperating: str, seq: int, on: datetime.date, labels: Labels) -> tuple:
    """One risk (a FIELDS tuple) as the ledger prints it: text, or dates for the date columns."""
    (
        _pk, code, title, domain, category, level, township, village, source, owner,
        r_last, r_first, r_username, phone, l_last, l_first, l_username,
        measures, deadline, progress, light, state, closed_at, remarks, found_on,
    ) = row  # fmt: skip
    overdue = state in OPEN_STATES and deadline < on
    values = {
        "seq": seq,
        "code": code,
        "title": title,
        "domain": domain,
        "category": category or "",
        "level": labels.level.get(level, level),
        "township": township,
        "village": village or "",
        "source": labels.source.get(source, source),
        "owner_unit": owner,
        "cooperating_units": cooperating,
        "responsible": _name(r_last, r_first, r_username),
        "phone": mask_phone(phone) if phone is not None else "",
        "leader_in_charge": _name(l_last, l_first, l_username),
        "measures": measures,
        "deadline": deadline,
        "progress": progress or "",
        "supervision_light": labels.light.get(light, light),
        "state": (labels.overdue if overdue else labels.state).get(state, state),
        "closed_at": timezone.localtime(closed_at).strftime("%Y-%m-%d %H:%M") if closed_at else "",
        "remarks": remarks,
        "found_on": found_on,
    }
    return RowMark(level, overdue), [values[c.key] for c in COLUMNS]


def _cooperating(risk_ids: list[int]) -> dict[int, str]:
    """Each risk's cooperating units, "、"-joined in the tree's order: one query for a chunk."""
    names = defaultdict(list)
    links = Risk.cooperating_units.through.objects.filter(risk_id__in=risk_ids).order_by("unit__path")
    for risk_id, name in links.values_list("risk_id", "unit__name"):
        names[risk_id].append(name)
    return {risk_id: "、".join(units) for risk_id, units in names.items()}


def iter_rows(queryset, on: datetime.date | None = None) -> Iterator[tuple[RowMark, list]]:
    """(how to colour it, its values) for each row of ``queryset``, in its order."""
    on = on or today()
    labels = Labels()
    rows = export_rows_queryset(queryset).iterator(chunk_size=CHUNK_SIZE)
    seq = 0
    while chunk := list(islice(rows, CHUNK_SIZE)):
        cooperating = _cooperating([row[0] for row in chunk])
        for row in chunk:
            seq += 1
            yield row_values(row, cooperating.get(row[0], ""), seq, on, labels)


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

BORDER = {"border": 1, "border_color": "#BFBFBF"}
OVERDUE = {"bold": True, "font_color": "#C00000", "bg_color": "#FFE5E5", "pattern": 1}
FORMATS = {
    "title": {"bold": True, "font_size": 14},
    "header": {**BORDER, "bold": True, "bg_color": "#D9E1F2", "pattern": 1, "align": "center",
               "valign": "vcenter", "text_wrap": True},
    "plain": {**BORDER, "valign": "top"},
    "wrapped": {**BORDER, "valign": "top", "text_wrap": True},
    "date": {**BORDER, "valign": "top", "num_format": "yyyy-mm-dd"},
    "overdue_date": {**BORDER, "valign": "top", "num_format": "yyyy-mm-dd", **OVERDUE},
    "overdue": {**BORDER, "valign": "top", **OVERDUE},
    **{
        level: {**BORDER, "valign": "top", "bold": True, "bg_color": fill, "pattern": 1, "font_color": font}
        for level, (fill, font) in LEVEL_FILLS.items()
    },
}  # fmt: skip
# Text that a spreadsheet would take for a formula: written as text, with the quote prefix Excel
# sets when someone types '=…, so that editing the cell keeps it text.
FORMULA_STARTS = ("=", "+", "-", "@")
LEVEL_INDEX, DEADLINE_INDEX, STATE_INDEX = INDEX["level"], INDEX["deadline"], INDEX["state"]


class _Formats:
    """Each cell format made once (and once more with the quote prefix, when a cell needs it)."""

    def __init__(self, workbook):
        self.workbook = workbook
        self.made = {}

    def __call__(self, name: str, quoted: bool = False):
        key = (name, quoted)
        if key not in self.made:
            properties = {**FORMATS[name], **({"quote_prefix": True} if quoted else {})}
            self.made[key] = self.workbook.add_format(properties)
        return self.made[key]


def write_xlsx(rows: Iterable[tuple[RowMark, list]], target, *, title: str, on: datetime.date) -> int:
    """Write the ledger to ``target`` (a path or a binary file); return the number of rows."""
    workbook = xlsxwriter.Workbook(target, {"constant_memory": True})
    ws = workbook.add_worksheet(_("风险隐患台账"))
    fmt = _Formats(workbook)
    for index, column in enumerate(COLUMNS):
        ws.set_column(index, index, column.width)
    ws.freeze_panes(2, 3)  # title and header rows, and 序号/编号/名称, stay in view
    ws.repeat_rows(1)  # the header row on every printed page
    ws.write_string(0, 0, title, fmt("title"))
    for index, column in enumerate(COLUMNS):
        ws.write_string(1, index, column.header, fmt("header"))
    base = ["wrapped" if c.wrap else "plain" for c in COLUMNS]
    number = 1
    for number, (mark, values) in enumerate(rows, start=2):  # noqa: B007 - the count after the loop
        styles = list(base)
        styles[LEVEL_INDEX] = mark.level if mark.level in FORMATS else "plain"
        if mark.overdue:
            styles[STATE_INDEX] = "overdue"
        for index, value in enumerate(values):
            style = styles[index]
            if isinstance(value, str) and value:
                ws.write_string(number, index, value, fmt(style, value.startswith(FORMULA_STARTS)))
            elif isinstance(value, datetime.date):
                date_style = "overdue_date" if mark.overdue and index == DEADLINE_INDEX else "date"
                ws.write_datetime(number, index, value, fmt(date_style))
            elif value is None or value == "":
                ws.write_blank(number, index, None, fmt(style))  # an empty cell, with its border
            else:
                ws.write_number(number, index, value, fmt(style))
    workbook.close()
    return number - 1


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
