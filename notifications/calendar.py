"""Working days and quarters.

Working days follow the State Council's yearly holiday notice: public holidays are days off even
on a weekday, and make-up days (调休) are working days even on a Saturday or Sunday. Admins keep
both in CalendarDay; any other day is a working day from Monday to Friday.

Quarters are calendar quarters in Asia/Shanghai (callers pass local dates).
"""

import datetime

from .models import CalendarDay, CalendarDayKind


class WorkCalendar:
    """The calendar's exceptions between two dates, read in one query."""

    def __init__(self, start: datetime.date, end: datetime.date):
        self.exceptions = dict(
            CalendarDay.objects.filter(date__gte=start, date__lte=end).values_list("date", "kind")
        )

    def is_working_day(self, day: datetime.date) -> bool:
        kind = self.exceptions.get(day)
        if kind == CalendarDayKind.HOLIDAY:
            return False
        if kind == CalendarDayKind.WORKDAY:
            return True
        return day.weekday() < 5


def due_date(start: datetime.date, n_working_days: int) -> datetime.date:
    """The date ``n_working_days`` working days after ``start`` (start itself not counted).

    "整改时限 5 个工作日" from a Friday before a holiday week lands after the holiday; a 调休
    Saturday counts as a working day.
    """
    if n_working_days < 0:
        raise ValueError("n_working_days must not be negative")
    # Holidays add at most a few weeks a year; a generous window keeps it to one query.
    calendar = WorkCalendar(start, start + datetime.timedelta(days=n_working_days * 2 + 60))
    day, left = start, n_working_days
    while left:
        day += datetime.timedelta(days=1)
        if calendar.is_working_day(day):
            left -= 1
    return day


def is_working_day(day: datetime.date) -> bool:
    return WorkCalendar(day, day).is_working_day(day)


def quarter_of(day: datetime.date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def quarter_end(year: int, quarter: int) -> datetime.date:
    if quarter == 4:
        return datetime.date(year, 12, 31)
    return datetime.date(year, quarter * 3 + 1, 1) - datetime.timedelta(days=1)


def quarter_start(year: int, quarter: int) -> datetime.date:
    return datetime.date(year, quarter * 3 - 2, 1)


def previous_quarter(year: int, quarter: int) -> tuple[int, int]:
    return (year - 1, 4) if quarter == 1 else (year, quarter - 1)
