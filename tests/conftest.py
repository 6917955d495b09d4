"""Every test sees the same calendar: the customer's clock is fixed mid-month (bot.korean.calendar),
so "this month" has the same data on any day the suite runs. Token expiry keeps the wall clock."""
import os

import pytest

from bot.korean.calendar import CLOCK_ENV
from tests.support.bank import demo_bank
from tests.support.servers import rasa_stack

FIXED_CLOCK = "2026-11-18T14:30:00+09:00"
os.environ.setdefault(CLOCK_ENV, FIXED_CLOCK)


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
