"""`python -m bot.auth tokens --customer ID ...`: signed customer tokens (development only)."""
from __future__ import annotations

import argparse
import datetime as dt
import sys

from bot.auth.tokens import TokenError, issue_token


def print_tokens(customer_ids: list[str], hours: float) -> int:
    """One `customer_id<TAB>token` line per customer; 2 when no signing secret is set."""
    try:
        for customer_id in customer_ids:
            token = issue_token(customer_id, ttl=dt.timedelta(hours=hours))
            print(f"{customer_id}\t{token}")
    except TokenError as error:
        print(
            f"error: cannot sign tokens ({error.reason}); set ASSISTANT_TOKEN_SECRET (32+ bytes)",
            file=sys.stderr,
        )
        return 2
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.auth")
    sub = parser.add_subparsers(dest="command", required=True)
    tokens = sub.add_parser("tokens", help="print a token per customer")
    tokens.add_argument("--hours", type=float, default=8.0, help="how long the tokens stay valid")
    tokens.add_argument("--customer", action="append", required=True, help="a customer id (repeat for more)")
    args = parser.parse_args(argv)
    return print_tokens(args.customer, args.hours)
