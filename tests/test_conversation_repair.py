"""Repair in every form over REST, against the real stack (issue #11, section 2).

Cancel, restart, correction, digression and resume, don't know, unusable
answers and human handoff in the loan, connect, revoke and transaction search
forms; and for each safety rule of a destructive or consent step, SQL on the
store before and after proves nothing was deleted or granted.
"""
import uuid

import pytest

from bot.auth.tokens import issue_token
from bot.korean.wording import won
from tests.support.bank import SECRET, deposit_total, sql

pytestmark = pytest.mark.slow

ERROR_LINES = ("이해하지 못했", "알아듣지 못했", "지원하지 않아요", "1개월부터")


class Chat:
    """One customer's conversation: every message from the same sender with a fresh token."""

    def __init__(self, bank, customer_id):
        self.bank, self.customer_id = bank, customer_id
        self.sender = f"r-{uuid.uuid4().hex[:10]}"
        self.replies = []

    def __call__(self, text):
        token = issue_token(self.customer_id, SECRET.encode())
        self.replies = self.bank.say(self.sender, text, {"customer_token": token})
        return "\n".join(r.get("text", "") for r in self.replies)

    def buttons(self):
        return [b["title"] for r in self.replies for b in r.get("buttons", [])]

    def slots(self):
        return self.bank.tracker(self.sender)["slots"]

    def active_form(self):
        return (self.bank.tracker(self.sender).get("active_loop") or {}).get("name")


def rows_of(bank, customer_id):
    return sql(bank, "SELECT COUNT(*) FROM accounts WHERE customer_id = ?", customer_id)[0][0]


def active_consents(bank, customer_id):
    return sql(
        bank, "SELECT COUNT(*) FROM consents WHERE customer_id = ? AND revoked_at IS NULL", customer_id
    )[0][0]


def samsung_card_consents(bank):
    return sql(
        bank,
        "SELECT COUNT(*) FROM consents WHERE customer_id = 'demo-shop' AND org_code = 'C0020002' "
        "AND revoked_at IS NULL",
    )[0][0]


# --- loan form ---------------------------------------------------------------------------

def test_loan_form_opens_cleanly_and_asks_only_for_what_is_missing(bank):
    chat = Chat(bank, "demo-salaried")
    text = chat("대출 받을 수 있을까요?")
    assert "얼마" in text
    assert not any(line in text for line in ERROR_LINES), text


@pytest.mark.parametrize("stop", ["그만할래요", "취소", "아니 됐어요", "안 할래요", "나중에 할게요"])
def test_loan_form_cancels_says_what_was_dropped_and_the_next_message_is_handled_normally(bank, stop):
    chat = Chat(bank, "demo-salaried")
    assert "갚" in chat("천만 원 대출 받을 수 있을까?")
    text = chat(stop)
    assert "취소했어요" in text and "1,000만 원" in text, text
    assert "좋은 하루" not in text and "갚" not in text
    assert chat.active_form() is None
    assert chat.slots()["loan_amount"] is None
    text = chat("내 계좌 잔액 다 합치면 얼마야")
    assert f"총 {won(deposit_total(bank, 'demo-salaried'))}" in text and "갚" not in text


def test_a_bare_thousand_in_the_loan_question_is_ten_million_won_units(bank):
    chat = Chat(bank, "demo-salaried")
    assert "갚" in chat("2천 대출 받을 수 있을까요?")
    assert chat.slots()["loan_amount"] == 20_000_000
    chat("취소")


def test_loan_form_takes_a_correction_at_any_step(bank):
    chat = Chat(bank, "demo-salaried")
    chat("천만 원 대출 받을 수 있을까?")
    assert "용도" in chat("3년")
    text = chat("아니 3년 말고 5년")
    assert "5년으로 바꿨어요" in text and "용도" in text, text
    text = chat("금액 2천으로 바꿀게요")
    assert "2,000만 원으로 바꿨어요" in text and "용도" in text, text
    slots = chat.slots()
    assert (slots["loan_amount"], slots["loan_term"]) == (20_000_000, 60)
    assert "%" in chat("생활자금")


