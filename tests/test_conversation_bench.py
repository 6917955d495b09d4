"""The conversation benchmark's corpus and checks, without the stack: the yardstick itself must be
right (issue #11, section 5). The run against the real stack is `bench/conversations.py`."""
from __future__ import annotations

import re
import sqlite3
from datetime import date

import pytest

from bench.conversation_checks import (
    STATE_CHECKS,
    Reply,
    Store,
    check_state,
    check_turn,
    period_dates,
    utc_bound,
)
from bench.conversations import load_corpus, run_order
from bot.korean.calendar import fixed_clock

CUSTOMERS = {"demo-salaried", "demo-student", "demo-shop", "demo-retiree"}
FORMS = ("loan", "connect", "revoke", "search")
REPAIRS = ("cancel", "restart", "correction", "digression", "dont_know", "three_unusable", "unrelated_slot",
           "reflexive_yes")
KINDS = {f"followup_{p}" for p in ("period", "institution", "account_type", "card", "merchant", "category",
                                   "amount", "page", "no_context")} \
    | {"reference_shown", "meaning_from_answer", "multi_value", "typos_banmal", "explicit_yes",
       "total_of_values", "search_amount", "two_questions", "two_values_form"} \
    | {f"{r}_{f}" for r in REPAIRS for f in FORMS}
CHECK_KEYS = {"has", "lacks", "any", "re", "lacks_re", "sql", "period", "compare", "args", "fmt", "rows",
              "absent", "per_value", "shown_item", "new_items", "buttons"}
TODAY = date(2026, 11, 18)

CORPUS = load_corpus()
SCRIPTS = CORPUS["scripts"]


def test_the_corpus_is_big_enough_and_covers_every_kind_and_customer():
    assert len(SCRIPTS) >= 120
    kinds = {s["kind"] for s in SCRIPTS}
    assert KINDS <= kinds, sorted(KINDS - kinds)
    assert kinds <= KINDS, sorted(kinds - KINDS)
    for customer in CUSTOMERS:
        assert sum(s["customer"] == customer for s in SCRIPTS) >= 20, customer
    cancels = {
        s["turns"][i]["say"]
        for s in SCRIPTS
        if s["kind"].startswith("cancel_")
        for i in range(1, len(s["turns"]))
    }
    assert len(cancels) >= 12  # cancel in many phrasings


def test_every_script_has_an_id_a_kind_a_customer_and_turns_with_expectations():
    ids = [s["id"] for s in SCRIPTS]
    assert len(ids) == len(set(ids))
    for script in SCRIPTS:
        assert script["customer"] in CUSTOMERS, script["id"]
        assert script["turns"], script["id"]
        for turn in script["turns"]:
            assert isinstance(turn["say"], str) and turn["say"].strip(), script["id"]
            assert turn["expect"], f"{script['id']}: {turn['say']} expects nothing"
            for check in turn["expect"]:
                assert set(check) <= CHECK_KEYS, (script["id"], set(check) - CHECK_KEYS)
        for check in script.get("after") or []:
            assert sum(k in check for k in STATE_CHECKS) == 1, script["id"]


def test_queries_and_periods_named_by_checks_exist():
    queries = CORPUS["queries"]
    for script in SCRIPTS:
        checks = [c for t in script["turns"] for c in t["expect"]]
        for check in checks:
            if "sql" in check:
                assert check["sql"] in queries or check["sql"].lstrip().upper().startswith("SELECT"), check
            for key in ("period", "compare"):
                if key in check:
                    period_dates(check[key], TODAY)
            if "shown_item" in check:
                assert int(check["shown_item"]) >= 1
        for check in script.get("after") or []:
            name = next(check[k] for k in STATE_CHECKS if k in check)
            assert name in queries, name


def test_destructive_scripts_say_so_and_run_last():
    for script in SCRIPTS:
        if script["kind"] in ("explicit_yes",):
            assert script.get("mutates"), script["id"]
        if not script.get("mutates") and script["kind"].split("_")[-1] in ("connect", "revoke"):
            assert script.get("after"), f"{script['id']} must check that nothing changed"
    order = run_order(SCRIPTS)
    flags = [bool(s.get("mutates")) for s in order]
    assert flags == sorted(flags)


def test_the_clock_is_fixed_in_seoul():
    assert fixed_clock(CORPUS["clock"]).date() == TODAY


@pytest.mark.parametrize("name, start, end", [
    ("이번 달", date(2026, 11, 1), date(2026, 11, 18)),
    ("지난달", date(2026, 10, 1), date(2026, 10, 31)),
    ("지지난달", date(2026, 9, 1), date(2026, 9, 30)),
    ("지난달 같은 기간", date(2026, 10, 1), date(2026, 10, 18)),
    ("최근 3개월", date(2026, 8, 19), date(2026, 11, 18)),
    ("최근 6개월", date(2026, 5, 19), date(2026, 11, 18)),
    ("10월", date(2026, 10, 1), date(2026, 10, 31)),
    ("12월", date(2025, 12, 1), date(2025, 12, 31)),
])
def test_periods_follow_the_contract(name, start, end):
    assert period_dates(name, TODAY) == (start, end)


