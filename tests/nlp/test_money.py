import dataclasses
import time

import pytest

from bot.nlp.money import AmountMatch, find_amounts, parse_amount

WHOLE_AMOUNTS = [
    ("오십만 원", 500_000),
    ("50만원", 500_000),
    ("50만 원", 500_000),
    ("50,000원", 50_000),
    ("50000원", 50_000),
    ("1.5억", 150_000_000),
    ("1억 5천만원", 150_000_000),
    ("1억5천", 150_000_000),
    ("3천만원", 30_000_000),
    ("천만 원", 10_000_000),
    ("오만 원", 50_000),
    ("백만원", 1_000_000),
    ("이천오백만 원", 25_000_000),
    ("5천원", 5_000),
    ("만원", 10_000),
    ("만 원", 10_000),
    ("10만", 100_000),
    ("2억 원", 200_000_000),
    ("1,200만원", 12_000_000),
    ("십만원", 100_000),
    ("삼십오만 원", 350_000),
    ("3억 2000만", 320_000_000),
    ("12,345원", 12_345),
    ("7000원", 7_000),
    ("0.5억", 50_000_000),
    ("일억", 100_000_000),
    ("1만2천원", 12_000),
    ("천원", 1_000),
    ("오백 원", 500),
    ("사천 원", 4_000),
    ("구십구만 구천 원", 999_000),
    ("2만 5천원", 25_000),
    ("1억2천3백만원", 123_000_000),
    ("천오백만원", 15_000_000),
    ("만오천원", 15_000),
    ("일천만원", 10_000_000),
    ("15,000,000원", 15_000_000),
    ("1조 2000억", 1_200_000_000_000),
    ("1.5만원", 15_000),
    ("1.55555억", 155_555_000),
    ("50 만원", 500_000),
    ("오십 만원", 500_000),
    ("1억 5천원", 100_005_000),
    ("3억", 300_000_000),
    ("5천", 5_000),
    ("이억 원", 200_000_000),
]


@pytest.mark.parametrize("text,value", WHOLE_AMOUNTS)
def test_whole_expression_is_one_amount(text, value):
    assert find_amounts(text) == [AmountMatch(0, len(text), text, value)]


IN_SENTENCES = [
    ("5만원정도", "5만원", 50_000),
    ("500만 대출", "500만", 5_000_000),
    ("약 5만원 보내줘", "5만원", 50_000),
    ("대략 30만원쯤 썼어", "30만원", 300_000),
    ("오백만 원이요", "오백만 원", 5_000_000),
    ("5만원이 넘게 나갔어", "5만원", 50_000),
    ("50만원을 보내줘", "50만원", 500_000),
    ("500만원까지 돼요?", "500만원", 5_000_000),
    ("오만원짜리 상품권", "오만원", 50_000),
    ("매달 5만원씩 넣을게", "5만원", 50_000),
    ("100만원으로 시작", "100만원", 1_000_000),
    ("3만원가량 빠졌어", "3만원", 30_000),
    ("카드값 120만원 나왔어", "120만원", 1_200_000),
    ("월급 300만원이야", "300만원", 3_000_000),
    ("일억 모으고 싶어", "일억", 100_000_000),
    ("적금 만기 1억", "1억", 100_000_000),
    ("이 만원짜리 쿠폰", "만원", 10_000),
    ("5천만 원금 상환", "5천만", 50_000_000),
    ("10만 주세요", "10만", 100_000),
    ("2천만원 3년 동안 빌리고 싶어", "2천만원", 20_000_000),
    ("통장에 1,200만원이 있어", "1,200만원", 12_000_000),
    ("천만 원 이상 대출", "천만 원", 10_000_000),
    ("잔액이 12,345원이네", "12,345원", 12_345),
    ("한도를 3천만으로 올려줘", "3천만", 30_000_000),
    ("1.5억짜리 전세", "1.5억", 150_000_000),
    ("5만원권 두 장", "5만원", 50_000),
]


@pytest.mark.parametrize("text,span,value", IN_SENTENCES)
def test_amount_span_excludes_particles_and_hedges(text, span, value):
    [match] = find_amounts(text)
    assert (match.text, match.value) == (span, value)
    assert text[match.start:match.end] == span