def test_a_loan_estimate_is_corrected_after_it_is_given(bank):
    chat = Chat(bank, "demo-shop")
    chat("오백만 원 빌릴 수 있나요?")
    chat("2년")
    assert "%" in chat("생활자금")
    assert chat.active_form() is None
    text = chat("금액 3천으로 해볼게요")
    assert "3,000만" in text and "3,000원" not in text and "%" in text, text


def test_loan_form_dont_know_explains_and_offers_a_default_and_anything_takes_it(bank):
    chat = Chat(bank, "demo-salaried")
    chat("3천만원 대출 가능해?")
    text = chat("몰라요")
    assert "3년으로 볼게요" in text and "3년으로 할게요" in chat.buttons()
    assert "갚" in text or "상환 기간" in text
    assert chat.active_form() == "loan_form"
    text = chat("아무거나")
    assert "3년" in text and "용도" in text
    assert chat.slots()["loan_term"] == 36


def test_loan_form_three_unusable_answers_leave_with_a_way_back_and_an_agent(bank):
    chat = Chat(bank, "demo-salaried")
    chat("천만 원 대출 받을 수 있을까?")
    first = chat("음")
    assert "상환 기간" in first and not chat.replies[0].get("buttons")
    chat("ㅁㄴㅇㄹ")
    assert "골라 주세요" in chat.replies[0]["text"] and chat.buttons() == [
        "1년",
        "3년",
        "5년",
    ]  # once, under the question
    text = chat("몰라")
    assert "멈출게요" in text and "다시 하시려면" in text and "상담원" in text
    assert "상담원 연결" in chat.buttons()
    assert chat.active_form() is None
    assert "갚" not in chat("3년")


def test_loan_form_answers_a_faq_then_asks_again(bank):
    chat = Chat(bank, "demo-salaried")
    chat("천만 원 대출 받을 수 있을까?")
    text = chat("예금자보호는 얼마까지 돼요?")
    assert "예금자" in text and "갚" in text
    assert chat.active_form() == "loan_form"


def test_loan_form_starts_over(bank):
    chat = Chat(bank, "demo-salaried")
    chat("천만 원 대출 받을 수 있을까?")
    chat("3년")
    text = chat("처음부터 다시 할래요")
    assert "처음부터" in text and "얼마" in text
    assert chat.slots()["loan_amount"] is None and chat.slots()["loan_term"] is None


def test_loan_form_hands_over_to_an_agent(bank):
    chat = Chat(bank, "demo-salaried")
    chat("천만 원 대출 받을 수 있을까?")
    text = chat("상담원 연결해 주세요")
    assert "상담원" in text and "멈출게요" in text
    assert chat.active_form() is None


def test_an_amount_in_an_unrelated_question_does_not_fill_the_loan_form(bank):
    chat = Chat(bank, "demo-salaried")
    chat("대출 받을 수 있을까요?")
    text = chat("지난달 5만원 이상 쓴 거 카드값 얼마야")
    assert chat.slots()["loan_amount"] is None
    assert "얼마" in text and chat.active_form() == "loan_form"


# --- connect form ------------------------------------------------------------------------

def test_a_search_naming_its_period_is_answered_inside_the_loan_form_and_fills_nothing(bank):
    chat = Chat(bank, "demo-salaried")
    chat("천만 원 대출 받을 수 있을까?")
    text = chat("이번 달 10만원 이상 쓴 거 찾아줘")
    lo, hi = "2026-10-31 15:00:00", "2026-11-18 15:00:00"
    largest = sql(bank, "SELECT MAX(amount) FROM transactions WHERE customer_id = 'demo-salaried' "
                        "AND direction = 'out' AND occurred_at >= ? AND occurred_at < ?", lo, hi)[0][0]
    assert "100,000원 이상 내역은" in text and won(largest) in text and "갚으실" in text, text
    assert chat.active_form() == "loan_form"
    slots = chat.slots()
    assert (slots["loan_amount"], slots["loan_term"]) == (10_000_000, None)


