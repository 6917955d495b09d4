"""Follow-ups in context and every value the customer named, over REST against the real stack.

Utterances are written from issue #11, not taken from the training data. Expected numbers come
from the MyData store with SQL; the clock is fixed at 2026-11-18 (tests/conftest.py).
"""
import datetime as dt
import re
import uuid

import pytest

from bot.auth.tokens import issue_token
from bot.korean.wording import won
from tests.support.bank import SECRET, deposit_total, sql

pytestmark = pytest.mark.slow

TODAY = dt.date(2026, 11, 18)
THIS_MONTH = (dt.date(2026, 11, 1), TODAY)
OCTOBER = (dt.date(2026, 10, 1), dt.date(2026, 10, 31))
SEPTEMBER = (dt.date(2026, 9, 1), dt.date(2026, 9, 30))
HALF_YEAR = (dt.date(2026, 5, 19), TODAY)
LINE = re.compile(r"· (\d+월 \d+일\([^)]\)) (.+) (\+?[\d,]+원) · (.+)")


class Chat:
    """One customer's conversation: the same sender and token on every turn."""

    def __init__(self, bank, customer_id):
        self.bank, self.sender = bank, f"fu-{uuid.uuid4().hex[:10]}"
        self.metadata = {"customer_token": issue_token(customer_id, SECRET.encode())} if customer_id else None

    def __call__(self, text):
        replies = self.bank.say(self.sender, text, self.metadata)
        self.buttons = [b for r in replies for b in r.get("buttons") or []]
        return "\n".join(r.get("text", "") for r in replies)


def utc_bounds(start, end):
    """Seoul dates → the store's naive-UTC text bounds [lo, hi)."""
    lo = dt.datetime.combine(start, dt.time()) - dt.timedelta(hours=9)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time()) - dt.timedelta(hours=9)
    return lo.strftime("%Y-%m-%d %H:%M:%S"), hi.strftime("%Y-%m-%d %H:%M:%S")


def spent(bank, customer, period, category=None):
    """Card approvals not cancelled plus categorised bank debits, as the product defines spending."""
    lo, hi = utc_bounds(*period)
    card = sql(bank, "SELECT COALESCE(category, '기타'), amount FROM card_approvals WHERE customer_id = ? "
                     "AND status = 'approved' AND approved_at >= ? AND approved_at < ?", customer, lo, hi)
    debit = sql(bank, "SELECT category, amount FROM transactions WHERE customer_id = ? AND direction = 'out' "
                      "AND category IS NOT NULL AND occurred_at >= ? AND occurred_at < ?", customer, lo, hi)
    return sum(amount for cat, amount in card + debit if category is None or cat == category)


def spent_by_category(bank, customer, period):
    lo, hi = utc_bounds(*period)
    rows = sql(bank, "SELECT COALESCE(category, '기타'), amount FROM card_approvals WHERE customer_id = ? "
                     "AND status = 'approved' AND approved_at >= ? AND approved_at < ?", customer, lo, hi)
    rows += sql(bank, "SELECT category, amount FROM transactions WHERE customer_id = ? AND direction = 'out' "
                      "AND category IS NOT NULL AND occurred_at >= ? AND occurred_at < ?", customer, lo, hi)
    out = {}
    for cat, amount in rows:
        out[cat] = out.get(cat, 0) + amount
    return out


def balance_of(bank, customer, org_code):
    return sql(
        bank,
        "SELECT SUM(balance) FROM accounts WHERE customer_id = ? AND org_code = ? AND kind != 'invest'",
        customer,
        org_code,
    )[0][0]


def spending_line(total):
    return f"총 {won(total)}"


# ---------------------------------------------------------------- section 1: parameters change

