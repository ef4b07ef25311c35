"""The quarter report as PDF (WeasyPrint) and Excel (openpyxl), from ``reports.build_report``."""

import io

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from risks.models import Level, State


def report_pdf(report: dict, *, base_url: str) -> bytes:
    # Imported here: WeasyPrint loads Pango at import, which only the PDF download needs.
    from weasyprint import CSS, HTML

    html = render_to_string("quarters/report_pdf.html", report)
    # A stylesheet file, not a <style> element: templates carry nothing inline (CSP).
    stylesheet = CSS(filename=finders.find("css/report-pdf.css"))
    return HTML(string=html, base_url=base_url).write_pdf(stylesheets=[stylesheet])


def _sheet(wb, title: str, header: list, rows: list, widths=None):
    ws = wb.create_sheet(title)
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for row in rows:
        ws.append(row)
    for index, width in enumerate(widths or [], start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "A2"
    return ws


def _local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def report_xlsx(report: dict) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    quarter = report["quarter"]
    scope = report["unit"].name if report["unit"] else _("全区")
    overview = _sheet(
        wb,
        _("总体形势"),
        [
            _("指标"),
            quarter.short,
            report["previous_quarter"].short,
            _("环比"),
            report["year_before_quarter"].short,
            _("同比"),
        ],
        [
            [str(r["label"]), r["value"], r["previous"], r["qoq"], r["year_before"], r["yoy"]]
            for r in report["overview"]
        ],
        [18, 12, 12, 16, 12, 16],
    )
    total = report["total"]
    overview.append([])
    overview.append([_("销号率"), total["closure_rate_text"]])
    overview.append([_("按期销号率"), total["on_time_rate_text"]])
    overview.append([_("范围"), str(scope)])
    overview.append([_("冻结时间"), _local(report["snapshot"].taken_at)])
    _sheet(
        wb,
        _("分领域"),
        [
            _("领域"),
            _("期初在办"),
            _("本季新增"),
            _("本季销号"),
            _("按期销号"),
            _("期末逾期"),
            _("结转下季"),
            _("逾期天数合计"),
            _("按期销号率"),
        ],
        [
            [
                r["domain__name"],
                r["open_at_start"],
                r["new"],
                r["closed"],
                r["closed_on_time"],
                r["overdue_at_end"],
                r["carried_over"],
                r["overdue_days"],
                r["on_time_rate_text"],
            ]
            for r in report["by_domain"]
        ],
        [14, 10, 10, 10, 10, 10, 10, 12, 12],
    )
    ranking_header = [
        _("名次"),
        _("单位"),
        _("本季销号"),
        _("按期销号"),
        _("按期销号率"),
        _("期末逾期"),
        _("逾期天数合计"),
    ]
    for title, key in ((_("乡镇排名"), "townships"), (_("部门排名"), "departments")):
        _sheet(
            wb,
            title,
            ranking_header,
            [
                [
                    r["place"],
                    r["name"],
                    r["closed"],
                    r["closed_on_time"],
                    r["on_time_rate_text"],
                    r["overdue_at_end"],
                    r["overdue_days"],
                ]
                for r in report[key]
            ],
            [6, 18, 10, 10, 12, 10, 12],
        )
    level_names = dict(Level.choices)
    state_names = dict(State.choices)
    _sheet(
        wb,
        _("重点风险"),
        [
            _("编号"),
            _("风险隐患名称"),
            _("风险等级"),
            _("责任单位"),
            _("包联领导"),
            _("整改时限"),
            _("季末状态"),
        ],
        [
            [
                r.code,
                r.title,
                str(level_names[r.level]),
                r.owner_name,
                r.leader_name,
                r.deadline.isoformat(),
                str(state_names[r.state]),
            ]
            for r in report["key_risks_all"]
        ],
        [16, 36, 8, 16, 10, 12, 10],
    )
    yes = _("是")
    _sheet(
        wb,
        _("本季台账"),
        [
            _("序号"),
            _("编号"),
            _("风险隐患名称"),
            _("所属领域"),
            _("风险等级"),
            _("所在乡镇(街道)"),
            _("责任单位"),
            _("责任人"),
            _("包联领导"),
            _("整改时限"),
            _("季末状态"),
            _("销号时间"),
            _("期初在办"),
            _("本季新增"),
            _("本季销号"),
            _("按期销号"),
            _("期末逾期"),
            _("逾期天数"),
        ],
        [
            [
                index,
                r.code,
                r.title,
                r.domain_name,
                str(level_names[r.level]),
                r.township_name,
                r.owner_name,
                r.responsible_name,
                r.leader_name,
                r.deadline.isoformat(),
                str(state_names[r.state]),
                _local(r.closed_at),
                yes if r.open_at_start else "",
                yes if r.is_new else "",
                yes if r.closed else "",
                yes if r.closed_on_time else "",
                yes if r.overdue_at_end else "",
                r.overdue_days,
            ]
            for index, r in enumerate(report["ledger"], start=1)
        ],
        [6, 16, 36, 10, 8, 14, 16, 10, 10, 12, 10, 16, 8, 8, 8, 8, 8, 8],
    )
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
