"""The action server answers only the Rasa server (loopback, shared secret), and an action that
raises becomes a Korean apology and a log line with the action's name and the error's type."""
import uuid

import httpx
import pytest

from actions.server import SECRET_HEADER

pytestmark = pytest.mark.slow

CALL = {
    "next_action": "action_check_balance",
    "sender_id": "x",
    "version": "3.6.21",
    "tracker": {
        "sender_id": "x",
        "slots": {},
        "latest_message": {"text": "잔액", "metadata": {"customer_id": "demo-retiree"}},
        "events": [],
        "paused": False,
        "followup_action": None,
        "active_loop": {},
        "latest_action_name": None,
    },
    "domain": {},
}


def listening_addresses(port: int) -> set:
    addresses = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as handle:
            for line in handle.readlines()[1:]:
                local, state = line.split()[1], line.split()[3]
                address, hex_port = local.rsplit(":", 1)
                if state == "0A" and int(hex_port, 16) == port:
                    addresses.add(address)
    return addresses


def test_bound_to_loopback_only(bank):
    port = int(bank.action_url.rsplit(":", 1)[1])
    assert listening_addresses(port) == {"0100007F"}


@pytest.mark.parametrize(
    "headers", [{}, {SECRET_HEADER: "wrong"}, {SECRET_HEADER: ""}, {"Authorization": "Bearer x"}]
)
def test_refuses_calls_without_the_secret(bank, headers):
    assert httpx.post(f"{bank.action_url}/webhook", json=CALL, headers=headers).status_code == 401
    assert httpx.get(f"{bank.action_url}/actions", headers=headers).status_code == 401
    assert httpx.get(f"{bank.action_url}/health").status_code == 200


def test_the_rasa_side_sends_the_secret(bank):
    replies = bank.say(f"s-{uuid.uuid4().hex[:8]}", "내 잔액 알려줘")
    assert "로그인" in replies[0]["text"]


def test_a_failing_action_apologises_and_logs_no_personal_data(bank):
    marker = f"비밀-{uuid.uuid4().hex[:8]}"
    broken = {
        **CALL,
        "tracker": {"latest_message": {"text": marker}, "slots": {"name": marker}},
    }  # no sender_id
    response = httpx.post(
        f"{bank.action_url}/webhook", json=broken, headers={SECRET_HEADER: bank.action_secret}
    )
    assert response.status_code == 200
    assert response.json() == {"events": [], "responses": [{"response": "utter_default"}]}
    log = bank.processes[0].log.read_text(errors="replace")
    assert "action action_check_balance failed: KeyError" in log
    assert marker not in log


@pytest.mark.parametrize("body", ["[1, 2]", "not json", '"x"', "null"])
def test_a_malformed_call_is_a_400_without_echo(bank, body):
    response = httpx.post(
        f"{bank.action_url}/webhook",
        content=body,
        headers={SECRET_HEADER: bank.action_secret, "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert body not in response.text or body in ("null",)


def test_the_rasa_server_warmed_up_with_an_action_call_before_listening(bank):
    log = bank.processes[1].log.read_text(errors="replace")
    assert "warm-up done" in log and "did not answer" not in log
