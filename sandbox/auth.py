"""OAuth 2.0 for the sandbox institutions: codes, access and refresh tokens bound to one consent.

Tokens are HS256 JWTs carrying customer, org code, consent id and scope, so the server keeps no
token table; what it does keep is the set of revoked consents and an 'expire everything issued
before' cutoff, the fault knob tests use to force a refresh.
"""
from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass

import jwt

from bot.mydata.standard import RSP_BAD_PARAM, RSP_BAD_TOKEN, RSP_EXPIRED_TOKEN, RSP_REVOKED


class AuthFailure(Exception):
    def __init__(self, rsp_code: str, message: str):
        super().__init__(message)
        self.rsp_code = rsp_code
        self.message = message


@dataclass(frozen=True)
class Grant:
    """What a verified token allows: one customer, one institution, one consent, some scopes."""

    customer_id: str
    org_code: str
    consent_id: str
    scopes: frozenset[str]


class TokenAuthority:
    """Issues and verifies tokens for every sandbox institution."""

    def __init__(self, secret: str, client_id: str, client_secret: str, access_ttl_s: int = 3600,
                 refresh_ttl_s: int = 365 * 86400):
        self._secret = secret
        self.client_id = client_id
        self.client_secret = client_secret
        self.access_ttl_s = access_ttl_s
        self.refresh_ttl_s = refresh_ttl_s
        self.expire_before = 0.0
        self._revoked: set[str] = set()
        self._used_codes: set[str] = set()
        self._verified: dict[str, tuple[Grant, float, float]] = {}
        self._lock = threading.Lock()

    # -- issuing
    def _encode(self, claims: dict) -> str:
        return jwt.encode(claims, self._secret, algorithm="HS256")

    def issue_code(self, customer_id: str, org_code: str, consent_id: str, scopes: list[str],
                   redirect_uri: str) -> str:
        now = time.time()
        return self._encode({"typ": "code", "sub": customer_id, "org": org_code, "cid": consent_id,
                             "scope": " ".join(scopes), "ru": redirect_uri, "iat": int(now),
                             "exp": int(now + 600), "jti": secrets.token_hex(8)})

    def _token_pair(self, claims: dict, with_refresh: bool) -> dict:
        now = time.time()
        base = {"sub": claims["sub"], "org": claims["org"], "cid": claims["cid"], "scope": claims["scope"]}
        answer = {
            "token_type": "Bearer",
            "access_token": self._encode({**base, "typ": "access", "iat_ms": int(now * 1000),
                                          "exp": int(now + self.access_ttl_s), "jti": secrets.token_hex(8)}),
            "expires_in": self.access_ttl_s,
            "scope": claims["scope"],
        }
        if with_refresh:
            answer["refresh_token"] = self._encode({**base, "typ": "refresh", "iat_ms": int(now * 1000),
                                                    "exp": int(now + self.refresh_ttl_s),
                                                    "jti": secrets.token_hex(8)})
            answer["refresh_token_expires_in"] = self.refresh_ttl_s
        return answer

    def exchange_code(self, code: str, org_code: str, redirect_uri: str) -> dict:
        claims = self._decode(code, "code", org_code)
        if claims.get("ru") != redirect_uri:
            raise AuthFailure(RSP_BAD_PARAM, "redirect_uri does not match the authorization request")
        with self._lock:
            if claims["jti"] in self._used_codes:
                raise AuthFailure(RSP_BAD_TOKEN, "authorization code already used")
            self._used_codes.add(claims["jti"])
        return self._token_pair(claims, with_refresh=True)

    def refresh(self, refresh_token: str, org_code: str) -> dict:
        claims = self._decode(refresh_token, "refresh", org_code)
        return self._token_pair(claims, with_refresh=False)

    def revoke(self, token: str, org_code: str) -> str:
        """Revokes the whole consent a token belongs to; returns its consent id."""
        try:
            claims = jwt.decode(token, self._secret, algorithms=["HS256"], options={"verify_exp": False})
        except jwt.InvalidTokenError as exc:
            raise AuthFailure(RSP_BAD_TOKEN, f"invalid token: {exc}") from None
        if claims.get("org") != org_code:
            raise AuthFailure(RSP_BAD_TOKEN, "token belongs to another institution")
        with self._lock:
            self._revoked.add(claims["cid"])
            self._verified.clear()
        return claims["cid"]

    def expire_access_tokens(self) -> None:
        """Fault knob: every access token issued until now counts as expired."""
        with self._lock:
            self.expire_before = time.time()
            self._verified.clear()

    # -- verifying
    def _decode(self, token: str, typ: str, org_code: str) -> dict:
        try:
            claims = jwt.decode(token, self._secret, algorithms=["HS256"])
        except jwt.ExpiredSignatureError:
            raise AuthFailure(RSP_EXPIRED_TOKEN, f"{typ} token expired") from None
        except jwt.InvalidTokenError as exc:
            raise AuthFailure(RSP_BAD_TOKEN, f"invalid {typ} token: {exc}") from None
        if claims.get("typ") != typ:
            raise AuthFailure(RSP_BAD_TOKEN, f"not a {typ} token")
        if claims.get("org") != org_code:
            raise AuthFailure(RSP_BAD_TOKEN, "token belongs to another institution")
        if claims.get("cid") in self._revoked:
            raise AuthFailure(RSP_REVOKED, "consent revoked")
        return claims

    def verify_access(self, authorization: str | None, org_code: str) -> Grant:
        if not authorization or not authorization.startswith("Bearer "):
            raise AuthFailure(RSP_BAD_TOKEN, "missing bearer token")
        token = authorization[7:].strip()
        cached = self._verified.get(token)
        now = time.time()
        if cached is not None:
            grant, exp, issued = cached
            if grant.org_code != org_code:
                raise AuthFailure(RSP_BAD_TOKEN, "token belongs to another institution")
            if now >= exp or issued <= self.expire_before:
                raise AuthFailure(RSP_EXPIRED_TOKEN, "access token expired")
            return grant
        claims = self._decode(token, "access", org_code)
        issued = claims["iat_ms"] / 1000.0
        if issued <= self.expire_before:
            raise AuthFailure(RSP_EXPIRED_TOKEN, "access token expired")
        grant = Grant(claims["sub"], claims["org"], claims["cid"], frozenset(claims["scope"].split()))
        if len(self._verified) > 100_000:
            self._verified.clear()
        self._verified[token] = (grant, float(claims["exp"]), issued)
        return grant

    def check_client(self, client_id: str | None, client_secret: str | None) -> None:
        if client_id != self.client_id or client_secret != self.client_secret:
            raise AuthFailure(RSP_BAD_TOKEN, "unknown client or wrong secret")
