"""`python -m bot.auth tokens`: signed tokens for the demo customers (development only)."""
from __future__ import annotations

import argparse
import datetime as dt
import sys

from bot.auth.tokens import TokenError, issue_token
from sandbox.demo import DEMO_CUSTOMERS


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.auth")
    sub = parser.add_subparsers(dest="command", required=True)
    tokens = sub.add_parser("tokens", help="print a token per demo customer")
    tokens.add_argument("--hours", type=float, default=8.0, help="how long the tokens stay valid")
    tokens.add_argument("--customer", help="one customer id instead of every demo customer")
    args = parser.parse_args(argv)
    customers = [args.customer] if args.customer else list(DEMO_CUSTOMERS)
    try:
        for customer_id in customers:
            token = issue_token(customer_id, ttl=dt.timedelta(hours=args.hours))
            print(f"{customer_id}\t{token}")
    except TokenError as error:
        print(f"error: cannot sign tokens ({error.reason}); set ASSISTANT_TOKEN_SECRET (32+ bytes)", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
