"""Time in the MyData layer: Asia/Seoul for people and the API, UTC in the store."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from bot.korean.calendar import KST, now_kst  # noqa: F401  (re-exported: the calendar's one home)

UTC = timezone.utc


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
        midnight = datetime(int(text[0:4]), int(text[4:6]), int(text[6:8]), tzinfo=UTC) - _KST_OFFSET
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


def fmt_dtime(moment: datetime) -> str:
    return moment.astimezone(KST).strftime("%Y%m%d%H%M%S")


def fmt_date(day: date) -> str:
    return day.strftime("%Y%m%d")


def kst_day(moment: datetime) -> date:
    return moment.astimezone(KST).date()


def day_start(day: date) -> datetime:
    """Midnight of a Seoul calendar day, aware."""
    return datetime(day.year, day.month, day.day, tzinfo=KST)


def month_key(moment: datetime) -> str:
    """'YYYY-MM' of the Seoul month an instant falls in."""
    local = moment.astimezone(KST)
    return f"{local.year:04d}-{local.month:02d}"


def add_months(day: date, months: int) -> date:
    """Same day-of-month `months` later, clamped to the month's end."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    last = (date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(day.day, last))


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def parse_rate_bp(text: str | None) -> int | None:
    """'4.350' (percent, the API's style) to basis points (435)."""
    if text in (None, ""):
        return None
    from decimal import Decimal

    return int((Decimal(str(text)) * 100).to_integral_value())


def fmt_rate(bp: int) -> str:
    return f"{bp / 100:.3f}"