def test_follow_ups_change_one_parameter_and_keep_the_rest(bank):
    chat = Chat(bank, "demo-shop")
    first = chat("이번 달 어디에 제일 많이 썼어?")
    assert spending_line(spent(bank, "demo-shop", THIS_MONTH)) in first

    october = chat("그럼 지난달은?")
    assert "10월 1일" in october and spending_line(spent(bank, "demo-shop", OCTOBER)) in october

    cafe = chat("카페는?")
    cafe_october = spent(bank, "demo-shop", OCTOBER, "카페")
    assert "카페" in cafe and "10월 1일" in cafe
    assert (spending_line(cafe_october) in cafe) if cafe_october else "없어요" in cafe

    traffic = chat("교통비는?")
    traffic_october = spent(bank, "demo-shop", OCTOBER, "교통")
    assert "교통" in traffic and "10월 1일" in traffic
    assert (spending_line(traffic_october) in traffic) if traffic_october else "없어요" in traffic

    half = chat("반년으로 보면?")
    traffic_half = spent(bank, "demo-shop", HALF_YEAR, "교통")
    assert "교통" in half and "5월 19일" in half
    assert (spending_line(traffic_half) in half) if traffic_half else "없어요" in half

    bare = chat("지난달")
    assert "교통" in bare and "10월 1일" in bare
    assert (spending_line(traffic_october) in bare) if traffic_october else "없어요" in bare


def test_another_bank_is_the_same_question_about_that_bank(bank):
    chat = Chat(bank, "demo-shop")
    first = chat("기업은행 잔액 얼마야?")
    assert won(balance_of(bank, "demo-shop", "B0010006")) in first
    second = chat("농협은요?")
    assert won(balance_of(bank, "demo-shop", "B0010005")) in second
    assert won(balance_of(bank, "demo-shop", "B0010006")) not in second


def test_amount_range_page_and_card_follow_ups_keep_the_period(bank):
    chat = Chat(bank, "demo-salaried")
    chat("지난달 결제한 내역 보여줘")
    big = chat("그럼 3만 원 넘는 것만")
    assert "10월 1일" in big and "30,001원 이상" in big
    shown = [int(a.lstrip("+").replace(",", "").removesuffix("원")) for _, _, a, _ in LINE.findall(big)]
    assert len(shown) == 5 and all(amount > 30_000 for amount in shown)
    more = chat("더 보여줘")
    assert "이어서 6~" in more
    card = chat("현대카드로 보면?")
    assert "10월 1일" in card and "현대카드" in card and "30,001원 이상" in card
    for _, _, _, where in LINE.findall(card):
        assert where.startswith("현대카드")


# ---------------------------------------------------------------- section 1: items just shown

def test_references_answer_from_the_items_just_shown(bank):
    chat = Chat(bank, "demo-salaried")
    listing = chat("지난달 결제한 내역 보여줘")
    shown = LINE.findall(listing)
    assert len(shown) == 5
    amounts = [int(a.lstrip("+").replace(",", "").removesuffix("원")) for _, _, a, _ in shown]

    # the largest of the whole result asked about (last month's payments), not only of the five lines shown
    lo, hi = utc_bounds(*OCTOBER)
    top = max(
        a
        for (a,) in sql(
            bank,
            "SELECT amount FROM card_approvals WHERE customer_id = 'demo-salaried' AND status = 'approved' "
            "AND approved_at >= ? AND approved_at < ? UNION ALL SELECT amount FROM transactions "
            "WHERE customer_id = 'demo-salaried' AND direction = 'out' AND occurred_at >= ? AND occurred_at "
            "< ?",
            lo,
            hi,
            lo,
            hi,
        )
    )
    assert top > max(amounts), (
        "the largest payment must lie beyond the first page for this test to mean anything"
    )
    largest = chat("그 중에 가장 비싼 거")
    assert "가장 큰 결제" in largest and won(top) in largest
    day = chat("그건 며칠에 나간 거예요?")
    assert won(top) in day and "됐어요" in day and "10월" in day

    second = chat("두 번째 거 자세히")
    assert shown[1][1] in second and won(amounts[1]) in second and "2번째" in second

    when = chat("그거 언제 결제됐어?")
    assert shown[1][1] in when and shown[1][0] in when and "됐어요" in when


def test_a_category_just_shown_opens_its_transactions(bank):
    chat = Chat(bank, "demo-student")
    summary = chat("지난달 어디에 돈 썼는지 분석해줘")
    ranked = re.findall(r"^(\d)\. (\S+) ([\d,]+원)", summary, re.M)
    assert len(ranked) >= 2
    detail = chat("두 번째 거 자세히")
    name = ranked[1][1]
    assert name in detail and "10월 1일" in detail
    assert f"합계 {won(spent(bank, 'demo-student', OCTOBER, name))}" in detail


# ---------------------------------------------------------------- section 1: meaning from the last answer

