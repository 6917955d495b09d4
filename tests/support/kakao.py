"""Kakao i Open Builder skill requests as Kakao sends them, reading the skill responses, and a fake
Kakao callback endpoint."""
import json
import time
import uuid

import httpx

from bot.rasa.channels import kakao_format as fmt
from bot.rasa.channels.kakao import SKILL_SECRET_HEADER

SKILL_SECRET = "test-open-builder-secret"  # servers that set KAKAO_SKILL_SECRET use this one


def skill_request(utterance, user_id, callback_url=None):
    """A skill request as Kakao i Open Builder sends it (fallback block; `callback_url` as in a block
    with the AI-chatbot callback enabled)."""
    body = {
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
    if callback_url is not None:
        body["userRequest"]["callbackUrl"] = callback_url
    return body


def post(url, body, channel="kakao"):
    response = httpx.post(f"{url}/webhooks/{channel}/webhook", json=body, timeout=40.0,
                          headers={SKILL_SECRET_HEADER: SKILL_SECRET})
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


def answer(url, text, user_id, patience_s=90.0):
    """The skill response to `text`; a late answer (the 5-second rule) is fetched as the late text
    asks: by sending the question again."""
    data = post(url, skill_request(text, user_id))
    deadline = time.monotonic() + patience_s
    while text_of(data).strip() == fmt.LATE_TEXT and time.monotonic() < deadline:
        time.sleep(0.5)
        data = post(url, skill_request(text, user_id))
    return data


def say(url, text, user_id, patience_s=90.0):
    return text_of(answer(url, text, user_id, patience_s))


def new_user():
    return f"kakao-{uuid.uuid4().hex[:12]}"


class FakeKakaoCallback:
    """Kakao's callback endpoint, faked on a local port: records every POST it receives."""

    def __init__(self):
        import http.server
        import threading

        self.calls = []
        self._arrived = threading.Condition()
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with fake._arrived:
                    fake.calls.append({"path": self.path, "body": json.loads(body or b"null")})
                    fake._arrived.notify_all()
                payload = b'{"taskId": "fake", "status": "SUCCESS"}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def url(self, host="127.0.0.1"):
        return f"http://{host}:{self.port}/v1/callback/{uuid.uuid4().hex}"

    def calls_to(self, url, wait_s=0.0):
        """The POSTs to `url`, waiting up to `wait_s` for a first one."""
        path = url.split(str(self.port), 1)[1]
        deadline = time.monotonic() + wait_s
        with self._arrived:
            while True:
                found = [c["body"] for c in self.calls if c["path"] == path]
                remaining = deadline - time.monotonic()
                if found or remaining <= 0:
                    return found
                self._arrived.wait(remaining)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()
