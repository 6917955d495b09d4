"""HTTP client for MyData institutions: OAuth, standard headers, paging, retries and rate limits.

One `MyDataClient` serves every institution: OAuth and the portal through one aiohttp session,
the data API through one pool of kept-alive connections (`transport.ConnectionPool`), both
bounded. An `InstitutionApi` is the view of one institution through one consent's tokens: it
adds the standard headers, refreshes an expired access token once, backs off on timeouts, 5xx
and 429 (honouring Retry-After), and gives up with `InstitutionUnavailable` when retries run out.
"""
from __future__ import annotations

import asyncio
import itertools
import logging
import random
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlparse

import aiohttp
import ujson

from bot.mydata import credentials
from bot.mydata.errors import ApiError, ConsentRejected, InstitutionUnavailable
from bot.mydata.standard import REJECTED, RETRYABLE
from bot.mydata.transport import ConnectionPool, Origin, TransportError, request_bytes

log = logging.getLogger(__name__)


@dataclass
class ClientSettings:
    client_id: str = field(default_factory=credentials.client_id)
    client_secret: str = field(default_factory=credentials.client_secret, repr=False)
    redirect_uri: str = "http://127.0.0.1/mydata/callback"
    timeout_s: float = 10.0
    max_retries: int = 4
    max_rate_limit_waits: int = 30
    backoff_base_s: float = 0.1
    backoff_max_s: float = 4.0
    max_connections: int = 64
    page_limit: int = 500
    rate_limit_per_s: dict[str, float] = field(default_factory=dict)  # client-side pacing per org


@dataclass
class TokenSet:
    access_token: str
    refresh_token: str
    access_expires_at: datetime
    refresh_expires_at: datetime
    scope: str

    @classmethod
    def from_answer(cls, org_code: str, answer: dict, refresh_token: str | None = None,
                    refresh_expires_at: datetime | None = None) -> "TokenSet":
        """A refresh answer may keep the refresh token it was given; one that leaves none is an ApiError."""
        now = datetime.now(timezone.utc)
        refresh_token = answer.get("refresh_token") or refresh_token
        if answer.get("refresh_token_expires_in"):
            refresh_expires_at = now + timedelta(seconds=int(answer["refresh_token_expires_in"]))
        if not refresh_token or refresh_expires_at is None:
            raise ApiError(
                org_code, "/oauth/2.0/token", answer.get("rsp_code", "?"), "no refresh token in the answer"
            )
        return cls(access_token=answer["access_token"], refresh_token=refresh_token,
                   access_expires_at=now + timedelta(seconds=int(answer["expires_in"])),
                   refresh_expires_at=refresh_expires_at, scope=answer.get("scope", ""))


class _Pacer:
    """Client-side rate limit: spaces calls to one institution at most `rate` per second."""

    def __init__(self, rate: float):
        self.interval = 1.0 / rate
        self.next_at = 0.0
        self.lock = asyncio.Lock()

    async def wait(self) -> None:
        async with self.lock:
            now = time.monotonic()
            if self.next_at > now:
                await asyncio.sleep(self.next_at - now)
            self.next_at = max(now, self.next_at) + self.interval


