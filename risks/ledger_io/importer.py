"""Check and save the rows of an imported ledger.

``check_sheet`` turns each row into the fields of a new risk or into problems (row, column, what
is wrong, what was expected), and finds duplicates of existing risks (same title, place and found
date). ``import_rows`` saves the valid rows through ``risks.workflow.risks_create_many`` (ledger codes,
timeline and audit as for a risk logged by hand, written in bulk) in one transaction: all of them
or none.
"""

import datetime
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl.utils.datetime import from_excel

from .. import audit, workflow
from ..models import (
    GRASSROOTS_KINDS,
    TERRITORY_KINDS,
    AuditAction,
    Category,
    Domain,
    Level,
    Risk,
    Role,
    Source,
    Unit,
    display_name,
    today,
)
from ..permissions import NotAllowed, can_create_risk, visible_risks, writable_units
from .columns import BY_KEY, DATE_TEXT, DOMAIN_SUFFIX, LIST_SEPARATORS, norm, unneutralise
from .reader import FORMULA, Sheet

User = get_user_model()


@dataclass
class Problem:
    row: int
    column: str
    message: str
    expected: str = ""

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message, "expected": self.expected}


@dataclass
class CheckedRow:
    number: int
    raw: list
    fields: dict = field(default_factory=dict)
    cooperating: list = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    duplicate_of: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class CheckResult:
    rows: list[CheckedRow]

    @property
    def valid(self) -> list[CheckedRow]:
        return [r for r in self.rows if r.ok]

    @property
    def rejected(self) -> list[CheckedRow]:
        return [r for r in self.rows if not r.ok]

    @property
    def problems(self) -> list[Problem]:
        return [p for r in self.rows for p in r.problems]

    @property
    def all_valid(self) -> bool:
        return all(r.ok for r in self.rows)


# ---------------------------------------------------------------------------------------------
# Cell values


EXCEL_SERIAL_MAX = 2958465  # 9999-12-31


def text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return unneutralise(str(value).strip())


