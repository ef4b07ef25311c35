"""The 20 domains of 总体国家安全观 (order and English names as the HKSAR education site gives them),
and the local category tree admins start from. 粮食安全 (food supply) is a domain; 食品安全 (food
safety) is a local category under 社会安全."""

from django.db import migrations

DOMAINS = [
    ("political", "政治安全", "Political security"),
    ("military", "军事安全", "Military security"),
    ("homeland", "国土安全", "Homeland security"),
    ("economic", "经济安全", "Economic security"),
    ("financial", "金融安全", "Financial security"),
    ("cultural", "文化安全", "Cultural security"),
    ("societal", "社会安全", "Societal security"),
    ("science-technology", "科技安全", "Science and technology security"),
    ("cyber", "网络安全", "Cyber security"),
    ("food", "粮食安全", "Food (supply) security"),
    ("ecological", "生态安全", "Ecological security"),
    ("resource", "资源安全", "Resource security"),
    ("nuclear", "核安全", "Nuclear security"),
    ("overseas-interests", "海外利益安全", "Overseas interests security"),
    ("outer-space", "太空安全", "Outer space security"),
    ("deep-sea", "深海安全", "Deep sea security"),
    ("polar", "极地安全", "Polar security"),
    ("biosecurity", "生物安全", "Biosecurity"),
    ("artificial-intelligence", "人工智能安全", "Artificial intelligence security"),
    ("data", "数据安全", "Data security"),
]

# domain code → [(category, [subcategories])]
CATEGORIES = {
    "societal": [
        ("安全生产", ["矿山", "危化品", "建筑施工", "经营性自建房", "城镇燃气", "消防", "道路交通"]),
        ("食品安全", []),
        ("信访矛盾", []),
        ("公共卫生", []),
        ("自然灾害", []),
        ("治安防控", []),
    ],
    "political": [("意识形态", []), ("宗教事务", [])],
    "economic": [("企业经营", []), ("欠薪", [])],
    "financial": [("非法集资", []), ("电信网络诈骗", [])],
    "cyber": [("网络舆情", []), ("网络攻击", [])],
    "ecological": [("环境污染", []), ("地质灾害", [])],
    "data": [("数据泄露", [])],
}


def load(apps, schema_editor):
    Domain = apps.get_model("risks", "Domain")
    Category = apps.get_model("risks", "Category")
    for order, (code, name, name_en) in enumerate(DOMAINS, start=1):
        domain, _ = Domain.objects.get_or_create(code=code, defaults={"name": name, "name_en": name_en, "order": order})
        for cat_order, (cat_name, children) in enumerate(CATEGORIES.get(code, []), start=1):
            parent, _ = Category.objects.get_or_create(
                domain=domain, parent=None, name=cat_name, defaults={"order": cat_order}
            )
            for child_order, child in enumerate(children, start=1):
                Category.objects.get_or_create(domain=domain, parent=parent, name=child, defaults={"order": child_order})


class Migration(migrations.Migration):
    dependencies = [("risks", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
