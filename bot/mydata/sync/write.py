"""Writing: one institution's snapshot stored in one transaction that first claims its consent, or
the failure recorded while its last good data stays.

Few, reused statements on one connection per institution keep a 10,000-customer sync fast; the
whole institution still commits or rolls back as one transaction.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timezone

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.engine import Connection

from bot.mydata.client import TokenSet
from bot.mydata.errors import ConsentRequired
from bot.mydata.store.bulk import bulk_insert, insert_returning_ids, statement
from bot.mydata.store.models import (
    Account,
    Balance,
    Card,
    CardApproval,
    CardBill,
    Consent,
    Holding,
    InsurancePolicy,
    Loan,
    LoanTransaction,
    SyncCursor,
    SyncRun,
    Token,
    Transaction,
)
from bot.mydata.sync.context import ConsentContext
from bot.mydata.sync.fetch import Snapshot

NULLABLE_ON_UPDATE = {"matures_on", "next_repay_date", "next_repay_amt", "closed_at"}


def _fill(model, rows: list[dict]) -> list[dict]:
    """Gives every row the same keys (executemany needs that), using column defaults for gaps."""
    keys = set().union(*rows)
    defaults = {}
    for key in keys:
        default = model.__table__.c[key].default
        defaults[key] = default.arg if default is not None and not callable(default.arg) else None
    return [{k: (r[k] if k in r else defaults[k]) for k in keys} for r in rows]


def _diff(stored: dict, record: dict) -> dict:
    return {k: v for k, v in record.items()
            if stored.get(k) != v and (v is not None or k in NULLABLE_ON_UPDATE)}


def _update_rows(conn, model, updates: list[tuple[int, dict]]) -> None:
    """Changed rows by id, one executemany per set of changed columns (one round trip, not one a row)."""
    by_columns: dict[tuple[str, ...], list[dict]] = defaultdict(list)
    for row_id, changes in updates:
        by_columns[tuple(sorted(changes))].append({"row_id": row_id,
                                                   **{f"v_{k}": v for k, v in changes.items()}})
    for keys, params in by_columns.items():
        stmt = statement(("update", model, keys), lambda: update(model).where(model.id == bindparam("row_id"))
                         .values({k: bindparam(f"v_{k}", type_=model.__table__.c[k].type) for k in keys}))
        conn.execute(stmt, params)


def _write_parents(conn, model, key_cols: tuple[str, ...], records: list[dict], stored: dict, now: datetime,
                   want_ids: bool = True) -> dict[tuple, int]:
    """Inserts new parent rows in one statement, updates changed ones; returns natural key -> id."""
    ids, new, updates = {}, [], []
    stamped = hasattr(model, "updated_at")
    for record in records:
        key = tuple(record[c] for c in key_cols)
        old = stored.get(key if len(key) > 1 else key[0])
        if old is None:
            new.append({**record, "updated_at": now} if stamped else record)
            continue
        ids[key] = old["id"]
        changes = _diff(old, record)
        if changes:
            if stamped:
                changes["updated_at"] = now
            updates.append((old["id"], changes))
    _update_rows(conn, model, updates)
    if new and want_ids:
        ids.update(insert_returning_ids(conn, model.__table__, _fill(model, new), key_cols))
    elif new:
        bulk_insert(conn, model.__table__, _fill(model, new))
    return ids


def _close_unlisted(conn, model, stored: dict, listed: set | None, now: datetime) -> list[int]:
    """Stored rows the institution no longer lists are marked closed: kept for their history (past
    spending, repayments), left out of what is live (balances, debts, linked assets)."""
    if listed is None:
        return []
    gone = [row["id"] for key, row in stored.items() if key not in listed and row.get("closed_at") is None]
    _update_rows(conn, model, [(row_id, {"closed_at": now, "updated_at": now}) for row_id in gone])
    return gone


def _insert_children(conn, model, parent_col, batches: list[tuple[int, bool, list[dict]]], key_col: str,
                     time_col: str) -> int:
    """Inserts children not stored yet; batches are (parent id, parent was stored before, rows)."""
    known_parents = [pid for pid, known, rows in batches if known and rows]
    seen: set[tuple[int, str]] = set()
    if known_parents:
        earliest = min(r[time_col] for pid, known, rows in batches if known for r in rows)
        query = statement(("children", model), lambda: select(parent_col, getattr(model, key_col)).where(
            parent_col.in_(bindparam("ids", expanding=True)),
            getattr(model, time_col) >= bindparam("since", type_=getattr(model, time_col).type)))
        seen = set(map(tuple, conn.execute(query, {"ids": known_parents, "since": earliest})))
    fresh = []
    name = parent_col.key
    for pid, _, rows in batches:
        for r in rows:
            mark = (pid, r[key_col])
            if mark not in seen:
                seen.add(mark)
                r[name] = pid
                fresh.append(r)
    bulk_insert(conn, model.__table__, fresh)
    return len(fresh)


def _store_tokens_core(conn, consent_id: int, tokens: TokenSet) -> None:
    columns = ("access_token", "refresh_token", "access_expires_at", "refresh_expires_at", "updated_at")
    stmt = statement(("store_tokens",), lambda: update(Token).where(
        Token.consent_id == bindparam("b_consent_id")).values(
        {name: bindparam(f"v_{name}", type_=Token.__table__.c[name].type) for name in columns}))
    conn.execute(stmt, {"b_consent_id": consent_id, "v_access_token": tokens.access_token,
                        "v_refresh_token": tokens.refresh_token,
                        "v_access_expires_at": tokens.access_expires_at,
                        "v_refresh_expires_at": tokens.refresh_expires_at,
                        "v_updated_at": datetime.now(timezone.utc)})


def _claim_consent(conn: Connection, ctx: ConsentContext, now: datetime) -> None:
    """Marks the consent synced, only if it is still active with the scopes the data was fetched under.

    Being the transaction's first write, it also takes the consent's row lock (PostgreSQL) or the
    database's write lock (SQLite) before anything is stored, so a revocation, expiry or scope change
    that lands while data was in flight wins and nothing is stored for it. On PostgreSQL the same
    statement turns off waiting for the WAL flush at commit for this transaction only: a commit lost
    in a crash is fetched again by the next (idempotent) sync.
    """
    postgres = conn.dialect.name == "postgresql"

    def build():
        when = Consent.expires_at.type
        stmt = (update(Consent).where(Consent.id == bindparam("consent_id"), Consent.revoked_at.is_(None),
                                      Consent.expires_at > bindparam("v_now", type_=when),
                                      Consent.scopes == bindparam("v_scopes"))
                .values(last_success_at=bindparam("v_now", type_=when),
                        last_attempt_at=bindparam("v_now", type_=when), last_error=None))
        return stmt.returning(func.set_config("synchronous_commit", "off", True)) if postgres else stmt

    result = conn.execute(statement(("claim_consent", postgres), build),
                          {"consent_id": ctx.consent_id, "v_now": now, "v_scopes": ctx.scope_text})
    if result.rowcount != 1:
        raise ConsentRequired(ctx.customer_id, ctx.org_code)


def _store_approvals(conn, ctx: ConsentContext, snap: Snapshot, card_ids: dict) -> int:
    """New approvals are inserted; a known approval whose status changed (a cancellation) is updated."""
    batches = [(card_ids[(c,)], c in ctx.cards, rows) for c, rows in snap.approvals.items()]
    known = [(pid, rows) for pid, was, rows in batches if was and rows]
    stored_status = {}
    if known:
        earliest = min(r["approved_at"] for _, rows in known for r in rows)
        query = statement(("approval_status",), lambda: select(
            CardApproval.id, CardApproval.card_pk, CardApproval.approved_num, CardApproval.status).where(
            CardApproval.card_pk.in_(bindparam("ids", expanding=True)),
            CardApproval.approved_at >= bindparam("since", type_=CardApproval.approved_at.type)))
        stored_status = {(r.card_pk, r.approved_num): (r.id, r.status) for r in conn.execute(
            query, {"ids": [pid for pid, _ in known], "since": earliest})}
    fresh, changed = [], []
    for pid, _, rows in batches:
        for r in rows:
            hit = stored_status.get((pid, r["approved_num"]))
            if hit is None:
                stored_status[(pid, r["approved_num"])] = (None, r["status"])
                r["card_pk"] = pid
                fresh.append(r)
            elif hit[0] is not None and hit[1] != r["status"]:
                changed.append((hit[0], {"status": r["status"], "cancelled_at": r["cancelled_at"]}))
    _update_rows(conn, CardApproval, changed)
    bulk_insert(conn, CardApproval.__table__, fresh)
    return len(fresh)


def write_snapshot(conn: Connection, snap: Snapshot, now: datetime, started: datetime, api_calls: int,
                   refreshed: TokenSet | None) -> tuple[int, int]:
    """Stores one institution's snapshot in a single transaction; returns (new transactions, new
    approvals)."""
    ctx = snap.ctx
    with conn.begin():
        _claim_consent(conn, ctx, now)
        # accounts, balance history, transactions, holdings
        account_ids = _write_parents(conn, Account, ("account_key", "seqno"), snap.accounts, ctx.accounts,
                                     now)
        balances = []
        for record in snap.accounts:
            key = (record["account_key"], record["seqno"])
            old = ctx.accounts.get(key)
            if record.get("balance") is not None and (old is None or old["balance"] != record["balance"]):
                balances.append({"account_id": account_ids[key], "customer_id": ctx.customer_id,
                                 "org_code": ctx.org_code, "observed_at": now, "balance": record["balance"]})
        bulk_insert(conn, Balance.__table__, balances)
        new_txns = _insert_children(conn, Transaction, Transaction.account_id,
                                    [(account_ids[k], k in ctx.accounts, rows)
                                     for k, rows in snap.transactions.items()],
                                    "trans_no", "occurred_at")
        closed_accounts = _close_unlisted(conn, Account, ctx.accounts, snap.listed_accounts, now)
        holder_ids = [account_ids[(key, "01")] for key in snap.holdings] + closed_accounts
        if holder_ids:
            conn.execute(statement(("holdings_delete",), lambda: delete(Holding).where(
                Holding.account_id.in_(bindparam("ids", expanding=True)))), {"ids": holder_ids})
        if snap.holdings:
            bulk_insert(conn, Holding.__table__,
                        [{**r, "account_id": account_ids[(key, "01")], "updated_at": now}
                         for key, items in snap.holdings.items() for r in items])
        # loans and repayments
        loan_ids = _write_parents(conn, Loan, ("account_key",), snap.loans, ctx.loans, now)
        _close_unlisted(conn, Loan, ctx.loans, snap.listed_loans, now)
        _insert_children(conn, LoanTransaction, LoanTransaction.loan_id,
                         [(loan_ids[(n,)], n in ctx.loans, rows)
                          for n, rows in snap.loan_transactions.items()],
                         "trans_no", "occurred_at")
        # cards, approvals, bills, insurance
        card_ids = _write_parents(conn, Card, ("card_id",), snap.cards, ctx.cards, now)
        _close_unlisted(conn, Card, ctx.cards, snap.listed_cards, now)
        new_approvals = _store_approvals(conn, ctx, snap, card_ids)
        _write_parents(conn, CardBill, ("charge_month", "seqno"), snap.bills, ctx.bills, now, want_ids=False)
        _write_parents(conn, InsurancePolicy, ("insu_key",), snap.policies, ctx.policies, now, want_ids=False)
        _close_unlisted(conn, InsurancePolicy, ctx.policies, snap.listed_policies, now)
        # cursors, tokens and the run itself
        bulk_insert(conn, SyncCursor.__table__, [
            {"customer_id": ctx.customer_id, "org_code": ctx.org_code, "resource": resource,
             "search_timestamp": stamp}
            for resource, stamp in snap.cursors.items() if resource not in ctx.cursors])
        moved = [{"cid": ctx.customer_id, "org": ctx.org_code, "b_resource": resource, "stamp": stamp}
                 for resource, stamp in snap.cursors.items()
                 if resource in ctx.cursors and ctx.cursors[resource] != stamp]
        if moved:
            conn.execute(statement(("cursor_update",), lambda: update(SyncCursor).where(
                SyncCursor.customer_id == bindparam("cid"), SyncCursor.org_code == bindparam("org"),
                SyncCursor.resource == bindparam("b_resource")).values(search_timestamp=bindparam("stamp"))),
                moved)
        if refreshed is not None:
            _store_tokens_core(conn, ctx.consent_id, refreshed)
        bulk_insert(conn, SyncRun.__table__, [{
            "customer_id": ctx.customer_id, "org_code": ctx.org_code, "consent_id": ctx.consent_id,
            "started_at": started, "finished_at": datetime.now(timezone.utc), "status": "ok", "error": None,
            "api_calls": api_calls, "new_transactions": new_txns, "new_approvals": new_approvals}])
    return new_txns, new_approvals


def record_failure(conn: Connection, ctx: ConsentContext, error: str, now: datetime, started: datetime,
                   api_calls: int, refreshed: TokenSet | None) -> None:
    """Keeps the last good data and notes why this attempt failed."""
    with conn.begin():
        conn.execute(update(Consent).where(Consent.id == ctx.consent_id, Consent.revoked_at.is_(None)).values(
            last_attempt_at=now, last_error=error[:500]))
        if refreshed is not None:
            _store_tokens_core(conn, ctx.consent_id, refreshed)
        conn.execute(insert(SyncRun).values(
            customer_id=ctx.customer_id, org_code=ctx.org_code, consent_id=ctx.consent_id, started_at=started,
            finished_at=datetime.now(timezone.utc), status="failed", error=error[:2000], api_calls=api_calls))
