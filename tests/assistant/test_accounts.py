"""Balances, linked accounts and net worth against the institutions' own records."""
import pytest

from bot.assistant import Query, check_balance, is_linked, list_accounts, total_assets
from bot.korean.wording import won, won_approx
from bot.mydata.masking import mask_number
from bot.mydata.store.db import session_scope

from .conftest import CUSTOMERS, DEMOS, NOW
from .expected import all_numbers, deposits, holdings_value, loans, stamp
from .helpers import all_pages, lines, parse_payload

N = stamp(NOW)


@pytest.mark.parametrize("customer", CUSTOMERS)
def test_check_balance_lists_every_account_and_the_total(store, books, ctx_for, customer):
    _, linked, *_ = store
    accounts = deposits(books[customer], linked[customer], N)
    replies = all_pages(check_balance, ctx_for(customer))
    text = "\n".join(r.text for r in replies)
    assert accounts
    if len(accounts) > 1:
        assert f"총 {won(sum(a.balance_at(N) for _, a in accounts))}" in replies[0].text
        assert len(lines(replies)) == len(accounts)
    for _, account in accounts:
        masked = mask_number(account.account_num)
        assert f"{masked}" in text and won(account.balance_at(N)) in text
        assert account.account_num not in text


def test_check_balance_by_institution_and_account_type(store, books, ctx_for):
    _, linked, *_ = store
    book = books["demo-salaried"]
    kb = [a for org, a in deposits(book, linked["demo-salaried"], N) if org == "B0010001"]
    reply = check_balance(ctx_for("demo-salaried"), Query(text="국민은행 잔액", institution="국민"))
    assert len(kb) == 1 and f"잔액은 {won(kb[0].balance_at(N))}이에요" in reply.text
    assert "카카오뱅크" not in reply.text
    savings = [a for _, a in deposits(book, linked["demo-salaried"], N) if a.account_type == "1003"]
    reply = check_balance(ctx_for("demo-salaried"), Query(account_type="적금"))
    assert len(savings) == 1 and f"잔액은 {won(savings[0].balance_at(N))}이에요" in reply.text
    assert "파킹통장" not in reply.text
    # a loan or card "balance" goes to the loan and card answers
    assert "대출 2건" in check_balance(ctx_for("demo-salaried"), Query(account_type="대출")).text
    assert "카드값" in check_balance(ctx_for("demo-shop"), Query(institution="BC카드")).text


def test_an_institution_that_is_not_linked_starts_the_connect_flow(store, ctx_for):
    engine = store[0]
    reply = check_balance(ctx_for("demo-salaried"), Query(text="신한카드 얼마 썼어", institution="신한카드"))
    assert "신한카드는 아직 연결되지 않았어요" in reply.text
    intent, entities = parse_payload(reply.buttons[0]["payload"])
    assert (intent, entities) == ("connect_institution", {"institution": "신한카드"})
    assert not is_linked(engine, "demo-salaried", "신한카드", NOW)
    assert is_linked(engine, "demo-salaried", "현대카드", NOW) and is_linked(
        engine, "demo-salaried", "카뱅", NOW
    )
    with session_scope(engine) as session:
        assert is_linked(session, "demo-retiree", "우리은행", NOW)
        assert not is_linked(session, "demo-retiree", "삼성화재", NOW)
    assert not is_linked(engine, "nobody-here", "우리은행", NOW)
    assert not is_linked(engine, "demo-salaried", "없는은행", NOW)
    unknown = check_balance(ctx_for("demo-salaried"), Query(institution="가나다은행"))
    assert "찾지 못했어요" in unknown.text


@pytest.mark.parametrize("customer", CUSTOMERS)
def test_list_accounts_shows_every_linked_item_masked(store, books, ctx_for, customer):
    _, linked, *_ = store
    book = books[customer]
    replies = all_pages(list_accounts, ctx_for(customer))
    text = "\n".join(r.text for r in replies)
    linked_numbers = set()
    for org in linked[customer]:
        inst = book.institutions[org]
        linked_numbers |= {a.account_num for a in inst.deposits} | {x.account_num for x in inst.loans}
        linked_numbers |= {c.card_num for c in inst.cards} | {p.insu_num for p in inst.policies}
        linked_numbers |= {a.account_num for a in inst.invest_accounts}
    assert f"모두 {len(linked_numbers)}개" in replies[0].text
    for number in linked_numbers:
        assert mask_number(number) in text
    for number in all_numbers(book):
        assert number not in text
    unlinked = all_numbers(book) - linked_numbers
    assert not any(mask_number(n) in text for n in unlinked)
    assert len(lines(replies)) == len(linked[customer])


@pytest.mark.parametrize("customer", DEMOS)
def test_total_assets_is_assets_minus_debts(store, books, sandbox_config, ctx_for, customer):
    _, linked, *_ = store
    book = books[customer]
    cash, _, worth = holdings_value(sandbox_config.seed, book, linked[customer], NOW)
    assets = sum(a.balance_at(N) for _, a in deposits(book, linked[customer], N)) + cash + worth
    debts = sum(x.balance_at(N) for _, x in loans(book, linked[customer], N))
    debts += sum(b.charge_amt for org in linked[customer] for b in book.institutions[org].bills
                 if b.issued_dtime <= N < b.paid_dtime)
    reply = total_assets(ctx_for(customer))
    assert f"순자산은 {won_approx(assets - debts)}" in reply.text
    assert f"자산 {won_approx(assets)}에서 부채 {won_approx(debts)}" in reply.text
    if not debts:
        assert "부채: 없음" in reply.text
