"""Transactions, spending, income and recurring payments against the institutions' own records."""
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest

from bot.assistant import Query, income_summary, recurring_payments, search_transactions, spending_summary
from bot.assistant.reply import with_two_periods
from bot.assistant.spending import amount_range, direction_of, previous_period
from bot.korean.calendar import DateRange
from bot.korean.wording import korean_date, won
from sandbox.reference import SUBSCRIPTIONS

from .conftest import DEMOS, NOW
from .expected import MONTHS, approvals, bank_txns, day, expected_cash_flow, spending, stamp
from .helpers import all_pages, lines, parse_payload

N = stamp(NOW)
MAY = DateRange(date(2025, 5, 1), date(2025, 5, 31))


@pytest.mark.parametrize("text, amount, expected", [
    ("5만원 넘게 쓴 거", 50_000, (50_001, None)),
    ("3만 원 초과", 30_000, (30_001, None)),
    ("만 원 이상 결제", 10_000, (10_000, None)),
    ("2만원 이하", 20_000, (None, 20_000)),
    ("5천원 미만", 5_000, (None, 4_999)),
    ("만 원 안 되는 거", 10_000, (None, 9_999)),
    ("5만 원 안 넘는 거", 50_000, (None, 49_999)),
    ("4,500원 결제한 거", 4_500, (4_050, 4_950)),
    ("33333원", 33_333, (29_999, 36_667)),
    ("스타벅스 내역", None, (None, None)),
])
def test_amount_direction_comes_from_the_words(text, amount, expected):
    assert amount_range(amount, text) == expected


def test_money_direction_words():
    assert direction_of("지난달 입금 내역") == "in" and direction_of("월급 들어온 거") == "in"
    assert direction_of("어제 쓴 거") == "out" and direction_of("카드 결제 내역") == "out"
    assert direction_of("거래내역 보여줘") is None


def test_previous_period_has_the_same_length():
    assert previous_period(DateRange(date(2025, 6, 1), date(2025, 6, 18))) == (
        date(2025, 5, 1),
        date(2025, 5, 18),
    )
    assert previous_period(DateRange(date(2025, 5, 1), date(2025, 5, 31))) == (
        date(2025, 4, 1),
        date(2025, 4, 30),
    )
    assert previous_period(DateRange(date(2025, 3, 1), date(2025, 5, 31))) == (
        date(2024, 12, 1),
        date(2025, 2, 28),
    )
    assert previous_period(DateRange(date(2025, 6, 10), date(2025, 6, 16))) == (
        date(2025, 6, 3),
        date(2025, 6, 9),
    )


def _listed(replies) -> list[tuple[str, str]]:
    """(date words, amount) of every listed transaction."""
    out = []
    for line in lines(replies):
        words = line[2:].split(" ")
        out.append((" ".join(words[:2]), next(w for w in words if w.endswith("원"))))
    return out


@pytest.mark.parametrize("customer", ["demo-salaried", "demo-student", "demo-retiree"])
def test_search_by_merchant_lists_exactly_the_purchases(store, books, ctx_for, customer):
    _, linked, *_ = store
    period = DateRange(date(2025, 1, 1), date(2025, 6, 30))
    raw = [a for _, _, a, cancelled in approvals(books[customer], linked[customer], N)
           if not cancelled and a.merchant == "스타벅스" and "20250101" <= a.dtime[:8] <= "20250630"]
    replies = all_pages(search_transactions, ctx_for(customer),
                        Query(text="상반기 스타벅스에서 쓴 내역", merchant="스타벅스", period=period))
    assert raw, "the persona should have Starbucks purchases"
    assert f"{len(raw)}건 합계 {won(sum(a.amount for a in raw))}" in replies[0].text
    want = sorted((korean_date(day(a.dtime)), won(a.amount)) for a in raw)
    assert sorted(_listed(replies)) == want  # check-card purchases are not listed twice
    assert all("*" in line for line in lines(replies))


def test_search_by_category_and_amount_range(store, books, ctx_for):
    _, linked, *_ = store
    book = books["demo-salaried"]
    period = DateRange(date(2025, 1, 1), date(2025, 6, 30))
    cafe = [
        a
        for _, _, a, cancelled in approvals(book, linked["demo-salaried"], N)
        if not cancelled
        and a.category == "카페"
        and a.amount >= 5000
        and "20250101" <= a.dtime[:8] <= "20250630"
    ]
    reply = search_transactions(ctx_for("demo-salaried"),
                                Query(text="5천원 이상 카페", category="카페", amount=5000, period=period))
    assert f"{len(cafe)}건 합계 {won(sum(a.amount for a in cafe))}" in reply.text
    assert "5,000원 이상" in reply.text

    # money out above 30,000 won in April: card purchases and bank debits (rent, transfers...)
    spent = [a.amount for _, _, a, cancelled in approvals(book, linked["demo-salaried"], N)
             if not cancelled and a.amount > 30_000 and a.dtime[:6] == "202504"]
    spent += [t.amount for _, _, t in bank_txns(book, linked["demo-salaried"], N)
              if t.trans_type == "02" and t.amount > 30_000 and t.dtime[:6] == "202504"]
    replies = all_pages(search_transactions, ctx_for("demo-salaried"),
                        Query(text="4월에 3만원 넘게 결제한 거", amount=30_000,
                              period=DateRange(date(2025, 4, 1), date(2025, 4, 30))))
    assert f"출금·결제 {len(spent)}건 합계 {won(sum(spent))}" in replies[0].text
    assert len(lines(replies)) == len(spent) and "입금" not in replies[0].text


