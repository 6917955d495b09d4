"""Rasa's socket.io channel, fitted to the rasa-webchat widget on our web page.

credentials.yml::

    bot.rasa.channels.webchat.WebChatInput:
      user_message_evt: user_uttered
      bot_message_evt: bot_uttered
      session_persistence: true
      metadata_key: customData      # rasa-webchat sends the signed-in customer's token here

How it differs from Rasa's ``socketio``:

* The server issues every session id (``webchat_sessions``), bound to the customer whose
  verified token asked for it: ``session_request`` with the customer token as ``session_id``
  (the page puts it in the widget's storage before mounting) opens a new session for that
  customer; a server-issued id resumes one; no id opens a visitor's session. A socket joins a
  session's room, and so receives its answers, only once a message of its own proves the
  session's owner; a message naming any other session, or carrying another customer's token,
  is refused (``refusal`` event and a Korean ``bot_uttered``). Rasa's channel joins whatever
  room the client names.
* The metadata passed on is the verified identity of ``customData.customer_token`` only.
* Origins: the Rasa server's own ``--cors`` list (the page's origin), or
  ``WEBCHAT_ORIGINS``; with neither, same origin only. Checked at socket.io ``connect``
  rather than through python-socketio's ``cors_allowed_origins``, which would add a second
  set of CORS headers to the ones Rasa's Sanic CORS already sets, and browsers refuse both.
* Every malformed ``user_uttered`` (not a dict, no text, not a string, too long, no session)
  gets a Korean answer or a refusal, never silence.
* Custom JSON (our spending chart, ``{"chart": {...}}``) reaches the browser as the message
  itself; texts are escaped for the widget's Markdown renderer.
* A new alert reaches the customer's open sessions at once, as a bot message with its button:
  the worker that stored it announces it on the task broker (``bot.delivery.web_push``), this
  process hears it and shows it in the sessions it holds for that customer whose login still
  holds, once per session. Sessions of visitors never receive one.

The socket stays at ``/socket.io``; the channel's health route is ``GET /webhooks/webchat/``.
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
import re
from datetime import datetime, timezone
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text, Union

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from bot.auth.identity import AUTH_ERROR_KEY, CUSTOMER_KEY, verified_login
from bot.channels.bounds import MAX_BODY_BYTES, TOO_LONG_TEXT, too_long
from bot.delivery.web_push import AnnouncementListener, show_in_sessions
from bot.mydata.store.db import get_engine
from bot.rasa.channels.webchat_sessions import ANONYMOUS, SessionIds, well_formed

logger = logging.getLogger(__name__)

WEBCHAT_METADATA_KEY = "customData"
ORIGINS_ENV = "WEBCHAT_ORIGINS"
REFUSAL_EVT = "refusal"
MARKDOWN_SPECIALS = re.compile(r"([\\`*_\[\]#~<>])")

BAD_EVENT = "메시지 형식이 올바르지 않아요. 다시 보내 주세요."
NOT_TEXT = "글자로 된 메시지만 보낼 수 있어요. 다시 입력해 주세요."
EMPTY_TEXT = "보낼 내용을 입력해 주세요."
NO_SESSION = "대화가 연결되지 않았어요. 페이지를 새로고침해 주세요."
NOT_YOUR_SESSION = "이 대화에는 참여할 수 없어요. 페이지를 새로고침한 뒤 다시 로그인해 주세요."
LOGIN_EXPIRED = "로그인이 만료되었어요. 다시 로그인한 뒤 대화해 주세요."
UNKNOWN_SESSION = "이전 대화를 이어 갈 수 없어 새 대화를 시작했어요."

Origins = Union[str, List[str], None]


def escape_markdown(text: Text) -> Text:
    """Our answers are plain text; shown literally by the widget's Markdown renderer."""
    return MARKDOWN_SPECIALS.sub(r"\\\1", text)


def server_cors_origins(app: Sanic) -> Origins:
    """The origins the Rasa server's ``--cors`` allows (Rasa keeps them in Sanic-CORS's options)."""
    options = getattr(getattr(app.ctx, "sanic_cors", None), "_options", None) or {}
    origins: Any = None
    for resource in (options.get("resources") or {}).values():
        origins = resource.get("origins") if isinstance(resource, dict) else None
    if origins == "*" or (isinstance(origins, list) and "*" in origins):
        return "*"
    if isinstance(origins, str) and origins:
        return [origins]
    return [str(o) for o in origins] if isinstance(origins, (list, tuple)) and origins else None