def parse_date(value) -> datetime.date:
    """2026-03-01, 2026/3/1, 2026.3.1, 2026年3月1日, an Excel date cell or serial number."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _serial(value)
    raw = text(value)
    if re.fullmatch(r"\d{1,7}(\.\d+)?", raw):
        return _serial(float(raw))
    match = DATE_TEXT.match(raw)
    if not match:
        raise ValueError(_("无法识别的日期“%(v)s”") % {"v": raw})
    year, month, day = (int(g) for g in match.groups())
    try:
        return datetime.date(year, month, day)
    except ValueError:
        raise ValueError(_("日期“%(v)s”不存在") % {"v": raw}) from None


def _serial(number: float) -> datetime.date:
    if not 1 <= number <= EXCEL_SERIAL_MAX:
        raise ValueError(_("无法识别的日期“%(v)s”") % {"v": number})
    return from_excel(number).date()


DATE_EXPECTED = _("日期，如 2026-03-01、2026/3/1 或 2026年3月1日")


# ---------------------------------------------------------------------------------------------
# Looking names up: each table read once per file, names compared with ``norm``


class Lookups:
    def __init__(self, user):
        self.user = user
        self.domains = {}
        for d in Domain.objects.filter(is_active=True):
            for key in (d.name, d.code, d.name.removesuffix(DOMAIN_SUFFIX)):
                self.domains.setdefault(norm(key), d)
        self.categories = defaultdict(dict)  # domain id → name → category
        for c in Category.objects.filter(is_active=True).select_related("parent"):
            for key in (c.name, str(c)):
                self.categories[c.domain_id].setdefault(norm(key), c)
        self.units_by_name = defaultdict(list)
        self.units_by_code = {}
        for u in Unit.objects.filter(is_active=True):
            self.units_by_name[norm(u.name)].append(u)
            self.units_by_code[norm(u.code)] = u
        self.writable = set(writable_units(user).values_list("pk", flat=True))
        self.workers = self._people([Role.OFFICIAL, Role.UNIT_LEADER])
        self.leaders = self._people([Role.DISTRICT_LEADER])
        self.levels = _choices(Level)
        self.sources = _choices(Source)

    @staticmethod
    def _people(roles) -> dict:
        found = defaultdict(list)
        people = User.objects.filter(is_active=True, profile__role__in=roles).select_related("profile__unit")
        for person in people:
            found[norm(display_name(person))].append(person)
            found[norm(person.get_username())].append(person)
        return found

    def unit(self, name: str, kinds=None, within: Unit | None = None) -> tuple[Unit | None, str]:
        """The unit called ``name`` (or with that code); an error text when none or several."""
        key = norm(name)
        candidates = (
            [self.units_by_code[key]] if key in self.units_by_code else self.units_by_name.get(key, [])
        )
        if kinds:
            candidates = [u for u in candidates if u.kind in kinds]
        if within is not None and len(candidates) > 1:
            candidates = [u for u in candidates if u.is_within(within)] or candidates
        if not candidates:
            return None, _("没有名称或编码为“%(v)s”的单位") % {"v": name}
        if len(candidates) > 1:
            return None, _("有多个单位叫“%(v)s”，请填写单位编码") % {"v": name}
        return candidates[0], ""

    def person(self, name: str, table: dict, *, within: Unit | None = None) -> tuple[object, str]:
        candidates = {p.pk: p for p in table.get(norm(name), [])}.values()
        if within is not None and len(candidates) > 1:
            candidates = [p for p in candidates if p.profile.unit.is_within(within)] or list(candidates)
        candidates = list(candidates)
        if not candidates:
            return None, _("没有叫“%(v)s”的在岗人员") % {"v": name}
        if len(candidates) > 1:
            return None, _("有多位人员叫“%(v)s”，请填写其登录账号") % {"v": name}
        return candidates[0], ""


def _choices(choices) -> dict:
    table = {}
    for value, label in choices.choices:
        table[norm(label)] = value
        table[norm(value)] = value
    return table


# ---------------------------------------------------------------------------------------------
# Checking


def check_sheet(
    sheet: Sheet, user, *, on: datetime.date | None = None, progress: Callable[[int], None] | None = None
) -> CheckResult:
    """Every row's fields or problems, and the duplicates (of existing risks and within the file)."""
    on = on or today()
    lookups = Lookups(user)
    rows = []
    for done, (number, raw) in enumerate(sheet.rows, start=1):
        rows.append(_check_row(sheet, number, raw, lookups, on))
        if progress and done % 200 == 0:
            progress(done)
    _mark_duplicates(rows, user)
    if progress:
        progress(len(rows))
    return CheckResult(rows=rows)


