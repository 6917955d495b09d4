"""What every answer must do: say when data is stale or failed, never show another customer's data
or a full number, and answer every problem in Korean instead of raising."""
from datetime import date, timedelta

import pytest

from bot.assistant import INTENT_HANDLERS, AnswerContext, Query, answer
from bot.assistant.freshness import age_words, freshness_notes
from bot.assistant.reply import intent_payload, page_of
from bot.assistant.spending import search_transactions
from bot.korean.calendar import DateRange
from bot.korean.wording import josa, korean_date
from bot.mydata.analytics.scope import Freshness
from bot.mydata.masking import mask_number

from .conftest import CUSTOMERS, DEMOS, EARLIER, FRESHNESS_CUSTOMER, NOW, REGISTERED_ONLY
from .expected import all_numbers
from .helpers import parse_payload

FRESHNESS_WORDS = ("전 기준이에요", "연결에 실패해")
OWN_FINANCE = ["check_balance", "list_accounts", "total_assets", "search_transactions", "spending_summary",
               "income_summary", "card_bill", "loan_status", "insurance_summary", "investment_summary",
               "recurring_payments", "list_consents"]
CONSULTING = ["credit_score", "loan_eligibility", "recommend_product", "financial_advice"]


def test_every_intent_of_the_contract_has_a_function():
    assert set(INTENT_HANDLERS) == set(OWN_FINANCE + CONSULTING)


@pytest.fixture(scope="module")
def every_reply(store, ctx_for):
    """customer -> intent -> first reply, for a representative query of each intent."""
    queries = {"search_transactions": Query(text="최근 내역"), "loan_eligibility": Query(amount=10_000_000),
               "recommend_product": Query(product_type="카드")}
    return {
        c: {i: answer(i, ctx_for(c), queries.get(i, Query())) for i in INTENT_HANDLERS} for c in CUSTOMERS
    }


def test_no_full_number_and_no_other_customers_number(every_reply, books):
    for customer, replies in every_reply.items():
        text = "\n".join(r.text + repr(r.buttons) for r in replies.values())
        for number in all_numbers(books[customer]):
            assert number not in text
        for other in CUSTOMERS:
            if other != customer:
                leaked = [n for n in all_numbers(books[other]) if mask_number(n) in text or n in text]
                assert not leaked, (customer, other, leaked)


def test_listed_institutions_are_the_customers_own(every_reply, store, books):
    _, linked, *_ = store
    for customer, replies in every_reply.items():
        mine = {books[customer].institutions[o].institution.name for o in linked[customer]}
        for intent in ("list_accounts", "list_consents"):
            named = {
                line[2:].split(":")[0] for line in replies[intent].text.splitlines() if line.startswith("· ")
            }
            assert named and named <= mine, (customer, intent, named - mine)


def test_stale_and_failed_institutions_are_named(every_reply, store, books, ctx_for):
    _, linked, stale, failed = store
    book = books[FRESHNESS_CUSTOMER]
    stale_name = book.institutions[stale].institution.name
    failed_name = book.institutions[failed].institution.name
    stale_note = f"{stale_name} 정보는 3일 전 기준이에요."
    failed_note = f"{failed_name} 연결에 실패해 마지막으로 받은 {korean_date(EARLIER)} 정보로 답변드려요."
    replies = every_reply[FRESHNESS_CUSTOMER]
    assert (
        stale_note in replies["investment_summary"].text
        and failed_note not in replies["investment_summary"].text
    )
    assert failed_note in replies["card_bill"].text and stale_note not in replies["card_bill"].text
    assert stale_note in replies["total_assets"].text and failed_note in replies["total_assets"].text
    assert stale_note in replies["list_consents"].text and failed_note in replies["list_consents"].text
    assert not any(w in replies["check_balance"].text for w in FRESHNESS_WORDS)  # its banks are fresh
    assert "투자 평가금액은" in replies["investment_summary"].text  # still answered from what is stored
    for customer in DEMOS:
        for intent, reply in every_reply[customer].items():
            assert not any(w in reply.text for w in FRESHNESS_WORDS), (customer, intent)
    # two days later every source of the customer is old
    later = INTENT_HANDLERS["total_assets"](ctx_for("demo-salaried", now=NOW + timedelta(days=2)))
    note = next(line for line in later.text.splitlines() if line.endswith("정보는 2일 전 기준이에요."))
    assert set(note.split(" 정보는")[0].split("·")) == {
        books["demo-salaried"].institutions[org].institution.name for org in linked["demo-salaried"]}