def test_search_pages_carry_the_query(store, ctx_for):
    reply = search_transactions(ctx_for("demo-salaried"), Query(text="입금 내역"))
    intent, entities = parse_payload(next(b["payload"] for b in reply.buttons if b["title"] == "더 보기"))
    assert intent == "search_transactions" and entities["page"] == 1 and entities["query_text"] == "입금 내역"
    second = search_transactions(ctx_for("demo-salaried"), Query.from_entities(entities), page=1)
    assert "6~10번째" in second.text
    assert all("+" in line for line in lines([reply, second]))


@pytest.mark.parametrize("customer", DEMOS)
def test_spending_summary_by_category_with_change(store, books, ctx_for, customer):
    _, linked, *_ = store
    may = spending(books[customer], linked[customer], N, date(2025, 5, 1), date(2025, 5, 31))
    april = spending(books[customer], linked[customer], N, date(2025, 4, 1), date(2025, 4, 30))
    reply = spending_summary(ctx_for(customer), Query(text="5월에 어디에 썼어", period=MAY))
    total, before = sum(may.values()), sum(april.values())
    assert f"지출은 총 {won(total)}" in reply.text
    assert f"{won(before)}보다 {won(abs(total - before))}" in reply.text
    assert ("늘었어요" if total > before else "줄었어요") in reply.text
    assert {i["label"]: i["amount"] for i in reply.chart["items"]} == may
    assert (
        reply.chart["period"] == ["2025-05-01", "2025-05-31"] and reply.chart["type"] == "category_breakdown"
    )
    top = max(may, key=may.get)
    share = (Decimal(may[top]) * 100 / total).quantize(Decimal("0.1"), ROUND_HALF_UP)
    assert f"1. {top} {won(may[top])}" in reply.text and f"{share.normalize():f}%" in reply.text


def test_two_periods_named_compare_the_later_with_the_earlier(store, books, ctx_for):
    _, linked, *_ = store
    book, orgs = books["demo-salaried"], linked["demo-salaried"]
    march = sum(spending(book, orgs, N, date(2025, 3, 1), date(2025, 3, 31)).values())
    may = sum(spending(book, orgs, N, date(2025, 5, 1), date(2025, 5, 31)).values())
    query = with_two_periods(Query(text="5월이랑 3월 지출 비교"), "spending_summary",
                             [MAY, DateRange(date(2025, 3, 1), date(2025, 3, 31))])
    assert query.period == MAY and query.compare_period == (date(2025, 3, 1), date(2025, 3, 31))
    reply = spending_summary(ctx_for("demo-salaried"), query)
    assert f"지출은 총 {won(may)}" in reply.text
    assert f"3월 1일(토)~3월 31일(월) {won(march)}보다 {won(abs(may - march))}" in reply.text
    assert "직전" not in reply.text and "비교 기간 대비" in reply.text


def test_two_periods_in_any_other_question_cover_both():
    june = DateRange(date(2025, 6, 1), date(2025, 6, 18))
    query = with_two_periods(Query(), "search_transactions", [june, MAY])
    assert query.period == (date(2025, 5, 1), date(2025, 6, 18)) and query.compare_period is None
    assert with_two_periods(Query(period=MAY), "spending_summary", [MAY]) == Query(period=MAY)


def test_spending_summary_of_one_category(store, books, ctx_for):
    _, linked, *_ = store
    may = spending(books["demo-salaried"], linked["demo-salaried"], N, date(2025, 5, 1), date(2025, 5, 31))
    reply = spending_summary(ctx_for("demo-salaried"), Query(category="카페", period=MAY))
    assert f"카페 지출은 총 {won(may['카페'])}" in reply.text


def _checking_inflows(book, orgs, month: str) -> int:
    return sum(t.amount for _, a, t in bank_txns(book, orgs, N)
               if a.account_type == "1001" and t.trans_type == "01" and t.dtime[:6] == month
               and t.memo != book.name and t.trans_class != "이자")


def test_income_summary(store, books, ctx_for):
    _, linked, *_ = store
    salaried = books["demo-salaried"]
    last_dtime, last_amount = [p for p in salaried.salary_payments if p[0] <= N][-1]
    reply = income_summary(ctx_for("demo-salaried"))
    assert f"{salaried.salary_memo}에서 들어와요" in reply.text
    assert f"{korean_date(day(last_dtime))}에 들어온 {won(last_amount)}" in reply.text
    june = _checking_inflows(salaried, linked["demo-salaried"], "202506")
    july = _checking_inflows(salaried, linked["demo-salaried"], "202507")
    assert f"지난달 들어온 돈은 {won(june)}, 이번 달은 지금까지 {won(july)}" in reply.text

    retiree = income_summary(ctx_for("demo-retiree"))
    assert "급여로 보이는 정기 입금은 없어요" in retiree.text
    assert "국민연금공단(연금)" in retiree.text and "기초연금(연금)" in retiree.text
    june = _checking_inflows(books["demo-retiree"], linked["demo-retiree"], "202506")
    assert f"지난달 들어온 돈은 {won(june)}" in retiree.text


