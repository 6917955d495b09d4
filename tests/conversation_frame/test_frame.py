"""The conversation frame: which follow-up a message is, and what it keeps of the last question."""
import json

import pytest

from bot.conversation.frame import (Explain, Frame, NoContext, Pick, Refine, alive, is_fragment, refined, resolve,
                                    rewrite_period_words)

SPENDING = Frame("spending_summary", {"period_start": "2026-11-01", "period_end": "2026-11-18", "query_text": "이번 달"},
                 ({"kind": "category", "label": "식비", "amount": 300_000, "previous": 200_000},
                  {"kind": "category", "label": "카페", "amount": 50_000, "previous": 80_000}))
SEARCH = Frame("search_transactions", {"merchant": "스타벅스", "institution": "신한카드",
                                       "period_start": "2026-10-01", "period_end": "2026-10-31"},
               ({"kind": "transaction", "label": "스타벅스 강남", "amount": 6_500, "date": "2026-10-03T08:10:00+09:00"},
                {"kind": "transaction", "label": "스타벅스 역삼", "amount": 12_000, "date": "2026-10-20T13:00:00+09:00"},
                {"kind": "transaction", "label": "스타벅스 선릉", "amount": 4_500, "date": "2026-10-11T09:00:00+09:00"}))


def entity(text, word, name="x"):
    start = text.index(word)
    return {"entity": name, "start": start, "end": start + len(word)}


@pytest.mark.parametrize("text, word", [("그럼 지난달은?", "지난달"), ("신한은요?", "신한"), ("교통비는?", "교통"),
                                        ("지난달", "지난달"), ("카페", "카페"), ("삼성카드로 보면?", "삼성카드"),
                                        ("스벅도 알려줘", "스벅")])
def test_a_message_that_only_names_a_parameter_is_a_fragment(text, word):
    assert is_fragment(text, [entity(text, word)])


@pytest.mark.parametrize("text, word", [("지난달 카드값 얼마야", "지난달"), ("신한 잔액 알려줘", "신한"),
                                        ("카페 추천해줘", "카페")])
def test_a_full_question_is_not_a_fragment(text, word):
    assert not is_fragment(text, [entity(text, word)])


def test_no_entity_is_no_fragment():
    assert not is_fragment("그럼요", [])


def test_the_frame_survives_a_json_slot_and_rejects_garbage():
    slot = json.loads(json.dumps(SEARCH.to_slot()))
    assert Frame.from_slot(slot) == SEARCH
    for garbage in (None, "x", {"intent": 3}, {"intent": "check_balance", "items": "nope", "focus": 99}, []):
        frame = Frame.from_slot(garbage)
        assert frame is None or (frame.items == () and frame.focus is None)


def test_changing_the_period_keeps_the_other_parameters():
    result = resolve(SEARCH, "그럼 지난주는?", {"period_start": "2026-11-09", "period_end": "2026-11-15"})
    assert result == Refine("search_transactions", {"merchant": "스타벅스", "institution": "신한카드",
                                                    "period_start": "2026-11-09", "period_end": "2026-11-15"})


def test_a_category_replaces_the_merchant_and_keeps_the_period():
    result = resolve(SEARCH, "카페는?", {"category": "카페"})
    assert result.entities == {"category": "카페", "institution": "신한카드", "period_start": "2026-10-01",
                               "period_end": "2026-10-31"}


def test_a_new_amount_brings_its_own_words():
    result = resolve(SEARCH, "만 원 넘는 것만", {"amount": 10_000})
    assert result.entities["amount"] == 10_000 and result.entities["query_text"] == "만 원 넘는 것만"


def test_more_asks_for_the_next_page():
    result = resolve(Frame("check_balance", {"page": 1}), "더 보여줘", {})
    assert result == Refine("check_balance", {}, page=2)


@pytest.mark.parametrize("text, index, ask", [
    ("그 중에 제일 큰 거", 1, "detail"), ("제일 작은 건?", 2, "detail"), ("두 번째 거 자세히", 1, "detail"),
    ("첫번째 거", 0, "detail"), ("그거 언제 결제됐어?", 0, "when"), ("제일 최근 거", 1, "detail"),
    ("다섯 번째 거", 4, "detail")])
def test_references_point_at_the_items_shown(text, index, ask):
    assert resolve(SEARCH, text, {}) == Pick(index, ask)


def test_that_one_is_the_item_picked_last():
    picked = Frame(SEARCH.intent, SEARCH.entities, SEARCH.items, focus=2)
    assert resolve(picked, "그거 언제 결제됐어?", {}) == Pick(2, "when")


def test_a_reference_without_items_has_no_context():
    assert resolve(Frame("credit_score"), "두 번째 거 자세히", {}) == NoContext("no_items")


def test_questions_about_the_last_answer():
    assert resolve(Frame("credit_score"), "어떻게 하면 올릴 수 있어?", {}) == Explain("raise_score")
    assert resolve(SPENDING, "왜 늘었어?", {}) == Explain("why_grew")
    assert resolve(Frame("check_balance"), "왜 늘었어?", {}) == NoContext("not_understood")


def test_without_a_frame_nothing_is_guessed():
    assert resolve(None, "그럼 지난달은?", {"period_start": "2026-10-01", "period_end": "2026-10-31"}) == \
        NoContext("no_frame")


def test_a_new_topic_ends_the_context():
    assert alive(SPENDING, ["thank"]) is SPENDING
    for intents in (["faq/lost_card"], ["greet"], ["thank", "goodbye"], ["connect_institution"]):
        assert alive(SPENDING, intents) is None


def test_period_lengths_the_period_reader_does_not_know():
    assert rewrite_period_words("반년으로 보면?") == "최근 6개월으로 보면?"
    assert "최근 2년" in rewrite_period_words("2년으로 보면")


def test_refined_drops_the_page():
    assert "page" not in refined(Frame("check_balance", {"page": 3, "institution": "KB국민은행"}), {})


def test_several_values_named_stay_until_a_new_value_of_that_entity():
    frame = Frame("spending_summary", {"category": "교통", "each": ["category", ["교통", "통신"]]})
    assert refined(frame, {"period_start": "2026-10-01", "period_end": "2026-10-31"})["each"] == \
        ["category", ["교통", "통신"]]
    assert "each" not in refined(frame, {"category": "카페"})