class MyDataClient:
    def __init__(self, settings: ClientSettings | None = None):
        self.settings = settings or ClientSettings()
        self._session: aiohttp.ClientSession | None = None
        self._pool: ConnectionPool | None = None
        self._pacers: dict[str, _Pacer] = {}
        self._tran_prefix = secrets.token_hex(4).upper()
        self._tran_seq = itertools.count(1)

    def next_tran_id(self) -> str:
        """x-api-tran-id: unique per call (a per-process random prefix and a counter)."""
        return f"M{self._tran_prefix}{next(self._tran_seq):015d}"

    async def __aenter__(self) -> "MyDataClient":
        self.session()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()

    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self.settings.max_connections, ttl_dns_cache=300)
            self._session = aiohttp.ClientSession(connector=connector, json_serialize=ujson.dumps,
                                                  cookie_jar=aiohttp.DummyCookieJar(), auto_decompress=False)
        return self._session

    def pool(self) -> ConnectionPool:
        """The data API's connections, made for (and bound to) the running event loop."""
        if self._pool is None or self._pool.loop is not asyncio.get_running_loop():
            self._pool = ConnectionPool(self.settings.max_connections)
        return self._pool

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._pool is not None:
            self._pool.close()
            self._pool = None

    def pacer(self, org_code: str) -> _Pacer | None:
        rate = self.settings.rate_limit_per_s.get(org_code) or self.settings.rate_limit_per_s.get("*")
        if not rate:
            return None
        if org_code not in self._pacers:
            self._pacers[org_code] = _Pacer(rate)
        return self._pacers[org_code]

    def backoff(self, attempt: int) -> float:
        s = self.settings
        return min(s.backoff_max_s, s.backoff_base_s * 2 ** (attempt - 1)) * (0.5 + random.random() / 2)

    # -- the OAuth side, used when a consent is granted or revoked
    async def _oauth_call(self, org_code: str, method: str, url: str, **kwargs) -> tuple[int, dict, dict]:
        attempt = 0
        while True:
            try:
                async with self.session().request(method, url, allow_redirects=False,
                                                  timeout=aiohttp.ClientTimeout(total=self.settings.timeout_s),
                                                  **kwargs) as resp:
                    body = await resp.read()
                    payload = ujson.loads(body) if body and resp.content_type == "application/json" else {}
                    if resp.status < 500 and payload.get("rsp_code") not in RETRYABLE:
                        return resp.status, payload, dict(resp.headers)
                    reason = f"HTTP {resp.status} {payload.get('rsp_code', '')}"
            except (asyncio.TimeoutError, aiohttp.ClientError) as exc:
                reason = f"{type(exc).__name__}: {exc}"
            attempt += 1
            if attempt > self.settings.max_retries:
                raise InstitutionUnavailable(org_code, urlparse(url).path, "99999", reason)
            await asyncio.sleep(self.backoff(attempt))

    async def discover(self, portal_url: str, customer_id: str) -> tuple[str, list[tuple[str, str]]]:
        """Name of the customer and the (org_code, industry) pairs that hold their assets."""
        url = f"{portal_url.rstrip('/')}/portal/v1/customers/{customer_id}/orgs"
        status, payload, _ = await self._oauth_call("portal", "GET", url, headers={
            "x-client-id": self.settings.client_id, "x-client-secret": self.settings.client_secret})
        if payload.get("rsp_code") != "00000":
            raise ApiError("portal", url, payload.get("rsp_code", "?"), payload.get("rsp_msg", ""), status)
        return payload["name"], [(o["org_code"], o["industry"]) for o in payload["org_list"]]

    async def authorize(self, base_url: str, org_code: str, customer_id: str, consent_ref: str,
                        scopes: list[str]) -> str:
        """Runs the authorization request and returns the code from the redirect."""
        s = self.settings
        params = {"response_type": "code", "client_id": s.client_id, "redirect_uri": s.redirect_uri,
                  "scope": " ".join(scopes), "state": secrets.token_hex(8), "user_id": customer_id,
                  "consent_id": consent_ref}
        status, payload, headers = await self._oauth_call(org_code, "GET", f"{base_url}/oauth/2.0/authorize",
                                                          params=params)
        if status != 302:
            raise ApiError(org_code, "/oauth/2.0/authorize", payload.get("rsp_code", "?"),
                           payload.get("rsp_msg", ""), status)
        query = parse_qs(urlparse(headers["Location"]).query)
        if query.get("state", [""])[0] != params["state"]:
            raise ApiError(org_code, "/oauth/2.0/authorize", "40001", "state mismatch", status)
        return query["code"][0]

    async def token(self, base_url: str, org_code: str, form: dict) -> dict:
        s = self.settings
        data = {**form, "client_id": s.client_id, "client_secret": s.client_secret}
        status, payload, _ = await self._oauth_call(
            org_code, "POST", f"{base_url}/oauth/2.0/token", data=data
        )
        if payload.get("rsp_code") != "00000":
            cls = ConsentRejected if payload.get("rsp_code", "").startswith("401") else ApiError
            raise cls(
                org_code, "/oauth/2.0/token", payload.get("rsp_code", "?"), payload.get("rsp_msg", ""), status
            )
        return payload

    async def exchange_code(self, base_url: str, org_code: str, code: str) -> TokenSet:
        answer = await self.token(base_url, org_code, {"grant_type": "authorization_code", "code": code,
                                                       "redirect_uri": self.settings.redirect_uri})
        return TokenSet.from_answer(org_code, answer)

    async def refresh(self, base_url: str, org_code: str, tokens: TokenSet) -> TokenSet:
        answer = await self.token(base_url, org_code, {"grant_type": "refresh_token",
                                                       "refresh_token": tokens.refresh_token})
        return TokenSet.from_answer(org_code, answer, tokens.refresh_token, tokens.refresh_expires_at)

    async def revoke(self, base_url: str, org_code: str, token: str) -> None:
        s = self.settings
        status, payload, _ = await self._oauth_call(
            org_code, "POST", f"{base_url}/oauth/2.0/revoke",
            data={"token": token, "client_id": s.client_id, "client_secret": s.client_secret})
        if payload.get("rsp_code") != "00000":
            raise ApiError(
                org_code,
                "/oauth/2.0/revoke",
                payload.get("rsp_code", "?"),
                payload.get("rsp_msg", ""),
                status,
            )

    def institution(self, base_url: str, org_code: str, tokens: TokenSet, api_type: str = "regular"
                    ) -> "InstitutionApi":
        return InstitutionApi(self, base_url.rstrip("/"), org_code, tokens, api_type)


