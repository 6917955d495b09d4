"""REST webhook latency: sequential senders, then 16 concurrent senders.

Sequential: 30 new senders x 10 messages (300); each sender's first message
is reported apart (`first_msg_p95_ms`), because a new conversation costs
more. Concurrent: 600 messages from 16 senders at once. Prints one JSON line:
{"seq": {"p50_ms", "p95_ms", "p99_ms", "first_msg_p95_ms"},
 "concurrent": {"msgs_per_s", "p50_ms", "p95_ms", "p99_ms"}}

Usage: python bench/latency.py [--url http://127.0.0.1:5005] | [--start]
`--start` starts its own Rasa and action servers on free ports.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import List

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MESSAGES = [
    "안녕하세요",
    "예금자보호 한도 얼마야?",
    "카드 잃어버렸어요 어떡해요",
    "국민은행 잔액 알려줘",
    "지난달 스타벅스에서 쓴 내역 보여줘",
    "이번 달 카드값 얼마 나와?",
    "이체 수수료 있어요?",
    "뭘 도와줄 수 있어?",
    "보이스피싱 당한 것 같아요ㅠㅠ",
    "고마워요",
]


def percentiles(samples: List[float]) -> dict:
    values = np.array(samples)
    return {f"p{p}_ms": round(float(np.percentile(values, p)), 1) for p in (50, 95, 99)}


async def post(client: httpx.AsyncClient, url: str, sender: str, text: str) -> float:
    started = time.perf_counter()
    response = await client.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text})
    response.raise_for_status()
    return (time.perf_counter() - started) * 1000


async def sequential(url: str, senders: int = 30, per_sender: int = 10) -> dict:
    first, later = [], []
    async with httpx.AsyncClient(timeout=60) as client:
        for _ in range(senders):
            sender = f"bench-seq-{uuid.uuid4().hex[:8]}"
            for i in range(per_sender):
                ms = await post(client, url, sender, MESSAGES[i % len(MESSAGES)])
                (first if i == 0 else later).append(ms)
    return {**percentiles(later), "first_msg_p95_ms": round(float(np.percentile(first, 95)), 1)}


async def concurrent(url: str, senders: int = 16, total: int = 600) -> dict:
    per_sender = total // senders
    latencies: List[float] = []

    async def one_sender(client: httpx.AsyncClient) -> None:
        sender = f"bench-con-{uuid.uuid4().hex[:8]}"
        for i in range(per_sender):
            latencies.append(await post(client, url, sender, MESSAGES[i % len(MESSAGES)]))

    async with httpx.AsyncClient(timeout=120, limits=httpx.Limits(max_connections=senders)) as client:
        started = time.perf_counter()
        await asyncio.gather(*(one_sender(client) for _ in range(senders)))
        elapsed = time.perf_counter() - started
    return {"msgs_per_s": round(len(latencies) / elapsed, 1), **percentiles(latencies)}


async def run(url: str) -> dict:
    async with httpx.AsyncClient(timeout=60) as client:
        await post(client, url, "bench-warmup", "안녕하세요")
    return {"seq": await sequential(url), "concurrent": await concurrent(url)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:5005")
    parser.add_argument("--start", action="store_true", help="start servers on free ports")
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        url = args.url
        if args.start:
            from tests.support.servers import rasa_stack

            url = stack.enter_context(rasa_stack(Path(tempfile.mkdtemp(prefix="latency_")))).url
        print(json.dumps(asyncio.run(run(url))))


if __name__ == "__main__":
    main()
