"""Message understanding off the Rasa server's event loop, bounded in time and in length.

Rasa 3.6 runs the NLU graph (`MessageProcessor._parse_message_with_graph`) on
the event loop, so one long Komoran analysis held every other conversation.
Here it runs in one of two worker threads ("lanes"): messages up to
`SHORT_CHARS` characters, what customers type, in one, longer ones in the
other, so a stream of long messages never queues ahead of a short one, and
the long lane takes at most `NLU_LONG_LANE_DUTY` (0.3) of a core. In each
lane the shortest waiting message goes first. The loop waits at most
`NLU_BUDGET_S` (default 3 s), then answers the message as `nlu_fallback` (the
assistant asks to rephrase); a message whose wait ran out before its turn is
never analyzed. Text longer than `bot.channels.bounds.MAX_MESSAGE_CHARS` is
never analyzed, whichever channel let it in.
"""
from __future__ import annotations

import asyncio
import itertools
import logging
import os
import queue
import threading
import time
from typing import Any, Callable, Dict, Optional, Text

from bot.channels.bounds import MAX_MESSAGE_CHARS

logger = logging.getLogger(__name__)

BUDGET_ENV = "NLU_BUDGET_S"
DEFAULT_BUDGET_S = 3.0
FALLBACK_INTENT = "nlu_fallback"
SHORT_CHARS = 200


class Lane:
    """One worker thread running the cheapest waiting job first; a job whose caller gave up is skipped.

    `duty` below 1 rests the thread after each job (a job of t seconds, then t * (1/duty - 1)
    of rest), so the lane takes at most that share of a core however much is queued.
    """

    def __init__(self, name: str, duty: float = 1.0) -> None:
        self._name = name
        self._rest_factor = 1.0 / min(1.0, max(0.05, duty)) - 1.0
        self._jobs: "queue.PriorityQueue" = queue.PriorityQueue()
        self._order = itertools.count()
        self._thread: Optional[threading.Thread] = None
        self._lock = threading.Lock()

    def submit(self, cost: int, function: Callable[..., Any], *args: Any) -> "asyncio.Future":
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, name=self._name, daemon=True)
                self._thread.start()
        self._jobs.put((cost, next(self._order), function, args, loop, future))
        return future

    def _work(self) -> None:
        while True:
            _, _, function, args, loop, future = self._jobs.get()
            if future.cancelled():
                continue
            started = time.perf_counter()
            try:
                result, failure = function(*args), None
            except Exception as error:  # noqa: BLE001 - handed to the waiting coroutine
                result, failure = None, error
            try:
                loop.call_soon_threadsafe(_settle, future, result, failure)
            except RuntimeError:  # the loop is closed: nobody is waiting any more
                pass
            if self._rest_factor:
                time.sleep((time.perf_counter() - started) * self._rest_factor)


def _settle(future: "asyncio.Future", result: Any, failure: Optional[BaseException]) -> None:
    if future.cancelled():
        return
    if failure is not None:
        future.set_exception(failure)
    else:
        future.set_result(result)


_SHORT = Lane("nlu-short")
_LONG = Lane("nlu-long", duty=float(os.environ.get("NLU_LONG_LANE_DUTY", "0.3")))


def analyze(text_length: int, function: Callable[..., Any], *args: Any) -> "asyncio.Future":
    return (_SHORT if text_length <= SHORT_CHARS else _LONG).submit(text_length, function, *args)


def budget_s() -> float:
    try:
        return max(0.1, float(os.environ.get(BUDGET_ENV, DEFAULT_BUDGET_S)))
    except ValueError:
        return DEFAULT_BUDGET_S


def fallback_parse(text: Text) -> Dict[Text, Any]:
    return {
        "text": text,
        "intent": {"name": FALLBACK_INTENT, "confidence": 1.0},
        "entities": [],
        "intent_ranking": [{"name": FALLBACK_INTENT, "confidence": 1.0}],
    }


async def parse_message(self: Any, message: Any, tracker: Optional[Any] = None,
                        only_output_properties: bool = True) -> Dict[Text, Any]:
    """`MessageProcessor.parse_message`, with the graph run in a lane under the budget."""
    from rasa.shared.core.trackers import DialogueStateTracker

    if self.http_interpreter:
        return await _original_parse(self, message, tracker, only_output_properties)
    text = message.text or ""
    if len(text) > MAX_MESSAGE_CHARS:
        logger.warning("a message of %d characters was not analyzed", len(text))
        parse_data = fallback_parse(text[:MAX_MESSAGE_CHARS])
    else:
        if tracker is None:
            tracker = DialogueStateTracker.from_events(message.sender_id, [])
        future = analyze(len(text), self._parse_message_with_graph, message, tracker, only_output_properties)
        try:
            parse_data = await asyncio.wait_for(future, budget_s())
        except asyncio.TimeoutError:
            logger.warning("NLU took over its %.1f s budget on %d characters", budget_s(), len(text))
            parse_data = fallback_parse(text)
    self._update_full_retrieval_intent(parse_data)
    self._check_for_unseen_features(parse_data)
    return parse_data


async def parse_unbounded(processor: Any, text: Text) -> Dict[Text, Any]:
    """The analysis in the NLU thread with no budget: for the warm-up, whose first call starts the JVM."""
    from rasa.core.channels.channel import UserMessage
    from rasa.shared.core.trackers import DialogueStateTracker

    message = UserMessage(text, sender_id="__warm_up__")
    tracker = DialogueStateTracker.from_events(message.sender_id, [])
    return await analyze(len(text), processor._parse_message_with_graph, message, tracker, True)


_original_parse: Any = None


def install_nlu_budget() -> None:
    """Also hands the GIL over more often (0.5 ms, Python's default is 5 ms): while a lane holds
    it for an analysis, the event loop otherwise waits up to 5 ms at each of a turn's many I/O steps."""
    global _original_parse
    import sys

    from rasa.core.processor import MessageProcessor

    sys.setswitchinterval(float(os.environ.get("GIL_SWITCH_INTERVAL_S", "0.0005")))

    if _original_parse is None:
        _original_parse = MessageProcessor.parse_message
        MessageProcessor.parse_message = parse_message