class InstitutionApi:
    """Calls to one institution under one consent's tokens."""

    def __init__(self, client: MyDataClient, base_url: str, org_code: str, tokens: TokenSet, api_type: str):
        self.client = client
        self.base_url = base_url
        self.origin = Origin.parse(base_url)
        self.org_code = org_code
        self.tokens = tokens
        self.api_type = api_type
        self.refreshed = False
        self.calls = 0
        self._refresh_lock = asyncio.Lock()

    async def _refresh(self, stale_access: str) -> None:
        async with self._refresh_lock:
            if self.tokens.access_token != stale_access:
                return
            self.tokens = await self.client.refresh(self.base_url, self.org_code, self.tokens)
            self.refreshed = True
            log.info("refreshed access token for %s", self.org_code)

    async def call(self, method: str, path: str, params: dict | None = None) -> dict:
        settings = self.client.settings
        pool = self.client.pool()
        body = None if method == "GET" else ujson.dumps(params or {}).encode()
        query = params if method == "GET" else None
        failures = rate_waits = 0
        refreshed_once = False
        while True:
            if self.tokens.access_expires_at <= datetime.now(timezone.utc) + timedelta(seconds=5):
                await self._refresh(self.tokens.access_token)
            pacer = self.client.pacer(self.org_code)
            if pacer is not None:
                await pacer.wait()
            access = self.tokens.access_token
            headers = {"Authorization": f"Bearer {access}", "x-api-tran-id": self.client.next_tran_id(),
                       "x-api-type": self.api_type}
            if body is not None:
                headers["Content-Type"] = "application/json; charset=utf-8"
            self.calls += 1
            try:
                answer = await pool.request(
                    self.origin,
                    request_bytes(self.origin, method, path, headers, query, body),
                    settings.timeout_s,
                )
                status = answer.status
                payload = ujson.loads(answer.body)
                code = payload.get("rsp_code")
            except (asyncio.TimeoutError, TransportError, ValueError) as exc:
                code, status, reason = None, 0, f"{type(exc).__name__}: {exc}"
            else:
                if code == "00000":
                    return payload
                reason = f"{code} {payload.get('rsp_msg', '')}"
                if code == "40102" and not refreshed_once:
                    refreshed_once = True
                    await self._refresh(access)
                    continue
                if code == "42901":
                    rate_waits += 1
                    if rate_waits > settings.max_rate_limit_waits:
                        raise InstitutionUnavailable(
                            self.org_code, path, code, "rate limited too long", status
                        )
                    retry_ms, retry_s = (
                        answer.headers.get("x-retry-after-ms"),
                        answer.headers.get("retry-after"),
                    )
                    delay = int(retry_ms) / 1000 if retry_ms else float(retry_s or 1)
                    await asyncio.sleep(delay + random.random() * 0.01)
                    continue
                if code in REJECTED or code == "40102":
                    raise ConsentRejected(self.org_code, path, code, payload.get("rsp_msg", ""), status)
                if code not in RETRYABLE and status < 500:
                    raise ApiError(self.org_code, path, code or "?", payload.get("rsp_msg", ""), status)
            failures += 1
            if failures > settings.max_retries:
                raise InstitutionUnavailable(self.org_code, path, code or "99999", reason, status)
            await asyncio.sleep(self.client.backoff(failures))

    async def pages(self, method: str, path: str, params: dict, list_key: str) -> tuple[list[dict], dict]:
        """All rows of a paged list; also the first page (for search_timestamp and other fields)."""
        params = {**params, "limit": self.client.settings.page_limit}
        first = await self.call(method, path, params)
        rows = list(first.get(list_key) or [])
        page = first
        while page.get("next_page"):
            page = await self.call(method, path, {**params, "next_page": page["next_page"]})
            rows.extend(page.get(list_key) or [])
        return rows, first
