"""A normal customer's latency while attackers send long and malformed input (issue #16).

Measures, over REST: the first message after the server reports ready
(`first_message_ms`, only with `--start`), a normal sender's quiet p95, the
same sender's p95 while `--attackers` clients send (quiet: half before, half
after the attack, as this machine's own load drifts), each with a new sender id
every time, 1,000-character messages (the longest that are analyzed), too-long
messages, bodies over 64 KB, malformed bodies and odd button payloads, and the
latency of the Korean "too long" reply. Prints one JSON line:
{"first_message_ms", "quiet_p95_ms", "attack_p95_ms", "ratio", "too_long_p50_ms",
 "too_long_p95_ms", "attackers", "attack_requests", "attack_statuses", "normal_messages"}

Usage: python bench/abuse.py [--url http://127.0.0.1:5005] | [--start] [--messages 40] [--attackers 4]
"""
from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import itertools
import json
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Dict, List

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.latency import MESSAGES  # noqa: E402
from bot.channels.bounds import MAX_MESSAGE_CHARS, TOO_LONG_TEXT  # noqa: E402

LONGEST = ("지난달 국민은행에서 오십만 원 넘게 쓴 내역 보여줘 스타벅스 카드값 얼마야 " * 40)[
    :MAX_MESSAGE_CHARS
]
ATTACKS = [
    ("analyzed_1000_chars", lambda s: json.dumps({"sender": s, "message": LONGEST})),
    ("too_long", lambda s: json.dumps({"sender": s, "message": "잔액 알려줘 " * 2000})),
    ("over_64kb", lambda s: json.dumps({"sender": s, "message": "가" * 70000})),
    ("list_body", lambda s: "[1, 2, 3]"),
    ("not_json", lambda s: '{"sender": '),
    (
        "odd_payload",
        lambda s: json.dumps({"sender": s, "message": '/spending_summary{"period": {"x": [1]}, "page": -1}'}),
    ),
]


def p(samples: List[float], q: float) -> float:
    return round(float(np.percentile(np.array(samples), q)), 1)


async def say(client: httpx.AsyncClient, url: str, sender: str, text: str) -> float:
    started = time.perf_counter()
    response = await client.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text})
    response.raise_for_status()
    if not response.json():
        raise RuntimeError(f"no reply to {text!r}")
    return (time.perf_counter() - started) * 1000


async def normal_sender(url: str, count: int) -> List[float]:
    sender = f"abuse-normal-{uuid.uuid4().hex[:8]}"
    async with httpx.AsyncClient(timeout=120) as client:
        await say(client, url, sender, "안녕하세요")
        return [await say(client, url, sender, MESSAGES[i % len(MESSAGES)]) for i in range(count)]


async def attacker(
    url: str, index: int, stop: asyncio.Event, statuses: Dict[str, collections.Counter]
) -> None:
    async with httpx.AsyncClient(timeout=120) as client:
        for kind, body in itertools.cycle(ATTACKS[index % len(ATTACKS):] + ATTACKS[:index % len(ATTACKS)]):
            if stop.is_set():
                return
            response = await client.post(
                f"{url}/webhooks/rest/webhook",
                content=body(f"abuse-{uuid.uuid4().hex[:10]}"),
                headers={"Content-Type": "application/json"},
            )
            statuses[kind][response.status_code] += 1


async def under_attack(url: str, count: int, attackers: int) -> tuple:
    stop, statuses = asyncio.Event(), collections.defaultdict(collections.Counter)
    tasks = [asyncio.create_task(attacker(url, i, stop, statuses)) for i in range(attackers)]
    await asyncio.sleep(1.0)
    try:
        latencies = await normal_sender(url, count)
    finally:
        stop.set()
        await asyncio.gather(*tasks)
    return latencies, {k: dict(v) for k, v in statuses.items()}


async def too_long_latency(url: str, count: int = 30) -> List[float]:
    latencies = []
    async with httpx.AsyncClient(timeout=60) as client:
        for _ in range(count):
            started = time.perf_counter()
            response = await client.post(
                f"{url}/webhooks/rest/webhook",
                json={"sender": f"abuse-long-{uuid.uuid4().hex[:8]}", "message": "가" * 5000},
            )
            latencies.append((time.perf_counter() - started) * 1000)
            if response.json()[0]["text"] != TOO_LONG_TEXT:
                raise RuntimeError(f"unexpected answer to a too-long message: {response.text[:200]}")
    return latencies


async def first_message(url: str) -> float:
    async with httpx.AsyncClient(timeout=120) as client:
        return await say(client, url, f"abuse-first-{uuid.uuid4().hex[:8]}", "내 잔액 알려줘")


async def run(url: str, count: int, attackers: int, first_ms) -> dict:
    quiet = await normal_sender(url, count // 2)
    attacked, statuses = await under_attack(url, count, attackers)
    quiet += await normal_sender(url, count - count // 2)  # before and after: the machine's own load drifts
    too_long = await too_long_latency(url)
    return {
        "first_message_ms": first_ms,
        "quiet_p95_ms": p(quiet, 95),
        "attack_p95_ms": p(attacked, 95),
        "ratio": round(p(attacked, 95) / p(quiet, 95), 2),
        "too_long_p50_ms": p(too_long, 50),
        "too_long_p95_ms": p(too_long, 95),
        "attackers": attackers,
        "attack_requests": sum(sum(c.values()) for c in statuses.values()),
        "attack_statuses": statuses,
        "normal_messages": count,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:5005")
    parser.add_argument("--start", action="store_true", help="start servers on free ports")
    parser.add_argument("--messages", type=int, default=40)
    parser.add_argument("--attackers", type=int, default=4)
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        url, first_ms = args.url, None
        if args.start:
            from tests.support.servers import rasa_stack

            url = stack.enter_context(rasa_stack(Path(tempfile.mkdtemp(prefix="abuse_")))).url
            first_ms = round(asyncio.run(first_message(url)), 1)
        print(json.dumps(asyncio.run(run(url, args.messages, args.attackers, first_ms)), ensure_ascii=False))


if __name__ == "__main__":
    main()