def test_an_institution_in_a_later_question_never_becomes_the_connect_answer(bank):
    chat = Chat(bank, "demo-shop")
    text = chat("삼성카드 연결해줘")
    assert "어떤 정보" in text and not any(line in text for line in ERROR_LINES), text
    text = chat("NH농협은행 잔액 얼마예요?")
    assert "원" in text and "삼성카드에서 어떤 정보" in text, text
    chat("전체 정보")
    chat("3개월")
    summary = chat("신한카드 카드값은?")
    assert chat.slots()["connect_institution"] == "삼성카드"
    assert "· 기관: 삼성카드" in summary and "NH농협은행" not in summary.split("확인해 주세요")[-1]
    before = samsung_card_consents(bank)
    chat("아니요")
    assert samsung_card_consents(bank) == before == 0


@pytest.mark.parametrize("step,answers", [
    ("scope", []),
    ("months", ["전체 정보"]),
    ("summary", ["전체 정보", "3개월"]),
])
@pytest.mark.parametrize("stop", ["그만할래", "아니 됐어요", "안 할래요"])
def test_connect_form_cancels_at_every_step_and_grants_nothing(bank, step, answers, stop):
    chat = Chat(bank, "demo-shop")
    chat("삼성카드 연결하고 싶어")
    for answer in answers:
        chat(answer)
    text = chat(stop)
    assert "삼성카드 연결을 취소했어요" in text and "동의는 저장되지 않았" in text, text
    assert chat.active_form() is None
    assert samsung_card_consents(bank) == 0
    assert "BC카드" in chat("이번 달 카드값 얼마 나와?")


def test_connect_form_corrects_the_period_at_the_summary(bank):
    chat = Chat(bank, "demo-shop")
    chat("삼성카드 연결해줘")
    chat("전체 정보")
    assert "· 기간: 3개월" in chat("3개월")
    text = chat("6개월로 바꿔주세요")
    assert "6개월로 바꿨어요" in text and "· 기간: 6개월" in text and "동의하시겠어요" in text, text
    assert chat.slots()["connect_agreed"] is None
    chat("동의하지 않아요")
    assert samsung_card_consents(bank) == 0


def test_a_reflexive_yes_to_another_question_grants_no_consent(bank):
    chat = Chat(bank, "demo-shop")
    chat("삼성카드 연결해줘")
    text = chat("네")
    assert "어떤 정보" in text and "동의하시겠어요" not in text
    assert chat.slots()["connect_agreed"] is None
    assert samsung_card_consents(bank) == 0
    chat("취소")


def test_connect_consent_needs_an_explicit_yes(bank):
    chat = Chat(bank, "demo-shop")
    chat("삼성카드 연결해줘")
    chat("전체 정보")
    chat("6개월")
    text = chat("네?")
    assert "동의하시겠어요" in text and samsung_card_consents(bank) == 0
    text = chat("음 글쎄")
    assert samsung_card_consents(bank) == 0 and chat.active_form() == "connect_form"
    chat("취소")
    assert samsung_card_consents(bank) == 0


def test_connect_form_dont_know_explains_the_choices_without_choosing_for_the_customer(bank):
    chat = Chat(bank, "demo-shop")
    chat("삼성카드 연결해줘")
    chat("전체 정보")
    text = chat("아무거나")
    assert "최대 1년" in text and {"3개월", "6개월", "1년"} <= set(chat.buttons())
    assert chat.slots()["connect_months"] is None
    chat("그만")


def test_connect_form_starts_over_from_the_institution(bank):
    chat = Chat(bank, "demo-shop")
    chat("삼성카드 연결해줘")
    chat("전체 정보")
    text = chat("처음부터 다시")
    assert "어느 금융사" in text
    assert chat.slots()["connect_institution"] is None
    chat("취소")


def test_connect_with_a_corrected_period_grants_that_period(bank):
    chat = Chat(bank, "demo-student")
    chat("토스증권 연결해줘")
    chat("전체 정보")
    chat("1년")
    chat("아니 1년 말고 6개월")
    text = chat("동의합니다")
    assert "연결을 완료" in text, text
    days = sql(bank, "SELECT julianday(expires_at) - julianday(issued_at) FROM consents "
                     "WHERE customer_id = 'demo-student' AND org_code = 'S0030007' AND revoked_at IS NULL")
    assert days and 170 < days[0][0] < 200


# --- revoke form -------------------------------------------------------------------------