def _check_row(sheet: Sheet, number: int, raw: list, lookups: Lookups, on: datetime.date) -> CheckedRow:
    row = CheckedRow(number=number, raw=raw)
    problems = row.problems

    def problem(key, message, expected=""):
        problems.append(Problem(number, BY_KEY[key].header, message, str(expected)))

    values = {}
    for key, index in sheet.columns.items():
        value = raw[index] if index < len(raw) else None
        if value is FORMULA:
            problem(key, _("单元格含有公式"), _("直接填写数值或文字，不要使用公式"))
            value = None
        values[key] = value
    if problems:
        return row

    def get(key) -> str:
        return text(values.get(key))

    f = row.fields
    title = get("title")
    if not title:
        problem("title", _("未填写"), _("风险隐患名称"))
    elif len(title) > 200:
        problem("title", _("超过 200 字"), _("不超过 200 字"))
    f["title"] = title

    domain = lookups.domains.get(norm(get("domain"))) if get("domain") else None
    if not get("domain"):
        problem("domain", _("未填写"), _("20 个国家安全领域之一，如“社会安全”"))
    elif domain is None:
        problem("domain", _("没有“%(v)s”这个领域") % {"v": get("domain")}, _("如“社会安全”“经济安全”"))
    f["domain"] = domain

    if get("category") and domain is not None:
        category = lookups.categories[domain.pk].get(norm(get("category")))
        if category is None:
            problem(
                "category",
                _("领域“%(d)s”下没有类别“%(v)s”") % {"d": domain.name, "v": get("category")},
                _("该领域下的类别，或留空"),
            )
        f["category"] = category

    level = lookups.levels.get(norm(get("level")))
    if level is None:
        problem(
            "level",
            _("未填写") if not get("level") else _("没有“%(v)s”这个等级") % {"v": get("level")},
            _("重大、较大、一般、低"),
        )
    f["level"] = level

    source = lookups.sources.get(norm(get("source"))) if get("source") else Source.INSPECTION
    if source is None:
        problem("source", _("没有“%(v)s”这个来源") % {"v": get("source")}, "、".join(Source.labels))
    f["source"] = source

    township = None
    if not get("township"):
        problem("township", _("未填写"), _("乡镇或街道的名称"))
    else:
        township, error = lookups.unit(get("township"), TERRITORY_KINDS)
        if error:
            problem("township", error, _("乡镇或街道的名称或编码"))
    f["township"] = township

    if get("village"):
        village, error = lookups.unit(get("village"), GRASSROOTS_KINDS, within=township)
        if error:
            problem("village", error, _("村或社区的名称或编码，或留空"))
        elif township is not None and not village.is_within(township):
            problem(
                "village",
                _("“%(v)s”不属于“%(t)s”") % {"v": village.name, "t": township.name},
                _("所填乡镇(街道)下的村(社区)"),
            )
        f["village"] = village

    owner = None
    if not get("owner_unit"):
        problem("owner_unit", _("未填写"), _("责任单位的名称或编码"))
    else:
        owner, error = lookups.unit(get("owner_unit"))
        if error:
            problem("owner_unit", error, _("责任单位的名称或编码"))
        elif owner.pk not in lookups.writable:
            problem(
                "owner_unit",
                _("您无权为“%(v)s”登记风险隐患") % {"v": owner.name},
                _("您所在单位或其下属单位"),
            )
    f["owner_unit"] = owner

    for name in LIST_SEPARATORS.split(get("cooperating_units")):
        if not name.strip():
            continue
        unit, error = lookups.unit(name.strip())
        if error:
            problem("cooperating_units", error, _("单位名称，多个用“、”分隔"))
        elif owner is not None and unit.pk == owner.pk:
            problem("cooperating_units", _("配合单位不能包括责任单位本身"), _("责任单位以外的单位"))
        elif unit not in row.cooperating:
            row.cooperating.append(unit)

    if get("responsible"):
        person, error = lookups.person(get("responsible"), lookups.workers, within=owner)
        if error:
            problem("responsible", error, _("责任单位人员的姓名或账号，或留空"))
        elif owner is not None and not person.profile.unit.is_within(owner):
            problem(
                "responsible",
                _("“%(v)s”不是“%(u)s”的人员") % {"v": get("responsible"), "u": owner.name},
                _("责任单位（或其下属单位）的人员"),
            )
        f["responsible"] = person

    if get("leader_in_charge"):
        person, error = lookups.person(get("leader_in_charge"), lookups.leaders)
        if error:
            problem(
                "leader_in_charge", _("%(e)s（须为区领导）") % {"e": error}, _("区领导的姓名或账号，或留空")
            )
        f["leader_in_charge"] = person

    f["measures"] = get("measures")
    remarks = get("remarks")
    if len(remarks) > 500:
        problem("remarks", _("超过 500 字"), _("不超过 500 字"))
    f["remarks"] = remarks

    found_on = on
    if get("found_on"):
        try:
            found_on = parse_date(values.get("found_on"))
        except ValueError as exc:
            problem("found_on", str(exc), DATE_EXPECTED)
            found_on = None
        else:
            if found_on > on:
                problem("found_on", _("发现日期 %(d)s 晚于今天") % {"d": found_on}, _("今天或之前的日期"))
    f["found_on"] = found_on

    deadline = None
    if not get("deadline"):
        problem("deadline", _("未填写"), DATE_EXPECTED)
    else:
        try:
            deadline = parse_date(values.get("deadline"))
        except ValueError as exc:
            problem("deadline", str(exc), DATE_EXPECTED)
        else:
            if found_on and deadline < found_on:
                problem(
                    "deadline",
                    _("整改时限 %(d)s 早于发现日期 %(f)s") % {"d": deadline, "f": found_on},
                    _("不早于发现日期的日期"),
                )
    f["deadline"] = deadline
    return row