def test_after_a_credit_score_how_to_raise_it_is_about_this_customer(bank):
    chat = Chat(bank, "demo-student")
    score = re.search(r"예상 신용점수는 (\d+)점", chat("내 신용점수 알려줘")).group(1)
    levers = chat("어떻게 하면 올릴 수 있어?")
    assert f"지금 예상 신용점수는 {score}점이에요" in levers
    assert (
        re.search(r"\+\d+점\(\d+ → \d+점\)", levers) or "찾지 못했어요" in levers
    )  # the model's own what-if
    assert "이런 걸 도와드릴 수 있어요" not in levers


def moved_lines(now, before, grew):
    """The lines a why-question lists: every category moving that way, biggest change first, five at most."""
    every = set(now) | set(before)
    moved = [
        c for c in every if (now.get(c, 0) > before.get(c, 0) if grew else now.get(c, 0) < before.get(c, 0))
    ]
    moved.sort(key=lambda c: abs(now.get(c, 0) - before.get(c, 0)), reverse=True)
    return [
        f"{c}: {won(before.get(c, 0))} → {won(now.get(c, 0))} "
        f"({'+' if now.get(c, 0) > before.get(c, 0) else '-'}{won(abs(now.get(c, 0) - before.get(c, 0)))})"
        for c in moved[:5]
    ], every - set(moved)


def test_after_a_spending_summary_why_it_grew_or_fell_names_those_categories(bank):
    chat = Chat(bank, "demo-salaried")
    chat("지난달 지출 분석해줘")
    october = spent_by_category(bank, "demo-salaried", OCTOBER)
    september = spent_by_category(bank, "demo-salaried", SEPTEMBER)
    for question, grew in (("왜 늘었어?", True), ("무엇 때문에 덜 쓴 거예요?", False)):
        answer = chat(question)
        lines, unmoved = moved_lines(october, september, grew)
        assert lines, "the books must move both ways for this test to mean anything"
        for line in lines:
            assert line in answer, (question, line, answer)
        for category in unmoved:
            assert f"· {category}:" not in answer


def test_a_bare_next_shows_the_next_page(bank):
    chat = Chat(bank, "demo-salaried")
    first = LINE.findall(chat("지난달 거래내역 보여줘"))
    assert len(first) == 5
    second = LINE.findall(chat("다음이요"))
    assert second and not set(second) & set(first)


def test_a_correction_after_an_answer_changes_that_answer(bank):
    chat = Chat(bank, "demo-student")
    chat("지난달 스타벅스 결제 내역")
    reply = chat("아니 스타벅스 말고 이디야요")
    lo, hi = utc_bounds(*OCTOBER)
    ediya = sql(
        bank,
        "SELECT COALESCE(SUM(amount), 0) FROM card_approvals WHERE customer_id = 'demo-student' "
        "AND status = 'approved' AND merchant = '이디야커피' AND approved_at >= ? AND approved_at < ?",
        lo,
        hi,
    )[0][0]
    assert "이디야" in reply and "스타벅스" not in reply and "10월 1일" in reply
    if ediya:
        assert won(ediya) in reply


def test_a_no_with_a_value_after_an_answer_corrects_it(bank):
    chat = Chat(bank, "demo-salaried")
    assert spending_line(spent(bank, "demo-salaried", OCTOBER)) in chat("지난달 어디에 제일 많이 썼어?")
    reply = chat("아니 지지난달")
    assert spending_line(spent(bank, "demo-salaried", SEPTEMBER)) in reply and "9월 1일" in reply
    reply = chat("아니 쇼핑만")  # a fragment the NLU is unsure of, after an answer: still the correction
    assert spending_line(spent(bank, "demo-salaried", SEPTEMBER, "쇼핑")) in reply
    assert "알겠습니다" in chat("아니 괜찮아")  # a bare no is only acknowledged


def test_the_answer_to_what_a_follow_up_meant_keeps_what_it_named(bank):
    chat = Chat(bank, "demo-retiree")
    assert "어떤 내용" in chat("지난달 거는?")
    reply = chat("지출 요약 알려줘")
    assert spending_line(spent(bank, "demo-retiree", OCTOBER)) in reply


# ---------------------------------------------------------------- section 1: where context ends