@pytest.mark.parametrize("question", ["우리은행 잔액 얼마예요", "우리은행 잔액"])
def test_a_balance_question_in_the_revoke_form_is_answered_and_deletes_nothing(bank, question):
    before = rows_of(bank, "demo-retiree")
    consents = active_consents(bank, "demo-retiree")
    chat = Chat(bank, "demo-retiree")
    assert "어느 금융사" in chat("연결 끊고 싶어요")
    text = chat(question)
    assert "원" in text and "삭제돼요" not in text and "어느 금융사" in text, text
    assert chat.slots()["revoke_institution"] is None
    text = chat("네")
    assert "삭제했어요" not in text and "삭제돼요" not in text
    assert rows_of(bank, "demo-retiree") == before and active_consents(bank, "demo-retiree") == consents


def test_revoke_needs_an_explicit_yes_right_after_the_question(bank):
    before = rows_of(bank, "demo-retiree")
    chat = Chat(bank, "demo-retiree")
    assert "삭제돼요" in chat("우리은행 연결 끊어줘")
    text = chat("네?")
    assert "삭제했어요" not in text and "삭제돼요" in text
    text = chat("네 근데 잠깐만요")
    assert "삭제했어요" not in text
    text = chat("아니요")
    assert "그대로 유지" in text
    assert rows_of(bank, "demo-retiree") == before
    text = chat("네")
    assert "삭제" not in text and rows_of(bank, "demo-retiree") == before


@pytest.mark.parametrize("stop", ["취소", "그만할래요", "아니 됐어요", "나중에 할게요"])
def test_revoke_cancels_keeps_everything_and_a_later_yes_deletes_nothing(bank, stop):
    before = rows_of(bank, "demo-retiree")
    chat = Chat(bank, "demo-retiree")
    chat("우리은행 연결 끊어줘")
    text = chat(stop)
    assert "우리은행 연결 해지를 취소했어요" in text and "그대로 유지" in text, text
    assert chat.active_form() is None
    text = chat("네")
    assert "삭제" not in text
    assert rows_of(bank, "demo-retiree") == before


def test_revoke_correction_at_the_confirmation_asks_again_with_the_new_name(bank):
    before = rows_of(bank, "demo-retiree")
    chat = Chat(bank, "demo-retiree")
    chat("우리은행 연결 끊어줘")
    text = chat("아니 우리은행 말고 롯데카드")
    assert "롯데카드 연결을 끊으면" in text and "삭제돼요" in text, text
    assert chat.slots()["revoke_institution"] == "롯데카드"
    assert "그대로 유지" in chat("아니요")
    assert rows_of(bank, "demo-retiree") == before


def test_revoke_leaves_after_three_unusable_answers_and_deletes_nothing(bank):
    before = rows_of(bank, "demo-retiree")
    chat = Chat(bank, "demo-retiree")
    chat("우리은행 연결 끊어줘")
    chat("음")
    chat("ㅁㄴㅇㄹ")
    assert "네, 끊어주세요" in chat.buttons()
    text = chat("글쎄요")
    assert "멈출게요" in text and "상담원 연결" in chat.buttons()
    assert chat.active_form() is None
    chat("네")
    assert rows_of(bank, "demo-retiree") == before


def test_not_knowing_what_is_linked_lists_it_and_deletes_nothing(bank):
    before = rows_of(bank, "demo-retiree"), active_consents(bank, "demo-retiree")
    chat = Chat(bank, "demo-retiree")
    chat("연결 해지할래요")
    text = chat("어디어디 연결했는지 잘 모르겠네요")
    linked = [name for (name,) in sql(bank, "SELECT DISTINCT o.name FROM consents c JOIN institutions o "
                                            "ON o.org_code = c.org_code WHERE c.customer_id = 'demo-retiree' "
                                            "AND c.revoked_at IS NULL")]
    assert linked and all(name in text for name in linked), (linked, text)
    assert set(linked) <= set(chat.buttons())
    assert "해지를 취소했어요" in chat("안 할래요")
    assert (rows_of(bank, "demo-retiree"), active_consents(bank, "demo-retiree")) == before


def test_revoke_of_an_unlinked_institution_is_refused_without_an_error_about_nothing(bank):
    chat = Chat(bank, "demo-retiree")
    text = chat("연결 해지할래요")
    assert "어느 금융사" in text and not any(line in text for line in ERROR_LINES), text
    text = chat("삼성화재")
    assert "삼성화재는 아직 연결되지 않았어요" in text and "삭제돼요" not in text
    chat("취소")


