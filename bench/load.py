"""Load on the scale-out mode: 1 vs 2 replicas in one run, then faults under load.

Starts the demo bank as `tests.support.cluster.demo_cluster` (2 Rasa replicas, 2 action
servers, HAProxy, PostgreSQL, Redis). Virtual users each run scripted conversations drawn from
a realistic mix: personal questions with a customer token (balance, spending, card bill), FAQ
without one, and the three-turn loan form. Phase `one` puts replica 1 and action server 1 in
HAProxy maintenance, phase `two` uses both, alternated `--rounds` times so the machine's other
work weighs on both alike; the ratio is two/one. Per-turn CPU is the CPU time the Rasa and action
processes (and this client) used during a phase divided by the turns answered (from /proc), and
`machine_cpu_busy` the share of all cores busy meanwhile: at 1.0 the machine, not the number of
replicas, is the limit.

Phase `faults` (both replicas, clients retry a failed turn up to 5 times, 1 s apart): a Rasa
replica is SIGKILLed, then an action server, then the app's PostgreSQL connections are
terminated (`pg_terminate_backend`). Afterwards the tracker store is read: every turn the
client sent (its `message_id` in the request body) must be stored exactly once, each user
message followed by `action_listen` before the next, and every loan form must end with a verdict.

Prints one JSON line. Usage: python bench/load.py [--users 16] [--seconds 30] [--rounds 2] [--fault-seconds
36]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.auth.tokens import issue_token  # noqa: E402
from tests.support.bank import SECRET  # noqa: E402

CUSTOMERS = ("demo-salaried", "demo-student", "demo-shop", "demo-retiree")
# (weight, turns, needs a token, what the last reply must contain)
SCRIPTS: List[Tuple[int, Tuple[str, ...], bool, str]] = [
    (3, ("내 잔액 알려줘",), True, ""),
    (2, ("지난달 어디에 제일 많이 썼어?",), True, ""),
    (1, ("이번 달 카드값 얼마 나와?",), True, ""),
    (2, ("예금자보호 한도 얼마야?",), False, ""),
    (1, ("카드 잃어버렸어요 어떡해요",), False, ""),
    (1, ("이체 수수료 있어요?",), False, ""),
    (2, ("천만 원 대출 받을 수 있을까?", "3년", "생활자금"), True, "%"),
]
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def percentiles(samples: List[float]) -> Dict[str, float]:
    if not samples:
        return {}
    return {f"p{p}_ms": round(float(np.percentile(samples, p)), 1) for p in (50, 95, 99)}


class Load:
    """Virtual users against one URL until `seconds` pass; what they saw."""

    def __init__(self, url: str, users: int, seconds: float, retries: int = 0) -> None:
        self.url, self.users, self.seconds, self.retries = url, users, seconds, retries
        self.latencies: List[float] = []
        self.errors = 0
        self.retried_ok = 0
        self.turns: Dict[str, List[str]] = {}  # sender -> message ids it sent
        self.failed: set = set()  # message ids never answered, even after retries
        self.forms = Counter()
        self.replicas = Counter()
        self.failures = Counter()  # every failed attempt, by kind

    async def turn(
        self, client: httpx.AsyncClient, sender: str, text: str, token: Optional[str]
    ) -> Optional[str]:
        turn_id = uuid.uuid4().hex
        metadata = {"customer_token": token} if token else {}
        for attempt in range(self.retries + 1):
            started = time.perf_counter()
            try:
                response = await client.post(f"{self.url}/webhooks/rest/webhook",
                                             json={"sender": sender, "message": text, "metadata": metadata,
                                                   "message_id": turn_id})
                replies = response.json() if response.status_code == 200 else None
                if replies:
                    self.latencies.append((time.perf_counter() - started) * 1000)
                    self.replicas[response.headers.get("X-Replica", "?")] += 1
                    self.retried_ok += attempt > 0
                    self.turns.setdefault(sender, []).append(turn_id)
                    return "\n".join(r.get("text", "") for r in replies)
                # every message gets at least one reply: Rasa's REST channel answers 200 [] when a turn failed
                self.failures[f"http_{response.status_code}" if replies is None else "empty_200"] += 1
            except (httpx.HTTPError, ValueError) as error:
                self.failures[type(error).__name__] += 1
            if attempt < self.retries:
                await asyncio.sleep(1.0)
        self.errors += 1
        self.failed.add(turn_id)
        self.turns.setdefault(sender, []).append(turn_id)
        return None

    async def user(self, client: httpx.AsyncClient, deadline: float, rng: random.Random) -> None:
        weights = [w for w, *_ in SCRIPTS]
        while time.monotonic() < deadline:
            _, turns, personal, expect = rng.choices(SCRIPTS, weights)[0]
            token = issue_token(rng.choice(CUSTOMERS), SECRET.encode()) if personal else None
            sender = f"load-{uuid.uuid4().hex[:12]}"
            reply = None
            for text in turns:
                reply = await self.turn(client, sender, text, token)
                if reply is None:
                    break
            if len(turns) > 1:
                self.forms["finished" if reply is not None and expect in reply else "broken"] += 1

    async def run(self) -> None:
        deadline = time.monotonic() + self.seconds
        limits = httpx.Limits(max_connections=self.users)
        async with httpx.AsyncClient(timeout=60.0, limits=limits) as client:
            await asyncio.gather(*(self.user(client, deadline, random.Random(i)) for i in range(self.users)))


def machine_busy() -> Tuple[int, int]:
    """(busy, total) jiffies of every core since boot, from /proc/stat."""
    with open("/proc/stat") as stat:
        values = [int(v) for v in stat.readline().split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def backend_counters(cluster) -> Counter:
    """PostgreSQL transactions and inserted rows in the cluster's databases; Redis commands (server-wide)."""
    import redis
    from sqlalchemy import create_engine, text

    from tests.support.cluster import PG_ADMIN_URL, REDIS_DB

    names = [url.rsplit("/", 1)[1] for url in (cluster.tracker_url, cluster.mydata_url)]
    admin = create_engine(PG_ADMIN_URL, future=True)
    with admin.connect() as conn:
        conn.execute(text("SELECT pg_stat_clear_snapshot()"))
        commits, inserted = conn.execute(
            text(
                "SELECT sum(xact_commit), sum(tup_inserted) FROM pg_stat_database WHERE datname = ANY(:names)"
            ),
            {"names": names},
        ).one()
    admin.dispose()
    commands = redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB).info("stats")["total_commands_processed"]
    return Counter(
        {"pg_transactions": int(commits), "pg_rows_inserted": int(inserted), "redis_commands": commands}
    )