def _duplicate_key(fields: dict):
    township, village = fields.get("township"), fields.get("village")
    return (
        norm(fields.get("title")),
        township.pk if township else None,
        village.pk if village else None,
        fields.get("found_on"),
    )


def _mark_duplicates(rows: list[CheckedRow], user) -> None:
    """Same title, place (township and village) and found date as an existing risk the person
    can see, or as an earlier row of the file: the row is refused, so importing twice is harmless."""
    candidates = [r for r in rows if r.ok]
    titles = sorted({r.fields["title"] for r in candidates})
    existing = {}
    for start in range(0, len(titles), 500):
        found = visible_risks(user).filter(title__in=titles[start : start + 500])
        for title, township, village, found_on, code in found.values_list(
            "title", "township_id", "village_id", "found_on", "code"
        ):
            existing.setdefault((norm(title), township, village, found_on), code)
    seen = {}
    for row in candidates:
        key = _duplicate_key(row.fields)
        if key in existing:
            row.duplicate_of = existing[key]
            row.problems.append(
                Problem(
                    row.number,
                    BY_KEY["title"].header,
                    _("与已有风险隐患 %(code)s 重复（名称、地点、发现日期相同）") % {"code": existing[key]},
                    _("不重复的风险隐患"),
                )
            )
        elif key in seen:
            row.problems.append(
                Problem(
                    row.number,
                    BY_KEY["title"].header,
                    _("与本文件第 %(n)d 行重复（名称、地点、发现日期相同）") % {"n": seen[key]},
                    _("不重复的风险隐患"),
                )
            )
        else:
            seen[key] = row.number


# ---------------------------------------------------------------------------------------------
# Saving


class ImportRefused(ValidationError):
    """Nothing was saved: the file has problems and the person did not ask for the valid rows only."""


@transaction.atomic
def import_rows(
    *, result: CheckResult, by, valid_only: bool = False, file_name: str = "", job=None
) -> list[Risk]:
    """Save the valid rows as new risks, all in one transaction, and audit the import."""
    if not can_create_risk(by):
        raise NotAllowed(_("您的角色不能登记风险隐患。"))
    if not result.all_valid and not valid_only:
        raise ImportRefused(
            _("文件中有 %(n)d 行有问题，未导入任何数据。请修改后重新上传，或选择“只导入无误的行”。")
            % {"n": len(result.rejected)}
        )
    created = workflow.risks_create_many(
        by=by,
        items=[(Risk(**row.fields, created_by=by, updated_by=by), row.cooperating) for row in result.valid],
    )
    audit.record(
        actor=by,
        action=AuditAction.IMPORT,
        obj=job,
        object_type="" if job else "risks.risk",
        object_repr="" if job else file_name,
        summary=_("导入台账“%(name)s”：新增 %(n)d 条，未导入 %(r)d 行")
        % {"name": file_name, "n": len(created), "r": len(result.rejected)},
        changes=[
            {
                "file": file_name,
                "created": len(created),
                "rejected": len(result.rejected),
                "rejected_rows": [r.number for r in result.rejected][:1000],
                "valid_only": valid_only,
                "codes": [r.code for r in created][:1000],
            }
        ],
    )
    return created
