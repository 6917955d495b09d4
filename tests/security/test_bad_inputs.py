"""Every row of every bad-input table (tests/security/bad_inputs_*.yml) against the real stack:
each malformed, hostile or odd input gets the answer class its row names."""
import pytest

from bot.auth.tokens import issue_token
from tests.security.bad_inputs import SENDERS, all_tables, check
from tests.support.bank import SECRET

pytestmark = pytest.mark.slow
CASES = all_tables()


def token_for(customer_id: str) -> str:
    return issue_token(customer_id, SECRET.encode())


def test_the_rest_table_is_large_and_covers_every_class():
    rest = [c for c in CASES if c.channel == "rest"]
    assert len(rest) >= 60
    assert {c.expect for c in rest} >= {"http_400", "http_413", "korean_reply", "too_long_reply", "refusal"}


@pytest.mark.parametrize(
    "case", [c for c in CASES if c.channel in SENDERS], ids=lambda c: f"{c.channel}-{c.id}"
)
def test_bad_input(bank, case):
    outcome = SENDERS[case.channel](bank, case, token_for)
    assert check(case, outcome) is None, check(case, outcome)


def test_the_stack_still_answers_after_the_table(bank):
    replies = bank.say("after-the-table", "카드 잃어버렸어요")
    assert replies and "카드" in replies[0]["text"]
