"""The unit quarterly report (季度报告): who submits it, and the service that does."""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from risks import audit
from risks.models import AuditAction, QuarterlyReport, Role, Unit, today
from risks.permissions import InvalidTransition, NotAllowed, is_admin, is_district_level, profile_of

from .calendar import quarter_end, quarter_of, quarter_start
from .rules import REPORTING_KINDS


def reporting_unit(user) -> Unit | None:
    """The unit a person submits the quarterly report for: their own, if it reports at all."""
    profile = profile_of(user)
    if profile is None or not user.is_active or profile.role not in (Role.OFFICIAL, Role.UNIT_LEADER):
        return None
    return profile.unit if profile.unit.kind in REPORTING_KINDS else None


def sees_all_reports(user) -> bool:
    return is_district_level(user) or is_admin(user)


def may_submit_for(year: int, quarter: int, on: datetime.date) -> bool:
    """A quarter's report is written during the quarter or in the month after it ends (late)."""
    start = quarter_start(year, quarter)
    return start <= on <= quarter_end(year, quarter) + datetime.timedelta(days=31)


@transaction.atomic
def quarterly_report_submit(
    *, by, year: int, quarter: int, analysis: str, ledger_confirmed: bool
) -> QuarterlyReport:
    unit = reporting_unit(by)
    if unit is None:
        raise NotAllowed(_("只有乡镇（街道）和部门的填报员或负责人可以报送单位季度报告。"))
    if not ledger_confirmed:
        raise InvalidTransition(_("请先确认本单位台账已更新到最新。"))
    analysis = (analysis or "").strip()
    if not analysis:
        raise InvalidTransition(_("请填写形势分析。"))
    if quarter not in (1, 2, 3, 4) or not may_submit_for(year, quarter, today()):
        raise InvalidTransition(_("只能报送本季度（或刚结束一个月内的上季度）的报告。"))
    report, _created = QuarterlyReport.objects.select_for_update().get_or_create(
        unit=unit, year=year, quarter=quarter
    )
    action = AuditAction.UPDATE if report.is_submitted else AuditAction.CREATE
    report.analysis, report.ledger_confirmed = analysis, True
    report.submitted_by, report.submitted_at = by, timezone.now()
    report.save()
    audit.record(actor=by, action=action, obj=report, summary=_("报送单位季度报告"))
    return report


def current_quarter() -> tuple[int, int]:
    return quarter_of(today())