def test_a_follow_up_with_no_context_asks_what_it_refers_to(bank):
    chat = Chat(bank, "demo-shop")
    reply = chat("그럼 지난달은?")
    assert "어떤 내용" in reply and len(chat.buttons) >= 2
    anonymous = Chat(bank, None)
    assert "어떤 내용" in anonymous("카페는?")


def test_a_new_topic_ends_the_context(bank):
    chat = Chat(bank, "demo-shop")
    chat("이번 달 어디에 제일 많이 썼어?")
    chat("카드 분실 신고는 어떻게 해요?")
    reply = chat("그럼 지난달은?")
    assert "어떤 내용" in reply
    assert spending_line(spent(bank, "demo-shop", OCTOBER)) not in reply


# ---------------------------------------------------------------- section 3: every value named

def test_two_banks_get_a_line_each_and_a_total(bank):
    chat = Chat(bank, "demo-shop")
    reply = chat("기업은행이랑 농협 잔액 알려줘")
    ibk, nh = balance_of(bank, "demo-shop", "B0010006"), balance_of(bank, "demo-shop", "B0010005")
    assert "[IBK기업은행]" in reply and "[NH농협은행]" in reply
    assert won(ibk) in reply and won(nh) in reply and f"합계: {won(ibk + nh)}" in reply


def test_a_bank_that_is_not_linked_is_said_so_for_that_bank(bank):
    chat = Chat(bank, "demo-retiree")
    reply = chat("신한은행이랑 우리은행 잔액 알려줘")
    assert "신한은행은 아직 연결되지 않았어요" in reply
    assert won(balance_of(bank, "demo-retiree", "B0010003")) in reply
    assert "어느 금융사" not in chat("고마워요")  # no connect form was left open


def test_insurance_and_loans_are_both_answered(bank):
    chat = Chat(bank, "demo-salaried")
    reply = chat("보험이랑 대출 알려줘")
    assert "[보험]" in reply and "[대출]" in reply
    assert "보험" in reply.split("[대출]")[0] and "대출" in reply.split("[대출]")[1]


def test_two_categories_get_a_line_each_and_a_total(bank):
    chat = Chat(bank, "demo-salaried")
    reply = chat("지난달 교통이랑 통신에 얼마 썼어?")
    traffic = spent(bank, "demo-salaried", OCTOBER, "교통")
    phone = spent(bank, "demo-salaried", OCTOBER, "통신")
    assert "[교통]" in reply and "[통신]" in reply
    for total in (traffic, phone):
        assert spending_line(total) in reply if total else "없어요" in reply
    if traffic and phone:
        assert f"합계: {won(traffic + phone)}" in reply
    november = chat("그럼 이번 달은?")
    assert "[교통]" in november and "[통신]" in november and "11월 1일" in november
    for category in ("교통", "통신"):
        total = spent(bank, "demo-salaried", THIS_MONTH, category)
        assert spending_line(total) in november if total else "없어요" in november


def test_the_total_of_the_values_just_answered_is_asked_in_a_word(bank):
    chat = Chat(bank, "demo-shop")
    chat("기업은행이랑 농협 잔액 알려줘")
    ibk, nh = balance_of(bank, "demo-shop", "B0010006"), balance_of(bank, "demo-shop", "B0010005")
    assert f"잔액 합계는 {won(ibk + nh)}이에요" in chat("둘 합치면 얼마야")
    assert f"잔액 합계는 {won(ibk + nh)}이에요" in chat("합치면?")


def test_the_total_names_the_value_that_had_none(bank):
    chat = Chat(bank, "demo-retiree")
    chat("신한은행이랑 우리은행 잔액 알려줘")
    reply = chat("합치면?")
    assert f"우리은행 잔액 {won(balance_of(bank, 'demo-retiree', 'B0010003'))} 하나" in reply
    assert "신한은행은 확인되는 금액이 없어" in reply


def test_a_length_alone_asks_the_last_months_of_it(bank):
    chat = Chat(bank, "demo-salaried")
    chat("이번 달 교통비 얼마야")
    reply = chat("석달로 보면?")
    total = spent(bank, "demo-salaried", (dt.date(2026, 8, 19), TODAY), "교통")
    assert "8월 19일" in reply and (spending_line(total) in reply if total else "없어요" in reply), reply


