import datetime as dt

import pytest

from bot.nlp.entities import extract_lexicon_entities, extract_value_entities
from bot.nlp.lexicon import load_lexicon


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
    assert found(extract_lexicon_entities(text, "inform")) == {("product_type", "적금"), ("account_type", "적금")}


def test_entity_offsets_point_at_the_text():
    text = "어제 KB국민은행에서 스타벅스 결제"
    for e in extract_lexicon_entities(text):
        assert text[e["start"]:e["end"]] in ("KB국민은행", "스타벅스")


def test_every_lexicon_form_is_found_in_a_sentence():
    lexicon = load_lexicon()
    missed = []
    for form, entry in lexicon.surface_forms():
        text = f"{form} 내역 보여줘"
        if (entry.entity, entry.value) not in found(extract_lexicon_entities(text, "inform")):
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
