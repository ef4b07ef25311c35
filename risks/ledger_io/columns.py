"""The ledger's columns, in the order local ledgers print them (DESIGN.md "Ledger columns"), and
the small text rules both directions share: name matching, phone masking, formula neutralising."""

import re
import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    width: int
    wrap: bool = False
    # Imported columns are read into the new risk; the others are kept by the system (code,
    # state, progress…) and ignored on import.
    imported: bool = False
    required: bool = False


COLUMNS = (
    Column("seq", "序号", 6),
    Column("code", "编号", 16),
    Column("title", "风险隐患名称", 30, wrap=True, imported=True, required=True),
    Column("domain", "所属领域", 12, imported=True, required=True),
    Column("category", "类别", 14, imported=True),
    Column("level", "风险等级", 9, imported=True, required=True),
    Column("township", "所在乡镇(街道)", 14, imported=True, required=True),
    Column("village", "村(社区)", 14, imported=True),
    Column("source", "来源", 10, imported=True),
    Column("owner_unit", "责任单位", 16, wrap=True, imported=True, required=True),
    Column("cooperating_units", "配合单位", 18, wrap=True, imported=True),
    Column("responsible", "责任人", 10, imported=True),
    Column("phone", "联系电话", 14),
    Column("leader_in_charge", "包联领导", 10, imported=True),
    Column("measures", "整改措施", 36, wrap=True, imported=True),
    Column("deadline", "整改时限", 12, imported=True, required=True),
    Column("progress", "整改进展", 36, wrap=True),
    Column("supervision_light", "督办", 9),
    Column("state", "状态", 12),
    Column("closed_at", "销号时间", 17),
    Column("remarks", "备注", 24, wrap=True, imported=True),
    # Not among the printed columns, but an import needs it: duplicates are "same title, place
    # and found date", and a deadline may not precede it. Kept last so the printed order holds.
    Column("found_on", "发现日期", 12, imported=True),
)
HEADERS = [c.header for c in COLUMNS]
BY_KEY = {c.key: c for c in COLUMNS}
INDEX = {c.key: i for i, c in enumerate(COLUMNS)}

# Dates as people type them in a ledger: 2026-03-01, 2026/3/1, 2026.3.1, 2026年3月1日 (a time after
# the date is ignored). Domain names may be written without their "安全" suffix.
DATE_TEXT = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$"
)
DOMAIN_SUFFIX = "安全"

TITLE = _("榆次区安全风险隐患台账")

# Cells a spreadsheet would run as a formula (OWASP "CSV injection"); tab and CR too.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# Separators people put between several units in one cell.
LIST_SEPARATORS = re.compile(r"[、,，;；/\n]+")


def norm(text) -> str:
    """Compare names as people type them: full-width → half-width (NFKC), no spaces, any case."""
    if text is None:
        return ""
    text = unicodedata.normalize("NFKC", str(text))
    return re.sub(r"\s+", "", text).casefold()


def mask_phone(phone: str) -> str:
    """138****1234: the first three and the last four digits; shorter numbers keep less."""
    phone = (phone or "").strip()
    if len(phone) >= 11:
        return f"{phone[:3]}****{phone[-4:]}"
    if len(phone) >= 7:
        return f"{phone[:2]}****{phone[-2:]}"
    return "****" if phone else ""


def neutralise(value: str) -> str:
    """A text that a spreadsheet would take for a formula, made plain text with a leading '."""
    if value and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def unneutralise(value: str) -> str:
    """Undo ``neutralise`` when a CSV written by us comes back."""
    if len(value) > 1 and value[0] == "'" and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value
