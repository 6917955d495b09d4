"""The conversation frame: which follow-up a message is, and what it keeps of the last question."""
import json
from datetime import date

import pytest

from bot.conversation.frame import (
    CLARIFY,
    Explain,
    Frame,
    NoContext,
    Pick,
    Refine,
    alive,
    asks_total,
    is_fragment,
    points_at_shown,
    refined,
    resolve,
    rewrite_period_words,
)
from bot.nlp.period import parse_period

SPENDING = Frame(
    "spending_summary",
    {"period_start": "2026-11-01", "period_end": "2026-11-18", "query_text": "이번 달"},
    (
        {"kind": "category", "label": "식비", "amount": 300_000, "previous": 200_000},
        {"kind": "category", "label": "카페", "amount": 50_000, "previous": 80_000},
    ),
)
SEARCH = Frame(
    "search_transactions",
    {
        "merchant": "스타벅스",
        "institution": "신한카드",
        "period_start": "2026-10-01",
        "period_end": "2026-10-31",
    },
    (
        {
            "kind": "transaction",
            "label": "스타벅스 강남",
            "amount": 6_500,
            "date": "2026-10-03T08:10:00+09:00",
        },
        {
            "kind": "transaction",
            "label": "스타벅스 역삼",
            "amount": 12_000,
            "date": "2026-10-20T13:00:00+09:00",
        },
        {
            "kind": "transaction",
            "label": "스타벅스 선릉",
            "amount": 4_500,
            "date": "2026-10-11T09:00:00+09:00",
        },
    ),
)


def entity(text, word, name="x"):
    start = text.index(word)
    return {"entity": name, "start": start, "end": start + len(word)}


@pytest.mark.parametrize(
    "text, word",
    [
        ("그럼 지난달은?", "지난달"),
        ("신한은요?", "신한"),
        ("교통비는?", "교통"),
        ("지난달", "지난달"),
        ("카페", "카페"),
        ("삼성카드로 보면?", "삼성카드"),
        ("스벅도 알려줘", "스벅"),
        ("아니 식비만", "식비"),
        ("아니요 지지난달이요", "지지난달"),
        ("음 카카오뱅크는", "카카오뱅크"),
    ],
)
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


@pytest.mark.parametrize(
    "text, index, ask, extreme",
    [
        ("그 중에 제일 큰 거", 1, "detail", "largest"),
        ("제일 작은 건?", 2, "detail", "smallest"),
        ("두 번째 거 자세히", 1, "detail", None),
        ("첫번째 거", 0, "detail", None),
        ("그거 언제 결제됐어?", 0, "when", None),
        ("제일 최근 거", 1, "detail", None),
        ("다섯 번째 거", 4, "detail", None),
        ("가장 비싼 건 며칠이었어", 1, "when", "largest"),
    ],
)
def test_references_point_at_the_items_shown(text, index, ask, extreme):
    """The largest and smallest are of the whole result (`extreme`), the index their place among those
    shown."""
    assert resolve(SEARCH, text, {}) == Pick(index, ask, extreme)


@pytest.mark.parametrize("text, points", [
    ("가장 비싼 건 얼마였죠", True), ("세 번째 건", True), ("그건 언제였어", True),
    ("어디서 제일 많이 썼지", False), ("제일 많이 쓴 데", False), ("잔액 알려줘", False)])
def test_a_message_naming_nothing_that_points_at_the_items_shown(text, points):
    assert points_at_shown(text, []) is points
    assert not points_at_shown(
        text, [{"entity": "period", "value": "2026-10-01/2026-10-31", "start": 0, "end": 3}]
    )


def test_another_account_type_after_a_holdings_answer_asks_about_that_type():
    assert resolve(Frame("loan_status", {}), "예금은?", {"account_type": "예금"}) == \
        Refine("check_balance", {"account_type": "예금"})
    assert (
        resolve(Frame("spending_summary", {}), "카드는?", {"account_type": "카드"}).intent
        == "spending_summary"
    )


def test_a_follow_up_waiting_for_clarification_has_nothing_to_build_on():
    assert resolve(Frame(CLARIFY, {"period_start": "2026-10-01"}), "더 보여줘", {}) == NoContext("no_frame")


def test_why_it_fell_is_explained_after_a_spending_summary_only():
    assert resolve(Frame("spending_summary", {}), "무엇 때문에 덜 쓴 거야?", {}) == Explain("why_fell")
    assert resolve(Frame("spending_summary", {}), "뭐 때문에 이렇게 늘어난 거죠", {}) == Explain("why_grew")
    assert resolve(Frame("check_balance", {}), "왜 줄었지?", {}) == NoContext("not_understood")


