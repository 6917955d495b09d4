import dataclasses
import time
from datetime import date, datetime, timedelta, timezone

import pytest

from bot.nlp import period
from bot.nlp.period import PeriodMatch, find_periods, parse_period, seoul_today

SUNDAY = date(2026, 11, 22)
MONDAY_AFTER_NEW_YEAR = date(2026, 1, 5)
FEBRUARY = date(2026, 2, 10)
LEAP_DAY = date(2024, 2, 29)
END_OF_MAY = date(2026, 5, 31)
END_OF_MARCH = date(2026, 3, 31)


def d(text: str) -> date:
    return date.fromisoformat(text)


WHOLE_PERIODS = [
    # (text, today, start, end, grain)
    ("오늘", SUNDAY, "2026-11-22", "2026-11-22", "day"),
    ("금일", SUNDAY, "2026-11-22", "2026-11-22", "day"),
    ("어제", SUNDAY, "2026-11-21", "2026-11-21", "day"),
    ("그저께", SUNDAY, "2026-11-20", "2026-11-20", "day"),
    ("그제", SUNDAY, "2026-11-20", "2026-11-20", "day"),
    ("어제", MONDAY_AFTER_NEW_YEAR, "2026-01-04", "2026-01-04", "day"),
    ("그저께", MONDAY_AFTER_NEW_YEAR, "2026-01-03", "2026-01-03", "day"),
    ("이번 주", SUNDAY, "2026-11-16", "2026-11-22", "week"),
    ("이번주", SUNDAY, "2026-11-16", "2026-11-22", "week"),
    ("금주", SUNDAY, "2026-11-16", "2026-11-22", "week"),
    ("이번 주", MONDAY_AFTER_NEW_YEAR, "2026-01-05", "2026-01-05", "week"),
    ("지난주", SUNDAY, "2026-11-09", "2026-11-15", "week"),
    ("지난 주", SUNDAY, "2026-11-09", "2026-11-15", "week"),
    ("저번 주", SUNDAY, "2026-11-09", "2026-11-15", "week"),
    ("저번주", SUNDAY, "2026-11-09", "2026-11-15", "week"),
    ("지난주", MONDAY_AFTER_NEW_YEAR, "2025-12-29", "2026-01-04", "week"),
    ("지지난주", MONDAY_AFTER_NEW_YEAR, "2025-12-22", "2025-12-28", "week"),
    ("이번 달", SUNDAY, "2026-11-01", "2026-11-22", "month"),
    ("이번달", SUNDAY, "2026-11-01", "2026-11-22", "month"),
    ("이달", SUNDAY, "2026-11-01", "2026-11-22", "month"),
    ("당월", SUNDAY, "2026-11-01", "2026-11-22", "month"),
    ("이번 달", MONDAY_AFTER_NEW_YEAR, "2026-01-01", "2026-01-05", "month"),
    ("지난달", SUNDAY, "2026-10-01", "2026-10-31", "month"),
    ("지난 달", SUNDAY, "2026-10-01", "2026-10-31", "month"),
    ("저번달", SUNDAY, "2026-10-01", "2026-10-31", "month"),
    ("저번 달", SUNDAY, "2026-10-01", "2026-10-31", "month"),
    ("전월", SUNDAY, "2026-10-01", "2026-10-31", "month"),
    ("지난달", MONDAY_AFTER_NEW_YEAR, "2025-12-01", "2025-12-31", "month"),
    ("지난달", END_OF_MARCH, "2026-02-01", "2026-02-28", "month"),
    ("지난달", date(2024, 3, 15), "2024-02-01", "2024-02-29", "month"),
    ("지지난달", SUNDAY, "2026-09-01", "2026-09-30", "month"),
    ("지지난달", MONDAY_AFTER_NEW_YEAR, "2025-11-01", "2025-11-30", "month"),
    ("올해", SUNDAY, "2026-01-01", "2026-11-22", "year"),
    ("금년", SUNDAY, "2026-01-01", "2026-11-22", "year"),
    ("올 해", SUNDAY, "2026-01-01", "2026-11-22", "year"),
    ("작년", SUNDAY, "2025-01-01", "2025-12-31", "year"),
    ("지난해", SUNDAY, "2025-01-01", "2025-12-31", "year"),
    ("전년", SUNDAY, "2025-01-01", "2025-12-31", "year"),
    ("재작년", SUNDAY, "2024-01-01", "2024-12-31", "year"),
    ("최근 3개월", SUNDAY, "2026-08-23", "2026-11-22", "month"),
    ("최근 3달", SUNDAY, "2026-08-23", "2026-11-22", "month"),
    ("지난 3개월", SUNDAY, "2026-08-23", "2026-11-22", "month"),
    ("최근 석 달", SUNDAY, "2026-08-23", "2026-11-22", "month"),
    ("최근 세 달", SUNDAY, "2026-08-23", "2026-11-22", "month"),
    ("최근 6개월", SUNDAY, "2026-05-23", "2026-11-22", "month"),
    ("최근 십이개월", SUNDAY, "2025-11-23", "2026-11-22", "month"),
    ("최근 3개월", MONDAY_AFTER_NEW_YEAR, "2025-10-06", "2026-01-05", "month"),
    ("최근 3개월", END_OF_MAY, "2026-03-01", "2026-05-31", "month"),
    ("최근 1개월", END_OF_MARCH, "2026-03-01", "2026-03-31", "month"),
    ("최근 한 달", END_OF_MARCH, "2026-03-01", "2026-03-31", "month"),
    ("최근 1개월", LEAP_DAY, "2024-01-30", "2024-02-29", "month"),
    ("최근 1년", SUNDAY, "2025-11-23", "2026-11-22", "year"),
    ("최근 1년", LEAP_DAY, "2023-03-01", "2024-02-29", "year"),
    ("최근 2주", SUNDAY, "2026-11-09", "2026-11-22", "week"),
    ("최근 일주일", SUNDAY, "2026-11-16", "2026-11-22", "week"),
    ("최근 7일", SUNDAY, "2026-11-16", "2026-11-22", "day"),
    ("최근 7일", MONDAY_AFTER_NEW_YEAR, "2025-12-30", "2026-01-05", "day"),
    ("3월", SUNDAY, "2026-03-01", "2026-03-31", "month"),
    ("3월", FEBRUARY, "2025-03-01", "2025-03-31", "month"),
    ("2월", FEBRUARY, "2026-02-01", "2026-02-10", "month"),
    ("12월", MONDAY_AFTER_NEW_YEAR, "2025-12-01", "2025-12-31", "month"),
    ("2월", LEAP_DAY, "2024-02-01", "2024-02-29", "month"),
    ("삼월", SUNDAY, "2026-03-01", "2026-03-31", "month"),
    ("시월", SUNDAY, "2026-10-01", "2026-10-31", "month"),
    ("3월달", SUNDAY, "2026-03-01", "2026-03-31", "month"),
    ("올해 3월", SUNDAY, "2026-03-01", "2026-03-31", "month"),
    ("올해 3월", FEBRUARY, "2026-03-01", "2026-03-31", "month"),
    ("올해 12월", SUNDAY, "2026-12-01", "2026-12-31", "month"),
    ("작년 12월", SUNDAY, "2025-12-01", "2025-12-31", "month"),
    ("작년 2월", LEAP_DAY, "2023-02-01", "2023-02-28", "month"),
    ("지난 3월", SUNDAY, "2026-03-01", "2026-03-31", "month"),
    ("지난 11월", SUNDAY, "2025-11-01", "2025-11-30", "month"),
    ("2025년 3월", SUNDAY, "2025-03-01", "2025-03-31", "month"),
    ("25년 3월", SUNDAY, "2025-03-01", "2025-03-31", "month"),
    ("2026년", SUNDAY, "2026-01-01", "2026-11-22", "year"),
    ("2025년", SUNDAY, "2025-01-01", "2025-12-31", "year"),
    ("2027년", SUNDAY, "2027-01-01", "2027-12-31", "year"),
    ("3월 5일", SUNDAY, "2026-03-05", "2026-03-05", "day"),
    ("3월 5일", FEBRUARY, "2025-03-05", "2025-03-05", "day"),
    ("2월 10일", FEBRUARY, "2026-02-10", "2026-02-10", "day"),
    ("2월 11일", FEBRUARY, "2025-02-11", "2025-02-11", "day"),
    ("2월 29일", SUNDAY, "2024-02-29", "2024-02-29", "day"),
    ("2월 29일", LEAP_DAY, "2024-02-29", "2024-02-29", "day"),
    ("2024년 2월 29일", SUNDAY, "2024-02-29", "2024-02-29", "day"),
    ("작년 3월 5일", SUNDAY, "2025-03-05", "2025-03-05", "day"),
    ("2025.3.5", SUNDAY, "2025-03-05", "2025-03-05", "day"),
    ("2025-03-05", SUNDAY, "2025-03-05", "2025-03-05", "day"),
    ("3월부터 5월까지", SUNDAY, "2026-03-01", "2026-05-31", "range"),
    ("3월부터 5월까지", FEBRUARY, "2025-03-01", "2025-05-31", "range"),
    ("3월부터 5월까지", date(2026, 4, 15), "2026-03-01", "2026-04-15", "range"),
    ("3월~5월", SUNDAY, "2026-03-01", "2026-05-31", "range"),
    ("3~5월", SUNDAY, "2026-03-01", "2026-05-31", "range"),
    ("3~5월", FEBRUARY, "2025-03-01", "2025-05-31", "range"),
    ("작년 3~5월", SUNDAY, "2025-03-01", "2025-05-31", "range"),
    ("11월부터 2월까지", FEBRUARY, "2025-11-01", "2026-02-10", "range"),
    ("작년 11월부터 올해 2월까지", SUNDAY, "2025-11-01", "2026-02-28", "range"),
    ("3월부터 지금까지", SUNDAY, "2026-03-01", "2026-11-22", "range"),
    ("지난달부터 이번 달까지", SUNDAY, "2026-10-01", "2026-11-22", "range"),
    ("3월 1일부터 15일까지", SUNDAY, "2026-03-01", "2026-03-15", "range"),
    ("상반기", SUNDAY, "2026-01-01", "2026-06-30", "half"),
    ("상반기", date(2026, 5, 2), "2026-01-01", "2026-05-02", "half"),
    ("하반기", SUNDAY, "2026-07-01", "2026-11-22", "half"),
    ("하반기", FEBRUARY, "2025-07-01", "2025-12-31", "half"),
    ("작년 하반기", SUNDAY, "2025-07-01", "2025-12-31", "half"),
    ("올 상반기", SUNDAY, "2026-01-01", "2026-06-30", "half"),
    ("1분기", SUNDAY, "2026-01-01", "2026-03-31", "quarter"),
    ("4분기", SUNDAY, "2026-10-01", "2026-11-22", "quarter"),
    ("4분기", MONDAY_AFTER_NEW_YEAR, "2025-10-01", "2025-12-31", "quarter"),
    ("1/4분기", SUNDAY, "2026-01-01", "2026-03-31", "quarter"),
    ("2025년 2분기", SUNDAY, "2025-04-01", "2025-06-30", "quarter"),
    ("이번 분기", SUNDAY, "2026-10-01", "2026-11-22", "quarter"),
    ("지난 분기", MONDAY_AFTER_NEW_YEAR, "2025-10-01", "2025-12-31", "quarter"),
]