def test_period_bounds_are_seoul_midnight_in_utc():
    assert utc_bound(date(2026, 10, 1)) == "2026-09-30 15:00:00.000000"


@pytest.fixture()
def store(tmp_path):
    path = tmp_path / "store.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE consents (customer_id TEXT, org_code TEXT, revoked_at TEXT)")
        db.execute(
            "CREATE TABLE card_approvals (customer_id TEXT, org_code TEXT, approved_at TEXT, amount INT)"
        )
        db.execute("INSERT INTO consents VALUES ('c1', 'A', NULL), ('c1', 'B', '2026-01-01')")
        db.executemany("INSERT INTO card_approvals VALUES ('c1', ?, ?, ?)", [
            ("A", "2026-10-05 03:00:00.000000", 12000), ("A", "2026-10-31 16:00:00.000000", 5000),
            ("B", "2026-10-06 03:00:00.000000", 99000), ("A", "2026-09-30 14:59:00.000000", 7000)])
    queries = {
        "spent": "SELECT SUM(amount) FROM card_approvals WHERE customer_id = :cid AND org_code IN {linked} "
        "AND approved_at >= :lo AND approved_at < :hi",
        "count": "SELECT COUNT(*) FROM card_approvals WHERE customer_id = :cid",
    }
    return Store(str(path), queries, TODAY)


def failures(store, text, expect, previous=None, buttons=()):
    return check_turn(expect, Reply(text, list(buttons)), previous, store, "c1", ["다르게 말씀해"])


def test_sql_numbers_use_the_period_and_linked_institutions_only(store):
    expect = [{"sql": "spent", "period": "지난달"}]
    assert failures(store, "지난달 총 12,000원을 쓰셨어요.", expect) == []
    assert failures(store, "지난달 총 111,000원을 쓰셨어요.", expect)  # a revoked institution counted
    assert failures(store, "총 19,000원", expect)  # September's and November's spending counted
    assert failures(store, "지난달 12,000원", [{"sql": "spent", "period": "지난달", "absent": True}])


def test_fallback_and_text_checks_fail_when_they_should(store):
    assert failures(store, "죄송해요, 조금 다르게 말씀해 주세요.", [])
    assert (
        check_turn([], Reply("다르게 말씀해", []), None, store, "c1", ["다르게 말씀해"], fallback_ok=True)
        == []
    )
    assert (
        failures(
            store, "대출 신청을 취소했어요.", [{"any": ["취소"]}, {"has": "대출"}, {"lacks_re": "갚으실"}]
        )
        == []
    )
    assert failures(store, "몇 년 동안 갚으실 건가요?", [{"lacks_re": "갚으실"}])
    assert failures(store, "", [])


def test_every_named_value_needs_a_line_of_its_own(store):
    expect = [{"per_value": ["신한은행", "우리은행"]}]
    assert failures(store, "· 신한은행: 1,000원\n· 우리은행은 아직 연결되지 않았어요", expect) == []
    assert failures(store, "· 신한은행: 1,000원\n총 1,000원이에요", expect)


def test_references_to_shown_items_read_the_previous_reply(store):
    previous = Reply("2건이에요.\n· 10월 3일 배달의민족 36,900원\n· 10월 9일 쿠팡이츠 21,000원", [])
    assert failures(store, "쿠팡이츠 21,000원, 10월 9일 결제예요.", [{"shown_item": 2}], previous) == []
    assert failures(store, "배달의민족 36,900원이에요.", [{"shown_item": 2}], previous)
    assert (
        failures(store, "다음 2건이에요.\n· 10월 12일 요기요 15,000원", [{"new_items": True}], previous) == []
    )
    assert failures(store, previous.text, [{"new_items": True}], previous)


def test_buttons_are_checked(store):
    assert failures(store, "무엇을 말씀하신 건가요?", [{"buttons": True}])
    assert failures(store, "무엇을 말씀하신 건가요?", [{"buttons": ["지출"]}], buttons=["지난달 지출"]) == []


def test_state_checks_compare_with_before_the_script(store):
    after = [{"unchanged": "count"}, {"zero": "count"}, {"nonzero": "count"}]
    assert check_state(after, {0: 4, 1: 4, 2: 4}, store, "c1") == ["count is 4, wanted 0"]
    assert re.search("changed: 5 -> 4", check_state(after[:1], {0: 5}, store, "c1")[0])
