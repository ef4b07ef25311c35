"""Responsibility lists (责任清单): lists, items, evidence, progress, copying, and the owner proposal."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from duties import services
from duties.models import Cadence, DutyAttachment, DutyItem, DutyKind, DutyList, DutyRecord
from risks.models import AuditAction, AuditEntry, Category, State
from risks.permissions import NotAllowed

from .factories import png_upload, societal_domain

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _chinese():
    # Audit labels and messages are asserted in Chinese; another test may have left English active.
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def mines():
    return Category.objects.create(domain=societal_domain(), name="矿山")


@pytest.fixture
def xiuwen_list(district, admin_user, official, mines):
    duty_list = services.duty_list_create(by=admin_user, unit=district.xiuwen, year=2026)
    item = DutyItem(
        duty_list=duty_list,
        kind=DutyKind.TERRITORIAL,
        duty="辖区矿山安全风险排查",
        requirement="每季度研判不少于 1 次",
        basis="《安全生产法》",
        domain=societal_domain(),
        lead_unit=district.xiuwen,
        cadence=Cadence.QUARTERLY,
        required_count=1,
    )
    services.duty_item_save(by=admin_user, item=item, categories=[mines], responsible_people=[official])
    return duty_list


def test_admin_creates_a_list_and_item_each_audited(xiuwen_list):
    item = xiuwen_list.items.get()
    assert AuditEntry.objects.filter(object_type="duties.dutylist", action=AuditAction.CREATE).count() == 1
    entry = AuditEntry.objects.get(object_type="duties.dutyitem", object_id=str(item.pk))
    assert {"field": "duty", "label": "责任内容", "old": "", "new": "辖区矿山安全风险排查"} in entry.changes


def test_list_item_with_no_unit_is_refused(client, admin_user, xiuwen_list):
    client.force_login(admin_user)
    response = client.post(
        reverse("duties:item_create", args=[xiuwen_list.pk]),
        {"kind": "territorial", "duty": "x", "cadence": "quarterly", "required_count": 1, "order": 0},
    )
    assert response.status_code == 400
    assert "请选择牵头单位" in response.content.decode()
    assert xiuwen_list.items.count() == 1


def test_list_with_no_unit_is_refused(client, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("duties:list_create"), {"year": 2026})
    assert response.status_code == 400
    assert "责任清单必须属于一个单位" in response.content.decode()
    assert not DutyList.objects.exists()


def test_official_records_work_with_a_photo_and_a_risk(
    client, official, xiuwen_list, make_risk, frozen_today
):
    frozen_today(datetime.date(2026, 5, 10))
    risk = make_risk(State.IN_PROGRESS)
    item = xiuwen_list.items.get()
    client.force_login(official)
    response = client.post(
        reverse("duties:record_create", args=[item.pk]),
        {"on": "2026-05-09", "text": "组织矿山排查", "risk_codes": risk.code, "files": png_upload()},
    )
    assert response.status_code == 302
    record = DutyRecord.objects.get()
    assert list(record.risks.all()) == [risk]
    attachment = DutyAttachment.objects.get()
    download = client.get(reverse("duties:attachment", args=[attachment.pk]))
    assert download.status_code == 200
    assert AuditEntry.objects.filter(action=AuditAction.DOWNLOAD, object_id=str(attachment.pk)).count() == 1


def test_record_with_an_unknown_or_foreign_risk_code_saves_nothing(client, official, xiuwen_list):
    client.force_login(official)
    item = xiuwen_list.items.get()
    response = client.post(
        reverse("duties:record_create", args=[item.pk]),
        {"on": "2026-01-02", "text": "x", "risk_codes": "YC-1"},
    )
    assert response.status_code == 400
    assert "没有找到" in response.content.decode()
    assert not DutyRecord.objects.exists()


def test_outsider_may_not_record_nor_see(client, outsider, xiuwen_list):
    client.force_login(outsider)
    item = xiuwen_list.items.get()
    assert client.get(reverse("duties:list_detail", args=[xiuwen_list.pk])).status_code == 404
    assert client.post(reverse("duties:record_create", args=[item.pk]), {}).status_code == 404
    with pytest.raises(NotAllowed):
        services.duty_record_create(by=outsider, item=item, on=datetime.date(2026, 1, 1), text="x")


def test_progress_counts_records_against_ended_quarters(official, xiuwen_list):
    item = xiuwen_list.items.get()
    DutyRecord.objects.create(item=item, on=datetime.date(2026, 2, 1), text="一季度", created_by=official)
    on = datetime.date(2026, 7, 15)  # Q1 and Q2 ended: 2 expected, 1 done
    (row,) = services.item_progress(DutyItem.objects.filter(pk=item.pk), on)
    assert (row["done"], row["expected"], row["behind"]) == (1, 2, True)
    overview = services.district_overview(2026, on)
    assert [(r["unit"].name, r["items"], r["behind"], r["records"]) for r in overview] == [
        ("修文镇", 1, 1, 1)
    ]


def test_overview_puts_the_units_behind_first(district, admin_user, official, xiuwen_list):
    dongyang = services.duty_list_create(by=admin_user, unit=district.dongyang, year=2026)
    DutyItem.objects.create(
        duty_list=dongyang, kind="territorial", duty="x", lead_unit=district.dongyang, cadence=Cadence.YEARLY
    )
    rows = services.district_overview(2026, datetime.date(2026, 12, 1))
    assert rows[0]["unit"].name == "修文镇"  # one quarter item behind (3 ended); yearly not yet due


def test_copy_last_years_lists(client, admin_user, xiuwen_list, mines, official):
    client.force_login(admin_user)
    response = client.post(reverse("duties:list_copy"), {"from_year": 2026, "to_year": 2027})
    assert response.status_code == 302
    copy = DutyList.objects.get(year=2027)
    item = copy.items.get()
    assert list(item.categories.all()) == [mines] and list(item.responsible_people.all()) == [official]
    assert not item.records.exists()
    again = client.post(reverse("duties:list_copy"), {"from_year": 2026, "to_year": 2027})
    assert again.status_code == 400  # nothing left to copy
    assert DutyList.objects.filter(year=2027).count() == 1


def test_list_detail_query_count_does_not_grow(client, official, xiuwen_list):
    client.force_login(official)
    item = xiuwen_list.items.get()
    url = reverse("duties:list_detail", args=[xiuwen_list.pk])
    DutyRecord.objects.create(item=item, on=datetime.date(2026, 1, 1), text="首条", created_by=official)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(5):
        DutyRecord.objects.create(
            item=item, on=datetime.date(2026, 1, 1 + i), text=f"{i}", created_by=official
        )
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(few) == len(many)


# -- the proposal when a risk is logged ---------------------------------------------------------


def test_matching_item_proposes_owner_and_responsible(district, official, xiuwen_list, mines, frozen_today):
    frozen_today(datetime.date(2026, 3, 1))
    proposal = services.propose_owner(category=mines, location=district.xiuwen_village)
    assert proposal["owner_unit"] == district.xiuwen
    assert proposal["responsible"] == official


def test_supervisory_item_proposes_the_supervising_unit(
    district, admin_user, mines, xiuwen_list, frozen_today
):
    frozen_today(datetime.date(2026, 3, 1))
    dept = services.duty_list_create(by=admin_user, unit=district.emergency, year=2026)
    item = DutyItem(duty_list=dept, kind=DutyKind.SUPERVISORY, duty="矿山监管", lead_unit=district.emergency)
    services.duty_item_save(by=admin_user, item=item, categories=[mines])
    proposal = services.propose_owner(category=mines, location=district.dongyang)
    assert proposal["owner_unit"] is None  # 修文镇's territorial item does not cover 东阳镇
    assert proposal["supervising_unit"] == district.emergency


def test_propose_endpoint_answers_json(client, district, official, xiuwen_list, mines, frozen_today):
    frozen_today(datetime.date(2026, 3, 1))
    client.force_login(official)
    data = client.get(
        reverse("duties:propose"), {"category": mines.pk, "township": district.xiuwen.pk, "village": ""}
    ).json()
    assert data["found"] and data["owner_unit"]["id"] == district.xiuwen.pk
    assert data["responsible"]["id"] == official.pk
    assert client.get(reverse("duties:propose"), {"category": "x'; drop", "township": "-1"}).json() == {
        "found": False
    }


def test_new_risk_form_asks_for_the_proposal(client, official):
    client.force_login(official)
    body = client.get(reverse("risks:create")).content.decode()
    assert reverse("duties:propose") in body and "duty_proposal.js" in body
