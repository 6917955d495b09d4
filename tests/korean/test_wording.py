from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from bot.korean.wording import (
    basis_points,
    josa,
    korean_date,
    particle_after,
    percent,
    percent_points,
    rate,
    won,
    won_approx,
)


@pytest.mark.parametrize(
    "amount, text", [(1234560, "1,234,560원"), (0, "0원"), (-5000, "-5,000원"), (999, "999원")]
)
def test_won_is_exact_with_thousands_separators(amount, text):
    assert won(amount) == text


@pytest.mark.parametrize("amount, text", [
    (123_456_789, "약 1.2억 원"),
    (100_000_000, "1억 원"),
    (150_000_000, "1.5억 원"),
    (149_950_000, "약 1.5억 원"),
    (1_234_567_890, "약 12.3억 원"),
    (35_000_000, "3,500만 원"),
    (854_000, "약 85만 원"),
    (855_000, "약 86만 원"),  # half up
    (850_000, "85만 원"),
    (10_000, "1만 원"),
    (99_994_999, "약 9,999만 원"),
    (99_995_000, "약 1억 원"),  # rounds into the next unit
    (9_000, "9,000원"),
    (8_750, "약 8,800원"),
    (9_950, "약 1만 원"),
    (0, "0원"),
    (-854_000, "약 -85만 원"),
])
def test_won_approx_rounds_to_the_unit_people_say(amount, text):
    assert won_approx(amount) == text


@pytest.mark.parametrize("bad", [1.5, "1000", True, None, Decimal("1000")])
def test_money_formatters_refuse_anything_but_int_won(bad):
    with pytest.raises(TypeError):
        won(bad)
    with pytest.raises(TypeError):
        won_approx(bad)


def test_korean_date_has_the_korean_weekday():
    assert date(2026, 11, 25).weekday() == 2  # Wednesday
    assert korean_date(date(2026, 11, 25)) == "11월 25일(수)"
    assert korean_date(date(2026, 11, 29)) == "11월 29일(일)"
    assert korean_date(date(2026, 11, 25), with_year=True) == "2026년 11월 25일(수)"


def test_korean_date_reads_aware_times_in_seoul_and_refuses_naive_ones():
    late_utc = datetime(2026, 11, 24, 15, 30, tzinfo=timezone.utc)  # 00:30 on the 25th in Seoul
    assert korean_date(late_utc) == "11월 25일(수)"
    with pytest.raises(ValueError):
        korean_date(datetime(2026, 11, 25, 9, 0))
    with pytest.raises(TypeError):
        korean_date("2026-11-25")


def test_rate_prints_two_decimals_per_year():
    assert rate(Decimal("3.55")) == "연 3.55%"
    assert rate(4) == "연 4.00%"
    assert rate(Decimal("3.555")) == "연 3.56%"
    with pytest.raises(TypeError):
        rate(3.55)


def test_percent_trims_and_rounds_half_up():
    assert percent(Decimal("35.25")) == "35.3%"
    assert percent(40) == "40%"
    assert percent(Decimal("12.50"), 2) == "12.5%"
    assert percent(Decimal("-0.04")) == "0%"
    assert percent_points(Decimal("1.5")) == "1.5%p"
    assert basis_points(3525) == "35.3%"
    assert basis_points(4000, 0) == "40%"
    with pytest.raises(TypeError):
        percent(0.5)


@pytest.mark.parametrize(
    "word, particle, after",
    [
        ("현대카드", "은", "는"),
        ("KB국민은행", "은", "은"),
        ("1,000원", "을", "을"),
        ("36개월", "으로", "로"),
        ("3년", "으로", "으로"),
        ("서울", "으로", "로"),
        ("5%", "이에요", "예요"),
        ("지난달", "이", "이"),
    ],
)
def test_a_particle_takes_the_form_the_word_before_it_asks_for(word, particle, after):
    assert particle_after(word, particle) == after
    assert josa(word, particle) == word + after
    with pytest.raises(ValueError):
        particle_after(word, "의")