def origin_allowed(origin: Optional[str], allowed: Origins, host_origin: Optional[str]) -> bool:
    """No Origin header is not a browser; a browser's page must be on the list (or be this server)."""
    if not origin:
        return True
    if allowed == "*":
        return True
    return origin in (allowed or []) or origin == host_origin


def metadata_token(data: Dict[str, Any], key: str) -> Any:
    metadata = data.get(key)
    if isinstance(metadata, str):
        try:
            metadata = json.loads(metadata)
        except ValueError:
            return None
    return metadata.get("customer_token") if isinstance(metadata, dict) else None


class OpenSessions:
    """The sessions this process holds a socket for, whose they are and until when their login
    holds: where a new alert can be shown at once."""

    def __init__(self) -> None:
        self._by_socket: Dict[str, tuple] = {}  # socket id -> (session id, customer id, login until)

    def opened(self, sid: str, session_id: str, customer_id: str, until: Optional[datetime]) -> None:
        if customer_id == ANONYMOUS or until is None:
            self._by_socket.pop(sid, None)
        else:
            self._by_socket[sid] = (session_id, customer_id, until)

    def closed(self, sid: str) -> None:
        self._by_socket.pop(sid, None)

    def of(self, customer_id: str, now: datetime) -> List[str]:
        return sorted({session for session, owner, until in self._by_socket.values()
                       if owner == customer_id and until > now})


class WebChatOutput(SocketIOOutput):
    @classmethod
    def name(cls) -> Text:
        return "webchat"

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await super().send_text_message(recipient_id, escape_markdown(text), **kwargs)

    async def send_text_with_buttons(self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]],
                                     **kwargs: Any) -> None:
        await super().send_text_with_buttons(recipient_id, escape_markdown(text), buttons, **kwargs)

    async def send_custom_json(
        self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any
    ) -> None:
        await self._send_message(recipient_id, dict(json_message))


