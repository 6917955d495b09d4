"""What happens between syncs: consents renewed with fewer scopes, assets the institution closes,
and the record of who read a customer's data. Real HTTP, real SQLite and PostgreSQL."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.mydata.analytics.balances import balances, net_worth
from bot.mydata.analytics.cards import card_bills
from bot.mydata.analytics.linked import linked_assets
from bot.mydata.analytics.loans import loan_summary
from bot.mydata.analytics.profile import credit_facts
from bot.mydata.analytics.spending import spending
from bot.mydata.audit import access_log, reading_as
from bot.mydata.consent import deletion_records, grant_consent
from bot.mydata.errors import ConsentRequired
from bot.mydata.store.db import session_scope
from bot.mydata.store.models import (
    Account,
    CardApproval,
    CardBill,
    Consent,
    DataAccess,
    InsurancePolicy,
    Loan,
    LoanTransaction,
    SyncCursor,
    Transaction,
)
from bot.mydata.sync.context import load_contexts, load_matcher
from bot.mydata.sync.fetch import InstitutionFetcher
from bot.mydata.sync.run import sync_customer
from bot.mydata.sync.write import write_snapshot

from . import truth
from .conftest import NOW, client, link, run

CUSTOMER = "demo-salaried"
KB = "B0010001"
KAKAO_BANK = "B0010007"
SHINHAN_CARD = "C0020001"
HYUNDAI_CAPITAL = "K0050001"
SAMSUNG_LIFE = "I0040001"


def count(engine, model, org, *extra):
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model).where(
            model.customer_id == CUSTOMER, model.org_code == org, *extra)).scalar()


def sync(engine, now=NOW):
    async def go():
        async with client() as c:
            return await sync_customer(engine, c, CUSTOMER, now=now)

    return run(go())


def renew(engine, sandbox, org, scopes):
    async def go():
        async with client() as c:
            return await grant_consent(engine, c, CUSTOMER, org, scopes=scopes, now=NOW)

    return run(go())


def test_narrowing_scopes_deletes_what_only_the_dropped_scopes_allowed(engine, sandbox):
    run(link(engine, sandbox, CUSTOMER))
    assert sync(engine).ok
    loans, repayments = count(engine, Loan, KB), count(engine, LoanTransaction, KB)
    deposits, txns = count(engine, Account, KB), count(engine, Transaction, KB)
    approvals, bills = count(engine, CardApproval, SHINHAN_CARD), count(engine, CardBill, SHINHAN_CARD)
    assert loans and repayments and deposits and txns and approvals and bills

    renew(engine, sandbox, KB, ["bank.list", "bank.deposit"])
    renew(engine, sandbox, SHINHAN_CARD, ["card.list", "card.bill"])
    renew(engine, sandbox, SAMSUNG_LIFE, ["insu.list"])

    assert count(engine, Loan, KB) == count(engine, LoanTransaction, KB) == 0
    assert (count(engine, Account, KB), count(engine, Transaction, KB)) == (deposits, txns)
    assert count(engine, CardApproval, SHINHAN_CARD) == 0 and count(engine, CardBill, SHINHAN_CARD) == bills
    assert count(engine, InsurancePolicy, SAMSUNG_LIFE, InsurancePolicy.premium_amt.isnot(None)) == 0
    assert count(engine, InsurancePolicy, SAMSUNG_LIFE) > 0
    assert count(engine, SyncCursor, KB) == 0
    with session_scope(engine) as s:
        records = {r.org_code: r for r in deletion_records(s, CUSTOMER)}
    assert {org: r.reason for org, r in records.items()} == {
        KB: "scope_narrowed", SHINHAN_CARD: "scope_narrowed", SAMSUNG_LIFE: "scope_narrowed"}
    assert records[KB].rows_deleted == {"loan_transactions": repayments, "loans": loans}
    assert records[SHINHAN_CARD].rows_deleted == {"card_approvals": approvals}

    assert sync(engine).ok  # the narrower consent fetches only what it allows, and nothing twice
    assert count(engine, Loan, KB) == 0 and count(engine, CardApproval, SHINHAN_CARD) == 0
    assert (count(engine, Account, KB), count(engine, Transaction, KB)) == (deposits, txns)

    renew(engine, sandbox, KB, ["bank.list", "bank.deposit", "bank.loan"])
    assert sync(engine).ok  # widening again asks for the whole list, so the loan comes back
    assert (count(engine, Loan, KB), count(engine, LoanTransaction, KB)) == (loans, repayments)
    assert count(engine, Transaction, KB) == txns


def test_data_fetched_under_scopes_changed_meanwhile_is_not_stored(sqlite_engine, sandbox):
    engine = sqlite_engine
    run(link(engine, sandbox, CUSTOMER))

    async def go():
        async with client() as c:
            with engine.connect() as conn:
                ctx = next(x for x in load_contexts(conn, CUSTOMER, NOW) if x.org_code == KB)
            api = c.institution(ctx.base_url, ctx.org_code, ctx.tokens)
            snap = await InstitutionFetcher(api, ctx, NOW, load_matcher(engine)).run()
            await grant_consent(engine, c, CUSTOMER, KB, scopes=["bank.list", "bank.deposit"], now=NOW)
            return snap

    snap = run(go())
    assert snap.loans
    with engine.connect() as conn:
        with pytest.raises(ConsentRequired):
            write_snapshot(conn, snap, NOW, NOW, 0, None)
    assert count(engine, Loan, KB) == count(engine, Account, KB) == 0


def test_assets_the_institution_closed_are_kept_for_history_but_not_live(engine, sandbox, sandbox_config):
    run(link(engine, sandbox, CUSTOMER))
    assert sync(engine).ok
    book = truth.book(sandbox_config, CUSTOMER)
    parking = next(a for a in book.institutions[KAKAO_BANK].deposits if a.account_type == "1001")
    auto_loan = book.institutions[HYUNDAI_CAPITAL].loans[0]
    with session_scope(engine) as s:
        before = balances(s, CUSTOMER, now=NOW)
        debts_before = net_worth(s, CUSTOMER, now=NOW).debts
    parking_txns = count(engine, Transaction, KAKAO_BANK)

    later = NOW + timedelta(days=2)
    sandbox.state.close_asset(
        CUSTOMER, KAKAO_BANK, parking.account_num, truth.now_str(NOW + timedelta(days=1))
    )
    sandbox.state.close_asset(
        CUSTOMER, HYUNDAI_CAPITAL, auto_loan.account_num, truth.now_str(NOW + timedelta(days=1))
    )
    sandbox.state.clock.offset = later - NOW
    result = sync(engine, later)
    assert result.ok, [r.error for r in result.institutions]

    with engine.connect() as conn:
        closed = dict(conn.execute(select(Account.account_num, Account.closed_at).where(
            Account.customer_id == CUSTOMER, Account.org_code == KAKAO_BANK)).all())
        loan_closed = conn.execute(select(Loan.closed_at).where(Loan.org_code == HYUNDAI_CAPITAL)).scalar()
    assert closed[parking.account_num] is not None and loan_closed is not None
    assert sum(1 for v in closed.values() if v is None) == len(closed) - 1
    assert count(engine, Transaction, KAKAO_BANK) >= parking_txns  # history stays
    assert count(engine, LoanTransaction, HYUNDAI_CAPITAL) > 0
    masked_parking = parking.account_num[-4:]
    with session_scope(engine) as s:
        after = balances(s, CUSTOMER, now=later)
        assert not any(a.account_masked.endswith(masked_parking) for a in after.accounts)
        assert len(after.accounts) == len(before.accounts) - 1
        assert HYUNDAI_CAPITAL not in {x.org_code for x in loan_summary(s, CUSTOMER, now=later).loans}
        assert net_worth(s, CUSTOMER, now=later).debts < debts_before
        linked = linked_assets(s, CUSTOMER, now=later).assets
        assert not any(a.number_masked.endswith(masked_parking) for a in linked)
        assert all(x.institution != "현대캐피탈" for x in credit_facts(s, CUSTOMER, now=later).loans)

    again = sync(engine, later)  # closed assets are not asked for again
    assert again.ok and again.new_records == 0


def test_reads_are_recorded_without_amounts_or_numbers(engine, sandbox, sandbox_config):
    orgs = run(link(engine, sandbox, CUSTOMER))
    assert sync(engine).ok
    with session_scope(engine) as s:
        balances(s, CUSTOMER, now=NOW)
    with reading_as("advisor-kim"):
        with session_scope(engine) as s:
            card_bills(s, CUSTOMER, org_code=SHINHAN_CARD, now=NOW)
            credit_facts(s, CUSTOMER, now=NOW)
            with pytest.raises(ConsentRequired):
                balances(s, CUSTOMER, org_code="B0010002", now=NOW)
    with pytest.raises(RuntimeError):
        with session_scope(engine) as s:
            spending(s, CUSTOMER, now=NOW)
            raise RuntimeError("the caller's unit of work fails: its read is not recorded either")

    with session_scope(engine) as s:
        log = access_log(s, CUSTOMER)
    assert [(r.reader, r.purpose) for r in log] == [
        ("advisor-kim", "credit_profile"), ("advisor-kim", "card_bills"), ("assistant", "balances")]
    assert log[1].org_codes == (SHINHAN_CARD,) and set(log[2].org_codes) == set(orgs)
    assert all(r.accessed_at.tzinfo is not None for r in log)
    book = truth.book(sandbox_config, CUSTOMER)
    numbers = [a.account_num for ib in book.institutions.values() for a in ib.deposits + ib.loans]
    numbers += [c.card_num for ib in book.institutions.values() for c in ib.cards]
    with engine.connect() as conn:
        stored = " ".join(" ".join(map(str, row)) for row in conn.execute(select(DataAccess)))
    assert not any(number in stored or number.replace("-", "") in stored for number in numbers)


def test_consent_renewed_with_the_same_scopes_keeps_everything(sqlite_engine, sandbox):
    run(link(sqlite_engine, sandbox, CUSTOMER))
    assert sync(sqlite_engine).ok
    loans = count(sqlite_engine, Loan, KB)
    with sqlite_engine.connect() as conn:
        scopes = conn.execute(select(Consent.scopes).where(Consent.org_code == KB)).scalar().split()
    renew(sqlite_engine, sandbox, KB, scopes)
    assert count(sqlite_engine, Loan, KB) == loans and count(sqlite_engine, SyncCursor, KB) > 0
    with session_scope(sqlite_engine) as s:
        assert deletion_records(s, CUSTOMER) == []
