"""`python -m sandbox ...`: the fake MyData institutions and the demo customers (development, tests, demos).

  seed --customers N           fix the sandbox's seed, size and date in var/sandbox.json
  serve --port 8710            run the sandbox institutions until interrupted
  consent --demo|--all|--customer ID [--org CODE ...]   consent on the customers' behalf
  sync --demo|--all|--customer ID                       `python -m bot.mydata sync` for each of them
  demo                         seed if needed, link and sync the demo customers (idempotent)
  tokens [--customer ID]       signed customer tokens for the demo customers

MYDATA_API_BASE_URL is where the institutions answer (default http://127.0.0.1:8710), DATABASE_URL the
store, MYDATA_SANDBOX_MANIFEST the seed manifest (default var/sandbox.json).
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from datetime import date, datetime

import aiohttp
from tqdm import tqdm

from bot.auth.cli import print_tokens
from bot.auth.tokens import SECRET_ENV as TOKEN_SECRET_ENV
from bot.mydata.cli import sync_and_report
from bot.mydata.client import MyDataClient
from bot.mydata.consent import grant_consents, register_customer
from bot.mydata.credentials import CLIENT_SECRET_ENV
from bot.mydata.store.db import create_schema, database_url, get_engine
from bot.mydata.errors import MyDataError
from bot.mydata.service import api_base_url
from bot.korean.calendar import KST
from sandbox.app import SandboxClock, SandboxServer, SandboxState, serve_forever
from sandbox.config import SandboxConfig
from sandbox.demo import DEMO_CUSTOMERS
from sandbox.linking import left_unlinked, link_customer, setup_demo
from sandbox.manifest import MANIFEST_PATH, load_config, load_or_seed, seed
from scripts import dev_secret


def _customers(args, config: SandboxConfig) -> list[str]:
    if args.customer:
        return [args.customer]
    if args.all:
        return config.customer_ids()
    return list(DEMO_CUSTOMERS)


def _add_who(parser: argparse.ArgumentParser) -> None:
    who = parser.add_mutually_exclusive_group()
    who.add_argument("--customer", help="one customer id (demo-salaried, cust-000001, ...)")
    who.add_argument("--demo", action="store_true", help="the demo customers (default)")
    who.add_argument("--all", action="store_true", help="every customer of the seeded sandbox")


async def _reachable(url: str) -> bool:
    try:
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{url}/_sandbox/info", timeout=aiohttp.ClientTimeout(total=2)) as resp:
                return resp.status == 200
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError):
        return False


def cmd_seed(args) -> int:
    config = seed(args.customers, args.seed, date.fromisoformat(args.as_of) if args.as_of else None)
    print(f"sandbox seeded: seed={config.seed} customers={config.customers} (+{len(DEMO_CUSTOMERS)} demo) "
          f"as_of={config.as_of} -> {MANIFEST_PATH}")
    return 0


def cmd_serve(args) -> int:
    config = load_or_seed()
    clock = SandboxClock(datetime.fromisoformat(args.fixed_clock).replace(tzinfo=KST) if args.fixed_clock else None)
    print(f"sandbox on http://{args.host}:{args.port} seed={config.seed} customers={config.customers} "
          f"as_of={config.as_of}", flush=True)
    serve_forever(SandboxState(config, clock, cache_size=args.cache), args.host, args.port)
    return 0


async def _consent(args) -> int:
    config = load_or_seed()
    engine = get_engine()
    create_schema(engine, args.api_base_url)
    customers = _customers(args, config)
    gate = asyncio.Semaphore(args.concurrency)
    linked = 0
    async with MyDataClient() as client:
        bar = tqdm(total=len(customers), desc="consents", unit="customer", file=sys.stderr)

        async def one(customer_id: str) -> None:
            nonlocal linked
            async with gate:
                if args.org:
                    await register_customer(engine, client, args.api_base_url, customer_id)
                    await grant_consents(engine, client, customer_id, args.org)
                    linked += len(args.org)
                else:
                    linked += len(await link_customer(engine, client, args.api_base_url, customer_id,
                                                      left_unlinked(customer_id)))
            bar.update()

        await asyncio.gather(*(one(c) for c in customers))
        bar.close()
    print(f"{linked} consents granted for {len(customers)} customers")
    return 0


def cmd_sync(args) -> int:
    return sync_and_report(_customers(args, load_or_seed()), args.concurrency)


async def _demo(args) -> int:
    config = load_config()
    if config is None:
        config = seed(customers=args.customers)
        print(f"seeded sandbox: seed={config.seed} as_of={config.as_of}")
    engine = get_engine()
    create_schema(engine, args.api_base_url)
    server = None
    if not await _reachable(args.api_base_url):
        port = int(args.api_base_url.rsplit(":", 1)[1].split("/")[0])
        server = SandboxServer(SandboxState(config), port=port).start()
        print(f"no sandbox at {args.api_base_url}; started one in-process for this run "
              f"(run `python -m sandbox serve --port {port}` to keep one up)")
    try:
        async with MyDataClient() as client:
            results = await setup_demo(engine, client, args.api_base_url)
    finally:
        if server is not None:
            server.stop()
    for r in results:
        state = "ok" if r.ok else "; ".join(f"{i.org_code}: {i.error}" for i in r.institutions if not i.ok)
        print(f"{r.customer_id:<14} {len(r.institutions)} institutions, {r.new_records} new records, {state}")
        demo = DEMO_CUSTOMERS[r.customer_id]
        print(f"  {demo.name}, {demo.description}")
    print(f"store: {database_url()}")
    return 0 if all(r.ok for r in results) else 1


def cmd_tokens(args) -> int:
    return print_tokens([args.customer] if args.customer else list(DEMO_CUSTOMERS), args.hours)


# The secrets each command needs, and the development file in var/ that ./run.sh gives the same variable.
_MYDATA_SECRET = ((CLIENT_SECRET_ENV, "mydata_client_secret"),)
_DEVELOPMENT_SECRETS = {
    **dict.fromkeys(("serve", "consent", "sync", "demo"), _MYDATA_SECRET),
    "tokens": ((TOKEN_SECRET_ENV, "token_secret"),),
}


def _use_development_secrets(command: str) -> None:
    """Run by hand, a command agrees with the processes ./run.sh started: a variable that is
    not set takes the development secret ./run.sh keeps in var/."""
    for variable, name in _DEVELOPMENT_SECRETS.get(command, ()):
        if not os.environ.get(variable):
            os.environ[variable] = dev_secret.secret(name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("seed")
    p.add_argument("--customers", type=int, default=1000)
    p.add_argument("--seed", type=int, default=20240601)
    p.add_argument("--as-of", help="YYYY-MM-DD, default today (Seoul)")
    p = sub.add_parser("serve")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8710)
    p.add_argument("--fixed-clock", help="serve as if it were this Seoul time (YYYY-MM-DDTHH:MM:SS)")
    p.add_argument("--cache", type=int, default=512, help="customer books kept in memory")
    p = sub.add_parser("consent")
    _add_who(p)
    p.add_argument("--org", nargs="*", help="org codes (default: every institution holding assets)")
    p.add_argument("--concurrency", type=int, default=8)
    p.add_argument("--api-base-url", default=api_base_url())
    p = sub.add_parser("sync")
    _add_who(p)
    p.add_argument("--concurrency", type=int, default=16)
    p = sub.add_parser("demo")
    p.add_argument("--api-base-url", default=api_base_url())
    p.add_argument("--customers", type=int, default=1000, help="generated customers if seeding now")
    p = sub.add_parser("tokens", help="print a token per demo customer")
    p.add_argument("--hours", type=float, default=8.0, help="how long the tokens stay valid")
    p.add_argument("--customer", help="one customer id instead of every demo customer")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    _use_development_secrets(args.command)
    handlers = {"seed": cmd_seed, "serve": cmd_serve, "sync": cmd_sync, "tokens": cmd_tokens,
                "consent": lambda a: asyncio.run(_consent(a)), "demo": lambda a: asyncio.run(_demo(a))}
    try:
        return handlers[args.command](args)
    except MyDataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
