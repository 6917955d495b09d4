"""What both sides of the MyData standard API share: scopes, response codes, and how the API
writes times, dates and rates (Seoul time on the wire, UTC in the store)."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from bot.korean.calendar import KST

# The API's industry of each institution kind the lexicon names.
INDUSTRY_OF_KIND = {
    "bank": "bank",
    "card": "card",
    "securities": "invest",
    "insurance": "insu",
    "capital": "capital",
}
# The standard's loan types (loan_type), named as the loan advisor names loan kinds (bot.advisor.inputs).
LOAN_TYPES = {"3100": "신용대출", "3150": "마이너스통장", "3200": "주택담보대출", "3210": "전세자금대출",
              "3400": "사업자대출", "3500": "할부금융"}
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


def parse_dtime(text: str) -> datetime:
    """'YYYYMMDDhhmmss' (the standard's trans_dtime) in Seoul time."""
    if len(text) != 14 or not text.isdigit():
        raise ValueError(f"bad dtime {text!r}")
    return datetime(int(text[0:4]), int(text[4:6]), int(text[6:8]),
                    int(text[8:10]), int(text[10:12]), int(text[12:14]), tzinfo=KST)


_KST_OFFSET = timedelta(hours=9)
_MINUTES_OF_DAY = tuple(timedelta(minutes=m) for m in range(24 * 60))
_SECONDS = tuple(timedelta(seconds=s) for s in range(60))
_SEOUL_MIDNIGHT_UTC: dict[str, datetime] = {}


def parse_dtime_utc(text: str) -> datetime:
    """Like parse_dtime but answers in UTC, the store's zone; the hot path of a sync.

    Seoul has kept UTC+9 without daylight saving since 1988, so the offset is exact for any
    date the API can return. Each day's midnight is built once; the time of day is added from
    small tables of minutes and seconds.
    """
    if len(text) != 14 or not text.isdigit():
        raise ValueError(f"bad dtime {text!r}")
    day = text[:8]
    midnight = _SEOUL_MIDNIGHT_UTC.get(day)
    if midnight is None:
        midnight = datetime(int(text[0:4]), int(text[4:6]), int(text[6:8]), tzinfo=timezone.utc) - _KST_OFFSET
        if len(_SEOUL_MIDNIGHT_UTC) < 20_000:
            _SEOUL_MIDNIGHT_UTC[day] = midnight
    minutes, seconds = int(text[8:10]) * 60 + int(text[10:12]), int(text[12:14])
    if minutes >= 24 * 60 or seconds >= 60:
        raise ValueError(f"bad dtime {text!r}")
    return midnight + _MINUTES_OF_DAY[minutes] + _SECONDS[seconds]


def parse_date(text: str) -> date:
    """'YYYYMMDD' to a date."""
    if len(text) != 8 or not text.isdigit():
        raise ValueError(f"bad date {text!r}")
    return date(int(text[0:4]), int(text[4:6]), int(text[6:8]))


def fmt_date(day: date) -> str:
    return day.strftime("%Y%m%d")


def fmt_month(moment: date) -> str:
    """'YYYYMM' (the standard's month fields, e.g. a card bill's charge_month)."""
    return moment.strftime("%Y%m")


def parse_rate_bp(text: str | None) -> int | None:
    """'4.350' (percent, the API's style) to basis points (435)."""
    if text in (None, ""):
        return None
    return int((Decimal(str(text)) * 100).to_integral_value())


def fmt_rate(bp: int) -> str:
    return f"{bp / 100:.3f}"
