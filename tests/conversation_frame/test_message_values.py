"""Entities of a typed message or a button payload become checked values: every value kept,
anything unusable named in Korean, never an exception."""
from datetime import date

import pytest

from bot.conversation.message import MessageValues, problem_text, read_entities
from bot.korean.calendar import DateRange


def ent(name, value, start=None, end=None):
    out = {"entity": name, "value": value}
    if start is not None:
        out.update(start=start, end=end)
    return out


def test_every_value_of_an_entity_is_kept_in_order_without_repeats():
    found = read_entities([ent("institution", "신한은행"), ent("institution", "우리은행"),
                           ent("institution", "신한은행"), ent("category", "교통")])
    assert found.values["institution"] == ("신한은행", "우리은행")
    assert found.each() == ("institution", ("신한은행", "우리은행"))
    assert found.first() == {"institution": "신한은행", "category": "교통"}


def test_one_value_each_is_no_multi_question():
    assert read_entities([ent("merchant", "스타벅스")]).each() is None


def test_all_accounts_does_not_narrow_to_one_type():
    text = "통장 전부 잔액 알려줘"
    assert "account_type" not in read_entities([ent("account_type", "입출금", 0, 2)], text).values
    assert read_entities([ent("account_type", "입출금", 0, 2)], "통장 잔액").values["account_type"] == (
        "입출금",
    )
    assert read_entities([ent("account_type", "적금", 0, 2)], "적금 전부").values["account_type"] == ("적금",)


@pytest.mark.parametrize("entities", [
    [ent("period", "2026-02-30/2026-03-01")],
    [ent("period", {"start": "2026-05-01", "end": "2026-04-01"})],
    [ent("period", 12)],
    [ent("period_start", "어제"), ent("period_end", "2026-01-01")],
    [ent("institution", {"name": "신한은행"})],
    [ent("merchant", ["스타벅스"])],
    [ent("page", -1)], [ent("page", 10 ** 9)], [ent("page", "두")], [ent("page", True)],
    [ent("amount", -5000)], [ent("amount", 10 ** 15)], [ent("amount", "많이")],
    [ent("institution", "없는은행XYZ")],
    [ent("account_type", "비트코인")],
    [ent("loan_term", 9999)],
])
def test_unusable_values_are_named_not_raised(entities):
    found = read_entities(entities)
    assert found.problems
    assert "처리하지 못했어요" in problem_text(found.problems)


def test_usable_button_values():
    found = read_entities([ent("period", {"start": "2026-10-01", "end": "2026-10-31"}), ent("page", "2"),
                           ent("amount", 50000.0), ent("institution", "신한"), ent("loan_term", 36)])
    assert found.problems == ()
    assert found.page == 2 and found.values["amount"] == (50000,)
    assert found.values["period"] == (DateRange(date(2026, 10, 1), date(2026, 10, 31)),)
    assert found.values["loan_term_months"] == (36,)


def test_a_period_is_one_date_range_however_it_came():
    october = DateRange(date(2026, 10, 1), date(2026, 10, 31))
    typed = read_entities([ent("period", "2026-10-01/2026-10-31")])
    button = read_entities([ent("period_start", "2026-10-01"), ent("period_end", "2026-10-31")])
    assert typed.values == button.values == {"period": (october,)}
    assert typed.first() == {"period": october}
    both = read_entities([ent("period", "2026-11-01/2026-11-18"), ent("period_start", "2026-10-01"),
                          ent("period_end", "2026-10-31")])
    assert both.values["period"] == (DateRange(date(2026, 11, 1), date(2026, 11, 18)),)  # the words win
    assert read_entities([ent("period_start", "2026-10-01")]).values == {}  # half a period is none
    reversed_ = read_entities([ent("period_start", "2026-10-31"), ent("period_end", "2026-10-01")])
    assert reversed_.values == {} and reversed_.problems == ("기간의 시작일이 종료일보다 늦어요",)


def test_garbage_entities_are_skipped():
    assert read_entities([None, "x", {"entity": "unknown", "value": 1}]) == MessageValues({}, 0, ())


def test_an_impossible_date_the_nlu_marked_is_named_as_impossible():
    from bot.nlp.period import find_impossible_periods

    (marked,) = find_impossible_periods("2099년 13월 지출")
    found = read_entities([ent("period", {"invalid": marked.text, "reason": marked.reason})])
    assert "period" not in found.values
    assert "'2099년 13월'은 달력에 없는 날짜예요" in problem_text(found.problems)


def test_a_value_before_malgo_is_replaced_by_the_one_after_it():
    text = "투썸 말고 스타벅스로 보여줘"
    entities = [{"entity": "merchant", "value": "투썸플레이스", "start": 0, "end": 2},
                {"entity": "merchant", "value": "스타벅스", "start": 6, "end": 10},
                {"entity": "period", "value": "2026-10-01/2026-10-31", "start": 0, "end": 0}]
    values = read_entities(entities, text)
    assert values.values["merchant"] == ("스타벅스",) and "period" in values.values
    both = "투썸이랑 스타벅스"
    assert read_entities(entities[:2], both).values["merchant"] == ("투썸플레이스", "스타벅스")