def test_freshness_wording():
    assert (
        age_words(timedelta(minutes=5)),
        age_words(timedelta(hours=3)),
        age_words(timedelta(hours=50)),
    ) == ("방금", "3시간 전", "2일 전")
    base = dict(kind="card", last_attempt_at=None)
    items = [Freshness("C1", "신한카드", last_success_at=NOW - timedelta(hours=30), last_error=None, **base),
             Freshness("C2", "현대카드", last_success_at=NOW - timedelta(hours=30), last_error=None, **base),
             Freshness("C3", "롯데카드", last_success_at=NOW - timedelta(hours=1), last_error=None, **base),
             Freshness("C4", "BC카드", last_success_at=None, last_error="503", **base),
             Freshness("C5", "우리카드", last_success_at=None, last_error=None, **base)]
    assert freshness_notes(items, NOW) == [
        "신한카드·현대카드 정보는 1일 전 기준이에요.",
        "BC카드 연결에 실패해 아직 정보를 받지 못했어요. 잠시 후 다시 시도해 볼게요.",
        "우리카드는 아직 정보를 불러오는 중이에요."]
    assert freshness_notes(items, NOW, orgs=["C3"]) == []
    assert freshness_notes(items, NOW, kinds=["bank"]) == []


@pytest.mark.parametrize("intent", list(INTENT_HANDLERS))
def test_no_data_or_no_consent_is_a_korean_answer(store, ctx_for, intent):
    for customer in ("nobody-here", REGISTERED_ONLY):
        reply = answer(intent, ctx_for(customer), Query(amount=10_000_000, product_type="적금"))
        assert reply.text and ("연결" in reply.text or "동의" in reply.text), (customer, reply.text)
        assert any(b["payload"].startswith("/connect_institution") for b in reply.buttons)


def test_an_impossible_period_is_a_korean_answer(store, ctx_for):
    reply = search_transactions(
        ctx_for("demo-salaried"), Query(period=DateRange(date(2025, 6, 1), date(2025, 5, 1)))
    )
    assert "조회 조건을 이해하지 못했어요" in reply.text
    empty = search_transactions(
        ctx_for("demo-salaried"),
        Query(merchant="스타벅스", period=DateRange(date(2020, 1, 1), date(2020, 1, 31))),
    )
    assert "거래 내역이 없어요" in empty.text


def test_query_entities_round_trip():
    query = Query(text="3월 스타벅스 5천원 이상", institution="현대카드", merchant="스타벅스", amount=5000,
                  period=DateRange(date(2025, 3, 1), date(2025, 3, 31)), loan_term_months=36)
    intent, entities = parse_payload(
        intent_payload("search_transactions", {**query.to_entities(), "page": 2})
    )
    assert intent == "search_transactions" and entities["page"] == 2
    assert Query.from_entities(entities) == query
    assert entities["period_start"] == "2025-03-01" and entities["period_end"] == "2025-03-31"
    assert (
        Query.from_entities({"period": DateRange(date(2025, 3, 1), date(2025, 3, 31))}).period == query.period
    )
    assert intent_payload("credit_score") == "/credit_score"


def test_context_and_helpers(store):
    with pytest.raises(ValueError):
        AnswerContext(store[0], "demo-salaried", now=NOW.replace(tzinfo=None))
    with pytest.raises(ValueError):
        AnswerContext(store[0], "")
    assert page_of(list(range(12)), 2) == ([10, 11], False) and page_of(list(range(12)), 1) == (
        [5, 6, 7, 8, 9],
        True,
    )
    assert [
        josa(w, p)
        for w, p in [
            ("현대카드", "은"),
            ("KB국민은행", "은"),
            ("1,000원", "을"),
            ("36개월", "으로"),
            ("생활자금", "으로"),
            ("35.3%", "이에요"),
            ("iM뱅크", "이"),
        ]
    ] == ["현대카드는", "KB국민은행은", "1,000원을", "36개월로", "생활자금으로", "35.3%예요", "iM뱅크가"]
