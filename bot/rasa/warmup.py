"""Warm-up before the Rasa server listens: the first customer's first message is not the one
that starts the JVM, loads Komoran and the spaCy pipeline, opens the tracker store or
makes the first action call.

Runs in Rasa's `before_server_start` listener, right after the model is loaded, so
neither `/status` nor any webhook answers before it is done. The action call waits
for the action server up to `WARMUP_ACTION_WAIT_S` (default 60 s) and is skipped with
a warning after that: a late action server costs the first customer, not the start.
"""
from __future__ import annotations

import asyncio
import logging
import os
import time
from typing import Any

logger = logging.getLogger(__name__)

WARMUP_SENDER = "__warm_up__"
# Both NLU lanes (bot.rasa.nlu_budget): the long text warms the second worker thread.
WARMUP_TEXTS = (
    "안녕하세요",
    "지난달 국민은행에서 오십만 원 넘게 쓴 내역 보여줘 " * 8,
    "지난달 국민은행에서 오십만 원 넘게 쓴 내역 보여줘",
)
WARMUP_ACTION = "action_ask_rephrase_with_options"


async def call_action(agent: Any, tracker: Any) -> None:
    from rasa.core.actions.action import RemoteAction
    from rasa.core.channels.channel import CollectingOutputChannel

    if agent.action_endpoint is None:
        return
    action = RemoteAction(WARMUP_ACTION, agent.action_endpoint)
    deadline = time.monotonic() + float(os.environ.get("WARMUP_ACTION_WAIT_S", "60"))
    while True:
        try:
            await action.run(CollectingOutputChannel(), agent.nlg, tracker, agent.domain)
            return
        except Exception as error:  # noqa: BLE001 - retried, then reported by type only
            if time.monotonic() > deadline:
                logger.warning("warm-up: the action server did not answer (%s)", type(error).__name__)
                return
            await asyncio.sleep(1.0)


async def warm_up(agent: Any) -> None:
    from rasa.shared.core.constants import ACTION_LISTEN_NAME
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.rasa.nlu_budget import parse_unbounded
    from bot.rasa.server import action_response_validator

    if not agent.is_ready():
        logger.warning("warm-up skipped: no model loaded")
        return
    started = time.perf_counter()
    action_response_validator()
    for text in WARMUP_TEXTS:
        await parse_unbounded(agent.processor, text)
    parse_data = await agent.parse_message(WARMUP_TEXTS[-1])
    tracker = DialogueStateTracker.from_events(
        WARMUP_SENDER,
        [ActionExecuted(ACTION_LISTEN_NAME), UserUttered(parse_data.get("text"), parse_data.get("intent"),
                                                          parse_data.get("entities"), parse_data)],
        slots=agent.domain.slots,
    )
    agent.processor.predict_next_with_tracker(tracker)
    await agent.tracker_store.retrieve(WARMUP_SENDER)
    await call_action(agent, tracker)
    logger.info("warm-up done in %.1f s", time.perf_counter() - started)


def install_warmup() -> None:
    import rasa.core.run

    original = rasa.core.run.load_agent_on_start
    if getattr(original, "warms_up", False):
        return

    async def load_agent_and_warm_up(model_path: Any, endpoints: Any, remote_storage: Any,
                                     app: Any, loop: Any) -> Any:
        agent = await original(model_path, endpoints, remote_storage, app, loop)
        await warm_up(agent)
        return agent

    load_agent_and_warm_up.warms_up = True  # type: ignore[attr-defined]
    rasa.core.run.load_agent_on_start = load_agent_and_warm_up
