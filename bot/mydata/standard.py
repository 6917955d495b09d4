"""Constants of the MyData standard API that both sides share: scopes and response codes."""
from __future__ import annotations

SCOPES_BY_INDUSTRY = {
    "bank": ("bank.list", "bank.deposit", "bank.loan"),
    "card": ("card.list", "card.approval", "card.bill"),
    "invest": ("invest.list", "invest.holding"),
    "insu": ("insu.list", "insu.premium"),
    "capital": ("capital.list", "capital.loan"),
}

RSP_OK = "00000"
RSP_BAD_PARAM = "40001"
RSP_BAD_TOKEN = "40101"
RSP_EXPIRED_TOKEN = "40102"
RSP_REVOKED = "40103"
RSP_NO_CONSENT = "40301"
RSP_NOT_FOUND = "40401"
RSP_RATE_LIMIT = "42901"
RSP_SERVER_ERROR = "50001"
RSP_UNAVAILABLE = "50301"

HTTP_STATUS = {RSP_OK: 200, RSP_BAD_PARAM: 400, RSP_BAD_TOKEN: 401, RSP_EXPIRED_TOKEN: 401, RSP_REVOKED: 401,
               RSP_NO_CONSENT: 403, RSP_NOT_FOUND: 404, RSP_RATE_LIMIT: 429, RSP_SERVER_ERROR: 500,
               RSP_UNAVAILABLE: 503}

RETRYABLE = {RSP_RATE_LIMIT, RSP_SERVER_ERROR, RSP_UNAVAILABLE}
REJECTED = {RSP_BAD_TOKEN, RSP_REVOKED, RSP_NO_CONSENT}
