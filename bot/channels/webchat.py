"""Rasa's socket.io channel, fitted to the rasa-webchat widget on our web page.

credentials.yml::

    bot.channels.webchat.WebChatInput:
      user_message_evt: user_uttered
      bot_message_evt: bot_uttered
      session_persistence: true
      metadata_key: customData      # rasa-webchat sends the signed-in customer's token here

Four differences from ``socketio``:

* Custom JSON (our spending chart, ``{"chart": {...}}``) reaches the browser as
  the message itself. Rasa 3.6's ``SocketIOOutput.send_custom_json`` spreads the
  dict into ``sio.emit(**json_message)``, which fails for any key but ``data``.
* ``metadata_key`` defaults to ``customData``, the key rasa-webchat uses.
* Texts are escaped for Markdown, which the widget renders: a masked account
  number ``1234-***-5678`` would otherwise turn into bold italics.
* With ``session_persistence`` the socket really joins its session's room.
  python-socketio made ``AsyncServer.enter_room`` a coroutine (5.10); Rasa 3.6
  calls it without ``await``, so the room is never joined and no answer is
  delivered.

The socket stays at ``/socket.io``; the channel's health route is
``GET /webhooks/webchat/``.
"""
from __future__ import annotations

import inspect
import re
import uuid
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput

WEBCHAT_METADATA_KEY = "customData"
MARKDOWN_SPECIALS = re.compile(r"([\\`*_\[\]#~<>])")


def escape_markdown(text: Text) -> Text:
    """Our answers are plain text; shown literally by the widget's Markdown renderer."""
    return MARKDOWN_SPECIALS.sub(r"\\\1", text)


class WebChatOutput(SocketIOOutput):
    @classmethod
    def name(cls) -> Text:
        return "webchat"

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await super().send_text_message(recipient_id, escape_markdown(text), **kwargs)

    async def send_text_with_buttons(self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]],
                                     **kwargs: Any) -> None:
        await super().send_text_with_buttons(recipient_id, escape_markdown(text), buttons, **kwargs)

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
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
        async def with_webchat_output(message: UserMessage) -> None:
            message.output_channel = WebChatOutput(self.sio, self.bot_message_evt)
            await on_new_message(message)

        blueprint = super().blueprint(with_webchat_output)
        sio = self.sio

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: Text, data: Optional[Dict]) -> None:
            session_id = (data or {}).get("session_id") or uuid.uuid4().hex
            if self.session_persistence:
                joined = sio.enter_room(sid, session_id)
                if inspect.isawaitable(joined):
                    await joined
            await sio.emit("session_confirm", session_id, room=sid)

        return blueprint
