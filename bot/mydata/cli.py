"""`python -m bot.mydata ...`: seed the sandbox, run it, link customers, sync, show a summary.

  init-db                      create the schema (idempotent) and point institutions at the sandbox
  seed --customers N           fix the sandbox's seed, size and date in var/sandbox.json
  sandbox --port 8710          run the sandbox institutions until interrupted
  consent --demo|--all|--customer ID [--org CODE ...]
  sync --demo|--all|--customer ID
  summary --customer ID        what the chat would know about one customer
  reads --customer ID          who read that customer's data, for what, when (newest first)
  revoke --customer ID --org CODE
  demo                         seed if needed, link and sync the demo customers (idempotent)
  rotate-key [--reencrypt-only]  a new store key first in the key file, every secret re-encrypted under it

DATABASE_URL picks the store (default sqlite:///var/mydata.sqlite3); MYDATA_SANDBOX_URL the sandbox.
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from datetime import date, datetime, timezone

from tqdm import tqdm

from bot.mydata import analytics, vault
from bot.mydata.audit import access_log, reading_as
from bot.mydata.client import MyDataClient
from bot.mydata.consent import grant_consents, list_consents, register_customer, revoke_consent
from bot.mydata.db import create_schema, database_url, get_engine, require_schema, session_scope
from bot.mydata.demo import DEMO_PERSONAS, DEMO_UNLINKED, link_customer, setup_demo
from bot.mydata.errors import MyDataError
from bot.mydata.profile import credit_profile
from bot.mydata.sandbox.app import SandboxClock, SandboxServer, SandboxState, serve_forever
from bot.mydata.sandbox.generator import DEMO_CUSTOMERS
from bot.mydata.sandbox.manifest import MANIFEST_PATH, load_config, load_or_seed, seed
from bot.mydata.service import sandbox_url
from bot.mydata.sync import sync_customers
from bot.mydata.timefmt import KST, now_kst
from bot.mydata.upgrade import compact, reencrypt_store


def won(amount: int | None) -> str:
    return "-" if amount is None else f"{amount:,}원"


def _customers(args, config) -> list[str]:
    if getattr(args, "customer", None):
        return [args.customer]
    if getattr(args, "all", False):
        return config.customer_ids()
    return list(DEMO_CUSTOMERS)


def _add_who(parser: argparse.ArgumentParser) -> None:
    who = parser.add_mutually_exclusive_group()
    who.add_argument("--customer", help="one customer id (demo-salaried, cust-000001, ...)")
    who.add_argument("--demo", action="store_true", help="the demo customers (default)")
    who.add_argument("--all", action="store_true", help="every customer of the seeded sandbox")


async def _reachable(url: str) -> bool:
    import aiohttp

    try:
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{url}/_sandbox/info", timeout=aiohttp.ClientTimeout(total=2)) as resp:
                return resp.status == 200
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError):
        return False


def cmd_init_db(args) -> int:
    engine = get_engine()
    create_schema(engine, args.sandbox_url)
    print(f"schema ready at {engine.url.render_as_string(hide_password=True)}")
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


def cmd_seed(args) -> int:
    config = seed(args.customers, args.seed, date.fromisoformat(args.as_of) if args.as_of else None)
    print(f"sandbox seeded: seed={config.seed} customers={config.customers} (+{len(DEMO_CUSTOMERS)} demo) "
          f"as_of={config.as_of} -> {MANIFEST_PATH}")
    return 0


def cmd_sandbox(args) -> int:
    config = load_or_seed()
    clock = SandboxClock(datetime.fromisoformat(args.fixed_clock).replace(tzinfo=KST) if args.fixed_clock else None)
    print(f"sandbox on http://{args.host}:{args.port} seed={config.seed} customers={config.customers} "
          f"as_of={config.as_of}", flush=True)
    serve_forever(SandboxState(config, clock, cache_size=args.cache), args.host, args.port)
    return 0


async def _consent(args) -> int:
    config = load_or_seed()
    engine = get_engine()
    create_schema(engine, args.sandbox_url)
    customers = _customers(args, config)
    gate = asyncio.Semaphore(args.concurrency)
    linked = 0
    async with MyDataClient() as client:
        bar = tqdm(total=len(customers), desc="consents", unit="customer", file=sys.stderr)

        async def one(customer_id: str) -> None:
            nonlocal linked
            async with gate:
                leave_out = {DEMO_UNLINKED[customer_id]} if customer_id in DEMO_UNLINKED and not args.org else set()
                if args.org:
                    await register_customer(engine, client, args.sandbox_url, customer_id)
                    await grant_consents(engine, client, customer_id, args.org)
                    linked += len(args.org)
                else:
                    linked += len(await link_customer(engine, client, args.sandbox_url, customer_id, leave_out))
            bar.update()

        await asyncio.gather(*(one(c) for c in customers))
        bar.close()
    print(f"{linked} consents granted for {len(customers)} customers")
    return 0


async def _sync(args) -> int:
    config = load_or_seed()
    engine = require_schema(get_engine())
    customers = _customers(args, config)
    bar = tqdm(total=len(customers), desc="sync", unit="customer", file=sys.stderr)
    failures: list[tuple[str, str, str | None]] = []

    def done(result) -> None:
        bar.update()
        failures.extend((result.customer_id, r.org_code, r.error) for r in result.institutions if not r.ok)

    async with MyDataClient() as client:
        results = await sync_customers(engine, client, customers, concurrency=args.concurrency, on_done=done)
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
        print(f"== {customer_id} ({DEMO_PERSONAS.get(customer_id, 'generated customer')})")
        for c in consents:
            fresh = c.last_success_at.astimezone(KST).strftime("%Y-%m-%d %H:%M") if c.last_success_at else "never"
            error = f"  last error: {c.last_error}" if c.last_error else ""
            print(f"  consent {c.institution:<10} until {c.expires_at.astimezone(KST):%Y-%m-%d}  synced {fresh}{error}")
        b = analytics.balances(s, customer_id, now=now)
        print(f"\n잔액 합계 {won(b.total)}")
        for a in b.accounts:
            print(f"  {a.institution:<10} {a.kind_label:<4} {a.prod_name:<24} {a.account_masked:<20} {won(a.balance)}")
        nw = analytics.net_worth(s, customer_id, now=now)
        print(f"\n순자산 {won(nw.net)} (자산 {won(nw.assets)} - 부채 {won(nw.debts)})  {nw.by_kind}")
        today = now.astimezone(KST).date()
        sp = analytics.spending(s, customer_id, today.replace(day=1), today, now=now)
        print(f"\n이번 달 지출 {won(sp.total)}: " + ", ".join(f"{c.category} {won(c.amount)}" for c in sp.by_category[:6]))
        inc = analytics.income(s, customer_id, now=now)
        print(f"\n월급 {won(inc.monthly_salary)} (매월 {inc.salary_day}일)" if inc.monthly_salary else "\n월급 감지 안 됨")
        for st in inc.streams[:4]:
            print(f"  {st.kind:<16} {st.source:<18} 월평균 {won(st.monthly_average)}")
        rec = analytics.recurring_payments(s, customer_id, now=now)
        print(f"\n정기 지출 월 {won(rec.monthly_total)} (구독 {won(rec.subscriptions_total)})")
        for r in rec.items:
            print(f"  {r.name:<16} {r.category or '-':<4} 매월 {r.typical_day:>2}일 {won(r.last_amount)}")
        bills = analytics.card_bills(s, customer_id, now=now)
        print(f"\n카드 결제 예정 {won(bills.total_due)} (다음 {bills.next_due_date})  미청구 {bills.unbilled_by_institution}")
        loans = analytics.loan_summary(s, customer_id, now=now)
        for x in loans.loans:
            rate = "-" if x.rate_bp is None else f"{x.rate_bp / 100:.2f}%"
            print(f"  대출 {x.institution:<8} {x.prod_name:<22} 잔액 {won(x.balance)} 금리 {rate} "
                  f"다음 {x.next_repay_date} {won(x.next_repay_amount)}" + (f" 연체 {x.overdue_days}일" if x.overdue_days else ""))
        inv = analytics.investment_summary(s, customer_id, now=now)
        if inv.holdings:
            print(f"\n투자 평가 {won(inv.eval_total)} 수익률 {inv.return_pct}%")
        ins = analytics.insurance_summary(s, customer_id, now=now)
        for p in ins.policies:
            print(f"  보험 {p.institution:<8} {p.prod_name:<20} 월 {won(p.monthly_premium)}")
        prof = credit_profile(s, customer_id, now=now)
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
    print(f"revoked {args.customer} {args.org}: deleted {info.rows_deleted} (institution confirmed: {info.remote_revoked})")
    return 0


async def _demo(args) -> int:
    config = load_config()
    if config is None:
        config = seed(customers=args.customers)
        print(f"seeded sandbox: seed={config.seed} as_of={config.as_of}")
    engine = get_engine()
    create_schema(engine, args.sandbox_url)
    server = None
    if not await _reachable(args.sandbox_url):
        port = int(args.sandbox_url.rsplit(":", 1)[1].split("/")[0])
        server = SandboxServer(SandboxState(config), port=port).start()
        print(f"no sandbox at {args.sandbox_url}; started one in-process for this run "
              f"(run `python -m bot.mydata sandbox --port {port}` to keep one up)")
    try:
        async with MyDataClient() as client:
            results = await setup_demo(engine, client, args.sandbox_url)
    finally:
        if server is not None:
            server.stop()
    for r in results:
        state = "ok" if r.ok else "; ".join(f"{i.org_code}: {i.error}" for i in r.institutions if not i.ok)
        print(f"{r.customer_id:<14} {len(r.institutions)} institutions, {r.new_records} new records, {state}")
        print(f"  {DEMO_PERSONAS[r.customer_id]}")
    print(f"store: {database_url()}")
    return 0 if all(r.ok for r in results) else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.mydata", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("init-db")
    p.add_argument("--sandbox-url", default=sandbox_url())
    p = sub.add_parser("seed")
    p.add_argument("--customers", type=int, default=1000)
    p.add_argument("--seed", type=int, default=20240601)
    p.add_argument("--as-of", help="YYYY-MM-DD, default today (Seoul)")
    p = sub.add_parser("sandbox")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8710)
    p.add_argument("--fixed-clock", help="serve as if it were this Seoul time (YYYY-MM-DDTHH:MM:SS)")
    p.add_argument("--cache", type=int, default=512, help="customer books kept in memory")
    p = sub.add_parser("consent")
    _add_who(p)
    p.add_argument("--org", nargs="*", help="org codes (default: every institution holding assets)")
    p.add_argument("--concurrency", type=int, default=8)
    p.add_argument("--sandbox-url", default=sandbox_url())
    p = sub.add_parser("sync")
    _add_who(p)
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
    p.add_argument("--reencrypt-only", action="store_true", help="keep the keys as configured, re-encrypt only")
    p = sub.add_parser("demo")
    p.add_argument("--sandbox-url", default=sandbox_url())
    p.add_argument("--customers", type=int, default=1000, help="generated customers if seeding now")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    handlers = {"init-db": cmd_init_db, "seed": cmd_seed, "sandbox": cmd_sandbox, "summary": cmd_summary,
                "reads": cmd_reads, "rotate-key": cmd_rotate_key,
                "consent": lambda a: asyncio.run(_consent(a)), "sync": lambda a: asyncio.run(_sync(a)),
                "revoke": lambda a: asyncio.run(_revoke(a)), "demo": lambda a: asyncio.run(_demo(a))}
    try:
        return handlers[args.command](args)
    except MyDataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


