"""Who sees and changes responsibility lists, their progress, the owner proposal, and the services
that change them (each audited in the same transaction)."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from risks import audit
from risks.attachments import MAX_FILES, stored_file, validate_upload
from risks.models import AuditAction, Category, Role, Unit, today
from risks.permissions import NotAllowed, Perm, data_scope, has_perm, profile_of, require_perm

from .models import DutyAttachment, DutyItem, DutyList, DutyRecord

# ---------------------------------------------------------------------------------------------
# Seeing and changing


def visible_duty_lists(user):
    """Lists of the person's unit subtree (all for district-wide scope), or naming them responsible."""
    qs = DutyList.objects.select_related("unit")
    if not has_perm(user, Perm.VIEW):
        return qs.none()
    if data_scope(user) == "all" or has_perm(user, Perm.MANAGE_ORG):
        return qs
    profile = profile_of(user)
    if profile is None:
        return qs.none()
    mine = DutyItem.objects.filter(responsible_people=user).values("duty_list_id")
    return qs.filter(Q(unit__path__startswith=profile.unit.path) | Q(pk__in=mine))


def may_manage_lists(user) -> bool:
    """Admins assign and edit lists (the security office keeps them)."""
    return has_perm(user, Perm.MANAGE_ORG)


def may_record(user, item: DutyItem) -> bool:
    """Evidence is entered by the list's unit, the lead unit, the responsible people, or a leader above."""
    profile = profile_of(user)
    if profile is None or not has_perm(user, Perm.EDIT):
        return False
    unit = item.duty_list.unit
    if profile.unit_id in (unit.pk, item.lead_unit_id):
        return True
    if profile.role == Role.UNIT_LEADER and unit.is_within(profile.unit):
        return True
    return item.responsible_people.filter(pk=user.pk).exists()


# ---------------------------------------------------------------------------------------------
# Progress


def item_progress(items, on: datetime.date | None = None) -> list[dict]:
    """Each item with its records done this year (counted in the database) against the expected."""
    on = on or today()
    rows = []
    for item in items.annotate(done=Count("records", filter=Q(records__on__lte=on))):
        expected = item.expected_by(on)
        rows.append({"item": item, "done": item.done, "expected": expected, "behind": item.done < expected})
    return rows


def district_overview(year: int, on: datetime.date | None = None) -> list[dict]:
    """Per unit of ``year``: items, items behind, records — which units are behind, worst first."""
    on = on or today()
    items = (
        DutyItem.objects.filter(duty_list__year=year)
        .select_related("duty_list__unit")
        .annotate(done=Count("records", filter=Q(records__on__lte=on)))
        .order_by("duty_list__unit__path", "order", "id")
    )
    by_list: dict[int, dict] = {}
    for item in items:
        row = by_list.setdefault(
            item.duty_list_id,
            {"list": item.duty_list, "unit": item.duty_list.unit, "items": 0, "behind": 0, "records": 0},
        )
        row["items"] += 1
        row["records"] += item.done
        row["behind"] += item.done < item.expected_by(on)
    for duty_list in DutyList.objects.filter(year=year).exclude(pk__in=by_list).select_related("unit"):
        by_list[duty_list.pk] = {
            "list": duty_list,
            "unit": duty_list.unit,
            "items": 0,
            "behind": 0,
            "records": 0,
        }
    return sorted(by_list.values(), key=lambda r: (-r["behind"], r["unit"].path))


# ---------------------------------------------------------------------------------------------
# Proposal of owner unit and responsible person when a risk is logged


def propose_owner(
    *, category: Category | None, location: Unit | None, year: int | None = None
) -> dict | None:
    """The list item of ``year`` covering ``category`` at ``location``: its lead unit (the most
    specific whose subtree holds the location) and first responsible person; and the supervising
    unit of a 监管 item covering the category. None when no item matches."""
    if category is None or location is None:
        return None
    year = year or today().year
    items = list(
        DutyItem.objects.filter(duty_list__year=year, categories=category)
        .select_related("lead_unit", "duty_list")
        .prefetch_related("responsible_people")
    )
    territorial = [
        i
        for i in items
        if i.kind != "supervisory" and location.is_within(i.lead_unit) and i.lead_unit.is_active
    ]
    supervisory = [i for i in items if i.kind == "supervisory" and i.lead_unit.is_active]
    if not territorial and not supervisory:
        return None
    best = max(territorial, key=lambda i: len(i.lead_unit.path), default=None)
    people = [p for p in best.responsible_people.all() if p.is_active] if best else []
    return {
        "item": best,
        "owner_unit": best.lead_unit if best else None,
        "responsible": people[0] if people else None,
        "supervising_unit": supervisory[0].lead_unit if supervisory else None,
    }


# ---------------------------------------------------------------------------------------------
# Changes

ITEM_FIELDS = (
    "kind",
    "duty",
    "requirement",
    "basis",
    "domain",
    "lead_unit",
    "cadence",
    "required_count",
    "due_date",
    "order",
)
ITEM_M2M = ("categories", "cooperating_units", "responsible_people")


