"""Kakao i Open Builder skill server as a Rasa input channel.

credentials.yml::

    bot.channels.kakao.KakaoInput:
      reply_timeout_s: 4.5      # Kakao gives a skill 5 s

Routes: ``GET /webhooks/kakao/`` (health), ``POST /webhooks/kakao/webhook``
(the skill URL), ``POST /webhooks/kakao/link`` (called by the web page for a
signed-in customer: ``{"code": "123456", "customer_token": "<JWT>"}``).

* Sender id is ``kakao:<userRequest.user.id>``.
* Account linking: "계정 연결" (or text containing 연결 코드) answers with a
  one-time 6-digit code (see ``kakao_links``); the web page redeems it, and
  five wrong codes pause linking for that customer (HTTP 429). "계정 연결 해제"
  (or 카카오톡/카톡 연결 해제·끊기) removes the link at once. For a
  linked Kakao user every message goes to Rasa with a 5-minute
  ``customer_token`` minted here; unlinked users get no token, so personal
  intents are refused politely by the action server and FAQ still works.
  Nothing from the Kakao request is passed on as metadata.
* Caller check: when ``KAKAO_SKILL_SECRET`` is set, every skill request must
  carry it in the ``X-Kakao-Skill-Secret`` header (set as a custom header in
  the Open Builder skill settings); others get HTTP 401 and nothing is run.
* Slow answers: if Rasa has not answered within ``reply_timeout_s`` the skill
  answers ``WAIT_TEXT`` at once and the turn keeps running; its answer is kept
  in memory for that sender. The user's next message delivers the stored
  answer *instead of* being processed (the wait text asks for "아무 말이나",
  so that message is only a trigger); if the answer is still not ready, the
  wait text is sent again and that message is dropped too, so answers never
  arrive out of order. Unclaimed answers are forgotten after ``PENDING_TTL_S``.
  Caveat: the timeout is checked on the event loop, so a turn that does only
  CPU work without awaiting I/O finishes (late) before the timeout can fire;
  turns that call the action server are cut off as intended.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import hmac
import inspect
import json
import logging
import os
import time
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.auth.tokens import TokenError, issue_token, verify_token
from bot.channels import kakao_format as fmt
from bot.channels.kakao_links import LinkStore, TooManyWrongCodes

logger = logging.getLogger(__name__)

DEFAULT_REPLY_TIMEOUT_S = 4.5
CUSTOMER_TOKEN_TTL = dt.timedelta(minutes=5)
PENDING_TTL_S = 600.0
SENDER_PREFIX = "kakao:"
LINK_TRIGGERS = ("계정 연결", "계정연결", "연결 코드", "연결코드")
UNLINK_TRIGGERS = tuple(f"{who} 연결 {what}" for who in ("계정", "카카오톡", "카톡")
                        for what in ("해제", "끊"))
SKILL_SECRET_ENV = "KAKAO_SKILL_SECRET"
SKILL_SECRET_HEADER = "X-Kakao-Skill-Secret"

LINK_CODE_TEXT = (
    "계정 연결 코드는 {code} 이에요. 10분 안에 앱이나 웹에 로그인한 뒤 "
    "'카카오톡 연결' 화면에 이 코드를 입력해 주세요. 코드는 한 번만 쓸 수 있어요."
)
LINK_BAD_REQUEST = "요청 형식이 올바르지 않아요. 연결 코드와 로그인 정보를 함께 보내 주세요."
LINK_BAD_CODE = "연결 코드가 올바르지 않거나 만료되었어요. 카카오톡에서 '계정 연결'을 다시 보내 새 코드를 받아 주세요."
LINK_BAD_TOKEN = "로그인 정보를 확인할 수 없어요. 다시 로그인한 뒤 시도해 주세요."
LINK_DONE = "카카오톡 계정이 연결되었어요. 이제 카카오톡에서도 내 금융 정보를 물어보실 수 있어요."
LINK_LOCKED = "연결 코드를 여러 번 잘못 입력했어요. 10분 뒤에 카카오톡에서 새 코드를 받아 다시 시도해 주세요."
UNLINK_DONE = ("카카오톡 계정 연결을 해제했어요. 이제 이 카카오톡에서는 내 금융 정보를 볼 수 없어요. "
               "다시 연결하려면 '계정 연결'을 보내 주세요.")
UNLINK_NONE = "이 카카오톡에 연결된 계정이 없어요. 연결하려면 '계정 연결'을 보내 주세요."

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


@dataclass
class Pending:
    task: "asyncio.Task[List[Dict[str, Any]]]"
    started: float = field(default_factory=time.monotonic)


def is_unlink_request(text: str) -> bool:
    squeezed = " ".join(text.split())
    return any(trigger in squeezed for trigger in UNLINK_TRIGGERS)


def is_link_request(text: str) -> bool:
    return not is_unlink_request(text) and any(trigger in text for trigger in LINK_TRIGGERS)


def skill_caller_allowed(header_value: Optional[str], env: Optional[Dict[str, str]] = None) -> bool:
    """Without a configured secret every caller is allowed (local development)."""
    secret = (env if env is not None else os.environ).get(SKILL_SECRET_ENV)
    if not secret:
        return True
    return header_value is not None and hmac.compare_digest(header_value.encode(), secret.encode())


def parse_skill_request(body: bytes) -> Optional[Dict[str, str]]:
    """{"user_id", "text"} from a skill request body, or None when it is not usable."""
    try:
        payload = json.loads(body or b"")
        user_request = payload["userRequest"]
        text = user_request["utterance"]
        user_id = user_request["user"]["id"]
    except (ValueError, TypeError, KeyError):
        return None
    if not isinstance(text, str) or not text.strip() or not isinstance(user_id, (str, int)) or not str(user_id):
        return None
    return {"user_id": str(user_id), "text": text.strip()}


class KakaoInput(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return "kakao"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "KakaoInput":
        credentials = credentials or {}
        return cls(
            reply_timeout_s=float(credentials.get("reply_timeout_s", DEFAULT_REPLY_TIMEOUT_S)),
            link_db=credentials.get("link_db"),
        )

    def __init__(
        self,
        reply_timeout_s: float = DEFAULT_REPLY_TIMEOUT_S,
        link_db: Optional[str] = None,
        links: Optional[LinkStore] = None,
    ) -> None:
        self.reply_timeout_s = reply_timeout_s
        self._link_db = link_db
        self._links = links
        self.pending: Dict[str, Pending] = {}

    @property
    def links(self) -> LinkStore:
        if self._links is None:  # created lazily, so importing the channel touches no file
            self._links = LinkStore(self._link_db)
        return self._links

    # -- one turn ---------------------------------------------------------

    def _metadata(self, kakao_user_id: str) -> Dict[str, Any]:
        customer_id = self.links.customer_for(kakao_user_id)
        if customer_id is None:
            return {}
        try:
            return {"customer_token": issue_token(customer_id, ttl=CUSTOMER_TOKEN_TTL)}
        except TokenError:
            logger.warning("kakao: linked user but no token secret configured; sending without a token")
            return {}

    async def _run_turn(self, on_new_message: OnNewMessage, kakao_user_id: str, text: str) -> List[Dict[str, Any]]:
        collector = CollectingOutputChannel()
        message = UserMessage(
            text,
            collector,
            SENDER_PREFIX + kakao_user_id,
            input_channel=self.name(),
            metadata=self._metadata(kakao_user_id),
        )
        try:
            await on_new_message(message)
        except Exception:  # noqa: BLE001 - the skill must always answer
            logger.exception("kakao: message handling failed")
            return [{"text": fmt.ERROR_APOLOGY}]
        return collector.messages

    async def _await(self, task: "asyncio.Task[List[Dict[str, Any]]]") -> bool:
        done, _ = await asyncio.wait({task}, timeout=self.reply_timeout_s)
        return bool(done)

    def _forget_stale(self) -> None:
        now = time.monotonic()
        for sender, pending in list(self.pending.items()):
            if now - pending.started > PENDING_TTL_S:
                del self.pending[sender]

    async def handle(self, on_new_message: OnNewMessage, kakao_user_id: str, text: str) -> Dict[str, Any]:
        self._forget_stale()
        pending = self.pending.get(kakao_user_id)
        if pending is not None:
            if pending.task.done() or await self._await(pending.task):
                del self.pending[kakao_user_id]
                return fmt.render(pending.task.result())
            return fmt.text_response(fmt.WAIT_TEXT)

        if is_unlink_request(text):
            unlinked = self.links.unlink(kakao_user_id)
            logger.info("kakao: unlink requested (%s)", "removed" if unlinked else "was not linked")
            return fmt.text_response(UNLINK_DONE if unlinked else UNLINK_NONE)

        if is_link_request(text):
            code = self.links.issue_code(kakao_user_id)
            logger.info("kakao: issued a link code")
            return fmt.text_response(LINK_CODE_TEXT.format(code=code))

        task = asyncio.ensure_future(self._run_turn(on_new_message, kakao_user_id, text))
        if await self._await(task):
            return fmt.render(task.result())
        self.pending[kakao_user_id] = Pending(task)
        return fmt.text_response(fmt.WAIT_TEXT)

    # -- linking ------------------------------------------------------------

    def link(self, body: bytes) -> HTTPResponse:
        try:
            payload = json.loads(body or b"")
            code, token = payload["code"], payload["customer_token"]
        except (ValueError, TypeError, KeyError):
            return response.json({"ok": False, "message": LINK_BAD_REQUEST}, status=400)
        try:
            customer = verify_token(token)
        except TokenError:
            return response.json({"ok": False, "message": LINK_BAD_TOKEN}, status=401)
        try:
            linked = self.links.redeem(str(code).strip(), customer.customer_id)
        except TooManyWrongCodes:
            logger.warning("kakao: link attempts paused for a customer after repeated wrong codes")
            return response.json({"ok": False, "message": LINK_LOCKED}, status=429)
        if linked is None:
            return response.json({"ok": False, "message": LINK_BAD_CODE}, status=400)
        logger.info("kakao: linked a Kakao user to a customer")
        return response.json({"ok": True, "message": LINK_DONE})

    # -- routes -------------------------------------------------------------

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        module = inspect.getmodule(self)
        blueprint = Blueprint(f"kakao_webhook_{type(self).__name__}", module.__name__ if module else None)

        @blueprint.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @blueprint.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not skill_caller_allowed(request.headers.get(SKILL_SECRET_HEADER)):
                logger.warning("kakao: skill request without the right %s header refused", SKILL_SECRET_HEADER)
                return response.json({"message": "unauthorized"}, status=401)
            parsed = parse_skill_request(request.body)
            if parsed is None:
                return response.json(fmt.text_response(fmt.APOLOGY))
            try:
                return response.json(await self.handle(on_new_message, parsed["user_id"], parsed["text"]))
            except Exception:  # noqa: BLE001 - never a 500 to Kakao
                logger.exception("kakao: skill request failed")
                return response.json(fmt.text_response(fmt.ERROR_APOLOGY))

        @blueprint.route("/link", methods=["POST"])
        async def link(request: Request) -> HTTPResponse:
            return self.link(request.body)

        return blueprint