def test_a_bare_next_pages_on_but_next_month_is_a_period():
    assert resolve(Frame("search_transactions", {"page": 0}), "다음이요", {}) == Refine(
        "search_transactions", {}, page=1
    )
    assert isinstance(resolve(Frame("search_transactions", {}), "다음 달 거", {}), NoContext)


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
    today = date(2026, 11, 18)
    for text, start in (("석달로 보면?", date(2026, 8, 19)), ("세 달로 보면", date(2026, 8, 19)),
                        ("두 달로 보면?", date(2026, 9, 19)), ("2주로 보면", date(2026, 11, 5)),
                        ("최근 3개월로 보면", date(2026, 8, 19)), ("지난 석달로", date(2026, 8, 19))):
        found = parse_period(rewrite_period_words(text), today)
        assert found is not None and (found.start_date, found.end_date) == (start, today), text


def test_refined_drops_the_page():
    assert "page" not in refined(Frame("check_balance", {"page": 3, "institution": "KB국민은행"}), {})


def test_several_values_named_stay_until_a_new_value_of_that_entity():
    frame = Frame("spending_summary", {"category": "교통", "each": ["category", ["교통", "통신"]]})
    assert refined(frame, {"period_start": "2026-10-01", "period_end": "2026-10-31"})["each"] == [
        "category",
        ["교통", "통신"],
    ]
    assert "each" not in refined(frame, {"category": "카페"})


def test_a_new_amount_without_words_of_its_own_moves_the_threshold_asked_before():
    over = Frame("search_transactions", {"amount": 70_000, "query_text": "석 달간 7만원 넘게 결제한 거"})
    lowered = refined(over, {"amount": 40_000}, "4만원으로 내려볼래")
    assert lowered["amount"] == 40_000 and "넘게" in lowered["query_text"]
    turned = refined(over, {"amount": 40_000}, "4만원 미만은?")
    assert turned["query_text"] == "4만원 미만은?"


def test_runner_up_is_the_likeliest_allowed_intent_above_the_floor():
    from bot.conversation.frame import runner_up

    ranking = [
        {"name": "follow_up", "confidence": 0.35},
        {"name": "greet", "confidence": 0.3},
        {"name": "spending_summary", "confidence": 0.25},
        {"name": "card_bill", "confidence": 0.05},
    ]
    assert runner_up(ranking, {"spending_summary", "card_bill"}) == "spending_summary"
    assert runner_up(ranking, {"card_bill"}) is None
    assert runner_up([None, {"name": "card_bill", "confidence": "high"}], {"card_bill"}) is None


def test_a_total_is_asked_only_of_an_answer_for_several_values():
    several = Frame(
        "check_balance", {"institution": "KB국민은행", "each": ["institution", ["KB국민은행", "카카오뱅크"]]}
    )
    for text in ("합치면?", "둘 합치면 얼마야", "다 더하면?", "합계는?", "전부 해서 얼마"):
        assert asks_total(several, text) and resolve(several, text, {}) == Explain("total"), text
    assert not asks_total(Frame("check_balance", {"institution": "KB국민은행"}), "합치면?")
    assert not asks_total(None, "합치면?")
    assert not asks_total(several, "그럼 신한은?")
    assert isinstance(resolve(several, "신한이랑 우리 합치면?", {"institution": "신한은행"}), Refine)


def test_a_price_question_after_the_regular_payments_is_explained():
    recurring = Frame(
        "recurring_payments", {}, ({"kind": "recurring", "label": "넷플릭스", "amount": 13_500},)
    )
    for text in ("요금 올랐어?", "가격 인상됐어?", "금액 바뀌었어?"):
        assert resolve(recurring, text, {}) == Explain("price_change"), text
    assert resolve(Frame("check_balance", {}), "요금 올랐어?", {}) != Explain("price_change")


def test_a_message_with_words_of_its_own_is_no_total():
    several = Frame("check_balance", {"each": ["institution", ["KB국민은행", "카카오뱅크"]]})
    assert asks_total(several, "둘 다 합쳐서 알려줘") and asks_total(several, "합치면 얼마예요")
    for text in ("카드값 총 얼마야", "이번 달 카드값 합치면", "보험료 합계 알려줘"):
        assert not asks_total(several, text), text
