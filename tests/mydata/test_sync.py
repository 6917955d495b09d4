"""Sync through real HTTP into real SQLite and PostgreSQL, with faults injected by the sandbox's knobs:
nothing is lost, nothing is duplicated, a failed institution keeps its last good data."""
from datetime import timedelta

from sqlalchemy import func, select

from bot.korean.calendar import KST
from bot.mydata.store.models import (
    Account,
    CardApproval,
    Consent,
    Loan,
    LoanTransaction,
    SyncRun,
    Token,
    Transaction,
)
from bot.mydata.sync.fetch import FIRST_SYNC_DAYS
from bot.mydata.sync.run import sync_customer, sync_customers

from . import truth
from .conftest import NOW, client, link, run

CUSTOMER = "demo-salaried"


def stored(engine, customer_id, org=None):
    """(bank transaction keys, approval keys with status, loan repayment keys) as stored."""
    def scoped(model):
        cond = [model.customer_id == customer_id]
        if org:
            cond.append(model.org_code == org)
        return cond

    with engine.connect() as conn:
        txns = conn.execute(
            select(Account.account_num, Transaction.trans_no, Transaction.amount, Transaction.balance_after)
            .join(Account, Account.id == Transaction.account_id)
            .where(*scoped(Transaction))
        ).all()
        approvals = conn.execute(select(CardApproval.approved_num, CardApproval.amount, CardApproval.status)
                                 .where(*scoped(CardApproval))).all()
        repayments = conn.execute(select(LoanTransaction.trans_no, LoanTransaction.loan_id)
                                  .where(*scoped(LoanTransaction))).all()
    return sorted(map(tuple, txns)), sorted(map(tuple, approvals)), sorted(map(tuple, repayments))


def expected(sandbox_config, customer_id, orgs, now, first_now=None):
    book = truth.book(sandbox_config, customer_id)
    n = truth.now_str(now)
    txns = sorted(
        (acct, t.trans_no, t.amount, t.balance_after) for _, acct, t in truth.bank_txns(book, orgs, n)
    )
    approvals = sorted((a.approved_num, a.amount, "cancelled" if c else "approved")
                       for _, _, a, c in truth.approvals(book, orgs, n))
    since = ((first_now or now).astimezone(KST).date() - timedelta(days=FIRST_SYNC_DAYS)).strftime("%Y%m%d")
    repayments = sum(
        1 for _, x in truth.loans(book, orgs, n) for p in x.payments if since <= p.dtime[:8] and p.dtime <= n
    )
    return txns, approvals, repayments


def assert_exact(engine, sandbox_config, customer_id, orgs, now, first_now=None):
    txns, approvals, repayments = stored(engine, customer_id)
    want_txns, want_approvals, want_repayments = expected(sandbox_config, customer_id, orgs, now, first_now)
    assert txns == want_txns
    assert approvals == want_approvals
    assert len(repayments) == want_repayments == len(set(repayments))


def test_full_sync_stores_exactly_what_the_institutions_hold_and_rerun_adds_nothing(
    engine, sandbox, sandbox_config
):
    orgs = run(link(engine, sandbox, CUSTOMER))

    async def go():
        async with client() as c:
            first = await sync_customer(engine, c, CUSTOMER, now=NOW)
            second = await sync_customer(engine, c, CUSTOMER, now=NOW)
            return first, second

    first, second = run(go())
    assert first.ok and second.ok and first.new_records > 300
    assert second.new_records == 0
    assert_exact(engine, sandbox_config, CUSTOMER, orgs, NOW)


def test_incremental_sync_picks_up_only_what_changed(engine, sandbox, sandbox_config):
    orgs = run(link(engine, sandbox, CUSTOMER))
    later = NOW + timedelta(days=20)

    async def go():
        async with client() as c:
            await sync_customer(engine, c, CUSTOMER, now=NOW)
            sandbox.state.clock.offset = later - NOW
            before = sandbox.state.records_served
            result = await sync_customer(engine, c, CUSTOMER, now=later)
            return result, sandbox.state.records_served - before

    result, served = run(go())
    old = expected(sandbox_config, CUSTOMER, orgs, NOW)
    new = expected(sandbox_config, CUSTOMER, orgs, later)
    grown = len(new[0]) - len(old[0]) + len(new[1]) - len(old[1])
    assert result.ok and result.new_records == grown > 0
    assert served < len(new[0]) + len(new[1]) // 2  # asked only from the last stored day on
    assert_exact(engine, sandbox_config, CUSTOMER, orgs, later, NOW)


