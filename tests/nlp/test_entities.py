import datetime as dt

import pytest

from bot.kb.lexicon import load_lexicon
from bot.nlp.entities import extract_lexicon_entities, extract_value_entities


def found(entities):
    return {(e["entity"], e["value"]) for e in entities}


@pytest.mark.parametrize(
    "text, expected",
    [
        ("국민 통장 잔액 알려줘", {("institution", "KB국민은행"), ("account_type", "입출금")}),
        ("KB 잔액", {("institution", "KB국민은행")}),
        ("국민은행에서 얼마 나갔어", {("institution", "KB국민은행")}),
        ("카뱅이랑 케뱅", {("institution", "카카오뱅크"), ("institution", "케이뱅크")}),
        ("지난달 스벅에서 쓴 거", {("merchant", "스타벅스")}),
        ("배민 배달음식 얼마 썼지", {("merchant", "배달의민족"), ("category", "배달")}),
        ("유튜브 프리미엄 구독료", {("merchant", "유튜브 프리미엄"), ("category", "구독")}),
        ("신한카드도 연결하고 싶어", {("institution", "신한카드")}),
        ("전세자금 대출 받고 싶어", {("loan_purpose", "전세자금"), ("account_type", "대출")}),
    ],
)
def test_lexicon_entities_are_canonical(text, expected):
    assert expected <= found(extract_lexicon_entities(text, "check_balance"))


@pytest.mark.parametrize("text", ["하나만 보여줘", "우리 집 근처", "삼성 주가", "기업 분석"])
def test_common_words_are_not_institutions(text):
    assert not [e for e in extract_lexicon_entities(text) if e["entity"] == "institution"]


def test_product_words_take_their_reading_from_the_intent():
    text = "적금 추천해줘"
    assert found(extract_lexicon_entities(text, "recommend_product")) == {("product_type", "적금")}
    assert found(extract_lexicon_entities(text, "check_balance")) == {("account_type", "적금")}
    assert found(extract_lexicon_entities(text, "loan_eligibility")) == {("product_type", "적금")}
    assert found(extract_lexicon_entities(text, "inform")) == {("product_type", "적금")}
    assert found(extract_lexicon_entities(text)) == {("product_type", "적금"), ("account_type", "적금")}


def test_entity_offsets_point_at_the_text():
    text = "어제 KB국민은행에서 스타벅스 결제"
    for e in extract_lexicon_entities(text):
        assert text[e["start"]:e["end"]] in ("KB국민은행", "스타벅스")


def test_every_lexicon_form_is_found_in_a_sentence():
    lexicon = load_lexicon()
    missed = []
    for form, entry in lexicon.surface_forms():
        text = f"{form} 내역 보여줘"
        if (entry.entity, entry.value) not in found(extract_lexicon_entities(text)):
            missed.append((entry.entity, form))
    assert missed == []


def test_value_entities_are_normalized():
    today = dt.date(2026, 11, 22)
    ents = {e["entity"]: e for e in extract_value_entities("지난달에 5만원 넘게 쓴 거", today=today)}
    assert ents["amount"]["value"] == 50000
    assert ents["period"]["value"] == "2026-10-01/2026-10-31"
    assert ents["period"]["additional_info"]["grain"] == "month"


def test_loan_term_is_months_and_not_confused_with_a_period():
    today = dt.date(2026, 11, 22)
    ents = extract_value_entities("2천만원 3년 동안 빌리고 싶어", today=today)
    assert {(e["entity"], e["value"]) for e in ents} >= {("amount", 20000000), ("loan_term", 36)}
    period_only = extract_value_entities("최근 3개월 지출", today=today)
    assert [e["entity"] for e in period_only] == ["period"]


