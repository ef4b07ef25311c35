"""A deadline given as N working days from the day a risk was found (整改时限 5 个工作日)."""

import datetime

import pytest
from django.urls import reverse

from notifications.models import CalendarDay, CalendarDayKind
from risks.models import Risk

from .test_views_risk import new_risk_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def national_day(db):
    for day in range(1, 8):
        CalendarDay.objects.create(date=datetime.date(2026, 10, day), kind=CalendarDayKind.HOLIDAY)
    CalendarDay.objects.create(date=datetime.date(2026, 10, 10), kind=CalendarDayKind.WORKDAY)


def test_deadline_in_working_days_skips_the_holiday_and_counts_the_make_up_saturday(
    client, district, official, national_day, frozen_today
):
    frozen_today(datetime.date(2026, 10, 12))
    client.force_login(official)
    data = new_risk_data(district, found_on="2026-09-30", deadline=None, deadline_working_days=3)
    response = client.post(reverse("risks:create"), data)
    assert response.status_code == 302
    assert Risk.objects.get().deadline == datetime.date(2026, 10, 10)


def test_working_days_win_over_a_date_given_too(client, district, official, frozen_today):
    frozen_today(datetime.date(2026, 6, 12))  # a Friday
    client.force_login(official)
    data = new_risk_data(district, found_on="2026-06-12", deadline="2026-12-31", deadline_working_days=5)
    assert client.post(reverse("risks:create"), data).status_code == 302
    assert Risk.objects.get().deadline == datetime.date(2026, 6, 19)


@pytest.mark.parametrize(("working_days", "message"), [(None, "这个字段是必填项"), (0, "")])
def test_neither_a_deadline_nor_working_days_is_refused(client, district, official, working_days, message):
    client.force_login(official)
    data = new_risk_data(district, deadline=None, deadline_working_days=working_days)
    response = client.post(reverse("risks:create"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Risk.objects.exists()