def measure(cluster, users: int, seconds: float, rounds: int) -> Dict:
    """`rounds` stretches of one replica then two, alternated so the machine's other work hits both alike."""
    groups = {"rasa": [p.popen.pid for p in cluster.rasa], "actions": [p.popen.pid for p in cluster.actions]}
    totals: Dict[str, Dict] = {
        name: {
            "latencies": [],
            "elapsed": 0.0,
            "errors": 0,
            "failures": Counter(),
            "replicas": Counter(),
            "cpu": Counter(),
            "bench_cpu": 0.0,
            "busy": [0, 0],
            "backends": Counter(),
        }
        for name in ("one", "two")
    }
    for _ in range(rounds):
        for name in ("one", "two"):
            state = "maint" if name == "one" else "ready"
            cluster.set_state("rasa1", state)
            cluster.set_state("actions1", state)
            time.sleep(1.0)
            total = totals[name]
            before = {g: sum(cpu_seconds(pid) for pid in pids) for g, pids in groups.items()}
            busy_before, own_before, backends_before = (
                machine_busy(),
                sum(os.times()[:2]),
                backend_counters(cluster),
            )
            load = Load(cluster.url, users, seconds / rounds)
            started = time.perf_counter()
            asyncio.run(load.run())
            total["elapsed"] += time.perf_counter() - started
            busy_after = machine_busy()
            total["busy"][0] += busy_after[0] - busy_before[0]
            total["busy"][1] += busy_after[1] - busy_before[1]
            total["bench_cpu"] += sum(os.times()[:2]) - own_before
            for g, pids in groups.items():
                total["cpu"][g] += sum(cpu_seconds(pid) for pid in pids) - before[g]
            total["backends"].update(backend_counters(cluster) - backends_before)
            total["latencies"] += load.latencies
            total["errors"] += load.errors
            total["failures"].update(load.failures)
            total["replicas"].update(load.replicas)
    result = {}
    for name, total in totals.items():
        answered = max(len(total["latencies"]), 1)
        per_turn = {g: round(1000 * used / answered, 1) for g, used in total["cpu"].items()}
        per_turn["bench_client"] = round(1000 * total["bench_cpu"] / answered, 1)
        result[name] = {"msgs_per_s": round(len(total["latencies"]) / total["elapsed"], 1),
                        **percentiles(total["latencies"]), "errors": total["errors"],
                        "failures": dict(total["failures"]), "turns": len(total["latencies"]),
                        "by_replica": dict(total["replicas"]), "cpu_ms_per_turn": per_turn,
                        "machine_cpu_busy": round(total["busy"][0] / max(total["busy"][1], 1), 2),
                        "per_turn": {k: round(v / answered, 1) for k, v in sorted(total["backends"].items())}}
    return result