@pytest.mark.parametrize(
    "text",
    [
        "카드사 추가 연결",
        "보험사도 추가할래",
        "증권사별 투자 금액",
        "예금자보효 한도",
        "카드형 otp",
        "보안카드 말고 otp",
        "카드론 받으면",
    ],
)
def test_a_type_word_inside_another_word_is_no_account_type(text):
    assert [e for e in extract_lexicon_entities(text, "check_balance") if e["entity"] == "account_type"] == []


def test_a_category_word_inside_another_word_is_no_category():
    assert extract_lexicon_entities("책임자 바꿔주세요", "search_transactions") == []
    assert found(extract_lexicon_entities("지난달 책 산 돈", "search_transactions")) == {("category", "문화")}


def test_a_type_word_before_other_words_still_counts():
    assert found(extract_lexicon_entities("카드사용내역 보여줘", "search_transactions")) == {
        ("account_type", "카드")
    }
    assert found(extract_lexicon_entities("남은 빚ㅠㅠ 언제 다 갚냐", "loan_status")) == {
        ("account_type", "대출")
    }


def test_small_talk_has_no_entities():
    assert extract_lexicon_entities("제주도 여행 코스 짜줘", "out_of_scope") == []
    assert extract_value_entities("오늘은 여기까지", intent="goodbye") == []
    assert [e["entity"] for e in extract_value_entities("오늘은 여기까지")] == ["period"]


def test_loan_terms_only_where_a_loan_term_is_meant():
    today = dt.date(2026, 11, 22)
    assert [e["entity"] for e in extract_value_entities("3년이요", today=today, intent="inform")] == [
        "loan_term"
    ]
    assert extract_value_entities("1년짜리 정기예금 추천해줘", today=today, intent="recommend_product") == []
    assert [
        e["value"]
        for e in extract_value_entities("2천만원 3년 대출 가능?", today=today, intent="loan_eligibility")
        if e["entity"] == "loan_term"
    ] == [36]


@pytest.mark.parametrize("text", ["한 달에 30만원씩이요", "1년에 얼마 나가", "상품권 사달래요"])
def test_a_rate_or_a_word_is_no_loan_term(text):
    assert [e for e in extract_value_entities(text, intent="inform") if e["entity"] == "loan_term"] == []


def test_entity_placeholders_keep_the_words_around_entities():
    from bot.nlp.entities import entity_placeholders

    assert entity_placeholders("국민은행 잔액 알려줘") == "③ 잔액 알려줘"
    assert entity_placeholders("오백만원이요") == "①이요"


def test_a_loan_term_before_a_purpose_word_is_kept():
    found_here = found(extract_value_entities("2년 생활비로", intent="inform"))
    assert ("loan_term", 24) in found_here
    assert ("loan_purpose", "생활자금") in found(extract_lexicon_entities("2년 생활비로", "inform"))
    assert found(extract_value_entities("90년생이에요", intent="inform")) == set()


@pytest.mark.parametrize(
    "text, intent, value",
    [
        ("금액 2천으로 바꿀게요", "inform", 20_000_000),
        ("2천이요", "inform", 20_000_000),
        ("5천 정도 빌릴 수 있어?", "loan_eligibility", 50_000_000),
        ("저번 달 배민에서 2만원 이상 시킨 거", "search_transactions", 20_000),
        ("5천 넘게 쓴 거", "search_transactions", 5_000),
    ],
)
def test_amounts_in_loan_answers_count_in_man_won(text, intent, value):
    assert [e["value"] for e in extract_value_entities(text, intent=intent) if e["entity"] == "amount"] == [
        value
    ]


def test_a_search_with_merchant_amount_and_period_has_all_three():
    text = "저번 달 배민에서 2만원 이상 시킨 거"
    today = dt.date(2026, 11, 18)
    entities = extract_lexicon_entities(text, "search_transactions") + extract_value_entities(
        text, today=today, intent="search_transactions"
    )
    assert found(entities) == {
        ("merchant", "배달의민족"), ("period", "2026-10-01/2026-10-31"), ("amount", 20_000)
    }