def test_income_monthly_average_leaves_out_the_bonus(store, books, ctx_for):
    """"월 평균" is the regular income only; the 상여 paid in February is named with its total."""
    _, linked, *_ = store
    salaried = books["demo-salaried"]
    bonuses = [t for _, a, t in bank_txns(salaried, linked["demo-salaried"], N)
               if a.account_type == "1001" and t.trans_class == "상여" and t.dtime[:6] in MONTHS]
    assert bonuses, "the generator pays the salaried persona a 상여 in February"
    bonus_payer = bonuses[0].memo
    expected = expected_cash_flow(salaried, linked["demo-salaried"], N)
    one_off_total = sum(expected["one_offs"].values())
    assert expected["one_offs"][bonus_payer] == sum(t.amount for t in bonuses)

    reply = income_summary(ctx_for("demo-salaried"))
    assert f"최근 6개월 정기 수입은 월 평균 {won(expected['income'])}이에요." in reply.text
    assert f"상여 등 일회성 수입 {won(one_off_total)}(" in reply.text
    assert bonus_payer in reply.text.split("일회성 수입")[1].split("월 평균에서 뺐어요")[0]
    bonus_line = next(line for line in lines(all_pages(income_summary, ctx_for("demo-salaried")))
                      if line.startswith(f"· {bonus_payer}("))
    assert "일회성" in bonus_line and "월 평균" not in bonus_line


@pytest.mark.parametrize("customer", ["demo-student", "demo-retiree", "demo-shop"])
def test_income_monthly_averages_are_the_regular_payers(customer, store, books, ctx_for):
    """Each listed "월 평균" is that payer's share of the headline average, from the books."""
    _, linked, *_ = store
    expected = expected_cash_flow(books[customer], linked[customer], N)
    replies = all_pages(income_summary, ctx_for(customer))
    assert f"정기 수입은 월 평균 {won(expected['income'])}이에요." in replies[0].text
    assert ("일회성 수입" in replies[0].text) == bool(expected["one_offs"])
    listed = {line[2:].split("(")[0]: line for line in lines(replies)}
    assert listed
    for payer, line in listed.items():
        if payer in expected["regular"]:
            assert f"월 평균 {won(expected['regular'][payer])}," in line
        else:
            assert "일회성" in line and "월 평균" not in line


@pytest.mark.parametrize("customer", ["demo-salaried", "demo-student", "demo-retiree"])
def test_recurring_payments_and_subscriptions(store, books, ctx_for, customer):
    _, linked, *_ = store
    book = books[customer]
    subs = {}
    for _, _, a, cancelled in approvals(book, linked[customer], N):
        if a.recurring in SUBSCRIPTIONS and not cancelled and a.dtime >= "20250101":
            subs.setdefault(a.recurring, set()).add(a.amount)
    replies = all_pages(recurring_payments, ctx_for(customer))
    listed = lines(replies)
    count = int(replies[0].text.split("정기 결제는 ")[1].split("건")[0])
    assert count == len(listed)
    amounts = [int(line.split(" · ")[0].rsplit(" ", 1)[1].rstrip("원").replace(",", "")) for line in listed]
    assert f"월 평균 {won(sum(amounts))}" in replies[0].text
    shown_subs = {line[2:].split(" [구독]")[0] for line in listed if "[구독]" in line}
    assert shown_subs == set(subs)
    for name, prices in subs.items():
        assert len(prices) == 1
        assert any(line.startswith(f"· {name} [구독] {won(next(iter(prices)))}") for line in listed)
    if subs:
        total = sum(next(iter(p)) for p in subs.values())
        assert f"그중 구독은 {len(subs)}건, 월 {won(total)}" in replies[0].text


def test_spending_on_one_institution_is_a_search_for_money_out(store, books, ctx_for):
    _, linked, *_ = store
    may = [a.amount for org, _, a, cancelled in approvals(books["demo-salaried"], linked["demo-salaried"], N)
           if org == "C0020003" and not cancelled and a.dtime[:6] == "202505"]
    reply = spending_summary(
        ctx_for("demo-salaried"), Query(text="5월에 현대카드로 얼마 썼어", institution="현대카드", period=MAY)
    )
    assert f"현대카드 내역은 출금·결제 {len(may)}건 합계 {won(sum(may))}이에요" in reply.text
    this_month = spending_summary(
        ctx_for("demo-salaried"), Query(text="이번 달 현대카드", institution="현대카드")
    )
    assert this_month.text.startswith("7월 1일(화)~7월 3일(목) 현대카드")