@pytest.mark.parametrize("text,today,start,end,grain", WHOLE_PERIODS)
def test_whole_expression_is_one_period(text, today, start, end, grain):
    assert find_periods(text, today=today) == [PeriodMatch(0, len(text), text, d(start), d(end), grain)]


IN_SENTENCES = [
    # (text, span, start, end) with today = SUNDAY
    ("지난달에 5만원 넘게 쓴 거", "지난달", "2026-10-01", "2026-10-31"),
    ("올해는 얼마 썼어?", "올해", "2026-01-01", "2026-11-22"),
    ("최근 3개월 동안 스타벅스에서 쓴 돈", "최근 3개월", "2026-08-23", "2026-11-22"),
    ("최근 3개월간 지출", "최근 3개월", "2026-08-23", "2026-11-22"),
    ("3개월간 쓴 돈", "3개월", "2026-08-23", "2026-11-22"),
    ("3개월 동안 쓴 돈", "3개월", "2026-08-23", "2026-11-22"),
    ("육 개월 동안 쓴 돈", "육 개월", "2026-05-23", "2026-11-22"),
    ("한 달 동안 얼마 썼지", "한 달", "2026-10-23", "2026-11-22"),
    ("일주일간 내역", "일주일", "2026-11-16", "2026-11-22"),
    ("3월부터 카드 내역", "3월", "2026-03-01", "2026-03-31"),
    ("3월달에 받은 이자", "3월달", "2026-03-01", "2026-03-31"),
    ("이번 달 사용 내역 보여줘", "이번 달", "2026-11-01", "2026-11-22"),
    ("작년 하반기에 받은 이자", "작년 하반기", "2025-07-01", "2025-12-31"),
    ("전월 대비 얼마나 늘었어", "전월", "2026-10-01", "2026-10-31"),
    ("전년도 소득", "전년", "2025-01-01", "2025-12-31"),
    ("지난주 수요일에", "지난주", "2026-11-09", "2026-11-15"),
    ("작년 12월에는 얼마", "작년 12월", "2025-12-01", "2025-12-31"),
    ("3월부터 5월까지 내역 뽑아줘", "3월부터 5월까지", "2026-03-01", "2026-05-31"),
]


