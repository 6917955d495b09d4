"""Analytics checked against values computed independently from the generator's raw books."""
from datetime import date, timedelta

import pytest

from bot.mydata.analytics.balances import balances, net_worth
from bot.mydata.analytics.cards import card_bills
from bot.mydata.analytics.income import income
from bot.mydata.analytics.loans import loan_summary
from bot.mydata.analytics.profile import credit_facts
from bot.mydata.analytics.recurring import recurring_payments
from bot.mydata.analytics.spending import spending
from bot.mydata.analytics.transactions import search_transactions
from bot.mydata.errors import InvalidQuery
from bot.mydata.masking import mask_number
from bot.mydata.store.db import session_scope
from bot.mydata.sync.run import sync_customers
from sandbox.reference import STOCKS, security_price

from . import truth
from .conftest import NOW, client, link, run

CUSTOMERS = ["demo-salaried", "demo-student", "demo-shop", "demo-retiree", "cust-000007"]
N = truth.now_str(NOW)


@pytest.fixture(scope="module")
def store(tmp_path_factory, sandbox, sandbox_config):
    from bot.mydata.store.db import create_schema, make_engine

    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('analytics') / 'store.sqlite3'}")
    create_schema(engine, sandbox.url)
    linked = {c: run(link(engine, sandbox, c)) for c in CUSTOMERS}

    async def go():
        async with client() as c:
            return await sync_customers(engine, c, CUSTOMERS, now=NOW)

    assert all(r.ok for r in run(go()))
    books = {c: truth.book(sandbox_config, c) for c in CUSTOMERS}
    yield engine, linked, books
    engine.dispose()


@pytest.mark.parametrize("customer", CUSTOMERS)
def test_balances_per_account_and_total(store, customer):
    engine, linked, books = store
    want = {num: bal for num, bal in truth.deposit_balances(books[customer], linked[customer], N).items()}
    with session_scope(engine) as s:
        got = balances(s, customer, now=NOW)
    assert sorted(a.balance for a in got.accounts) == sorted(want.values())
    assert got.total == sum(want.values())
    assert all("*" in a.account_masked for a in got.accounts)
    assert {f.org_code for f in got.freshness} == set(linked[customer])
    assert all(f.last_success_at is not None and f.last_error is None for f in got.freshness)


@pytest.mark.parametrize("customer", CUSTOMERS)
def test_net_worth(store, sandbox_config, customer):
    engine, linked, books = store
    book = books[customer]
    day = NOW.date()
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    base = {code: price for code, _, _, price in STOCKS}
    assets = sum(truth.deposit_balances(book, linked[customer], N).values())
    for org in linked[customer]:
        for account in book.institutions[org].invest_accounts:
            assets += account.cash_balance + sum(
                h.quantity * security_price(sandbox_config.seed, h.prod_code, base[h.prod_code], day)
                for h in account.holdings)
    debts = sum(x.balance_at(N) for _, x in truth.loans(book, linked[customer], N))
    debts += sum(b.charge_amt for org in linked[customer] for b in book.institutions[org].bills
                 if b.issued_dtime <= N < b.paid_dtime)
    with session_scope(engine) as s:
        got = net_worth(s, customer, now=NOW)
    assert (got.assets, got.debts, got.net) == (assets, debts, assets - debts)


@pytest.mark.parametrize("customer", CUSTOMERS)
def test_spending_by_category_and_month(store, customer):
    engine, linked, books = store
    start, end = date(2025, 3, 1), date(2025, 5, 31)
    want = truth.spending_by_category(books[customer], linked[customer], N, "20250301", "20250531")
    with session_scope(engine) as s:
        got = spending(s, customer, start, end, now=NOW)
        april = spending(s, customer, date(2025, 4, 1), date(2025, 4, 30), now=NOW)
    assert {c.category: c.amount for c in got.by_category} == want
    assert got.total == sum(want.values())
    assert [m.month for m in got.by_month] == ["2025-03", "2025-04", "2025-05"][-len(got.by_month):]
    assert next(m.total for m in got.by_month if m.month == "2025-04") == april.total


def test_salary_pension_and_business_income(store):
    engine, linked, books = store
    with session_scope(engine) as s:
        salaried = income(s, "demo-salaried", now=NOW)
        shop = income(s, "demo-shop", now=NOW)
        retiree = income(s, "demo-retiree", now=NOW)
        student = income(s, "demo-student", now=NOW)
    paid = [amount for dtime, amount in books["demo-salaried"].salary_payments if dtime <= N]
    assert salaried.monthly_salary == paid[-1]
    assert [s.source for s in salaried.streams if s.kind == "salary"] == [books["demo-salaried"].salary_memo]
    assert shop.monthly_salary is None and any(s.kind == "business" for s in shop.streams)
    assert retiree.monthly_salary is None and {s.source for s in retiree.streams if s.kind == "pension"} == {
        "국민연금공단", "기초연금"}
    assert student.monthly_salary is None


