"""Every test sees the same calendar: the customer's clock is fixed mid-month (bot.korean.calendar),
so "this month" has the same data on any day the suite runs. Token expiry keeps the wall clock.
The task queue and its alert announcements are the session's own (PROACTIVE_QUEUE), so nothing a
test announces reaches a server that another run or a demo keeps on the same broker."""
import os
import uuid

import pytest

from bot.korean.calendar import CLOCK_ENV
from tests.support.bank import demo_bank
from tests.support.servers import rasa_stack

FIXED_CLOCK = "2026-11-18T14:30:00+09:00"
os.environ.setdefault(CLOCK_ENV, FIXED_CLOCK)
os.environ.setdefault("PROACTIVE_QUEUE", f"test-{uuid.uuid4().hex[:12]}")


@pytest.fixture(scope="session")
def rasa(tmp_path_factory):
    """The trained model behind a real Rasa server and a real action server."""
    with rasa_stack(tmp_path_factory.mktemp("rasa")) as stack:
        yield stack


@pytest.fixture(scope="session")
def bank(tmp_path_factory):
    """The demo customers linked and synced through the sandbox, behind real Rasa and action servers."""
    with demo_bank(tmp_path_factory.mktemp("bank")) as stack:
        yield stack