def test_two_questions_in_one_message_are_both_answered(bank):
    chat = Chat(bank, "demo-student")
    reply = chat("잔액이랑 이번 달 지출 알려줘")
    assert f"총 {won(deposit_total(bank, 'demo-student'))}" in reply
    assert spending_line(spent(bank, "demo-student", THIS_MONTH)) in reply
    october = spent(bank, "demo-student", OCTOBER)
    assert spending_line(october) in chat("지난달은?")  # the follow-up builds on the second question


def test_two_questions_each_in_its_own_clause_are_both_answered(bank):
    chat = Chat(bank, "demo-salaried")
    reply = chat("대출 얼마 남았고 보험료는 매달 얼마야?")
    loans = sql(
        bank, "SELECT SUM(balance) FROM loans WHERE customer_id = 'demo-salaried' AND closed_at IS NULL"
    )[0][0]
    premiums = sql(
        bank,
        "SELECT SUM(premium_amt) FROM insurance_policies WHERE customer_id = 'demo-salaried' "
        "AND closed_at IS NULL AND pay_cycle = '1M'",
    )[0][0]
    assert won(loans) in reply and won(premiums) in reply


def test_two_months_named_are_compared_or_both_searched(bank):
    chat = Chat(bank, "demo-student")
    reply = chat("9월하고 10월 지출 비교해 줘")
    october, september = spent(bank, "demo-student", OCTOBER), spent(bank, "demo-student", SEPTEMBER)
    assert spending_line(october) in reply and f"9월 1일(화)~9월 30일(수) {won(september)}보다" in reply
    assert "직전 같은 기간" not in reply
    lo, hi = utc_bounds(SEPTEMBER[0], OCTOBER[1])
    both = sql(bank, "SELECT COUNT(*) FROM card_approvals WHERE customer_id = 'demo-student' "
                     "AND approved_at >= ? AND approved_at < ?", lo, hi)[0][0]
    reply = Chat(bank, "demo-student")("9월이랑 10월 카드 결제 내역")
    assert "9월 1일(화)~10월 31일(토)" in reply and both


def test_a_price_question_after_the_regular_payments_compares_their_amounts(bank):
    chat = Chat(bank, "demo-student")
    chat("넷플릭스 구독료 얼마야")
    reply = chat("요금 올랐어?")
    assert re.search(r"평균 [\d,]+원보다 [\d,]+원 (올랐|내렸)어요", reply) or "바뀐 건 없어요" in reply, reply


def test_how_much_is_overdue_is_asked_of_the_loans(bank):
    chat = Chat(bank, "demo-shop")
    chat("연체된 대출 있어?")
    reply = chat("얼마나 밀렸어")
    assert "연체" in reply and "지출은 총" not in reply, reply


def test_two_merchants_get_a_section_each(bank):
    chat = Chat(bank, "demo-student")
    reply = chat("최근 3개월 배민이랑 쿠팡이츠에서 쓴 내역")
    assert "[배달의민족]" in reply and "[쿠팡이츠]" in reply
    sums = [int(x.replace(",", "")) for x in re.findall(r"출금·결제 \d+건 합계 ([\d,]+)원", reply)]
    if len(sums) == 2:
        assert f"합계: {won(sum(sums))}" in reply


def test_every_account_means_every_account(bank):
    chat = Chat(bank, "demo-salaried")
    reply = chat("통장 전부 잔액 알려줘")
    assert f"총 {won(deposit_total(bank, 'demo-salaried'))}" in reply
    assert "적금" in reply


# ---------------------------------------------------------------- button payloads are checked

@pytest.mark.parametrize("payload", [
    '/spending_summary{"period": "2026-02-30/2026-03-01"}',
    '/search_transactions{"period_start": "2026-13-01", "period_end": "2026-13-31"}',
    '/check_balance{"institution": {"name": "신한은행"}}',
    '/check_balance{"page": -3}',
    '/search_transactions{"page": 100000000}',
    '/search_transactions{"amount": -5000}',
    '/card_bill{"amount": 100000000000000000}',
    '/check_balance{"institution": "없는은행XYZ"}',
    '/check_balance{"account_type": "비트코인"}',
])
def test_bad_button_payloads_get_a_clear_korean_answer(bank, payload):
    chat = Chat(bank, "demo-shop")
    reply = chat(payload)
    assert "처리하지 못했어요" in reply
    assert "죄송해요, 지금은" not in reply
    assert "좋은 하루" not in chat("이번 달 지출 알려줘")  # the conversation goes on normally