NOT_AMOUNTS = [
    "3개월",
    "2024년",
    "500",
    "3번",
    "3월",
    "010-1234-5678",
    "1234-5678-9012-3456",
    "금리 3.5%",
    "만만원",
    "억억",
    "오십오십만원",
    "1..5억",
    "천천원",
    "원",
    ",,원",
    "",
    "😀💰",
    "3,5만원",
    "50,00원",
    "0원",
    "0만원",
    "2.5천만원",
    "10천원",
    "이번 달 사용 내역",
    "구독료 정리해줘",
    "이체 한도",
    "사십대 직장인",
    "일주일 동안",
    "이번 주 일정",
    "오늘 일 끝나고 사용",
    "50만 명이 가입",
    "50만명이 가입",
    "3천개 팔았어",
    "백만장자가 되고 싶어",
    "5천 명",
    "5만 엔",
    "100만 달러",
    "10만 포인트",
    "그럼 이만",
    "이만큼만 줘",
    "오만하다",
    "회사원",
    "사원 복지",
    "구원",
    "천만에요",
    "천만다행이다",
    "백화점 갔어",
    "만 19세",
    "천천히 해",
    "이천 가는 길",
    "만약에",
    "억울해",
    "조회해줘",
    "구십 살",
    "백만 번",
    "삼천포",
    "추억",
]


@pytest.mark.parametrize("text", NOT_AMOUNTS)
def test_not_an_amount(text):
    assert find_amounts(text) == []


def test_several_amounts_in_one_sentence_each_with_its_span():
    text = "3월에 50만원 보내고 4월에 삼십만 원 보냈어"
    assert [(m.text, m.value) for m in find_amounts(text)] == [("50만원", 500_000), ("삼십만 원", 300_000)]


def test_amounts_listed_side_by_side_are_not_merged():
    assert [(m.text, m.value) for m in find_amounts("5만 3만원")] == [("5만", 50_000), ("3만원", 30_000)]


def test_nonsense_next_to_a_real_amount_leaves_the_real_one():
    assert [(m.text, m.value) for m in find_amounts("만만원 말고 5만원")] == [("5만원", 50_000)]


def test_value_is_an_int_not_a_float_or_decimal():
    [match] = find_amounts("1.5억")
    assert type(match.value) is int


def test_amount_match_is_frozen():
    [match] = find_amounts("5만원")
    with pytest.raises(dataclasses.FrozenInstanceError):
        match.value = 1


@pytest.mark.parametrize(
    "text,value",
    [
        ("오백만 원이요", 5_000_000),
        ("50만", 500_000),
        ("음 한 1억 5천 정도요", 150_000_000),
        ("5만원이나 10만원", None),
        ("잘 모르겠어요", None),
        ("", None),
        ("만만원", None),
    ],
)
def test_parse_amount_takes_the_single_amount_of_an_answer(text, value):
    assert parse_amount(text) == value


def test_a_typical_sentence_takes_well_under_a_millisecond():
    text = "지난달에 카드값으로 1억 5천만원 정도 쓰고 이번 달 사용 내역 구독료 오십만 원 확인해줘"
    runs = 200
    started = time.process_time()
    for _ in range(runs):
        find_amounts(text)
    assert (time.process_time() - started) / runs < 0.001


@pytest.mark.parametrize(
    "text, value",
    [
        ("연봉 4천인데 대출 얼마나 돼", 40_000_000),
        ("연봉 4천5백이에요", 45_000_000),
        ("월급 3백 받는데", 3_000_000),
        ("대출 한도 5천까지 되나", 50_000_000),
        ("전세 보증금 2억", 200_000_000),
        ("연봉 4천원", 4_000),
        ("대출 1억 5천", 150_000_000),
    ],
)
def test_salary_and_loan_talk_counts_a_bare_amount_in_man_won(text, value):
    assert [m.value for m in find_amounts(text)] == [value]


def test_outside_salary_and_loan_talk_a_bare_thousand_is_won():
    assert [m.value for m in find_amounts("커피 5천 넘게 쓴 거")] == [5_000]


def test_a_form_that_asks_a_loan_amount_says_so():
    assert parse_amount("금액 2천으로 바꿀게요", man_units=True) == 20_000_000
    assert parse_amount("2천이요", man_units=True) == 20_000_000
    assert parse_amount("2천이요") == 2_000
    assert parse_amount("오백만 원이요", man_units=True) == 5_000_000
    assert parse_amount("2천원이요", man_units=True) == 2_000
