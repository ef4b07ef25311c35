"""Special campaigns (专项行动): who creates, closes and sees them; progress by unit; the ledger
filtered by campaign and its export; logging a risk against a campaign."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaigns import services
from campaigns.models import Campaign, CampaignState
from risks.models import AuditAction, AuditEntry, Domain, Level, Risk, Source, State

from .factories import RiskFactory
from .test_views_risk import new_risk_data
from .xlsx import ledger_rows, response_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(district, admin_user):
    return services.campaign_create(
        by=admin_user,
        name="城镇燃气安全专项排查整治",
        starts_on=datetime.date(2026, 3, 1),
        ends_on=datetime.date(2026, 6, 30),
        lead_unit=district.housing,
        units=[district.xiuwen, district.housing],
        domains=[Domain.objects.get(code="societal")],
    )


def form_data(district, **overrides):
    data = {
        "name": "危化品专项整治",
        "starts_on": "2026-03-01",
        "ends_on": "2026-05-31",
        "lead_unit": district.emergency.pk,
        "units": [district.xiuwen.pk, district.dongyang.pk],
        "domains": [Domain.objects.get(code="societal").pk],
        "description": "全区危化品企业排查",
    }
    data.update(overrides)
    return data


# --- create and close --------------------------------------------------------------------------


def test_admin_creates_a_campaign_and_it_is_audited(client, district, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("campaigns:create"), form_data(district))
    campaign = Campaign.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "campaigns:detail", args=[campaign.pk]
    )
    assert campaign.state == CampaignState.OPEN and campaign.created_by == admin_user
    assert set(campaign.units.all()) == {district.xiuwen, district.dongyang}
    assert AuditEntry.objects.filter(action=AuditAction.CREATE, object_type="campaigns.campaign").count() == 1


@pytest.mark.parametrize("persona", ["official", "unitleader", "leader", "auditor"])
def test_only_admins_create_campaigns(client, district, people, persona):
    client.force_login(getattr(people, persona))
    assert client.get(reverse("campaigns:create")).status_code == 403
    assert client.post(reverse("campaigns:create"), form_data(district)).status_code == 403
    assert not Campaign.objects.exists()


def test_bad_campaign_form_saves_nothing(client, district, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("campaigns:create"), form_data(district, ends_on="2026-02-01"))
    assert response.status_code == 400
    assert "结束日期不能早于开始日期" in response.content.decode()
    assert not Campaign.objects.exists()


def test_admin_closes_a_campaign_once(client, campaign, admin_user):
    client.force_login(admin_user)
    url = reverse("campaigns:close", args=[campaign.pk])
    assert client.get(url).status_code == 405
    client.post(url)
    client.post(url)
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.CLOSED and campaign.closed_by == admin_user
    assert AuditEntry.objects.filter(action=AuditAction.UPDATE, object_id=str(campaign.pk)).count() == 1


def test_participant_may_look_but_not_close(client, campaign, unitleader):
    client.force_login(unitleader)
    assert client.post(reverse("campaigns:close", args=[campaign.pk])).status_code == 403
    campaign.refresh_from_db()
    assert campaign.is_open


# --- who sees which ----------------------------------------------------------------------------


def test_units_see_the_campaigns_they_take_part_in(
    client, campaign, official, village_official, outsider, leader
):
    client.force_login(official)
    assert campaign.name in client.get(reverse("campaigns:list")).content.decode()
    assert client.get(reverse("campaigns:detail", args=[campaign.pk])).status_code == 200
    # A village of a participating township takes part with it.
    assert list(services.visible_campaigns(village_official)) == [campaign]
    assert list(services.visible_campaigns(leader)) == [campaign]
    client.force_login(outsider)
    assert campaign.name not in client.get(reverse("campaigns:list")).content.decode()
    assert client.get(reverse("campaigns:detail", args=[campaign.pk])).status_code == 404
    assert client.post(reverse("campaigns:close", args=[campaign.pk])).status_code == 404


# --- progress ------------------------------------------------------------------------------------


def test_progress_by_unit_counts_found_closed_overdue_and_rate(
    client, district, campaign, leader, frozen_today
):
    frozen_today(datetime.date(2026, 5, 1))
    found = datetime.date(2026, 3, 10)
    late, later = datetime.date(2026, 4, 1), datetime.date(2026, 6, 1)
    RiskFactory(campaign=campaign, township=district.xiuwen, found_on=found, state=State.CLOSED)
    RiskFactory(campaign=campaign, township=district.xiuwen, found_on=found, deadline=late)  # overdue
    RiskFactory(
        campaign=campaign,
        township=district.xiuwen,
        village=district.xiuwen_village,
        owner_unit=district.xiuwen_village,
        found_on=found,
        deadline=later,
    )
    RiskFactory(
        campaign=campaign,
        township=district.dongyang,
        owner_unit=district.housing,
        found_on=found,
        deadline=later,
    )
    RiskFactory(township=district.xiuwen, found_on=found)  # not in the campaign
    rows = {r["unit"]: r for r in services.campaign_progress(leader, campaign)}
    assert rows["修文镇"] == {"unit": "修文镇", "found": 3, "closed": 1, "overdue": 1, "rate": 33.3}
    assert rows["住建局"] == {"unit": "住建局", "found": 1, "closed": 0, "overdue": 0, "rate": 0.0}
    client.force_login(leader)
    response = client.get(reverse("campaigns:detail", args=[campaign.pk]))
    body = response.content.decode()
    assert 'id="campaign-chart-data"' in body and "campaign_chart.js" in body
    assert response.context["chart"]["units"] == ["修文镇", "住建局"]
    assert response.context["totals"] == {"found": 4, "closed": 1, "overdue": 1, "rate": 25.0}
    assert "<script>" not in body.replace('<script src="', "")


def test_progress_counts_only_what_the_person_sees(district, campaign, official, unitleader):
    RiskFactory(campaign=campaign, township=district.xiuwen)
    RiskFactory(campaign=campaign, township=district.dongyang, owner_unit=district.housing)
    rows = {r["unit"]: r["found"] for r in services.campaign_progress(official, campaign)}
    assert rows == {"修文镇": 1, "住建局": 0}


def test_detail_query_count_does_not_grow_with_risks(client, district, campaign, leader):
    client.force_login(leader)

    def queries(n):
        for _ in range(n):
            RiskFactory(campaign=campaign, township=district.xiuwen)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("campaigns:detail", args=[campaign.pk])).status_code == 200
        return len(ctx.captured_queries)

    assert queries(1) == queries(15)


def test_list_query_count_does_not_grow_with_campaigns(client, district, campaign, admin_user):
    client.force_login(admin_user)

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("campaigns:list")).status_code == 200
        return len(ctx.captured_queries)

    before = queries()
    for i in range(5):
        services.campaign_create(
            by=admin_user,
            name=f"行动{i}",
            starts_on=datetime.date(2026, 1, 1),
            ends_on=datetime.date(2026, 2, 1),
            lead_unit=district.office,
            units=[district.xiuwen],
        )
    assert queries() == before


# --- its ledger and export -----------------------------------------------------------------------


def test_campaign_ledger_is_the_filtered_ledger_and_exports(client, district, campaign, official):
    inside = RiskFactory(campaign=campaign, township=district.xiuwen)
    RiskFactory(township=district.xiuwen)
    RiskFactory(campaign=campaign, township=district.dongyang)  # outside his scope
    client.force_login(official)
    response = client.get(reverse("risks:list"), {"campaign": campaign.pk})
    assert {row.record.code for row in response.context["table"].page.object_list} == {inside.code}
    rows = ledger_rows(
        response_bytes(client.get(reverse("risks:list"), {"campaign": campaign.pk, "_export": "xlsx"}))
    )
    assert [r["编号"] for r in rows] == [inside.code]


def test_a_campaign_outside_ones_scope_is_not_a_filter_choice(client, district, campaign, outsider):
    client.force_login(outsider)
    response = client.get(reverse("risks:list"), {"campaign": campaign.pk})
    assert response.context["filter"].errors  # not a valid choice for him
    assert not response.context["table"].page.object_list


# --- logging a risk against a campaign -----------------------------------------------------------


def test_new_risk_form_offers_open_campaigns_of_ones_unit(
    client, district, campaign, admin_user, official, outsider
):
    closed = services.campaign_create(
        by=admin_user,
        name="已结束的行动",
        starts_on=datetime.date(2026, 1, 1),
        ends_on=datetime.date(2026, 2, 1),
        lead_unit=district.office,
        units=[district.xiuwen],
    )
    services.campaign_close(campaign=closed, by=admin_user)
    client.force_login(official)
    choices = list(client.get(reverse("risks:create")).context["form"].fields["campaign"].queryset)
    assert choices == [campaign]
    client.force_login(outsider)
    assert list(client.get(reverse("risks:create")).context["form"].fields["campaign"].queryset) == []


def test_risk_logged_against_a_campaign_gets_source_campaign(client, district, campaign, official):
    client.force_login(official)
    response = client.post(reverse("risks:create"), new_risk_data(district, campaign=campaign.pk))
    assert response.status_code == 302
    risk = Risk.objects.get()
    assert risk.campaign == campaign and risk.source == Source.CAMPAIGN


def test_outsider_cannot_log_against_a_campaign_he_is_not_in(client, district, campaign, outsider):
    client.force_login(outsider)
    data = new_risk_data(
        district, campaign=campaign.pk, township=district.dongyang.pk, owner_unit=district.dongyang.pk
    )
    response = client.post(reverse("risks:create"), data)
    assert response.status_code == 400
    assert not Risk.objects.exists()


def test_level_is_untouched_by_campaign(district, campaign, official, make_risk):
    risk = make_risk(State.REPORTED, campaign=campaign, level=Level.MAJOR)
    assert risk.level == Level.MAJOR and risk.campaign == campaign
