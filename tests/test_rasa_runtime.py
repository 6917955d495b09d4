"""Our changes to how Rasa runs: the action-answer validator and the tracker store."""
import asyncio

import pytest
import yaml
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.core.tracker_store import TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig
from sqlalchemy.pool import QueuePool

from bot.rasa.server import validate_action_result
from bot.rasa.tracker_store import PooledSQLTrackerStore
from scripts.endpoints import render

ANSWERS = [
    {
        "events": [{"event": "slot", "name": "period", "value": "2026-10-01/2026-10-31"}],
        "responses": [
            {
                "text": "잔액은 1,250,000원이에요.",
                "buttons": [{"title": "이번 달 지출 보기", "payload": "/spending_summary"}],
            }
        ],
    },
    {"events": [], "responses": []},
    {"events": [{"event": "followup", "name": "utter_greet"}, {"event": "active_loop", "name": None}]},
]
ACTION = RemoteAction("action_check_balance", None)
BAD_ANSWERS = [
    {"events": [{"event": "slot", "value": "no name"}]},
    {"events": [{"event": "no_such_event"}]},
    {"events": "not a list"},
    {"responses": "not a list"},
]


@pytest.mark.parametrize("answer", ANSWERS)
def test_valid_action_answers_pass_as_with_rasa(answer):
    assert ACTION._validate_action_result(answer) is True
    assert validate_action_result(ACTION, answer) is True


@pytest.mark.parametrize("answer", BAD_ANSWERS)
def test_invalid_action_answers_fail_as_with_rasa(answer):
    with pytest.raises(ValidationError):
        ACTION._validate_action_result(answer)
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        validate_action_result(ACTION, answer)


def store_from_endpoints(path):
    config = yaml.safe_load(render({}, sqlite_path=path))["tracker_store"]
    return TrackerStore.create(EndpointConfig.from_dict(config), Domain.empty())


def conversation(sender):
    tracker = DialogueStateTracker(sender, slots=[])
    for event in (ActionExecuted("action_listen"), UserUttered("내 잔액 알려줘", {"name": "check_balance"}),
                  SlotSet("requested_slot", None), ActionExecuted("action_check_balance")):
        tracker.update(event)
    return tracker


def test_the_endpoints_file_builds_our_store_with_a_write_ahead_log(tmp_path):
    store = store_from_endpoints(tmp_path / "tracker.sqlite3")
    inner = getattr(store, "_tracker_store", store)
    assert isinstance(inner, PooledSQLTrackerStore)
    assert isinstance(inner.engine.pool, QueuePool)
    with inner.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL


def test_a_conversation_survives_a_new_store_on_the_same_file(tmp_path):
    async def write_then_read_back(path):
        first = store_from_endpoints(path)
        await first.save(conversation("alice"))
        tracker = await first.retrieve("alice")
        tracker.update(UserUttered("고마워요", {"name": "thank"}))
        await first.save(tracker)
        getattr(first, "_tracker_store", first).engine.dispose()
        second = store_from_endpoints(path)
        return await second.retrieve("alice"), await second.retrieve("bob")

    alice, bob = asyncio.run(write_then_read_back(tmp_path / "tracker.sqlite3"))
    assert [e.text for e in alice.events if isinstance(e, UserUttered)] == ["내 잔액 알려줘", "고마워요"]
    assert bob is None