def terminate_app_connections(cluster) -> int:
    from sqlalchemy import create_engine, text

    from tests.support.cluster import PG_ADMIN_URL

    names = [url.rsplit("/", 1)[1] for url in (cluster.tracker_url, cluster.mydata_url)]
    admin = create_engine(PG_ADMIN_URL, future=True, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        killed = conn.execute(text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                   "WHERE datname = ANY(:names) AND pid <> pg_backend_pid()"),
                              {"names": names}).scalar()
    admin.dispose()
    return int(killed)


def check_store(cluster, load: Load) -> Dict:
    """Each turn the client sent stored once (an answered one exactly once), no interleaving."""
    from sqlalchemy import create_engine, text

    engine = create_engine(cluster.tracker_url, future=True)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT sender_id, type_name, action_name, data FROM events "
                                 "WHERE sender_id LIKE 'load-%' ORDER BY id")).all()
    engine.dispose()
    stored: Counter = Counter()
    interleaved, unanswered_tail = 0, 0
    waiting: Dict[str, bool] = {}
    for sender, kind, action, data in rows:
        if kind == "user":
            stored[json.loads(data).get("message_id")] += 1
            interleaved += waiting.get(sender, False)
            waiting[sender] = True
        elif kind == "action" and action == "action_listen":
            waiting[sender] = False
    unanswered_tail = sum(waiting.values())
    sent = [turn for turns in load.turns.values() for turn in turns]
    answered = Counter(min(stored[turn], 2) for turn in sent if turn not in load.failed)
    failed = Counter(min(stored[turn], 2) for turn in sent if turn in load.failed)
    return {
        "answered_turns": sum(answered.values()),
        "answered_stored_once": answered[1],
        "answered_stored_twice": answered[2],
        "answered_not_stored": answered[0],
        "failed_turns": sum(failed.values()),
        "failed_stored_once": failed[1],
        "failed_stored_twice": failed[2],
        "user_turn_before_previous_finished": interleaved,
        "conversations_ending_mid_turn": unanswered_tail,
    }


def faults(cluster, users: int, seconds: float) -> Dict:
    load = Load(cluster.url, users, seconds, retries=5)
    events: List[str] = []

    async def inject() -> None:
        await asyncio.sleep(seconds / 6)
        cluster.rasa[1].kill(signal.SIGKILL)
        events.append("sigkill rasa1")
        await asyncio.sleep(seconds / 6)
        cluster.actions[0].kill(signal.SIGKILL)
        events.append("sigkill actions0")
        await asyncio.sleep(seconds / 6)
        killed = await asyncio.to_thread(terminate_app_connections, cluster)
        events.append(f"pg_terminate_backend x{killed}")

    async def both() -> None:
        await asyncio.gather(load.run(), inject())

    asyncio.run(both())
    return {"events": events, "turns": len(load.latencies), "errors_after_retries": load.errors,
            "answered_after_a_retry": load.retried_ok,
            "failed_attempts": dict(load.failures), "forms": dict(load.forms), **percentiles(load.latencies),
            "store": check_store(cluster, load)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--rounds", type=int, default=2, help="alternations of one and two replicas")
    parser.add_argument("--fault-seconds", type=float, default=36.0)
    args = parser.parse_args()
    from tests.support.cluster import demo_cluster

    result: Dict = {"users": args.users, "seconds": args.seconds, "cpus": os.cpu_count(),
                    "loadavg_before": [round(x, 2) for x in os.getloadavg()]}
    with demo_cluster(Path(tempfile.mkdtemp(prefix="load_")), replicas=2) as cluster:
        asyncio.run(Load(cluster.url, 4, 5.0).run())  # warm both replicas
        result.update(measure(cluster, args.users, args.seconds, args.rounds))
        result["ratio_two_vs_one"] = round(
            result["two"]["msgs_per_s"] / max(result["one"]["msgs_per_s"], 0.1), 2
        )
        result["loadavg_after_throughput"] = [round(x, 2) for x in os.getloadavg()]
        if args.fault_seconds > 0:
            result["faults"] = faults(cluster, args.users, args.fault_seconds)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