@pytest.mark.parametrize("text,span,start,end", IN_SENTENCES)
def test_period_span_excludes_particles(text, span, start, end):
    [match] = find_periods(text, today=SUNDAY)
    assert (match.text, match.start_date, match.end_date) == (span, d(start), d(end))
    assert text[match.start:match.end] == span


NOT_PERIODS = [
    "3만원",
    "3번",
    "13월",
    "32일",
    "0개월",
    "최근 0개월",
    "2월 30일",
    "3월 32일",
    "2025년 13월",
    "2025-13-01",
    "작년 2월 29일",
    "5분기",
    "3개월 할부",
    "36개월 할부로",
    "2천만원 3년 동안 빌리고 싶어",
    "이번 주소 변경",
    "지난 주식 거래",
    "전월세 대출",
    "이번 달러 환율",
    "구월동 지점",
    "그제야 알았어",
    "오늘날 은행",
    "입금주 확인",
    "사용 내역",
    "이체 한도",
    "",
]


@pytest.mark.parametrize("text", NOT_PERIODS)
def test_not_a_period(text):
    assert find_periods(text, today=SUNDAY) == []


def test_invalid_date_does_not_fall_back_to_its_month():
    assert find_periods("2월 30일에 보낸 거", today=SUNDAY) == []


def test_several_periods_in_one_sentence():
    found = find_periods("어제랑 오늘 쓴 돈", today=SUNDAY)
    assert [(m.text, m.start_date) for m in found] == [("어제", d("2026-11-21")), ("오늘", d("2026-11-22"))]