def test_expired_tokens_are_refreshed_and_kept(sqlite_engine, sandbox, sandbox_config):
    orgs = run(link(sqlite_engine, sandbox, CUSTOMER))
    with sqlite_engine.connect() as conn:
        before = dict(conn.execute(select(Token.consent_id, Token.access_token)).all())
    sandbox.state.auth.expire_access_tokens()

    async def go():
        async with client() as c:
            return await sync_customer(sqlite_engine, c, CUSTOMER, now=NOW)

    result = run(go())
    assert result.ok
    with sqlite_engine.connect() as conn:
        after = dict(conn.execute(select(Token.consent_id, Token.access_token)).all())
    assert all(after[k] != before[k] for k in before)
    assert_exact(sqlite_engine, sandbox_config, CUSTOMER, orgs, NOW)


def test_timeouts_server_errors_and_rate_limits_lose_and_duplicate_nothing(engine, sandbox, sandbox_config):
    orgs = run(link(engine, sandbox, CUSTOMER))
    sandbox.state.set_faults(slow_requests=4, slow_ms=600, error_rate=0.15, seed=7,
                             rate_limit_per_s={"*": 40})

    async def go():
        async with client(timeout_s=0.3, max_retries=8) as c:
            return await sync_customer(engine, c, CUSTOMER, now=NOW)

    result = run(go())
    assert result.ok, [r.error for r in result.institutions]
    sandbox.state.reset_faults()
    assert_exact(engine, sandbox_config, CUSTOMER, orgs, NOW)
    with engine.connect() as conn:
        calls = conn.execute(select(func.sum(SyncRun.api_calls))).scalar()
    assert calls > sum(1 for _ in orgs) * 3


def test_institution_down_mid_sync_keeps_last_good_data(engine, sandbox, sandbox_config):
    orgs = run(link(engine, sandbox, CUSTOMER))
    kb = "B0010001"
    later = NOW + timedelta(days=15)

    async def go():
        async with client(max_retries=2) as c:
            await sync_customer(engine, c, CUSTOMER, now=NOW)
            good = stored(engine, CUSTOMER, kb)
            sandbox.state.clock.offset = later - NOW
            sandbox.state.set_faults(down_after={kb: 3})
            broken = await sync_customer(engine, c, CUSTOMER, now=later)
            after_failure = stored(engine, CUSTOMER, kb)
            sandbox.state.reset_faults()
            healed = await sync_customer(engine, c, CUSTOMER, now=later)
            return good, broken, after_failure, healed

    good, broken, after_failure, healed = run(go())
    failed = {r.org_code: r for r in broken.institutions}
    assert not failed[kb].ok and "50301" in failed[kb].error
    assert all(r.ok for o, r in failed.items() if o != kb)
    assert after_failure == good  # nothing half-written
    with engine.connect() as conn:
        consent = conn.execute(select(Consent.last_error, Consent.last_success_at).where(
            Consent.customer_id == CUSTOMER, Consent.org_code == kb)).one()
        runs = conn.execute(select(SyncRun.status).where(SyncRun.org_code == kb)).scalars().all()
    assert runs == ["ok", "failed", "ok"]
    assert consent.last_error is None and healed.ok
    assert_exact(engine, sandbox_config, CUSTOMER, orgs, later, NOW)


def test_many_customers_concurrently(engine, sandbox, sandbox_config):
    customers = ["cust-000001", "cust-000002", "cust-000003", "cust-000004", "cust-000005", "demo-student"]
    linked = {c: run(link(engine, sandbox, c)) for c in customers}

    async def go():
        async with client() as c:
            return await sync_customers(engine, c, customers, now=NOW, concurrency=3)

    results = run(go())
    assert all(r.ok for r in results)
    for customer_id in customers:
        assert_exact(engine, sandbox_config, customer_id, linked[customer_id], NOW)
    with engine.connect() as conn:
        loans = conn.execute(select(func.count()).select_from(Loan)).scalar()
    assert loans == sum(len(truth.loans(truth.book(sandbox_config, c), linked[c], truth.now_str(NOW)))
                        for c in customers)
