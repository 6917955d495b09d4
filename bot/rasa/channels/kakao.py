"""Kakao i Open Builder skill server as a Rasa input channel.

credentials.yml::

    bot.rasa.channels.kakao.KakaoInput:
      reply_timeout_s: 4.5      # Kakao gives a skill 5 s

Routes: ``GET /webhooks/kakao/`` (health), ``POST /webhooks/kakao/webhook``
(the skill URL), ``POST /webhooks/kakao/link`` (called by the web page for a
signed-in customer: ``{"code": "123456", "customer_token": "<JWT>"}``).

* Caller check: every skill request must carry ``KAKAO_SKILL_SECRET`` in the
  ``X-Kakao-Skill-Secret`` header (a custom header in the Open Builder skill
  settings; ``./run.sh`` generates the secret). Without a configured secret
  every skill request is refused (401): a skill server anyone can call would
  answer a forged ``user.id`` with that customer's data.
* Sender id is ``kakao:<userRequest.user.id>``. The link store is the
  verification: a linked Kakao user's messages carry ``{"customer_id": ...}``,
  an unlinked user's ``{"auth_error": "missing"}`` (``bot.auth.identity``);
  nothing from the Kakao request is passed on as metadata.
* Account linking: "계정 연결" answers a one-time 6-digit code (see
  ``kakao_links`` for how guessing is bounded); the web page redeems it.
  "계정 연결 해제" removes the link at once, whatever else is running.
* Bounds (``bounds``): a body over 64 KB is refused (413), a malformed
  body or missing field gets 400 with a JSON error that is still a valid skill
  response, an utterance over the limit gets the "too long" answer before any
  parsing.
* Late answers: if Rasa has not answered within ``reply_timeout_s`` and the
  request has an allowed ``userRequest.callbackUrl``, the skill answers
  ``useCallback`` at once and POSTs the real answer there once
  (``kakao_callback``); without one it answers ``LATE_TEXT`` (ask again). The
  turn keeps running either way, and the next message is always processed.
"""
from __future__ import annotations

import asyncio
import hmac
import inspect
import json
import logging
import os
import time
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Dict, List, Optional, Set, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.auth.identity import AUTH_ERROR_KEY, CUSTOMER_KEY
from bot.auth.tokens import TokenError, verify_token
from bot.channels.bounds import MAX_BODY_BYTES, MAX_TOKEN_CHARS, TOO_LARGE_TEXT, TOO_LONG_TEXT, too_long
from bot.channels.kakao_links import LinkStore, TooManyCodes, TooManyWrongCodes, is_code
from bot.rasa.channels import kakao_format as fmt
from bot.rasa.channels.kakao_callback import answer_later, callback_url_allowed, use_callback_response

logger = logging.getLogger(__name__)

DEFAULT_REPLY_TIMEOUT_S = 4.5
SENDER_PREFIX = "kakao:"
MAX_USER_ID_CHARS = 200
LINK_TRIGGERS = ("계정 연결", "계정연결", "연결 코드", "연결코드")
UNLINK_TRIGGERS = tuple(f"{who} 연결 {what}" for who in ("계정", "카카오톡", "카톡")
                        for what in ("해제", "끊"))
SKILL_SECRET_ENV = "KAKAO_SKILL_SECRET"
SKILL_SECRET_HEADER = "X-Kakao-Skill-Secret"

LINK_CODE_TEXT = (
    "계정 연결 코드는 {code} 이에요. 10분 안에 앱이나 웹에 로그인한 뒤 "
    "'카카오톡 연결' 화면에 이 코드를 입력해 주세요. 코드는 한 번만 쓸 수 있어요."
)
LINK_TOO_MANY_CODES = "연결 코드를 너무 자주 요청하셨어요. 10분 뒤에 다시 '계정 연결'을 보내 주세요."
LINK_BAD_REQUEST = "요청 형식이 올바르지 않아요. 6자리 연결 코드와 로그인 정보를 함께 보내 주세요."
LINK_BAD_CODE = (
    "연결 코드가 올바르지 않거나 만료되었어요. 카카오톡에서 '계정 연결'을 다시 보내 새 코드를 받아 주세요."
)
LINK_BAD_TOKEN = "로그인 정보를 확인할 수 없어요. 다시 로그인한 뒤 시도해 주세요."
LINK_DONE = "카카오톡 계정이 연결되었어요. 이제 카카오톡에서도 내 금융 정보를 물어보실 수 있어요."
LINK_LOCKED = "연결 코드를 여러 번 잘못 입력했어요. 10분 뒤에 카카오톡에서 새 코드를 받아 다시 시도해 주세요."
TOO_LARGE = TOO_LARGE_TEXT
UNAUTHORIZED = "인증되지 않은 요청이에요."
UNLINK_DONE = ("카카오톡 계정 연결을 해제했어요. 이제 이 카카오톡에서는 내 금융 정보를 볼 수 없어요. "
               "다시 연결하려면 '계정 연결'을 보내 주세요.")
