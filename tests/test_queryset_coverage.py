"""Queryset coverage: on every list, count, chart and export, each person sees exactly their scope.

An official of 修文镇 sees 修文镇's risks (located there, in its villages, owned by it) and those it
cooperates on; a department official sees what it supervises across townships; a district leader
sees all. Add each new surface (dashboard, chart, export, API list…) to SURFACES: a function
(client, user, world) → the set of risk titles the surface shows or counts for ``user``, and
whether it must show exactly the scope ("equal") or may show a part of it ("within").
"""

import pytest
from django.urls import reverse
from django.utils import translation

from risks.models import Attachment, EventKind, RiskEvent

from .factories import PNG_BYTES, RiskFactory, png_upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _chinese():
    # Audit labels and messages are asserted in Chinese; another test may have left English active.
    with translation.override("zh-hans"):
        yield


EXPECTED = {
    "official": {"A_owned", "A_cooperates", "A_village", "supervised_in_A"},
    "outsider": {"A_cooperates", "supervised_in_B", "B_only"},
    "deptofficial": {"supervised_in_A", "supervised_in_B"},
    "leader": {"A_owned", "A_cooperates", "A_village", "supervised_in_A", "supervised_in_B", "B_only"},
}


@pytest.fixture
def world(district, leader):
    def risk(title, township, **fields):
        made = RiskFactory(title=title, township=township, created_by=leader, **fields)
        event = RiskEvent.objects.create(risk=made, kind=EventKind.PROGRESS, actor=leader, text="照片")
        Attachment.objects.create(
            event=event,
            risk=made,
            file=png_upload(),
            original_name="p.png",
            content_type="image/png",
            size=len(PNG_BYTES),
            uploaded_by=leader,
        )
        return made

    return {
        r.title: r
        for r in [
            risk("A_owned", district.xiuwen),
            risk("A_cooperates", district.dongyang, cooperating_units=[district.xiuwen]),
            risk(
                "A_village",
                district.xiuwen,
                village=district.xiuwen_village,
                owner_unit=district.xiuwen_village,
            ),
            risk("supervised_in_A", district.xiuwen, supervising_unit=district.emergency),
            risk("supervised_in_B", district.dongyang, supervising_unit=district.emergency),
            risk("B_only", district.dongyang),
        ]
    }


def ledger(client, user, world):
    response = client.get(reverse("risks:list"), {"per_page": 200})
    titles = {r.record.title for r in response.context["table"].page.object_list}
    assert response.context["table"].page.paginator.count == len(titles)
    return titles


def ledger_filtered_by_each_township(client, user, world):
    """Choosing another unit in the filter never widens the scope."""
    seen = set()
    for risk in world.values():
        response = client.get(reverse("risks:list"), {"per_page": 200, "township": risk.township_id})
        if response.status_code == 200 and "table" in response.context:
            seen |= {r.record.title for r in response.context["table"].page.object_list}
    return seen


def my_work(client, user, world):
    sections = client.get(reverse("risks:my_work")).context["sections"]
    return {r.title for s in sections for r in s["rows"]}


def details(client, user, world):
    return {
        t for t, r in world.items() if client.get(reverse("risks:detail", args=[r.pk])).status_code == 200
    }


def attachments(client, user, world):
    return {
        t
        for t, r in world.items()
        if client.get(reverse("risks:attachment", args=[r.attachments.get().pk])).status_code == 200
    }


SURFACES = {
    "ledger": (ledger, "equal"),
    "ledger_filtered": (ledger_filtered_by_each_township, "within"),
    "my_work": (my_work, "within"),
    "detail": (details, "equal"),
    "attachment": (attachments, "equal"),
}


@pytest.mark.parametrize("surface", SURFACES)
@pytest.mark.parametrize("persona", EXPECTED)
def test_each_surface_shows_exactly_the_persons_scope(client, people, world, persona, surface):
    user = getattr(people, persona)
    client.force_login(user)
    function, mode = SURFACES[surface]
    seen = function(client, user, world)
    if mode == "equal":
        assert seen == EXPECTED[persona]
    else:
        assert seen <= EXPECTED[persona]