@pytest.mark.parametrize("customer", ["demo-salaried", "demo-retiree", "demo-shop"])
def test_recurring_payments_match_what_the_generator_made_recurring(store, customer):
    engine, linked, books = store
    book = books[customer]
    recent = "20250301"
    names = set()
    for org in linked[customer]:
        inst = book.institutions[org]
        names |= {
            t.recurring for a in inst.deposits for t in a.txns if t.recurring and recent <= t.dtime <= N
        }
        names |= {
            a.recurring for c in inst.cards for a in c.approvals if a.recurring and recent <= a.dtime <= N
        }
    with session_scope(engine) as s:
        got = recurring_payments(s, customer, now=NOW)
    found = {i.raw_name if i.source == "bank" else i.name for i in got.items}
    assert found == names
    subs = {i.name for i in got.items if i.is_subscription}
    assert {n for n in names if n in ("넷플릭스", "유튜브 프리미엄", "멜론", "티빙", "쿠팡와우")} <= subs


def test_card_bills_and_loans(store):
    engine, linked, books = store
    for customer in CUSTOMERS:
        book = books[customer]
        unpaid = sorted(b.charge_amt for org in linked[customer] for b in book.institutions[org].bills
                        if b.issued_dtime <= N < b.paid_dtime)
        loans = truth.loans(book, linked[customer], N)
        with session_scope(engine) as s:
            bills = card_bills(s, customer, now=NOW)
            got = loan_summary(s, customer, now=NOW)
        assert sorted(b.amount for b in bills.upcoming) == unpaid and bills.total_due == sum(unpaid)
        assert sorted(x.balance for x in got.loans) == sorted(x.balance_at(N) for _, x in loans)
        assert sorted(x.overdue_days for x in got.loans) == sorted(x.overdue_days(N) for _, x in loans)
    with session_scope(engine) as s:
        shop = loan_summary(s, "demo-shop", now=NOW)
    assert shop.overdue and shop.overdue[0].overdue_days > 0


def test_transaction_search(store):
    engine, linked, books = store
    book = books["demo-salaried"]
    raw = [a for _, _, a, cancelled in truth.approvals(book, linked["demo-salaried"], N)
           if not cancelled and "20250101" <= a.dtime[:8] <= "20250630"]
    with session_scope(engine) as s:
        by_merchant = search_transactions(
            s,
            "demo-salaried",
            start=date(2025, 1, 1),
            end=date(2025, 6, 30),
            merchant="스타벅스",
            limit=500,
            now=NOW,
        )
        by_category = search_transactions(s, "demo-salaried", start=date(2025, 1, 1),
                                                    end=date(2025, 6, 30), category="카페", min_amount=5000,
                                                    max_amount=9000, now=NOW)
        incoming = search_transactions(s, "demo-salaried", direction="in", now=NOW)
        with pytest.raises(InvalidQuery):
            search_transactions(s, "demo-salaried", start=date(2025, 6, 1), end=date(2025, 5, 1), now=NOW)
        with pytest.raises(InvalidQuery):
            search_transactions(s, "demo-salaried", min_amount=-1, now=NOW)
    starbucks = [a for a in raw if a.merchant == "스타벅스"]
    assert by_merchant.total_count == len(starbucks) and by_merchant.total_amount == sum(
        a.amount for a in starbucks
    )
    cafe = [a for a in raw if a.category == "카페" and 5000 <= a.amount <= 9000]
    assert by_category.total_count == len(cafe) and len(by_category.items) == min(50, len(cafe))
    assert [i.occurred_at for i in by_category.items] == sorted((i.occurred_at for i in by_category.items),
                                                                reverse=True)
    assert incoming.items and all(i.direction == "in" for i in incoming.items)


def test_customers_only_see_their_own_data(store):
    engine, linked, books = store
    own = {
        c: {a.account_num for o in linked[c] for a in books[c].institutions[o].deposits} for c in CUSTOMERS
    }
    with session_scope(engine) as s:
        for customer in CUSTOMERS:
            got = search_transactions(s, customer, start=date(2024, 7, 1), end=date(2025, 6, 30),
                                                limit=500, now=NOW)
            masked_own = {mask_number(n) for n in own[customer]}
            assert {i.number_masked for i in got.items if i.source == "bank"} <= masked_own


def test_credit_facts(store):
    engine, linked, books = store
    book = books["demo-shop"]
    since24 = "20230630"
    late = sum(1 for _, x in truth.loans(book, linked["demo-shop"], N) for p in x.payments
               if since24 <= p.dtime[:8] and p.dtime <= N and p.overdue_days >= 5)
    current = sum(1 for _, x in truth.loans(book, linked["demo-shop"], N) if x.overdue_days(N) >= 5)
    with session_scope(engine) as s:
        prof = credit_facts(s, "demo-shop", now=NOW)
        salaried = credit_facts(s, "demo-salaried", now=NOW)
    assert prof.delinquencies_24m == late + current and prof.delinquencies_12m <= prof.delinquencies_24m
    assert len(prof.loans) == len(truth.loans(book, linked["demo-shop"], N))
    assert salaried.monthly_salary and salaried.delinquencies_24m == 0 and salaried.card_limit_total > 0
    months = {"2025-03", "2025-04", "2025-05"}
    want = sum(a.amount for _, _, a, c in truth.approvals(books["demo-salaried"], linked["demo-salaried"], N)
               if not c and f"{a.dtime[:4]}-{a.dtime[4:6]}" in months)
    assert salaried.card_spending_3m == want
    assert salaried.account_age_months and salaried.account_age_months > 12
