"""Multi-turn conversation benchmark (issue #11, section 5): scripts a customer would really type.

Reads `bench/conversations.yml`, sends every turn over REST with a signed customer token in the
metadata, each script under its own sender id, checks each reply (bench/conversation_checks.py)
and the store after the script, and prints one JSON line:
{"scripts": N, "passed": P, "pass_rate": r, "turns": T, "turns_passed": t, "clock": ...,
 "by_kind": {kind: {"scripts": n, "passed": p}}, "failed": [script ids]}

Usage:
  python bench/conversations.py                  # starts the demo bank itself (tests/support/bank.py)
  python bench/conversations.py --url URL --db mydata.sqlite3 --secret S   # a running stack
  --verbose prints each failing turn (sent, got, expected); --kind K / --id ID run a subset.
The stack must run on the corpus's clock: this script sets ASSISTANT_CLOCK for the stack it starts;
give a running stack the same value.
"""
from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import sys
import tempfile
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Optional, Tuple

import httpx
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.conversation_checks import Reply, Store, check_state, check_turn, period_dates, state_snapshot  # noqa: E402
from bot.auth.tokens import issue_token  # noqa: E402
from bot.korean.calendar import CLOCK_ENV, fixed_clock  # noqa: E402

CORPUS = ROOT / "bench" / "conversations.yml"


