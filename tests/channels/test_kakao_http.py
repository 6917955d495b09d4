"""Kakao skill requests against the real Rasa + action servers and the MyData demo stack."""
import os
import re
import secrets
import subprocess
import sys
import time
import uuid

import httpx
import pytest

from bot.auth.tokens import issue_token
from bot.channels import kakao_format as fmt
from tests.support.servers import MODEL, RASA, ROOT, free_port, start, wait_until

pytestmark = pytest.mark.slow

SECRET = secrets.token_urlsafe(48)


@pytest.fixture(scope="module")
def kakao(tmp_path_factory):
    """Base URL of the Rasa server with the Kakao channels from a test credentials file."""
    if not MODEL.exists():
        pytest.fail("models/current.tar.gz is missing: run ./test.sh, which trains it")
    workdir = tmp_path_factory.mktemp("kakao")
    sandbox_port, action_port, rasa_port = free_port(), free_port(), free_port()
    env = {
        "MYDATA_SANDBOX_MANIFEST": str(workdir / "sandbox.json"),
        "DATABASE_URL": f"sqlite:///{workdir / 'mydata.sqlite3'}",
        "MYDATA_SANDBOX_URL": f"http://127.0.0.1:{sandbox_port}",
        "ASSISTANT_TOKEN_SECRET": SECRET,
        "KAKAO_LINK_DB": str(workdir / "kakao_links.sqlite3"),
    }
    full_env = {**os.environ, **env, "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-m", "bot.mydata", "seed", "--customers", "20"],
                   cwd=ROOT, env=full_env, check=True, capture_output=True)
    (workdir / "endpoints.yml").write_text(
        f'action_endpoint:\n  url: "http://127.0.0.1:{action_port}/webhook"\n'
        f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {workdir / 'tracker.sqlite3'}\n")
    (workdir / "credentials.yml").write_text(
        "bot.channels.kakao.KakaoInput:\n  reply_timeout_s: 30\n"
        "tests.channels.slow.SlowKakaoInput:\n  reply_timeout_s: 0.001\n")
    processes = [start("sandbox", [sys.executable, "-m", "bot.mydata", "sandbox", "--port", str(sandbox_port)],
                       workdir, env)]
    try:
        wait_until(processes[0], f"{env['MYDATA_SANDBOX_URL']}/_sandbox/info", lambda r: r.status_code == 200, 60)
        subprocess.run([sys.executable, "-m", "bot.mydata", "demo"], cwd=ROOT, env=full_env, check=True,
                       capture_output=True)
        processes.append(start("action-server", [RASA, "run", "actions", "--actions", "actions",
                                                 "--port", str(action_port)], workdir, env))
        processes.append(start("rasa-server", [
            RASA, "run", "--model", str(MODEL), "--interface", "127.0.0.1", "--port", str(rasa_port),
            "--endpoints", str(workdir / "endpoints.yml"), "--credentials", str(workdir / "credentials.yml")],
            workdir, env))
        wait_until(processes[1], f"http://127.0.0.1:{action_port}/health", lambda r: r.status_code == 200)
        url = f"http://127.0.0.1:{rasa_port}"
        wait_until(processes[2], f"{url}/webhooks/kakao/", lambda r: r.status_code == 200)
        yield url
    finally:
        for process in reversed(processes):
            process.stop()


def skill_request(utterance, user_id):
    """A skill request as Kakao i Open Builder sends it (fallback block)."""
    return {
        "intent": {"id": "5f1e0c3b9c1a2b0001a1b2c3", "name": "폴백 블록", "extra": {"reason": {"code": 1}}},
        "userRequest": {
            "timezone": "Asia/Seoul",
            "params": {"ignoreMe": "true", "surface": "Kakaotalk.plusfriend"},
            "block": {"id": "5f1e0c3b9c1a2b0001a1b2c3", "name": "폴백 블록"},
            "utterance": utterance,
            "lang": "ko",
            "user": {"id": user_id, "type": "botUserKey",
                     "properties": {"botUserKey": user_id, "bot_user_key": user_id}},
        },
        "bot": {"id": "5f1e0c3b9c1a2b0001a1b2c4", "name": "마이데이터 은행"},
        "action": {"name": "rasa_skill", "clientExtra": None, "params": {}, "id": "5f1e0c3b9c1a2b0001a1b2c5",
                   "detailParams": {}},
    }


def post(url, body, channel="kakao"):
    response = httpx.post(f"{url}/webhooks/{channel}/webhook", json=body, timeout=40.0)
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["version"] == "2.0" and 1 <= len(data["template"]["outputs"]) <= fmt.OUTPUTS_MAX
    return data


def text_of(data):
    parts = []
    for output in data["template"]["outputs"]:
        parts.append(output.get("simpleText", {}).get("text", ""))
        parts.append(output.get("basicCard", {}).get("description", ""))
    return "\n".join(parts)


def say(url, text, user_id):
    return text_of(post(url, skill_request(text, user_id)))


def new_user():
    return f"kakao-{uuid.uuid4().hex[:12]}"


def test_faq_answers_in_simple_text(kakao):
    data = post(kakao, skill_request("예금자보호 한도 얼마야?", new_user()))
    assert any("1억" in o.get("simpleText", {}).get("text", "") for o in data["template"]["outputs"])


def test_bad_requests_get_an_apology_not_a_500(kakao):
    for body in (b"{oops", b'{"userRequest": {"user": {"id": "x"}}}'):
        response = httpx.post(f"{kakao}/webhooks/kakao/webhook", content=body,
                              headers={"Content-Type": "application/json"}, timeout=10.0)
        assert response.status_code == 200
        assert text_of(response.json()) .strip() == fmt.APOLOGY


def test_unlinked_user_gets_the_login_refusal(kakao):
    text = say(kakao, "내 잔액 알려줘", new_user())
    assert "로그인" in text and not re.search(r"\d[\d,]*\s*원", text)


def link_code(url, user_id):
    text = say(url, "계정 연결", user_id)
    codes = re.findall(r"\b\d{6}\b", text)
    assert len(codes) == 1, text
    return codes[0]


def test_link_flow_then_personal_answer(kakao):
    user = new_user()
    code = link_code(kakao, user)
    response = httpx.post(f"{kakao}/webhooks/kakao/link", timeout=10.0,
                          json={"code": code, "customer_token": issue_token("demo-salaried", SECRET.encode())})
    assert response.status_code == 200, response.text
    text = say(kakao, "내 잔액 알려줘", user)
    assert re.search(r"\d[\d,]*\s*원", text), text
    assert "로그인" not in text
    # the code was one-time
    again = httpx.post(f"{kakao}/webhooks/kakao/link", timeout=10.0,
                       json={"code": code, "customer_token": issue_token("demo-student", SECRET.encode())})
    assert again.status_code == 400


def test_wrong_code_and_bad_token_are_refused(kakao):
    user = new_user()
    code = link_code(kakao, user)
    wrong = f"{(int(code) + 1) % 1000000:06d}"
    response = httpx.post(f"{kakao}/webhooks/kakao/link", timeout=10.0,
                          json={"code": wrong, "customer_token": issue_token("demo-salaried", SECRET.encode())})
    assert response.status_code == 400 and "코드" in response.json()["message"]
    forged = issue_token("demo-salaried", b"x" * 48)
    response = httpx.post(f"{kakao}/webhooks/kakao/link", json={"code": code, "customer_token": forged},
                          timeout=10.0)
    assert response.status_code == 401
    assert "로그인" in say(kakao, "내 잔액 알려줘", user)  # still unlinked


def test_slow_answer_arrives_with_the_next_message(kakao):
    # A turn that calls the action server (real I/O), so the 0.001 s timeout is
    # hit; a turn that never yields the event loop can finish before any timeout.
    user = new_user()
    first = post(kakao, skill_request("내 잔액 알려줘", user), channel="kakao_slow")
    assert text_of(first).strip() == fmt.WAIT_TEXT
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        later = text_of(post(kakao, skill_request("응", user), channel="kakao_slow"))
        if later.strip() != fmt.WAIT_TEXT:
            break
        time.sleep(0.5)
    assert "로그인" in later
