"""Consent is enforced in the layer: no consent, no fetch and no answer; revoking deletes exactly
that institution's data and tokens and records the deletion."""
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.mydata.analytics.balances import balances, net_worth
from bot.mydata.analytics.cards import card_bills
from bot.mydata.consent import (
    deletion_records,
    expire_consent_now,
    grant_consent,
    list_consents,
    purge_expired,
    register_customer,
    revoke_consent,
)
from bot.mydata.errors import ConsentRequired, InvalidQuery, UnknownCustomer
from bot.mydata.store.db import session_scope
from bot.mydata.store.models import CUSTOMER_DATA_TABLES, DeletionRecord, Loan, Token
from bot.mydata.sync.run import sync_customer

from .conftest import NOW, client, link, run

CUSTOMER = "demo-salaried"
SHINHAN_CARD = "C0020001"
KAKAO_BANK = "B0010007"


def counts(engine, customer_id):
    with engine.connect() as conn:
        return {(m.__tablename__, org): n for m in CUSTOMER_DATA_TABLES for org, n in conn.execute(
            select(m.org_code, func.count()).where(m.customer_id == customer_id).group_by(m.org_code))}


def test_no_consent_no_fetch_no_answer(engine, sandbox):
    run(link(engine, sandbox, CUSTOMER, leave_out={SHINHAN_CARD}))
    calls_before = sandbox.state.calls.get(SHINHAN_CARD, 0)

    async def go():
        async with client() as c:
            result = await sync_customer(engine, c, CUSTOMER, now=NOW)
            with pytest.raises(ConsentRequired):
                await sync_customer(engine, c, CUSTOMER, orgs=[SHINHAN_CARD], now=NOW)
            return result

    result = run(go())
    assert SHINHAN_CARD not in {r.org_code for r in result.institutions}
    assert sandbox.state.calls.get(SHINHAN_CARD, 0) == calls_before
    with session_scope(engine) as s:
        with pytest.raises(ConsentRequired):
            card_bills(s, CUSTOMER, org_code=SHINHAN_CARD, now=NOW)
        assert all(b.org_code != SHINHAN_CARD for b in card_bills(s, CUSTOMER, now=NOW).recent)
        with pytest.raises(UnknownCustomer):
            balances(s, "nobody", now=NOW)


def test_customer_without_any_consent_gets_no_answer(sqlite_engine, sandbox):
    async def go():
        async with client() as c:
            await register_customer(sqlite_engine, c, sandbox.url, "demo-student")

    run(go())
    with session_scope(sqlite_engine) as s:
        with pytest.raises(ConsentRequired):
            net_worth(s, "demo-student", now=NOW)


def test_revocation_deletes_exactly_that_institution(engine, sandbox):
    run(link(engine, sandbox, CUSTOMER))
    run(link(engine, sandbox, "demo-retiree"))

    async def go():
        async with client() as c:
            await sync_customer(engine, c, CUSTOMER, now=NOW)
            await sync_customer(engine, c, "demo-retiree", now=NOW)
            before, other_before = counts(engine, CUSTOMER), counts(engine, "demo-retiree")
            with session_scope(engine) as s:
                token = s.execute(select(Token.access_token).where(Token.customer_id == CUSTOMER,
                                                                   Token.org_code == KAKAO_BANK)).scalar()
            info = await revoke_consent(engine, c, CUSTOMER, KAKAO_BANK, now=NOW)
            return before, other_before, info, token, None

    before, other_before, info, token, _ = run(go())
    after = counts(engine, CUSTOMER)
    assert {k: v for k, v in before.items() if k[1] != KAKAO_BANK} == after
    assert not any(org == KAKAO_BANK for _, org in after)
    assert counts(engine, "demo-retiree") == other_before
    deleted = {table: n for (table, org), n in before.items() if org == KAKAO_BANK}
    assert {k: v for k, v in info.rows_deleted.items() if v and k != "tokens"} == deleted
    assert info.rows_deleted["tokens"] == 1 and info.remote_revoked
    with session_scope(engine) as s:
        records = deletion_records(s, CUSTOMER)
        assert [(r.org_code, r.reason) for r in records] == [(KAKAO_BANK, "revoked")]
        assert KAKAO_BANK not in {c.org_code for c in list_consents(s, CUSTOMER, NOW)}
        assert (
            s.execute(
                select(func.count())
                .select_from(Token)
                .where(Token.org_code == KAKAO_BANK, Token.customer_id == CUSTOMER)
            ).scalar()
            == 0
        )
        with pytest.raises(ConsentRequired):
            balances(s, CUSTOMER, org_code=KAKAO_BANK, now=NOW)
    assert sandbox.state.auth._revoked  # the institution was told


def test_scopes_limit_what_is_fetched(sqlite_engine, sandbox):
    kb = "B0010001"

    async def go():
        async with client() as c:
            await register_customer(sqlite_engine, c, sandbox.url, CUSTOMER)
            await grant_consent(sqlite_engine, c, CUSTOMER, kb, scopes=["bank.list", "bank.deposit"], now=NOW)
            with pytest.raises(InvalidQuery):
                await grant_consent(sqlite_engine, c, CUSTOMER, kb, scopes=["card.list"], now=NOW)
            with pytest.raises(InvalidQuery):
                await grant_consent(sqlite_engine, c, CUSTOMER, kb, days=400, now=NOW)
            return await sync_customer(sqlite_engine, c, CUSTOMER, now=NOW)

    assert run(go()).ok
    with session_scope(sqlite_engine) as s:
        assert s.execute(select(func.count()).select_from(Loan)).scalar() == 0
        assert balances(s, CUSTOMER, now=NOW).accounts


def test_expired_consent_data_is_purged(sqlite_engine, sandbox):
    run(link(sqlite_engine, sandbox, "demo-retiree"))

    async def go():
        async with client() as c:
            await sync_customer(sqlite_engine, c, "demo-retiree", now=NOW)

    run(go())
    woori = "B0010003"
    expire_consent_now(sqlite_engine, "demo-retiree", woori, NOW)
    records = purge_expired(sqlite_engine, NOW + timedelta(seconds=1))
    assert [(r.org_code, r.reason) for r in records] == [(woori, "expired")]
    assert not any(org == woori for _, org in counts(sqlite_engine, "demo-retiree"))
    with sqlite_engine.connect() as conn:
        stored = json.loads(conn.execute(select(DeletionRecord.rows_deleted)).scalar())
    assert stored["transactions"] > 0
