"""Keep-alive HTTP/1.1 for the data API: a small connection pool over asyncio and httptools.

A full sync makes about twenty API calls per customer. A general-purpose client spends about
three times as much CPU per call as the request itself needs (cookie jars, tracing hooks, URL
objects, redirects, auto-decompression), which at 10,000 customers is minutes. The data API
needs none of that: one request at a time per connection, a bounded number of connections,
Content-Length or chunked bodies (parsed by httptools, the C parser), a deadline per call.
OAuth and the portal still go through aiohttp (`MyDataClient.session`).
"""
from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass
from urllib.parse import quote, urlencode, urlsplit

import httptools


class TransportError(ConnectionError):
    """The connection failed or the answer was not valid HTTP; the call may be retried."""


@dataclass(frozen=True)
class Origin:
    """Where an institution's API lives: scheme, host, port and the path prefix of its URLs."""

    host: str
    port: int
    tls: bool
    prefix: str
    host_header: str

    @classmethod
    def parse(cls, base_url: str) -> "Origin":
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {base_url!r}")
        tls = parts.scheme == "https"
        port = parts.port or (443 if tls else 80)
        return cls(parts.hostname, port, tls, parts.path.rstrip("/"), parts.netloc)


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes


def request_bytes(origin: Origin, method: str, path: str, headers: dict[str, str], query: dict | None = None,
                  body: bytes | None = None) -> bytes:
    """One HTTP/1.1 request, ready for the socket."""
    target = origin.prefix + path
    if query:
        target += "?" + urlencode(query, quote_via=quote)
    lines = [f"{method} {target} HTTP/1.1", f"Host: {origin.host_header}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if body is not None or method != "GET":
        lines.append(f"Content-Length: {len(body or b'')}")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return head + body if body else head


class _Connection(asyncio.Protocol):
    """One keep-alive connection carrying one request at a time."""

    transport: asyncio.Transport  # set by connection_made, which runs before create_connection returns us

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self.parser = httptools.HttpResponseParser(self)
        self.answer: asyncio.Future | None = None
        self.timer: asyncio.TimerHandle | None = None
        self.headers: dict[str, str] = {}
        self.body: list[bytes] = []
        self.received = False
        self.closed = False

    # -- asyncio.Protocol
    def connection_made(self, transport) -> None:
        self.transport = transport

    def connection_lost(self, exc) -> None:
        self.closed = True
        self._fail(TransportError(f"connection lost: {exc}" if exc else "connection closed by the server"))

    def data_received(self, data: bytes) -> None:
        self.received = True
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(TransportError(f"bad HTTP answer: {exc}"))
            self.transport.abort()

    # -- httptools callbacks
    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers[name.decode("latin-1").lower()] = value.decode("latin-1")

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
        answer, self.answer = self.answer, None
        if answer is not None and not answer.done():
            answer.set_result((Answer(self.parser.get_status_code(), self.headers, b"".join(self.body)),
                               self.parser.should_keep_alive()))

    # -- ours
    def _fail(self, exc: Exception) -> None:
        if self.timer is not None:
            self.timer.cancel()
        answer, self.answer = self.answer, None
        if answer is not None and not answer.done():
            answer.set_exception(exc)

    def _expire(self) -> None:
        self._fail(asyncio.TimeoutError())
        self.transport.abort()

    def send(self, raw: bytes, timeout_s: float) -> asyncio.Future:
        self.headers, self.body, self.received = {}, [], False
        self.answer = self.loop.create_future()
        self.timer = self.loop.call_later(timeout_s, self._expire)
        self.transport.write(raw)
        return self.answer

    @property
    def usable(self) -> bool:
        return not self.closed and not self.transport.is_closing()


class ConnectionPool:
    """At most `limit` connections in use at once, idle ones kept per origin for reuse."""

    def __init__(self, limit: int):
        self.loop = asyncio.get_running_loop()
        self._gate = asyncio.Semaphore(limit)
        self._idle: dict[Origin, list[_Connection]] = {}
        self._tls: ssl.SSLContext | None = None

    async def _connect(self, origin: Origin) -> _Connection:
        if origin.tls and self._tls is None:
            self._tls = ssl.create_default_context()
        try:
            _, connection = await self.loop.create_connection(
                lambda: _Connection(self.loop), origin.host, origin.port,
                ssl=self._tls if origin.tls else None)
        except OSError as exc:
            raise TransportError(f"cannot connect to {origin.host_header}: {exc}") from exc
        return connection

    async def request(self, origin: Origin, raw: bytes, timeout_s: float) -> Answer:
        """Sends one request; a kept-alive connection the server had already closed is replaced once."""
        async with self._gate:
            idle = self._idle.setdefault(origin, [])
            while True:
                if idle:
                    connection, reused = idle.pop(), True
                    if not connection.usable:
                        continue
                else:
                    connection, reused = await self._connect(origin), False
                try:
                    answer, keep_alive = await connection.send(raw, timeout_s)
                except TransportError:
                    connection.transport.abort()
                    if reused and not connection.received:
                        continue
                    raise
                except BaseException:
                    connection.transport.abort()
                    raise
                if keep_alive and connection.usable:
                    idle.append(connection)
                else:
                    connection.transport.close()
                return answer

    def close(self) -> None:
        for connections in self._idle.values():
            for connection in connections:
                connection.transport.close()
        self._idle.clear()
