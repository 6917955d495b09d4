from datetime import date, datetime, timezone

import pytest

from bot.korean.calendar import (
    DateRange,
    add_months,
    day_start,
    first_of_month,
    month_key,
    seoul_date,
    whole_months_between,
)


@pytest.mark.parametrize("day, months, expected", [
    (date(2026, 1, 31), 1, date(2026, 2, 28)),
    (date(2028, 1, 31), 1, date(2028, 2, 29)),
    (date(2026, 3, 31), -1, date(2026, 2, 28)),
    (date(2026, 11, 18), 2, date(2027, 1, 18)),
    (date(2026, 1, 15), -13, date(2024, 12, 15)),
    (date(2026, 5, 1), 0, date(2026, 5, 1)),
])
def test_add_months_keeps_the_day_clamped_to_the_months_end(day, months, expected):
    assert add_months(day, months) == expected


@pytest.mark.parametrize("start, end, months", [
    (date(2025, 11, 18), date(2026, 11, 18), 12),
    (date(2025, 11, 19), date(2026, 11, 18), 11),
    (date(2026, 1, 31), date(2026, 2, 28), 0),
    (date(2026, 11, 18), date(2026, 11, 18), 0),
])
def test_whole_months_between_counts_a_month_once_its_day_is_reached(start, end, months):
    assert whole_months_between(start, end) == months


def test_month_key_reads_an_instant_in_seoul():
    assert month_key(date(2026, 3, 9)) == "2026-03"
    assert month_key(datetime(2026, 10, 31, 15, 0, tzinfo=timezone.utc)) == "2026-11"  # 00:00 KST on Nov 1
    with pytest.raises(ValueError):
        month_key(datetime(2026, 10, 31, 15, 0))


def test_days_and_months_in_seoul():
    assert seoul_date(datetime(2026, 11, 21, 23, 30, tzinfo=timezone.utc)) == date(2026, 11, 22)
    assert day_start(date(2026, 11, 22)).astimezone(timezone.utc) == datetime(
        2026, 11, 21, 15, tzinfo=timezone.utc
    )
    assert first_of_month(date(2026, 11, 22)) == date(2026, 11, 1)


def test_a_date_range_reads_and_writes_the_text_rasa_carries():
    period = DateRange.parse("2026-10-01/2026-10-31")
    assert period == DateRange(date(2026, 10, 1), date(2026, 10, 31))
    assert (period.start, period.end) == (date(2026, 10, 1), date(2026, 10, 31))
    assert period.text == "2026-10-01/2026-10-31" and period.days == 31
    start, end = period
    assert (start, end) == (period.start, period.end)


@pytest.mark.parametrize("text", [
    "2026-10-31/2026-10-01", "2026-02-30/2026-03-01", "2026-10-01", "2026-10-01/2026-10-02/2026-10-03", "",
    None, {"start": "2026-10-01", "end": "2026-10-31"}, "지난달",
])
def test_anything_else_is_no_date_range(text):
    assert DateRange.parse(text) is None
