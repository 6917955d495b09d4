"""The web page's server started for a test, and a socket.io client that speaks as rasa-webchat does
(or as an attacker would), recording what the server sends back."""
from __future__ import annotations

import asyncio
import contextlib
import json
import sys
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import socketio

from tests.support.servers import RasaStack, start, wait_until


@contextlib.contextmanager
def page_server(bank: RasaStack, workdir: Path, secret: str) -> Iterator[str]:
    """The page server on the port the bank's Rasa server accepts cross-origin sockets from."""
    port = bank.web_port
    process = start("webpage", [sys.executable, "-m", "webpage.server", "--port", str(port),
                                "--rasa-url", bank.url], workdir, {"ASSISTANT_TOKEN_SECRET": secret})
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(process, f"{url}/api/config", lambda r: r.status_code == 200, 60)
        yield url
    finally:
        process.stop()


class ChatSocket:
    """One socket.io connection; `bot_uttered`, `refusal` and `session_confirm` are queued as they come."""

    def __init__(self) -> None:
        self.client = socketio.AsyncClient()
        self.events: asyncio.Queue = asyncio.Queue()
        self.session_id: Optional[str] = None
        for name in ("bot_uttered", "refusal", "session_confirm"):
            self.client.on(name, self._recorder(name))

    def _recorder(self, name: str):
        async def record(data: Any = None) -> None:
            await self.events.put((name, data))
        return record

    async def connect(self, url: str, origin: Optional[str] = None) -> None:
        headers = {"Origin": origin} if origin else {}
        # engineio's websocket needs a newer aiohttp than Rasa pins
        await self.client.connect(url, socketio_path="/socket.io", transports=["polling"], headers=headers)

    async def request_session(self, session_id: Any = None, raw: bool = False) -> str:
        """Sends `session_request` and returns the confirmed session id (other events stay queued)."""
        await self.client.emit("session_request", session_id if raw else {"session_id": session_id})
        held = []
        try:
            while True:
                name, data = await asyncio.wait_for(self.events.get(), 20)
                if name == "session_confirm":
                    self.session_id = data
                    return data
                held.append((name, data))
        finally:
            for event in held:
                self.events.put_nowait(event)

    async def say(self, message: Any, token: Optional[str] = None, session_id: Any = "own") -> None:
        data = {"message": message, "session_id": self.session_id if session_id == "own" else session_id,
                "customData": {"customer_token": token}}
        await self.client.emit("user_uttered", data)

    async def emit(self, event: str, data: Any) -> None:
        await self.client.emit(event, data)

    async def next_events(self, timeout_s: float = 60.0, quiet_s: float = 2.5) -> List[tuple]:
        """The events of one answer: the first within `timeout_s`, then all that follow within `quiet_s`."""
        events = [await asyncio.wait_for(self.events.get(), timeout_s)]
        while True:
            try:
                events.append(await asyncio.wait_for(self.events.get(), quiet_s))
            except asyncio.TimeoutError:
                return events

    async def close(self) -> None:
        """Over long-polling a clean disconnect waits out the pending poll (about 10 s); the server
        forgets the socket on its own, so the wait is cut short."""
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.client.disconnect(), 1.0)


def origin_accepted(url: str, origin: str) -> bool:
    """Whether the server lets a page on `origin` open the socket: the engine.io handshake, the
    socket.io CONNECT and its answer, over plain HTTP long-polling (the socket.io client would wait
    30 s to report a refusal)."""
    import httpx

    headers = {"Origin": origin}
    base = f"{url}/socket.io/?EIO=4&transport=polling"
    with httpx.Client(headers=headers, timeout=30.0) as http:
        opened = http.get(base)
        opened.raise_for_status()
        sid = json.loads(opened.text[opened.text.index("{"):])["sid"]
        http.post(f"{base}&sid={sid}", content=b"40").raise_for_status()
        answer = http.get(f"{base}&sid={sid}").text
    if answer.startswith("44"):
        return False
    assert answer.startswith("40"), answer
    return True


def texts(events: List[tuple]) -> str:
    return "\n".join(
        str(data.get("text", "")) for name, data in events if name == "bot_uttered" and isinstance(data, dict)
    )


def refusals(events: List[tuple]) -> List[Dict[str, Any]]:
    return [data for name, data in events if name == "refusal"]
