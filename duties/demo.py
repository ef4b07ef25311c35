"""Demo responsibility lists for seed_demo: each township/street and four supervising departments
get this year's list, with evidence for some ended quarters (so some units are behind)."""

import datetime
import random

from django.db import transaction

from risks.models import Category, Profile, Role, Unit, UnitKind, today

from .models import Cadence, DutyItem, DutyKind, DutyList, DutyRecord

TERRITORY_ITEMS = [
    (
        DutyKind.TERRITORIAL,
        "辖区安全生产风险隐患排查（矿山、城镇燃气、经营性自建房）",
        "每季度排查不少于 1 次",
        "《安全生产法》第九条；乡镇（街道）三定方案",
        Cadence.QUARTERLY,
        ["矿山", "城镇燃气", "经营性自建房"],
    ),
    (
        DutyKind.PRINCIPAL,
        "分析研判本辖区安全稳定形势，形成研判报告",
        "每季度研判不少于 1 次",
        "区委国安办关于建立季度研判机制的通知",
        Cadence.QUARTERLY,
        [],
    ),
    (
        DutyKind.POST,
        "网格员入户巡查，发现风险隐患及时登记",
        "每月巡查不少于 1 次",
        "网格化服务管理办法",
        Cadence.MONTHLY,
        ["信访矛盾"],
    ),
]
DEPARTMENT_ITEMS = {
    "应急管理局": ("矿山、危化品安全监管", ["矿山", "危化品"]),
    "住建局": ("经营性自建房、城镇燃气安全监管", ["经营性自建房", "城镇燃气"]),
    "市场监管局": ("食品安全监管", ["食品安全"]),
    "信访局": ("信访矛盾排查化解督导", ["信访矛盾"]),
}


def _categories(names):
    return list(Category.objects.filter(name__in=names))


@transaction.atomic
def seed_duty_lists(*, created_by, year: int | None = None, seed: int = 3) -> int:
    """Create the demo lists of ``year`` unless any list of that year exists; return how many."""
    year = year or today().year
    if DutyList.objects.filter(year=year).exists():
        return 0
    rng = random.Random(seed)
    on = today()
    made = 0
    officials = {
        p.unit_id: p.user
        for p in Profile.objects.filter(role=Role.OFFICIAL).select_related("user").order_by("-id")
    }
    for unit in Unit.objects.filter(kind__in=[UnitKind.TOWNSHIP, UnitKind.STREET], is_active=True):
        duty_list = DutyList.objects.create(
            unit=unit, year=year, title=f"{unit.name}{year}年安全责任清单", created_by=created_by
        )
        person = officials.get(unit.pk)
        for order, (kind, duty, requirement, basis, cadence, category_names) in enumerate(TERRITORY_ITEMS):
            item = DutyItem.objects.create(
                duty_list=duty_list,
                kind=kind,
                duty=duty,
                requirement=requirement,
                basis=basis,
                lead_unit=unit,
                cadence=cadence,
                order=order,
            )
            item.categories.set(_categories(category_names))
            if person:
                item.responsible_people.set([person])
                # Evidence for most ended periods; some units fall behind.
                for period in range(item.periods_ended(on)):
                    if rng.random() < 0.8:
                        month = period * 3 + 2 if cadence == Cadence.QUARTERLY else period + 1
                        DutyRecord.objects.create(
                            item=item,
                            on=datetime.date(year, month, 15),
                            text=f"（演示）{duty[:12]}已完成",
                            created_by=person,
                        )
        made += 1
    for name, (duty, category_names) in DEPARTMENT_ITEMS.items():
        unit = Unit.objects.filter(name=name, kind=UnitKind.DEPARTMENT).first()
        if unit is None:
            continue
        duty_list = DutyList.objects.create(
            unit=unit, year=year, title=f"{name}{year}年安全监管责任清单", created_by=created_by
        )
        item = DutyItem.objects.create(
            duty_list=duty_list,
            kind=DutyKind.SUPERVISORY,
            duty=duty,
            requirement="每季度督导检查不少于 1 次",
            basis="三定方案",
            lead_unit=unit,
            cadence=Cadence.QUARTERLY,
        )
        item.categories.set(_categories(category_names))
        if person := officials.get(unit.pk):
            item.responsible_people.set([person])
        made += 1
    return made