def _item_snapshot(item: DutyItem) -> dict:
    data = {f: getattr(item, f) for f in ITEM_FIELDS}
    data["kind"] = item.get_kind_display()
    data["cadence"] = item.get_cadence_display()
    if item.pk:
        data |= {f: [str(o) for o in getattr(item, f).all()] for f in ITEM_M2M}
    return data


def _labels() -> dict:
    return {f: DutyItem._meta.get_field(f).verbose_name for f in (*ITEM_FIELDS, *ITEM_M2M)}


@transaction.atomic
def duty_list_create(*, by, unit: Unit, year: int, title: str = "") -> DutyList:
    require_perm(by, Perm.MANAGE_ORG)
    if unit is None:
        raise ValidationError({"unit": _("请选择单位。")})
    if DutyList.objects.filter(unit=unit, year=year).exists():
        raise ValidationError(_("%(unit)s 已有 %(year)d 年的责任清单。") % {"unit": unit, "year": year})
    duty_list = DutyList.objects.create(unit=unit, year=year, title=title, created_by=by)
    audit.record(actor=by, action=AuditAction.CREATE, obj=duty_list, summary=_("新建责任清单"))
    return duty_list


@transaction.atomic
def duty_item_save(
    *, by, item: DutyItem, categories=(), cooperating_units=(), responsible_people=()
) -> DutyItem:
    """Create or update an item (unsaved changes on ``item``) with its many-to-many fields."""
    require_perm(by, Perm.MANAGE_ORG)
    if not item.lead_unit_id:
        raise ValidationError({"lead_unit": _("请选择牵头单位。")})
    creating = item.pk is None
    before = {} if creating else _item_snapshot(DutyItem.objects.get(pk=item.pk))
    item.save()
    item.categories.set(categories)
    item.cooperating_units.set(cooperating_units)
    item.responsible_people.set(responsible_people)
    changes = audit.field_changes(before, _item_snapshot(item), _labels())
    if creating or changes:
        audit.record(
            actor=by,
            action=AuditAction.CREATE if creating else AuditAction.UPDATE,
            obj=item,
            summary=str(item.duty_list),
            changes=changes,
        )
    return item


@transaction.atomic
def duty_list_copy(*, by, from_year: int, to_year: int, unit: Unit | None = None) -> int:
    """Copy each unit's list of ``from_year`` (with items, not records) to ``to_year``; units that
    already have a list of ``to_year`` are skipped. Returns how many lists were made."""
    require_perm(by, Perm.MANAGE_ORG)
    if from_year == to_year:
        raise ValidationError(_("来源年度和目标年度不能相同。"))
    sources = DutyList.objects.filter(year=from_year).prefetch_related(
        "items__categories", "items__cooperating_units", "items__responsible_people"
    )
    if unit is not None:
        sources = sources.filter(unit=unit)
    taken = set(DutyList.objects.filter(year=to_year).values_list("unit_id", flat=True))
    made = 0
    for source in sources:
        if source.unit_id in taken:
            continue
        title = source.title.replace(str(from_year), str(to_year)) if source.title else ""
        copy = DutyList.objects.create(unit_id=source.unit_id, year=to_year, title=title, created_by=by)
        for item in source.items.all():
            m2m = {f: list(getattr(item, f).all()) for f in ITEM_M2M}
            item._prefetched_objects_cache = {}  # else set() below would compare with the source's rows
            item.pk = item.id = None
            item.duty_list = copy
            if item.due_date:
                try:
                    item.due_date = item.due_date.replace(year=to_year)
                except ValueError:  # 29 February
                    item.due_date = item.due_date.replace(year=to_year, day=28)
            item.save()
            for field, values in m2m.items():
                getattr(item, field).set(values)
        audit.record(
            actor=by,
            action=AuditAction.CREATE,
            obj=copy,
            summary=_("从 %(from)d 年复制责任清单") % {"from": from_year},
        )
        made += 1
    if not made:
        raise ValidationError(
            _("%(year)d 年没有可复制的责任清单（或目标年度已存在）。") % {"year": from_year}
        )
    return made


@transaction.atomic
def duty_record_create(*, by, item: DutyItem, on: datetime.date, text: str, risks=(), files=()) -> DutyRecord:
    if not may_record(by, item):
        raise NotAllowed(_("只有本单位人员、牵头单位或责任人可以填写履职记录。"))
    if on > today():
        raise ValidationError({"on": _("履职日期不能晚于今天。")})
    if len(files) > MAX_FILES:
        raise ValidationError(_("一次最多上传 %(n)d 个文件。") % {"n": MAX_FILES})
    types = [validate_upload(f) for f in files]
    record = DutyRecord.objects.create(item=item, on=on, text=text, created_by=by, created_at=timezone.now())
    record.risks.set(risks)
    for upload, content_type in zip(files, types, strict=True):
        DutyAttachment.objects.create(record=record, **stored_file(upload, by=by, content_type=content_type))
    audit.record(
        actor=by,
        action=AuditAction.CREATE,
        obj=record,
        summary=_("履职记录：%(item)s") % {"item": item},
        changes=audit.field_changes(
            {},
            {"on": on, "text": text, "risks": [str(r) for r in risks]},
            {"on": _("履职日期"), "text": _("履职情况"), "risks": _("关联风险隐患")},
        ),
    )
    return record