def test_seoul_date_at_a_utc_evening_is_already_tomorrow():
    assert seoul_today(datetime(2026, 11, 21, 23, 30, tzinfo=timezone.utc)) == date(2026, 11, 22)
    assert seoul_today(datetime(2026, 11, 21, 14, 59, tzinfo=timezone.utc)) == date(2026, 11, 21)


def test_seoul_today_refuses_a_naive_datetime():
    with pytest.raises(ValueError):
        seoul_today(datetime(2026, 11, 21, 23, 30))


def test_default_today_is_the_seoul_date_not_the_machine_date(monkeypatch):
    monkeypatch.setattr(period, "_utc_now", lambda: datetime(2031, 6, 30, 23, 30, tzinfo=timezone.utc))
    monkeypatch.setenv("TZ", "America/Los_Angeles")
    time.tzset()
    try:
        assert find_periods("오늘")[0].start_date == date(2031, 7, 1)
        assert parse_period("지난달").start_date == date(2031, 6, 1)
    finally:
        monkeypatch.undo()
        time.tzset()


def test_default_today_follows_the_real_clock():
    before = seoul_today()
    found = find_periods("오늘")[0].start_date
    assert found in (before, before + timedelta(days=1))


@pytest.mark.parametrize(
    "text,expected",
    [
        ("지난달이요", ("지난달", "2026-10-01", "2026-10-31")),
        ("음 최근 세 달 정도요", ("최근 세 달", "2026-08-23", "2026-11-22")),
        ("지난달이랑 이번 달", None),
        ("글쎄요", None),
        ("13월", None),
    ],
)
def test_parse_period_takes_the_single_period_of_an_answer(text, expected):
    found = parse_period(text, today=SUNDAY)
    if expected is None:
        assert found is None
    else:
        assert (found.text, found.start_date, found.end_date) == (expected[0], d(expected[1]), d(expected[2]))


def test_period_match_is_frozen():
    [match] = find_periods("오늘", today=SUNDAY)
    with pytest.raises(dataclasses.FrozenInstanceError):
        match.grain = "year"


def test_a_typical_sentence_takes_well_under_a_millisecond():
    text = "지난달에 카드값으로 1억 5천만원 정도 쓰고 이번 달 사용 내역 최근 3개월 구독료 확인해줘"
    runs = 200
    started = time.process_time()
    for _ in range(runs):
        find_periods(text, today=SUNDAY)
    assert (time.process_time() - started) / runs < 0.001