UNLINK_NONE = "이 카카오톡에 연결된 계정이 없어요. 연결하려면 '계정 연결'을 보내 주세요."

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


@dataclass(frozen=True)
class SkillRequest:
    user_id: str
    text: str
    callback_url: Optional[str]


class BadSkillRequest(ValueError):
    """A body that is not a usable skill request; `code` names what is wrong."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def is_unlink_request(text: str) -> bool:
    squeezed = " ".join(text.split())
    return any(trigger in squeezed for trigger in UNLINK_TRIGGERS)


def is_link_request(text: str) -> bool:
    return not is_unlink_request(text) and any(trigger in text for trigger in LINK_TRIGGERS)


def skill_secret(env: Optional[Dict[str, str]] = None) -> Optional[str]:
    return (env if env is not None else os.environ).get(SKILL_SECRET_ENV) or None


def skill_caller_allowed(header_value: Optional[str], env: Optional[Dict[str, str]] = None) -> bool:
    """Only a caller with the configured secret; nobody when none is configured."""
    secret = skill_secret(env)
    if secret is None or header_value is None:
        return False
    return hmac.compare_digest(header_value.encode(), secret.encode())


def parse_skill_request(body: bytes) -> SkillRequest:
    """The parts of a skill request the channel uses; raises BadSkillRequest."""
    try:
        payload = json.loads(body or b"")
    except (ValueError, TypeError):
        raise BadSkillRequest("malformed_json") from None
    user_request = payload.get("userRequest") if isinstance(payload, dict) else None
    if not isinstance(user_request, dict):
        raise BadSkillRequest("missing_user_request")
    text = user_request.get("utterance")
    user = user_request.get("user")
    user_id = user.get("id") if isinstance(user, dict) else None
    if not isinstance(text, str):
        raise BadSkillRequest("missing_utterance")
    if isinstance(user_id, bool) or not isinstance(user_id, (str, int)) or not str(user_id).strip():
        raise BadSkillRequest("missing_user_id")
    if len(str(user_id)) > MAX_USER_ID_CHARS:
        raise BadSkillRequest("user_id_too_long")
    callback_url = user_request.get("callbackUrl")
    return SkillRequest(
        str(user_id).strip(), text.strip(), callback_url if isinstance(callback_url, str) else None
    )


def error_response(code: str, text: str, status: int) -> HTTPResponse:
    """A refusal that is still a valid skill response, so Kakao never shows a blank."""
    return response.json({**fmt.text_response(text), "error": code}, status=status)


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
        self._running: Set["asyncio.Future[Any]"] = set()  # late turns and callbacks, kept from the GC

    @property
    def links(self) -> LinkStore:
        if self._links is None:  # created lazily, so importing the channel touches no file
            self._links = LinkStore(self._link_db)
        return self._links

    # -- one turn ---------------------------------------------------------

    def _metadata(self, kakao_user_id: str) -> Dict[str, str]:
        customer_id = self.links.customer_for(kakao_user_id)
        return {CUSTOMER_KEY: customer_id} if customer_id else {AUTH_ERROR_KEY: "missing"}

    async def _run_turn(
        self, on_new_message: OnNewMessage, kakao_user_id: str, text: str
    ) -> List[Dict[str, Any]]:
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

    def _keep(self, future: "asyncio.Future[Any]") -> None:
        self._running.add(future)
        future.add_done_callback(self._running.discard)

    async def handle(self, on_new_message: OnNewMessage, request: SkillRequest,
                     received_at: Optional[float] = None) -> Dict[str, Any]:
        received_at = time.monotonic() if received_at is None else received_at
        text, kakao_user_id = request.text, request.user_id
        if not text:
            return fmt.text_response(fmt.APOLOGY)
        if too_long(text):
            return fmt.text_response(TOO_LONG_TEXT)

        if is_unlink_request(text):
            unlinked = self.links.unlink(kakao_user_id)
            logger.info("kakao: unlink requested (%s)", "removed" if unlinked else "was not linked")
            return fmt.text_response(UNLINK_DONE if unlinked else UNLINK_NONE)

        if is_link_request(text):
            try:
                code = self.links.issue_code(kakao_user_id)
            except TooManyCodes:
                logger.warning("kakao: link codes paused for a Kakao user after repeated requests")
                return fmt.text_response(LINK_TOO_MANY_CODES)
            logger.info("kakao: issued a link code")
            return fmt.text_response(LINK_CODE_TEXT.format(code=code))

        turn = asyncio.ensure_future(self._run_turn(on_new_message, kakao_user_id, text))
        self._keep(turn)
        done, _ = await asyncio.wait({turn}, timeout=self.reply_timeout_s)
        if done:
            return fmt.render(turn.result())
        if request.callback_url is not None and callback_url_allowed(request.callback_url):
            async def rendered() -> Dict[str, Any]:
                return fmt.render(await asyncio.shield(turn))

            self._keep(asyncio.ensure_future(answer_later(
                request.callback_url, rendered(), received_at, fmt.text_response(fmt.ERROR_APOLOGY))))
            return use_callback_response(fmt.CALLBACK_WAIT_TEXT)
        if request.callback_url is not None:
            logger.warning("kakao: a callback URL outside Kakao's domains was ignored")
        return fmt.text_response(fmt.LATE_TEXT)

    # -- linking ------------------------------------------------------------

    def link(self, body: bytes) -> HTTPResponse:
        if len(body or b"") > MAX_BODY_BYTES:
            return response.json({"ok": False, "error": "too_large", "message": TOO_LARGE}, status=413)
        try:
            payload = json.loads(body or b"")
        except (ValueError, TypeError):
            payload = None
        code = payload.get("code") if isinstance(payload, dict) else None
        token = payload.get("customer_token") if isinstance(payload, dict) else None
        code = code.strip() if isinstance(code, str) else code
        if not is_code(code) or not isinstance(token, str) or not token or len(token) > MAX_TOKEN_CHARS:
            return response.json(
                {"ok": False, "error": "bad_request", "message": LINK_BAD_REQUEST}, status=400
            )
        try:
            customer = verify_token(token)
        except TokenError:
            return response.json({"ok": False, "error": "bad_token", "message": LINK_BAD_TOKEN}, status=401)
        try:
            linked = self.links.redeem(code, customer.customer_id)
        except TooManyWrongCodes:
            logger.warning("kakao: link attempts paused for a customer after repeated wrong codes")
            return response.json({"ok": False, "error": "locked", "message": LINK_LOCKED}, status=429)
        if linked is None:
            return response.json({"ok": False, "error": "bad_code", "message": LINK_BAD_CODE}, status=400)
        logger.info("kakao: linked a Kakao user to a customer")
        return response.json({"ok": True, "message": LINK_DONE})

    # -- routes -------------------------------------------------------------

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        module = inspect.getmodule(self)
        blueprint = Blueprint(f"kakao_webhook_{type(self).__name__}", module.__name__ if module else None)
        if skill_secret() is None:
            logger.error("kakao: %s is not set, so every skill request is refused (401); "
                         "./run.sh generates one, set it as the %s header in Open Builder",
                         SKILL_SECRET_ENV, SKILL_SECRET_HEADER)

        @blueprint.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @blueprint.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            received_at = time.monotonic()
            if not skill_caller_allowed(request.headers.get(SKILL_SECRET_HEADER)):
                logger.warning(
                    "kakao: skill request without the right %s header refused", SKILL_SECRET_HEADER
                )
                return error_response("unauthorized", UNAUTHORIZED, 401)
            if len(request.body or b"") > MAX_BODY_BYTES:
                return error_response("too_large", TOO_LARGE, 413)
            try:
                parsed = parse_skill_request(request.body)
            except BadSkillRequest as error:
                return error_response(error.code, fmt.APOLOGY, 400)
            try:
                return response.json(await self.handle(on_new_message, parsed, received_at))
            except Exception:  # noqa: BLE001 - never a 500 to Kakao
                logger.exception("kakao: skill request failed")
                return response.json(fmt.text_response(fmt.ERROR_APOLOGY))

        @blueprint.route("/link", methods=["POST"])
        async def link(request: Request) -> HTTPResponse:
            return self.link(request.body)

        return blueprint