# --- transaction search form -------------------------------------------------------------

def test_search_form_cancel_and_the_next_message_is_no_answer_to_it(bank):
    chat = Chat(bank, "demo-salaried")
    assert "언제" in chat("스타벅스에서 쓴 내역 찾아줘")
    text = chat("그만")
    assert "스타벅스 거래내역 검색을 취소했어요" in text
    assert "스타벅스" not in chat("최근 3개월")
    assert chat.active_form() is None


def test_search_form_answers_a_question_then_asks_again_and_takes_dont_know(bank):
    chat = Chat(bank, "demo-salaried")
    chat("스타벅스에서 쓴 내역 찾아줘")
    text = chat("이번 달 카드값 얼마 나와?")
    assert "원" in text and "언제" in text
    text = chat("몰라요")
    assert "지난달" in text and "최근 3개월" in chat.buttons()
    text = chat("최근 3개월")
    assert "스타벅스" in text and "언제" not in text


# --- every form, the same patterns -------------------------------------------------------

FORMS = {
    # form: (customer, opening message, what its pending question says, what starting over asks)
    "loan_form": ("demo-salaried", "천만 원 대출 받을 수 있을까?", "갚", "얼마"),
    "connect_form": ("demo-shop", "삼성카드 연결해줘", "어떤 정보", "어느 금융사"),
    "revoke_form": ("demo-retiree", "우리은행 연결 끊어줘", "삭제돼요", "어느 금융사"),
    "transaction_search_form": ("demo-salaried", "스타벅스에서 쓴 내역 찾아줘", "언제", "언제"),
}


def opened(bank, form):
    customer, opening, pending, _ = FORMS[form]
    chat = Chat(bank, customer)
    text = chat(opening)
    assert pending in text and chat.active_form() == form, text
    return chat


def test_a_bare_answer_with_the_next_value_fills_both_and_asks_on(bank):
    chat = opened(bank, "loan_form")  # the amount is given: it asks for the term
    chat("처음부터 다시")
    text = chat("3천만원 5년이요")
    slots = chat.slots()
    assert "용도" in text and slots["loan_amount"] == 30_000_000 and slots["loan_term"] == 60, text
    chat("취소")
    before = untouched(bank)
    connect = opened(bank, "connect_form")
    text = connect("전체 정보 1년")
    assert "동의하시겠어요" in text and "12개월" in text and connect.slots()["connect_months"] == 12, text
    connect("아니요")
    assert untouched(bank) == before


def untouched(bank):
    return rows_of(bank, "demo-retiree"), active_consents(bank, "demo-retiree"), samsung_card_consents(bank)


@pytest.mark.parametrize("form", FORMS)
def test_every_form_hands_over_to_an_agent_and_stops(bank, form):
    before = untouched(bank)
    chat = opened(bank, form)
    text = chat("상담원이랑 얘기하고 싶어요")
    assert "상담원" in text and "멈출게요" in text, text
    assert chat.active_form() is None and untouched(bank) == before


@pytest.mark.parametrize("form", FORMS)
def test_every_form_leaves_after_three_unusable_answers(bank, form):
    before = untouched(bank)
    chat = opened(bank, form)
    chat("음")
    assert chat.active_form() == form
    chat("ㅁㄴㅇㄹ")
    titles = chat.buttons()
    assert titles and len(titles) == len(set(titles)), chat.replies  # the choices, each once
    text = chat("음...")
    assert "멈출게요" in text and "다시 하시려면" in text and "상담원 연결" in chat.buttons(), text
    assert chat.active_form() is None and untouched(bank) == before


@pytest.mark.parametrize("form", FORMS)
def test_small_talk_and_off_topic_answers_count_toward_leaving_every_form(bank, form):
    before = untouched(bank)
    chat = opened(bank, form)
    chat("안녕하세요")
    assert chat.active_form() == form
    chat("우주여행 가고 싶다")
    assert chat.active_form() == form and chat.buttons(), chat.replies
    text = chat("하하하")
    assert "멈출게요" in text and "상담원 연결" in chat.buttons(), text
    assert chat.active_form() is None and untouched(bank) == before


