"""Two Rasa replicas and two action servers behind HAProxy, on PostgreSQL and Redis: a form whose
turns alternate between replicas survives one replica's SIGKILL, the tracker store holds every
message exactly once, and a message delivered again (the same `message_id`) to the other replica is
answered from the stored turn."""
import asyncio
import json
import shutil
import subprocess
import uuid

import httpx
import pytest
from sqlalchemy import create_engine, text

from bot.auth.tokens import issue_token
from scripts.scale_out import Ports, haproxy_config
from tests.support.bank import SECRET
from tests.support.cluster import demo_cluster
from tests.support.webchat import ChatSocket, texts


def test_the_balancer_config_sticks_socketio_and_checks_every_server(tmp_path):
    ports = Ports(5005, 5055, 8404, [5105, 5106], [5155, 5156])
    config = haproxy_config(ports, tmp_path / "haproxy.pid")
    assert "bind 127.0.0.1:5005" in config and "bind 127.0.0.1:5055" in config
    sticky = config.split("\nbackend rasa_sticky", 1)[1].split("frontend actions", 1)[0]
    assert "balance source" in sticky
    for port in (5105, 5106):
        assert sticky.count(f"127.0.0.1:{port} check") == 1
    assert config.count("server rasa1 127.0.0.1:5106 check") == 2
    assert config.count("server actions0 127.0.0.1:5155 check") == 1
    assert "$" not in config
    haproxy = shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin")
    if haproxy:
        (tmp_path / "haproxy.cfg").write_text(config)
        check = subprocess.run(
            [haproxy, "-c", "-f", str(tmp_path / "haproxy.cfg")], capture_output=True, text=True
        )
        assert check.returncode == 0, check.stderr


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    with demo_cluster(tmp_path_factory.mktemp("cluster"), replicas=2, rasa_balance="roundrobin") as running:
        yield running


async def chat_over_socketio(url, token):
    socket = ChatSocket()
    await socket.connect(url)  # long-polling: a request per poll, each must reach the same replica
    try:
        await socket.request_session(token)
        await socket.say("내 잔액 알려줘", token)
        return texts(await socket.next_events())
    finally:
        await socket.close()


@pytest.mark.slow
@pytest.mark.postgres
def test_the_web_chat_socket_sticks_to_one_replica_through_the_balancer(cluster):
    token = issue_token("demo-salaried", SECRET.encode())
    assert "총" in asyncio.run(chat_over_socketio(cluster.url, token))


def rest_body(sender, message, message_id=None):
    body = {"sender": sender, "message": message,
            "metadata": {"customer_token": issue_token("demo-salaried", SECRET.encode())}}
    return {**body, "message_id": message_id} if message_id else body


def say(cluster, sender, message, message_id=None):
    """The reply's text and the replica that gave it (HAProxy's X-Replica header)."""
    response = httpx.post(f"{cluster.url}/webhooks/rest/webhook", timeout=60.0,
                          json=rest_body(sender, message, message_id))
    response.raise_for_status()
    return "\n".join(r.get("text", "") for r in response.json()), response.headers["X-Replica"]


def stored_events(tracker_url, sender):
    engine = create_engine(tracker_url, future=True)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT type_name, data FROM events WHERE sender_id = :s ORDER BY id"),
                            {"s": sender}).all()
    engine.dispose()
    return [(kind, json.loads(data)) for kind, data in rows]


async def deliver_twice_at_once(url, body):
    async with httpx.AsyncClient(timeout=60.0) as client:
        return await asyncio.gather(
            *[client.post(f"{url}/webhooks/rest/webhook", json=body) for _ in range(2)]
        )


@pytest.mark.slow
@pytest.mark.postgres
def test_a_message_delivered_again_to_the_other_replica_is_answered_once(cluster):
    """Before the failover test below, which leaves one replica."""
    sender = f"repeat-{uuid.uuid4().hex[:10]}"
    asked, _ = say(cluster, sender, "천만 원 대출 받을 수 있을까?", "r-1")
    assert "갚" in asked
    first, replica = say(cluster, sender, "3년", "r-2")
    again, other = say(cluster, sender, "3년", "r-2")  # run again, "3년" would answer the purpose question
    assert "용도" in first and again == first and {replica, other} == {"rasa0", "rasa1"}

    together = asyncio.run(deliver_twice_at_once(cluster.url, rest_body(sender, "생활자금", "r-3")))
    assert [r.status_code for r in together] == [200, 200]
    assert {r.headers["X-Replica"] for r in together} == {"rasa0", "rasa1"}
    assert "%" in "\n".join(r.get("text", "") for r in together[0].json())
    assert together[0].json() == together[1].json()

    said = [(data["text"], data["message_id"]) for kind, data in stored_events(cluster.tracker_url, sender)
            if kind == "user"]
    assert said == [("천만 원 대출 받을 수 있을까?", "r-1"), ("3년", "r-2"), ("생활자금", "r-3")]


@pytest.mark.slow
@pytest.mark.postgres
def test_a_form_alternates_replicas_and_finishes_on_the_survivor(cluster):
    sender = f"scale-{uuid.uuid4().hex[:10]}"
    asked, first = say(cluster, sender, "천만 원 대출 받을 수 있을까?")
    assert "갚" in asked
    interrupted, second = say(cluster, sender, "근데 내 계좌 잔액 다 합치면 얼마야")
    assert "총" in interrupted and "갚" in interrupted
    assert {first, second} == {"rasa0", "rasa1"}

    victim = cluster.rasa[int(second[-1])]
    victim.kill()  # SIGKILL, while HAProxy still believes it is up
    term, third = say(cluster, sender, "3년")
    assert "용도" in term
    verdict, fourth = say(cluster, sender, "생활자금")
    assert "%" in verdict
    assert third == fourth == first

    events = stored_events(cluster.tracker_url, sender)
    said = [data["text"] for kind, data in events if kind == "user"]
    assert said == ["천만 원 대출 받을 수 있을까?", "근데 내 계좌 잔액 다 합치면 얼마야", "3년", "생활자금"]
    filled = {}
    for kind, data in events:
        if kind == "slot" and data["value"] is not None:
            filled.setdefault(data["name"], []).append(data["value"])
    assert set(filled["loan_amount"]) == {10_000_000}
    assert len(set(filled["loan_term"])) == 1 and len(set(filled["loan_purpose"])) == 1
    loops = [data["name"] for kind, data in events if kind == "active_loop"]
    assert loops[0] == "loan_form" and loops[-1] is None
    assert events[-1][1]["name"] == "action_listen"
