"""Hours of the day as Koreans say them."""
import pytest

from bot.nlp.time_of_day import find_hours


@pytest.mark.parametrize("text, hours", [
    ("조용한 시간 밤 10시부터 아침 8시", [(22, True), (8, True)]),
    ("밤 열한 시 이후엔 보내지 마", [(23, True)]),
    ("22시부터 7시까지", [(22, True), (7, False)]),
    ("자정부터 새벽 6시", [(0, True), (6, True)]),
    ("밤 12시", [(0, True)]),
    ("밤 1시", [(1, True)]),
    ("낮 2시", [(14, True)]),
    ("낮 12시", [(12, True)]),
    ("오전 12시", [(0, True)]),
    ("오후 3시", [(15, True)]),
    ("저녁 9시", [(21, True)]),
    ("새벽 두시", [(2, True)]),
    ("정오까지", [(12, True)]),
    ("10시 반부터 7시", [(10, False), (7, False)]),
    ("24시", [(0, True)]),
])
def test_hours(text, hours):
    assert [(m.hour, m.explicit) for m in find_hours(text)] == hours


@pytest.mark.parametrize("text", ["3시간 전", "다시 켜줘", "한시적으로", "시작해줘", "열시간", "112시"])
def test_not_an_hour_of_the_day(text):
    assert find_hours(text) == []


@pytest.mark.parametrize("text", ["25시", "오후 13시", "아침 0시"])
def test_an_hour_that_does_not_exist_is_named_as_such(text):
    assert [m.hour for m in find_hours(text)] == [None]