def test_a_search_restated_after_starting_over_finds_what_it_now_names(bank):
    chat = Chat(bank, "demo-student")
    assert "언제" in chat("투썸에서 결제한 거 찾아줘")
    chat("처음부터 다시요")
    text = chat("지난달 카페 결제 내역")
    assert "카페" in text and "투썸" not in text and "10월 1일" in text, text


@pytest.mark.parametrize("form", FORMS)
def test_every_form_starts_over(bank, form):
    chat = opened(bank, form)
    text = chat("처음부터 다시 해 주세요")
    assert "처음부터" in text and FORMS[form][3] in text, text
    assert chat.active_form() == form
    chat("취소")
    assert chat.active_form() is None


@pytest.mark.parametrize("form", FORMS)
def test_every_form_answers_small_talk_and_another_request_then_asks_again(bank, form):
    before = untouched(bank)
    chat = opened(bank, form)
    pending = FORMS[form][2]
    text = chat("고마워요")
    assert "별말씀을요" in text and pending in text, text
    other = "삼성증권 연결해줘" if form != "connect_form" else "대출 받을 수 있을까요?"
    text = chat(other)
    assert "진행하고 있어요" in text and pending in text, text
    assert chat.active_form() == form
    chat("그만할게요")
    assert chat.active_form() is None and untouched(bank) == before


@pytest.mark.parametrize("form", FORMS)
def test_every_form_explains_on_dont_know_and_stays(bank, form):
    before = untouched(bank)
    chat = opened(bank, form)
    text = chat("잘 모르겠어요")
    assert "괜찮아요" in text and chat.buttons(), text
    assert chat.active_form() == form and untouched(bank) == before
    chat("취소")


def test_search_form_takes_the_period_after_malgo(bank):
    chat = opened(bank, "transaction_search_form")
    text = chat("이번 달 말고 지난달")
    assert "스타벅스" in text and "언제" not in text
    assert chat.active_form() is None


def test_anything_with_nothing_asked_offers_the_likely_meaning(bank):
    chat = Chat(bank, "demo-salaried")
    chat("적금 아무거나 골라줘")
    assert "금융상품 추천" in chat.buttons(), chat.replies


def test_asking_to_pick_any_high_interest_deposit_is_a_recommendation(bank):
    chat = Chat(bank, "demo-salaried")
    text = chat("이자 쎈 예금 아무거나 골라줘")
    assert "예금" in text and "%" in text and "무엇을 도와" not in text, text


@pytest.mark.parametrize(
    "question", ["내 계좌 잔액 알려줘", "이체 한도 얼마예요?", "이번 달 어디에 제일 많이 썼어?"]
)
@pytest.mark.parametrize("form", FORMS)
def test_every_form_answers_a_question_as_it_would_outside_then_asks_again(bank, form, question):
    before = untouched(bank)
    alone = Chat(bank, FORMS[form][0])
    expected = alone(question)
    chat = opened(bank, form)
    text = chat(question)
    assert text.startswith(expected), (expected, text)
    assert FORMS[form][2] in text[len(expected):] and chat.active_form() == form
    chat("취소")
    assert untouched(bank) == before


def test_skipping_a_question_takes_the_stated_default_only_where_harmless(bank):
    chat = Chat(bank, "demo-salaried")
    chat("천만 원 대출 받을 수 있을까?")
    chat("3년")
    text = chat("용도는 건너뛸게요")
    assert "생활자금으로 볼게요" in text and "%" in text, text
    consent = Chat(bank, "demo-shop")
    consent("삼성카드 연결해줘")
    consent("전체 정보")
    text = consent("이건 넘어갈게요")
    assert "최대 1년" in text and consent.slots()["connect_months"] is None
    consent("취소")
    assert samsung_card_consents(bank) == 0


def test_two_values_for_the_asked_question_ask_which_one(bank):
    chat = Chat(bank, "demo-salaried")
    chat("천만 원 대출 받을 수 있을까?")
    text = chat("3년이나 5년")
    assert "어느 쪽" in text and chat.buttons()[:2] == ["3년", "5년"], text
    assert chat.slots()["loan_term"] is None
    assert "용도" in chat("5년")
    assert chat.slots()["loan_term"] == 60
