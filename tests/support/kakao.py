"""Kakao i Open Builder skill requests as Kakao sends them, and reading the skill responses."""
import time
import uuid

import httpx

from bot.channels import kakao_format as fmt
from bot.channels.kakao import SKILL_SECRET_HEADER

SKILL_SECRET = "test-open-builder-secret"  # servers that set KAKAO_SKILL_SECRET use this one


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
    """The skill response to `text`; a late answer (the 5-second rule) is fetched as the wait text
    asks: by sending any message again."""
    data = post(url, skill_request(text, user_id))
    deadline = time.monotonic() + patience_s
    while text_of(data).strip() == fmt.WAIT_TEXT and time.monotonic() < deadline:
        time.sleep(0.5)
        data = post(url, skill_request("응", user_id))
    return data


def say(url, text, user_id, patience_s=90.0):
    return text_of(answer(url, text, user_id, patience_s))


def new_user():
    return f"kakao-{uuid.uuid4().hex[:12]}"