@dataclass
class ScriptResult:
    script_id: str
    kind: str
    failures: List[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures


def load_corpus(path: Path = CORPUS) -> Dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def run_order(scripts: List[Mapping[str, Any]]) -> List[Mapping[str, Any]]:
    """Scripts marked `mutates` run last: those that change the store by design (a connect, a
    confirmed revoke) and those where only a defect would (unusable or reflexive answers to a
    revoke), so no other script's institution disappears under it."""
    return [s for s in scripts if not s.get("mutates")] + [s for s in scripts if s.get("mutates")]


class Chat:
    """One REST conversation as one customer."""

    def __init__(self, client: httpx.Client, url: str, customer: str, secret: bytes) -> None:
        self.client, self.url = client, url
        self.sender = f"bench-{uuid.uuid4().hex[:12]}"
        self.token = issue_token(customer, secret, ttl=dt.timedelta(hours=2))

    def say(self, text: str) -> Reply:
        body = {"sender": self.sender, "message": text, "metadata": {"customer_token": self.token}}
        response = self.client.post(f"{self.url}/webhooks/rest/webhook", json=body, timeout=60.0)
        response.raise_for_status()
        messages = response.json()
        text_out = "\n".join(m.get("text", "") for m in messages if m.get("text"))
        buttons = [b.get("title", "") for m in messages for b in m.get("buttons", []) or []]
        return Reply(text_out, buttons)


def run_script(script: Mapping[str, Any], chat: Chat, store: Store, fallbacks: List[str],
               verbose: bool) -> ScriptResult:
    customer = script["customer"]
    result = ScriptResult(script["id"], script["kind"])
    after = script.get("after") or []
    before = state_snapshot(after, store, customer)
    previous: Optional[Reply] = None
    for number, turn in enumerate(script["turns"], 1):
        try:
            reply = chat.say(turn["say"])
        except httpx.HTTPError as error:
            result.failures.append(f"turn {number}: no answer ({type(error).__name__}: {error})")
            break
        failures = check_turn(turn.get("expect") or [], reply, previous, store, customer, fallbacks,
                              bool(turn.get("fallback_ok")))
        if failures:
            result.failures += [f"turn {number}: {f}" for f in failures]
            if verbose:
                print(f"--- {script['id']} ({script['kind']}, {customer}) turn {number}\n"
                      f"sent: {turn['say']}\ngot: {reply.text}\n   buttons: {list(reply.buttons)}\n"
                      f"expected: {json.dumps(turn.get('expect'), ensure_ascii=False)}\n"
                      f"failed: {failures}", file=sys.stderr)
        previous = reply
    state = check_state(after, before, store, customer)
    if state:
        result.failures += [f"after: {f}" for f in state]
        if verbose:
            print(f"--- {script['id']} after the script: {state}", file=sys.stderr)
    return result


def summary(results: List[ScriptResult], turns: Tuple[int, int]) -> Dict[str, Any]:
    by_kind: Dict[str, Dict[str, int]] = defaultdict(lambda: {"scripts": 0, "passed": 0})
    for r in results:
        by_kind[r.kind]["scripts"] += 1
        by_kind[r.kind]["passed"] += int(r.passed)
    passed = sum(r.passed for r in results)
    return {"scripts": len(results), "passed": passed,
            "pass_rate": round(passed / len(results), 3) if results else 0.0,
            "turns": turns[0], "turns_passed": turns[1],
            "by_kind": dict(sorted(by_kind.items())),
            "failed": [r.script_id for r in results if not r.passed]}


@contextlib.contextmanager
def started_stack(clock: str) -> Iterator[Tuple[str, str, bytes]]:
    os.environ[CLOCK_ENV] = clock
    from tests.support.bank import SECRET, demo_bank
    with tempfile.TemporaryDirectory(prefix="convbench-") as workdir:
        with demo_bank(Path(workdir)) as bank:
            yield bank.url, str(bank.db), SECRET.encode()


def stack_clock_error(client: httpx.Client, url: str, today: dt.date) -> Optional[str]:
    """Why the stack's "지난달" is not the corpus's (a stack on another clock), or None. A server
    without the HTTP API cannot be asked and is trusted."""
    start, end = period_dates("지난달", today)
    try:
        response = client.post(f"{url}/model/parse", json={"text": "지난달 지출"}, timeout=30.0)
        response.raise_for_status()
    except httpx.HTTPError:
        return None
    values = [e.get("value") for e in response.json().get("entities", []) if e.get("entity") == "period"]
    wanted = f"{start.isoformat()}/{end.isoformat()}"
    if values and wanted not in values:
        return (
            f"the stack reads 지난달 as {values[0]}, the corpus as {wanted}: set {CLOCK_ENV} to the corpus "
            "clock"
        )
    return None


def run(corpus: Mapping[str, Any], url: str, db: str, secret: bytes, verbose: bool,
        kinds: List[str], ids: List[str]) -> Dict[str, Any]:
    today = fixed_clock(corpus["clock"]).date()
    store = Store(db, corpus.get("queries") or {}, today)
    fallbacks = list(corpus.get("fallback_phrases") or [])
    scripts = [
        s for s in corpus["scripts"] if (not kinds or s["kind"] in kinds) and (not ids or s["id"] in ids)
    ]
    results, turns, turns_passed = [], 0, 0
    with httpx.Client() as client:
        clock_error = stack_clock_error(client, url, today)
        if clock_error:
            raise SystemExit(clock_error)
        for script in run_order(scripts):
            result = run_script(
                script, Chat(client, url, script["customer"], secret), store, fallbacks, verbose
            )
            results.append(result)
            turns += len(script["turns"])
            failed_turns = {f.split(":")[0] for f in result.failures if f.startswith("turn ")}
            turns_passed += len(script["turns"]) - len(failed_turns)
    return {**summary(results, (turns, turns_passed)), "clock": corpus["clock"]}


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--url", help="a running Rasa server (else the demo bank is started)")
    parser.add_argument("--db", help="with --url: its MyData SQLite file")
    parser.add_argument("--secret", help="with --url: its ASSISTANT_TOKEN_SECRET (default: the environment)")
    parser.add_argument("--verbose", action="store_true", help="print each failing turn to stderr")
    parser.add_argument("--kind", action="append", default=[], help="only scripts of this kind (repeatable)")
    parser.add_argument("--id", action="append", default=[], help="only this script (repeatable)")
    args = parser.parse_args(argv)
    corpus = load_corpus(args.corpus)
    if args.url:
        if not args.db:
            parser.error("--url needs --db (the stack's MyData SQLite file)")
        secret = (args.secret or os.environ.get("ASSISTANT_TOKEN_SECRET", "")).encode()
        if not secret:
            parser.error("--url needs --secret or ASSISTANT_TOKEN_SECRET")
        outcome = run(corpus, args.url, args.db, secret, args.verbose, args.kind, args.id)
    else:
        with started_stack(corpus["clock"]) as (url, db, secret):
            outcome = run(corpus, url, db, secret, args.verbose, args.kind, args.id)
    print(json.dumps(outcome, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
