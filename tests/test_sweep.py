"""The sweep sends every due notice exactly once: run twice, two at once, or interrupted and run
again; and it reads the ledger in batches, not risk by risk. Also the working-day calendar."""

import datetime
import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications import rules, sweep
from notifications.calendar import due_date, is_working_day, quarter_end, quarter_of
from notifications.models import CalendarDay, CalendarDayKind, Notice, Notification, SweepRun
from risks.models import Level, RiskEvent

from .factories import due_risk
from .requires import requires_postgres

DAY = datetime.timedelta(days=1)
D = datetime.date(2026, 6, 10)


def make_risks(district, official, n, *, start=0):
    """``n`` open risks that are all due for something on D: deadline near, overdue at each
    step of the ladder, or long without progress."""
    offsets = [7, 1, -1, -15, -30, 3]
    risks = []
    for i in range(start, start + n):
        deadline = D + offsets[i % len(offsets)] * DAY
        level = Level.MAJOR if i % 5 == 0 else Level.GENERAL
        risks.append(due_risk(unit=district.xiuwen, responsible=official, deadline=deadline, level=level))
    return risks


@pytest.mark.django_db
def test_a_second_sweep_sends_nothing_new(district, official, unitleader):
    make_risks(district, official, 12)
    first = sweep.send_reminders(D)
    notifications = Notification.objects.count()
    events = RiskEvent.objects.count()
    second = sweep.send_reminders(D)
    assert first.notices > 0 and first.escalations > 0
    assert (second.notices, second.notifications, second.escalations) == (0, 0, 0)
    assert Notification.objects.count() == notifications
    assert RiskEvent.objects.count() == events


@pytest.mark.django_db
def test_an_interrupted_sweep_run_again_sends_the_rest_once(district, official, unitleader, monkeypatch):
    make_risks(district, official, 12)
    monkeypatch.setattr(rules, "BATCH_SIZE", 2)
    real_record, calls = sweep.record, []

    def dies_on_the_third_batch(dues, run):
        calls.append(1)
        if len(calls) == 3:
            raise SystemExit("worker killed")
        return real_record(dues, run)

    monkeypatch.setattr(sweep, "record", dies_on_the_third_batch)
    with pytest.raises(SystemExit):
        sweep.send_reminders(D)
    recorded = Notice.objects.count()
    assert 0 < recorded < 12  # two batches committed, the third rolled back
    monkeypatch.setattr(sweep, "record", real_record)
    rerun = sweep.send_reminders(D)
    assert rerun.notices == Notice.objects.count() - recorded
    # Each risk has exactly one notice, each told person one notification of it.
    assert Notice.objects.filter(subject_type="risk").values("subject_id").distinct().count() == 12
    assert (
        Notification.objects.filter(user=official).count()
        == Notice.objects.filter(subject_type="risk").count()
    )


@pytest.mark.django_db
def test_sweep_queries_do_not_grow_with_the_number_of_risks(
    district, official, unitleader, leader, admin_user
):
    make_risks(district, official, 6)
    with CaptureQueriesContext(connection) as few:
        small = sweep.send_reminders(D)
    Notice.objects.all().delete()
    make_risks(district, official, 60, start=6)
    with CaptureQueriesContext(connection) as many:
        big = sweep.send_reminders(D)
    assert big.notices == 11 * small.notices
    assert len(many) <= len(few)
    assert len(many) < 60


@requires_postgres
def test_two_sweeps_at_once_send_each_notice_once(transactional_db, district, official, unitleader):
    make_risks(district, official, 60)
    barrier = threading.Barrier(2)
    runs, errors = [], []

    def run():
        try:
            barrier.wait(timeout=10)
            runs.append(sweep.send_reminders(D))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    total = Notice.objects.count()
    assert total == 60  # one per risk
    assert sum(r.notices for r in runs) == total
    assert Notification.objects.filter(user=official).count() == 60
    assert SweepRun.objects.count() == 2


# ---------------------------------------------------------------------------------------------
# Working days and quarters


@pytest.fixture
def national_day_2026(db):
    """国庆节 2026 as a calendar might give it: 1–7 October off, Saturday 10 October worked."""
    for day in range(1, 8):
        CalendarDay.objects.create(
            date=datetime.date(2026, 10, day), kind=CalendarDayKind.HOLIDAY, name="国庆节"
        )
    CalendarDay.objects.create(
        date=datetime.date(2026, 10, 10), kind=CalendarDayKind.WORKDAY, name="国庆节调休"
    )


def test_working_days_skip_a_holiday_and_count_a_make_up_saturday(national_day_2026):
    wednesday = datetime.date(2026, 9, 30)
    assert due_date(wednesday, 1) == datetime.date(2026, 10, 8)  # Thursday after the holiday
    assert due_date(wednesday, 2) == datetime.date(2026, 10, 9)
    assert due_date(wednesday, 3) == datetime.date(2026, 10, 10)  # the 调休 Saturday counts
    assert due_date(wednesday, 4) == datetime.date(2026, 10, 12)  # Sunday 11th does not
    assert is_working_day(datetime.date(2026, 10, 10))
    assert not is_working_day(datetime.date(2026, 10, 5))


@pytest.mark.django_db
def test_working_days_without_a_calendar_are_monday_to_friday():
    friday = datetime.date(2026, 6, 12)
    assert due_date(friday, 0) == friday
    assert due_date(friday, 1) == datetime.date(2026, 6, 15)
    assert due_date(friday, 5) == datetime.date(2026, 6, 19)
    with pytest.raises(ValueError):
        due_date(friday, -1)


@pytest.mark.parametrize(
    ("day", "quarter", "end"),
    [
        (datetime.date(2026, 1, 1), (2026, 1), datetime.date(2026, 3, 31)),
        (datetime.date(2026, 3, 31), (2026, 1), datetime.date(2026, 3, 31)),
        (datetime.date(2026, 4, 1), (2026, 2), datetime.date(2026, 6, 30)),
        (datetime.date(2026, 9, 30), (2026, 3), datetime.date(2026, 9, 30)),
        (datetime.date(2026, 12, 31), (2026, 4), datetime.date(2026, 12, 31)),
        (datetime.date(2027, 1, 1), (2027, 1), datetime.date(2027, 3, 31)),
    ],
)
def test_quarters_and_their_ends(day, quarter, end):
    assert quarter_of(day) == quarter
    assert quarter_end(*quarter) == end
