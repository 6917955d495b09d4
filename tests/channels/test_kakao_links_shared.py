"""Kakao links in PostgreSQL, shared by replicas: what one replica counts, every other one sees."""
import threading

import pytest

from bot.channels.kakao_links import (
    MAX_CODES_PER_USER,
    MAX_WRONG_CODES,
    LinkStore,
    TooManyCodes,
    TooManyWrongCodes,
)
from tests.support.cluster import fresh_databases

pytestmark = pytest.mark.postgres


@pytest.fixture
def two_replicas():
    with fresh_databases("links") as (url,):
        yield LinkStore(url), LinkStore(url.replace("postgresql+psycopg2://", "postgresql://"))


def wrong(code, offset):
    return f"{(int(code) + offset) % 10 ** 6:06d}"


def test_a_code_issued_on_one_replica_links_on_the_other(two_replicas):
    first, second = two_replicas
    code = first.issue_code("kakao-1")
    assert second.redeem(code, "demo-salaried") == "kakao-1"
    assert first.customer_for("kakao-1") == "demo-salaried"
    assert first.redeem(code, "demo-salaried") is None  # used once
    assert second.unlink("kakao-1") and first.customer_for("kakao-1") is None


def test_wrong_codes_count_across_replicas(two_replicas):
    first, second = two_replicas
    code = first.issue_code("victim")
    for attempt in range(MAX_WRONG_CODES):
        assert (first, second)[attempt % 2].redeem(wrong(code, attempt + 1), "guesser") is None
    with pytest.raises(TooManyWrongCodes):
        first.redeem(code, "guesser")
    assert second.redeem(code, "someone") is None  # five wrong tries burnt it, whichever replica saw them


def test_concurrent_code_requests_never_exceed_the_limit(two_replicas):
    issued, refused = [], []

    def ask(store):
        try:
            issued.append(store.issue_code("churner"))
        except TooManyCodes:
            refused.append(1)

    threads = [
        threading.Thread(target=ask, args=(two_replicas[i % 2],)) for i in range(3 * MAX_CODES_PER_USER)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(issued) == MAX_CODES_PER_USER and len(refused) == 2 * MAX_CODES_PER_USER
