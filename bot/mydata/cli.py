"""`python -m bot.mydata ...`: the MyData store's commands: create it, sync, show, revoke, rotate its key.

  init-db                      create the schema (idempotent) and point institutions at MYDATA_API_BASE_URL
  upgrade                      create the store or bring it to the newest migration, keeping its data
  sync --customer ID           fetch what the customer consented to, now
  summary --customer ID        what the chat would know about one customer
  reads --customer ID          who read that customer's data, for what, when (newest first)
  revoke --customer ID --org CODE
  rotate-key [--reencrypt-only]  a new store key first in the key file, every secret re-encrypted under it

DATABASE_URL picks the store (default sqlite:///var/mydata.sqlite3); MYDATA_API_BASE_URL the institutions
(default http://127.0.0.1:8710).
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys

from tqdm import tqdm

from bot.korean.calendar import KST, now_kst
from bot.mydata.analytics.balances import balances, net_worth
from bot.mydata.analytics.cards import card_bills
from bot.mydata.analytics.income import income
from bot.mydata.analytics.insurance import insurance_summary
from bot.mydata.analytics.investments import investment_summary
from bot.mydata.analytics.loans import loan_summary
from bot.mydata.analytics.profile import credit_facts
from bot.mydata.analytics.recurring import recurring_payments
from bot.mydata.analytics.spending import spending
from bot.mydata.audit import access_log, reading_as
from bot.mydata.client import MyDataClient
from bot.mydata.consent import list_consents, revoke_consent
from bot.mydata.errors import MyDataError
from bot.mydata.service import api_base_url
from bot.mydata.store import vault
from bot.mydata.store.db import create_schema, get_engine, require_schema, schema_exists, session_scope
from bot.mydata.store.migrate import store_revision
from bot.mydata.store.rotation import compact, reencrypt_store
from bot.mydata.sync.run import sync_customers


def won(amount: int | None) -> str:
    return "-" if amount is None else f"{amount:,}원"


def cmd_init_db(args) -> int:
    engine = get_engine()
    create_schema(engine, args.api_base_url)
    print(f"schema ready at {engine.url.render_as_string(hide_password=True)}")
    return 0


def cmd_upgrade(args) -> int:
    engine = get_engine()
    before = (store_revision(engine) or "made before Alembic") if schema_exists(engine) else "new store"
    create_schema(engine)
    print(f"MyData store at {engine.url.render_as_string(hide_password=True)}: {before} -> "
          f"{store_revision(engine)} (newest)")
    return 0


def cmd_rotate_key(args) -> int:
    engine = require_schema(get_engine())
    if not args.reencrypt_only:
        if os.environ.get(vault.KEY_ENV):
            print(f"error: {vault.KEY_ENV} is set, so the key file is not used: put a new key "
                  "(Fernet.generate_key()) first in it, keep the old ones after it, and run "
                  "`rotate-key --reencrypt-only`", file=sys.stderr)
            return 2
        vault.add_key_to_file()
    with session_scope(engine) as session:
        reencrypt_store(session)
    compact(engine)
    print(f"every token and number re-encrypted with the first key from {vault.vault().source}; "
          "older keys are no longer needed by this store")
    return 0


def sync_and_report(customer_ids: list[str], concurrency: int) -> int:
    """Syncs the customers with a progress bar and prints what failed; 1 if anything did."""
    return asyncio.run(_sync(customer_ids, concurrency))


async def _sync(customers: list[str], concurrency: int) -> int:
    engine = require_schema(get_engine())
    bar = tqdm(total=len(customers), desc="sync", unit="customer", file=sys.stderr)
    failures: list[tuple[str, str, str | None]] = []

    def done(result) -> None:
        bar.update()
        failures.extend((result.customer_id, r.org_code, r.error) for r in result.institutions if not r.ok)

    async with MyDataClient() as client:
        results = await sync_customers(engine, client, customers, concurrency=concurrency, on_done=done)
    bar.close()
    print(f"synced {len(results)} customers, {sum(r.new_records for r in results)} new records, "
          f"{len(failures)} institution failures")
    for customer_id, org, error in failures[:20]:
        print(f"  {customer_id} {org}: {error}")
    return 1 if failures else 0


def cmd_summary(args) -> int:
    now = now_kst()
    customer_id = args.customer
    with reading_as("cli"), session_scope(require_schema(get_engine())) as s:
        consents = list_consents(s, customer_id, now)
        print(f"== {customer_id}")
        for c in consents:
            fresh = (
                c.last_success_at.astimezone(KST).strftime("%Y-%m-%d %H:%M") if c.last_success_at else "never"
            )
            error = f"  last error: {c.last_error}" if c.last_error else ""
            print(
                f"  consent {c.institution:<10} until {c.expires_at.astimezone(KST):%Y-%m-%d}  synced "
                f"{fresh}{error}"
            )
        b = balances(s, customer_id, now=now)
        print(f"\n잔액 합계 {won(b.total)}")
        for a in b.accounts:
            print(
                f"  {a.institution:<10} {a.kind_label:<4} {a.prod_name:<24} {a.account_masked:<20} "
                f"{won(a.balance)}"
            )
        nw = net_worth(s, customer_id, now=now)
        print(f"\n순자산 {won(nw.net)} (자산 {won(nw.assets)} - 부채 {won(nw.debts)})  {nw.by_kind}")
        today = now.astimezone(KST).date()
        sp = spending(s, customer_id, today.replace(day=1), today, now=now)
        print(
            f"\n이번 달 지출 {won(sp.total)}: "
            + ", ".join(f"{c.category} {won(c.amount)}" for c in sp.by_category[:6])
        )
        inc = income(s, customer_id, now=now)
        print(
            f"\n월급 {won(inc.monthly_salary)} (매월 {inc.salary_day}일)"
            if inc.monthly_salary
            else "\n월급 감지 안 됨"
        )
        for st in inc.streams[:4]:
            print(f"  {st.kind:<16} {st.source:<18} 월평균 {won(st.monthly_average)}")
        rec = recurring_payments(s, customer_id, now=now)
        print(f"\n정기 지출 월 {won(rec.monthly_total)} (구독 {won(rec.subscriptions_total)})")
        for r in rec.items:
            print(f"  {r.name:<16} {r.category or '-':<4} 매월 {r.typical_day:>2}일 {won(r.last_amount)}")
        bills = card_bills(s, customer_id, now=now)
        print(
            f"\n카드 결제 예정 {won(bills.total_due)} (다음 {bills.next_due_date})  미청구 "
            f"{bills.unbilled_by_institution}"
        )
        loans = loan_summary(s, customer_id, now=now)
        for x in loans.loans:
            rate = "-" if x.rate_bp is None else f"{x.rate_bp / 100:.2f}%"
            print(
                f"  대출 {x.institution:<8} {x.prod_name:<22} 잔액 {won(x.balance)} 금리 {rate} "
                f"다음 {x.next_repay_date} {won(x.next_repay_amount)}"
                + (f" 연체 {x.overdue_days}일" if x.overdue_days else "")
            )
        inv = investment_summary(s, customer_id, now=now)
        if inv.holdings:
            print(f"\n투자 평가 {won(inv.eval_total)} 수익률 {inv.return_pct}%")
        ins = insurance_summary(s, customer_id, now=now)
        for p in ins.policies:
            print(f"  보험 {p.institution:<8} {p.prod_name:<20} 월 {won(p.monthly_premium)}")
        prof = credit_facts(s, customer_id, now=now)
        print(f"\n신용 프로필: 연체 12개월 {prof.delinquencies_12m}건 / 24개월 {prof.delinquencies_24m}건, "
              f"카드 한도 {won(prof.card_limit_total)}, 최근 3개월 카드 {won(prof.card_spending_3m)}, "
              f"거래 기간 {prof.account_age_months}개월")
    return 0


def cmd_reads(args) -> int:
    with session_scope(require_schema(get_engine())) as s:
        reads = access_log(s, args.customer, args.limit)
    for r in reads:
        print(f"{r.accessed_at:%Y-%m-%d %H:%M:%S} {r.reader:<12} {r.purpose:<20} {' '.join(r.org_codes)}")
    print(f"{len(reads)} reads of {args.customer}'s data shown (newest first)")
    return 0


async def _revoke(args) -> int:
    async with MyDataClient() as client:
        info = await revoke_consent(require_schema(get_engine()), client, args.customer, args.org)
    print(
        f"revoked {args.customer} {args.org}: deleted {info.rows_deleted} (institution confirmed: "
        f"{info.remote_revoked})"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.mydata", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("init-db")
    p.add_argument("--api-base-url", default=api_base_url())
    sub.add_parser("upgrade")
    p = sub.add_parser("sync")
    p.add_argument("--customer", required=True)
    p.add_argument("--concurrency", type=int, default=16)
    p = sub.add_parser("summary")
    p.add_argument("--customer", required=True)
    p = sub.add_parser("reads")
    p.add_argument("--customer", required=True)
    p.add_argument("--limit", type=int, default=50)
    p = sub.add_parser("revoke")
    p.add_argument("--customer", required=True)
    p.add_argument("--org", required=True)
    p = sub.add_parser("rotate-key")
    p.add_argument(
        "--reencrypt-only", action="store_true", help="keep the keys as configured, re-encrypt only"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    handlers = {
        "init-db": cmd_init_db,
        "upgrade": cmd_upgrade,
        "summary": cmd_summary,
        "reads": cmd_reads,
        "rotate-key": cmd_rotate_key,
        "sync": lambda a: sync_and_report([a.customer], a.concurrency),
        "revoke": lambda a: asyncio.run(_revoke(a)),
    }
    try:
        return handlers[args.command](args)
    except MyDataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


