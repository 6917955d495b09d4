"""The customer's calendar: Asia/Seoul, one clock for "today", month arithmetic and the period type.

`ASSISTANT_CLOCK` (ISO 8601 with an offset, e.g. `2026-11-18T14:30:00+09:00`)
fixes the clock that every "this month" and "지난달" is computed from, in every
process that reads it, so a demo, a benchmark or a test sees the same month on
any day it runs. Security clocks (token expiry, audit times) stay on the wall
clock and never read it.

A period, once read from a message, slot or button, is a `DateRange` everywhere: the answers,
the advisors and the analytics calls take its `start` and `end` as they are.
"""
from __future__ import annotations

import calendar
import os
from datetime import date, datetime
from typing import NamedTuple, Optional
from zoneinfo import ZoneInfo

KST = ZoneInfo("Asia/Seoul")
CLOCK_ENV = "ASSISTANT_CLOCK"


def fixed_clock(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{CLOCK_ENV} must carry a UTC offset, got {value!r}")
    return moment.astimezone(KST)


def now_kst() -> datetime:
    """Now in Seoul: the fixed clock when `ASSISTANT_CLOCK` is set, the wall clock otherwise."""
    fixed = os.environ.get(CLOCK_ENV)
    return fixed_clock(fixed) if fixed else datetime.now(KST)


def seoul_date(moment: date | datetime) -> date:
    """The Seoul calendar day of an aware instant; a date is already one."""
    if isinstance(moment, datetime):
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError("a naive datetime has no Seoul day; pass an aware one or a date")
        return moment.astimezone(KST).date()
    return moment


def day_start(day: date) -> datetime:
    """Midnight of a Seoul calendar day, aware."""
    return datetime(day.year, day.month, day.day, tzinfo=KST)


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def add_months(day: date, months: int) -> date:
    """Same day-of-month `months` later (earlier when negative), clamped to that month's end."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def whole_months_between(start: date, end: date) -> int:
    """Whole months from `start` to `end` (a month counts once its day-of-month is reached)."""
    return (end.year - start.year) * 12 + (end.month - start.month) - (1 if end.day < start.day else 0)


def month_key(moment: date | datetime) -> str:
    """'YYYY-MM' of the Seoul month a day (or an aware instant) falls in: how months are keyed in answers."""
    day = seoul_date(moment)
    return f"{day.year:04d}-{day.month:02d}"


class DateRange(NamedTuple):
    """Inclusive Seoul calendar days, `start` ≤ `end`: what a period is once it has been read.

    Rasa carries a period as text, `YYYY-MM-DD/YYYY-MM-DD` (the `period` entity, the
    `search_period` slot); `parse` and `text` are that form's only reader and writer.
    """

    start: date
    end: date

    @classmethod
    def parse(cls, text: object) -> Optional["DateRange"]:
        """`YYYY-MM-DD/YYYY-MM-DD` as a range; None for anything else, or a start after the end."""
        if not isinstance(text, str) or text.count("/") != 1:
            return None
        first, last = text.split("/")
        try:
            start, end = date.fromisoformat(first.strip()), date.fromisoformat(last.strip())
        except ValueError:
            return None
        return cls(start, end) if start <= end else None

    @property
    def text(self) -> str:
        return f"{self.start.isoformat()}/{self.end.isoformat()}"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1
