import pytest

from bot.nlp.loan_term import find_loan_terms, parse_loan_term


@pytest.mark.parametrize("text, months", [
    ("3년으로 해주세요", 36), ("36개월", 36), ("육 개월", 6), ("두 달", 2), ("천만 원 5년 대출", 60),
])
def test_parse_loan_term_takes_the_single_term_of_an_answer(text, months):
    assert parse_loan_term(text) == months


@pytest.mark.parametrize("text", ["3년 말고 5년", "2025년에", "한 달에 30만원씩", "", "대출 받을 수 있을까"])
def test_no_term_or_several_is_none(text):
    assert parse_loan_term(text) is None


def test_find_loan_terms_keeps_positions():
    assert [(m.start, m.end, m.months) for m in find_loan_terms("3년 말고 5년")] == [(0, 2, 36), (6, 8, 60)]
