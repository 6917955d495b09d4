"""A conversation with a customer token leaves no token in the tracker database or in any log
(the review found 1,569 stored events with a JWT and a tracker echoed into rasa.log)."""
import uuid

import httpx
import pytest

from bot.auth.tokens import issue_token
from tests.support.bank import SECRET

pytestmark = pytest.mark.slow

TURNS = ["내 잔액 알려줘", "지난달 어디에 제일 많이 썼어?", '/spending_summary{"period": {"bad": 1}}',
         "/search_transactions{\"page\": \"abc\"}", "고마워요"]


def stored_bytes(bank) -> bytes:
    workdir = bank.processes[0].log.parent
    return b"".join(path.read_bytes() for path in workdir.glob("tracker.sqlite3*"))


def logs(bank) -> str:
    return "".join(p.log.read_text(errors="replace") for p in bank.processes)


def test_no_token_in_the_tracker_store_or_the_logs(bank):
    token = issue_token("demo-salaried", SECRET.encode())
    sender = f"tok-{uuid.uuid4().hex[:8]}"
    for text in TURNS:
        assert bank.say(sender, text, {"customer_token": token, "note": token})
    bank.say(sender, f"제 토큰은 {token} 이에요")  # pasted into the text itself
    tracker = httpx.get(
        f"{bank.url}/conversations/{sender}/tracker", params=bank.api_params, timeout=10.0
    ).json()
    user_events = [e for e in tracker["events"] if e["event"] == "user"]
    assert len(user_events) == len(TURNS) + 1
    metadata = user_events[0]["metadata"]
    assert metadata["customer_id"] == "demo-salaried"
    assert not {"customer_token", "note"} & set(metadata)
    signature = token.rsplit(".", 1)[1].encode()
    data = stored_bytes(bank)
    assert sender.encode() in data
    assert signature not in data and b"eyJ" not in data and b"customer_token" not in data
    assert token.rsplit(".", 1)[1] not in logs(bank) and "eyJ" not in logs(bank)


def test_a_client_message_id_is_kept_on_the_stored_turn(bank):
    """The id a client gives its message is how it finds, or safely retries, a turn (bench/load.py)."""
    sender = f"mid-{uuid.uuid4().hex[:8]}"
    response = httpx.post(
        f"{bank.url}/webhooks/rest/webhook",
        timeout=30.0,
        json={"sender": sender, "message": "예금자보호 한도 얼마야?", "message_id": "client-42"},
    )
    assert response.status_code == 200 and response.json()
    tracker = httpx.get(
        f"{bank.url}/conversations/{sender}/tracker", params=bank.api_params, timeout=10.0
    ).json()
    assert [e["message_id"] for e in tracker["events"] if e["event"] == "user"] == ["client-42"]
