"""KakaoTalk bot-first messages through Kakao i Open Builder's Event API.

    POST {KAKAO_EVENT_API_BASE}/v2/bots/{KAKAO_BOT_ID}/talk
    Authorization: KakaoAK {KAKAO_REST_API_KEY}
    {"event": {"name": KAKAO_EVENT_NAME, "data": {...}}, "user": [{"type": "botUserKey", "id": ...}]}

The block bound to the event name in the Open Builder shows `event.data` (text, button title and
the utterance the button sends). At most 100 users per call; Kakao answers with a `taskId`. Only
customers who linked their Kakao account (bot/channels/kakao_links.py) are sent anything; the
link's Kakao user id is the skill request's `userRequest.user.id`, a botUserKey. Unconfigured
(no bot id or key), nothing is sent and the alerts wait in the inbox.
"""
from __future__ import annotations

import logging
import os
import sqlite3
from dataclasses import dataclass
from datetime import datetime

import httpx
from sqlalchemy.orm import Session

from bot.channels.kakao_links import DB_ENV, DEFAULT_DB
from bot.insights.inbox import due_alerts

log = logging.getLogger(__name__)
MAX_USERS_PER_CALL = 100


@dataclass(frozen=True)
class KakaoEventConfig:
    base_url: str
    bot_id: str
    rest_api_key: str
    event_name: str

    @classmethod
    def from_env(cls) -> "KakaoEventConfig | None":
        bot_id, key = os.environ.get("KAKAO_BOT_ID"), os.environ.get("KAKAO_REST_API_KEY")
        if not bot_id or not key:
            return None
        return cls(
            os.environ.get("KAKAO_EVENT_API_BASE", "https://bot-api.kakao.com").rstrip("/"),
            bot_id,
            key,
            os.environ.get("KAKAO_EVENT_NAME", "mydata_alert"),
        )


class KakaoEventError(Exception):
    """Kakao refused or could not take the event (the alert stays undelivered, tried again later)."""


class KakaoEventClient:
    def __init__(self, config: KakaoEventConfig, timeout_s: float = 5.0):
        self.config = config
        self._http = httpx.Client(timeout=timeout_s)

    def send(self, user_keys: list[str], data: dict[str, str]) -> list[str]:
        """Sends one event to the users, 100 per call; returns Kakao's task ids."""
        url = f"{self.config.base_url}/v2/bots/{self.config.bot_id}/talk"
        headers = {"Authorization": f"KakaoAK {self.config.rest_api_key}", "Content-Type": "application/json"}
        tasks = []
        for start in range(0, len(user_keys), MAX_USERS_PER_CALL):
            body = {
                "event": {"name": self.config.event_name, "data": data},
                "user": [
                    {"type": "botUserKey", "id": key} for key in user_keys[start : start + MAX_USERS_PER_CALL]
                ],
            }
            try:
                response = self._http.post(url, json=body, headers=headers)
            except httpx.HTTPError as exc:
                raise KakaoEventError(f"Event API unreachable: {type(exc).__name__}") from None
            answer = (
                response.json()
                if response.headers.get("content-type", "").startswith("application/json")
                else {}
            )
            if response.status_code != 200 or answer.get("status") == "FAIL":
                raise KakaoEventError(
                    f"Event API answered {response.status_code}: {answer.get('message', '')}"
                )
            tasks.append(str(answer.get("taskId", "")))
        return tasks

    def close(self) -> None:
        self._http.close()


def linked_kakao_users(customer_id: str, db_path: str | None = None) -> list[str]:
    """The Kakao users (botUserKeys) linked to the customer; none when nobody linked."""
    path = db_path or os.environ.get(DB_ENV, DEFAULT_DB)
    if not os.path.exists(path):
        return []
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        try:
            rows = db.execute(
                "SELECT kakao_user_id FROM kakao_links WHERE customer_id = ? ORDER BY kakao_user_id",
                (customer_id,),
            ).fetchall()
        except sqlite3.OperationalError:  # no link table yet
            return []
    return [r[0] for r in rows]


def deliver_pending(session: Session, customer_id: str, client: KakaoEventClient, now: datetime,
                    link_db: str | None = None) -> int:
    """Sends the customer's undelivered alerts to their linked Kakao users, urgent ones at any hour
    and the rest outside the customer's quiet hours; returns how many were sent. A refusal stops the
    round: what was sent stays marked sent, the rest waits for the next one."""
    users = linked_kakao_users(customer_id, link_db)
    if not users:
        return 0
    sent = 0
    for alert in due_alerts(session, customer_id, now):
        try:
            client.send(users, {"text": alert.text, "button_title": alert.button_title,
                                "button_utterance": alert.button_payload, "alert_id": str(alert.id)})
        except KakaoEventError as exc:
            log.warning("Kakao delivery for one customer stopped: %s", exc)
            break
        alert.delivered_at = now
        sent += 1
    return sent