class WebChatInput(SocketIOInput):
    @classmethod
    def name(cls) -> Text:
        return "webchat"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "WebChatInput":
        credentials = dict(credentials or {})
        credentials.setdefault("metadata_key", WEBCHAT_METADATA_KEY)
        channel = super().from_credentials(credentials)
        assert isinstance(channel, WebChatInput)
        return channel

    def get_output_channel(self) -> Optional[OutputChannel]:
        if self.sio is None:
            return super().get_output_channel()
        return WebChatOutput(self.sio, self.bot_message_evt)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> SocketBlueprint:
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=[], max_http_buffer_size=MAX_BODY_BYTES)
        self.sio = sio
        channel = self
        session_ids = SessionIds()
        session_of: Dict[str, str] = {}  # socket id -> the session it asked for
        joined: Dict[str, str] = {}  # socket id -> the session whose room it is in
        open_sessions = OpenSessions()
        listener: Dict[str, AnnouncementListener] = {}
        env_origins = [o for o in os.environ.get(ORIGINS_ENV, "").split() if o]
        allowed: Dict[str, Origins] = {"origins": env_origins or None}

        class WebChatBlueprint(SocketBlueprint):
            def register(self, app: Sanic, options: Dict[Text, Any]) -> None:
                if not env_origins:
                    allowed["origins"] = server_cors_origins(app)
                logger.info(
                    "webchat: socket.io accepts pages from %s", allowed["origins"] or "this server only"
                )
                app.register_listener(start_alerts, "after_server_start")
                app.register_listener(stop_alerts, "before_server_stop")
                super().register(app, options)

        blueprint = WebChatBlueprint(sio, self.socketio_path, "socketio_webhook", __name__)

        async def say(sid: str, text: str) -> None:
            await sio.emit(self.bot_message_evt, {"text": text}, room=sid)

        async def refuse(sid: str, reason: str, text: str) -> None:
            logger.info("webchat: refused a socket (%s)", reason)
            await sio.emit(REFUSAL_EVT, {"reason": reason, "message": text}, room=sid)
            await say(sid, text)

        async def join(
            sid: str, session_id: str, owner: str = ANONYMOUS, until: Optional[datetime] = None
        ) -> None:
            if joined.get(sid) != session_id:
                await leave(sid)
                await sio.enter_room(sid, session_id)
                joined[sid] = session_id
            open_sessions.opened(sid, session_id, owner, until)

        async def leave(sid: str) -> None:
            open_sessions.closed(sid)
            old = joined.pop(sid, None)
            if old is not None:
                await sio.leave_room(sid, old)

        async def push_alerts(customer_id: str, alert_ids: List[int]) -> None:
            targets = open_sessions.of(customer_id, datetime.now(timezone.utc))
            if not targets:
                return
            try:
                shown = await asyncio.to_thread(
                    show_in_sessions,
                    get_engine(),
                    customer_id,
                    alert_ids,
                    targets,
                    datetime.now(timezone.utc),
                )
            except Exception as error:  # noqa: BLE001 - the alert stays in the inbox; the chat goes on
                logger.warning("webchat: new alerts not shown (%s)", type(error).__name__)
                return
            output = WebChatOutput(sio, self.bot_message_evt)
            for session_id, message in shown:
                await output.send_text_with_buttons(session_id, message.text, message.buttons)
            if shown:
                logger.info("webchat: %d new alert message(s) shown in %d open session(s)", len(shown),
                            len({s for s, _ in shown}))

        def start_alerts(_app: Sanic, loop: asyncio.AbstractEventLoop) -> None:
            def hand_on(customer_id: str, alert_ids: List[int]) -> None:
                asyncio.run_coroutine_threadsafe(push_alerts(customer_id, alert_ids), loop)
            listener["current"] = AnnouncementListener(hand_on).start()

        def stop_alerts(_app: Sanic, _loop: asyncio.AbstractEventLoop) -> None:
            if "current" in listener:
                listener.pop("current").stop()

        @blueprint.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @sio.on("connect", namespace=self.namespace)
        async def connect(sid: Text, environ: Dict, auth: Optional[Dict] = None) -> bool:
            origin = environ.get("HTTP_ORIGIN")
            host_origin = f"{environ.get('wsgi.url_scheme', 'http')}://{environ.get('HTTP_HOST', '')}"
            if not origin_allowed(origin, allowed["origins"], host_origin):
                logger.warning("webchat: a socket from an origin not allowed was refused")
                return False
            return True

        @sio.on("disconnect", namespace=self.namespace)
        async def disconnect(sid: Text, *_: Any) -> None:
            session_of.pop(sid, None)
            joined.pop(sid, None)
            open_sessions.closed(sid)

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: Text, data: Any = None) -> None:
            requested = data.get("session_id") if isinstance(data, dict) else None
            identity, until = (verified_login(requested) if isinstance(requested, str) and "." in requested
                               else ({}, None))
            await leave(sid)
            if CUSTOMER_KEY in identity:
                session_id = session_ids.issue(identity[CUSTOMER_KEY])
                await join(sid, session_id, identity[CUSTOMER_KEY], until)
            elif well_formed(requested):
                session_id = requested  # its owner is proven by the first message
                if session_ids.owned_by(session_id, ANONYMOUS):
                    await join(sid, session_id)
            else:
                if requested not in (None, "") or not isinstance(data, (dict, type(None))):
                    await refuse(sid, "unknown_session", UNKNOWN_SESSION)
                session_id = session_ids.issue(ANONYMOUS)
                await join(sid, session_id)
            session_of[sid] = session_id
            await sio.emit("session_confirm", session_id, room=sid)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: Text, data: Any = None) -> None:
            if not isinstance(data, dict):
                await say(sid, BAD_EVENT)
                return
            session_id = session_of.get(sid)
            if session_id is None:
                await refuse(sid, "no_session", NO_SESSION)
                return
            named = data.get("session_id")
            if named is not None and named != session_id:
                await refuse(sid, "not_your_session", NOT_YOUR_SESSION)
                return
            text = data.get("message")
            if not isinstance(text, str):
                await say(sid, NOT_TEXT if text is not None else BAD_EVENT)
                return
            if not text.strip():
                await say(sid, EMPTY_TEXT)
                return
            if too_long(text):
                await say(sid, TOO_LONG_TEXT)
                return
            identity, until = verified_login(metadata_token(data, channel.metadata_key))
            owner = identity.get(CUSTOMER_KEY, ANONYMOUS)
            if not session_ids.owned_by(session_id, owner):
                if identity.get(AUTH_ERROR_KEY) == "expired":
                    await say(sid, LOGIN_EXPIRED)
                else:
                    await refuse(sid, "not_your_session", NOT_YOUR_SESSION)
                return
            await join(sid, session_id, owner, until)
            message = UserMessage(text.strip(), WebChatOutput(sio, self.bot_message_evt), session_id,
                                  input_channel=self.name(), metadata=identity)
            await on_new_message(message)

        return blueprint
