"""Future periods, parts of a month, and dates that do not exist."""
from datetime import date

import pytest

from bot.nlp.entities import extract_value_entities
from bot.nlp.period import find_impossible_periods, find_periods

WEDNESDAY = date(2026, 11, 18)
LATE_DECEMBER = date(2026, 12, 28)


def one(text, today=WEDNESDAY):
    [match] = find_periods(text, today=today)
    return match.text, match.start_date.isoformat(), match.end_date.isoformat(), match.grain


@pytest.mark.parametrize(
    "text, expected",
    [
        ("다음 달 카드값", ("다음 달", "2026-12-01", "2026-12-31", "month")),
        ("다음달에", ("다음달", "2026-12-01", "2026-12-31", "month")),
        ("담달 결제", ("담달", "2026-12-01", "2026-12-31", "month")),
        ("내달", ("내달", "2026-12-01", "2026-12-31", "month")),
        ("익월", ("익월", "2026-12-01", "2026-12-31", "month")),
        ("다다음달", ("다다음달", "2027-01-01", "2027-01-31", "month")),
        ("다음 주 일정", ("다음 주", "2026-11-23", "2026-11-29", "week")),
        ("담주에", ("담주", "2026-11-23", "2026-11-29", "week")),
        ("차주", ("차주", "2026-11-23", "2026-11-29", "week")),
        ("내일 나갈 돈", ("내일", "2026-11-19", "2026-11-19", "day")),
        ("모레", ("모레", "2026-11-20", "2026-11-20", "day")),
        ("내일모레", ("내일모레", "2026-11-20", "2026-11-20", "day")),
        ("다음 분기", ("다음 분기", "2027-01-01", "2027-03-31", "quarter")),
        ("내년 예산", ("내년", "2027-01-01", "2027-12-31", "year")),
        ("내후년", ("내후년", "2028-01-01", "2028-12-31", "year")),
        ("내년 3월", ("내년 3월", "2027-03-01", "2027-03-31", "month")),
    ],
)
def test_future_periods_are_whole(text, expected):
    assert one(text) == expected


def test_next_month_across_the_new_year():
    assert one("다음 달", LATE_DECEMBER) == ("다음 달", "2027-01-01", "2027-01-31", "month")
    assert one("다음 주", LATE_DECEMBER) == ("다음 주", "2027-01-04", "2027-01-10", "week")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("이번 달 말 잔액", ("이번 달 말", "2026-11-21", "2026-11-30", "range")),
        ("이번달말에", ("이번달말", "2026-11-21", "2026-11-30", "range")),
        ("월말에 나갈 돈", ("월말", "2026-11-21", "2026-11-30", "range")),
        ("월초", ("월초", "2026-11-01", "2026-11-10", "range")),
        ("지난달 말", ("지난달 말", "2026-10-21", "2026-10-31", "range")),
        ("다음 달 초", ("다음 달 초", "2026-12-01", "2026-12-10", "range")),
        ("3월 중순에", ("3월 중순", "2026-03-11", "2026-03-20", "range")),
        ("2월 말", ("2월 말", "2026-02-21", "2026-02-28", "range")),
        ("이번 달 말일", ("이번 달 말일", "2026-11-30", "2026-11-30", "day")),
        ("이번 주말", ("이번 주말", "2026-11-21", "2026-11-22", "range")),
        ("연말에", ("연말", "2026-12-01", "2026-12-31", "month")),
        ("작년 연말", ("작년 연말", "2025-12-01", "2025-12-31", "month")),
        ("내년 초", ("내년 초", "2027-01-01", "2027-01-31", "month")),
    ],
)
def test_parts_of_a_month_are_its_ten_day_thirds(text, expected):
    assert one(text) == expected


def test_this_month_s_end_is_not_cut_at_today():
    assert one("이번 달 말", date(2026, 11, 25))[1:3] == ("2026-11-21", "2026-11-30")


@pytest.mark.parametrize(
    "text", ["3월 말고 4월", "3월 초과", "연말정산 환급", "이번 달 말씀드린 거", "다음 주문 내역"]
)
def test_words_that_only_look_like_parts_of_a_month(text):
    assert all(
        m.text not in ("3월 말", "3월 초", "연말", "이번 달 말", "다음 주")
        for m in find_periods(text, WEDNESDAY)
    )


@pytest.mark.parametrize(
    "text, words, reason",
    [
        ("2099년 13월 지출", "2099년 13월", "month"),
        ("13월 지출", "13월", "month"),
        ("0월에 쓴 거", "0월", "month"),
        ("2월 30일 지출", "2월 30일", "day"),
        ("4월 31일에 보낸 돈", "4월 31일", "day"),
        ("3월 32일", "3월 32일", "day"),
        ("2025년 2월 29일", "2025년 2월 29일", "day"),
        ("2026-02-30 거래", "2026-02-30", "day"),
        ("2026-13-01", "2026-13-01", "month"),
        ("5분기 실적", "5분기", "quarter"),
        ("최근 0개월", "최근 0개월", "count"),
        ("13~15월", "13~15월", "month"),
        ("2026년 5월부터 2026년 3월까지", "2026년 5월부터 2026년 3월까지", "range"),
    ],
)
def test_impossible_dates_are_reported_with_a_reason(text, words, reason):
    assert find_periods(text, WEDNESDAY) == []
    [bad] = find_impossible_periods(text, WEDNESDAY)
    assert (bad.text, bad.reason) == (words, reason)
    assert text[bad.start:bad.end] == words


@pytest.mark.parametrize(
    "text", ["2월 29일", "2024년 2월 29일", "지난달", "13월의 월급 언제 들어와", "연말정산"]
)
def test_possible_dates_and_idioms_are_not_impossible(text):
    assert find_impossible_periods(text, WEDNESDAY) == []


def test_an_impossible_date_reaches_the_actions_as_an_invalid_period():
    [entity] = extract_value_entities("2099년 13월 지출 보여줘", today=WEDNESDAY, intent="spending_summary")
    assert entity["entity"] == "period"
    assert entity["value"] == {"invalid": "2099년 13월", "reason": "month"}
    assert (entity["start"], entity["end"]) == (0, len("2099년 13월"))
    assert entity["additional_info"]["invalid"] is True


def test_a_possible_period_keeps_its_start_slash_end_value():
    [entity] = extract_value_entities("다음 달 카드값", today=WEDNESDAY, intent="card_bill")
    assert entity["value"] == "2026-12-01/2026-12-31"
