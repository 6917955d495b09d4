"""The customer's calendar: Asia/Seoul, and one clock for "today".

`ASSISTANT_CLOCK` (ISO 8601 with an offset, e.g. `2026-11-18T14:30:00+09:00`)
fixes the clock that every "this month" and "지난달" is computed from, in every
process that reads it, so a demo, a benchmark or a test sees the same month on
any day it runs. Security clocks (token expiry, audit times) stay on the wall
clock and never read it.
"""
from __future__ import annotations

import os
from datetime import datetime
from zoneinfo import ZoneInfo

KST = ZoneInfo("Asia/Seoul")
CLOCK_ENV = "ASSISTANT_CLOCK"


def fixed_clock(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{CLOCK_ENV} must carry a UTC offset, got {value!r}")
    return moment.astimezone(KST)


def now_kst() -> datetime:
    """Now in Seoul: the fixed clock when `ASSISTANT_CLOCK` is set, the wall clock otherwise."""
    fixed = os.environ.get(CLOCK_ENV)
    return fixed_clock(fixed) if fixed else datetime.now(KST)
