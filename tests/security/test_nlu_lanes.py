"""The NLU lanes: a short message never waits behind a long one, the cheapest waiting message
goes first, and a message whose caller stopped waiting is never analyzed."""
import asyncio
import threading

from bot.rasa.nlu_budget import SHORT_CHARS, Lane, analyze


def test_cheapest_first_and_abandoned_jobs_skipped():
    async def scenario():
        lane, gate, done, ran = Lane("test"), threading.Event(), [], []
        blocker = lane.submit(0, gate.wait)
        jobs = [lane.submit(cost, done.append, cost) for cost in (50, 10, 30)]
        abandoned = lane.submit(20, ran.append, "abandoned")
        try:
            await asyncio.wait_for(abandoned, 0.05)
        except asyncio.TimeoutError:
            pass
        gate.set()
        await asyncio.gather(blocker, *jobs)
        return done, ran

    done, ran = asyncio.run(scenario())
    assert done == [10, 30, 50]
    assert ran == []


def test_a_short_message_does_not_wait_for_a_long_one():
    async def scenario():
        gate = threading.Event()
        long_job = analyze(SHORT_CHARS + 1, gate.wait, 30)
        short = await asyncio.wait_for(analyze(5, lambda: "short"), 5)
        finished_first = not long_job.done()
        gate.set()
        await long_job
        return short, finished_first

    assert asyncio.run(scenario()) == ("short", True)


def test_an_analysis_error_reaches_the_caller():
    async def scenario():
        try:
            await analyze(3, lambda: 1 / 0)
        except ZeroDivisionError:
            return "raised"

    assert asyncio.run(scenario()) == "raised"


class SlowProcessor:
    """Rasa's MessageProcessor with an injected fault: an analysis that outlasts the budget."""

    http_interpreter = None

    def __init__(self, seconds):
        self.seconds, self.analyzed = seconds, []

    def _parse_message_with_graph(self, message, tracker, only_output_properties=True):
        import time

        time.sleep(self.seconds)
        self.analyzed.append(message.text)
        return {"text": message.text, "intent": {"name": "greet", "confidence": 0.9}, "entities": []}

    def _update_full_retrieval_intent(self, parse_data):
        pass

    def _check_for_unseen_features(self, parse_data):
        pass


def test_an_analysis_over_its_budget_is_answered_as_a_fallback(monkeypatch):
    from rasa.core.channels.channel import UserMessage

    from bot.rasa.nlu_budget import BUDGET_ENV, parse_message

    monkeypatch.setenv(BUDGET_ENV, "0.2")
    slow, quick = SlowProcessor(1.0), SlowProcessor(0.0)
    on_time = asyncio.run(parse_message(quick, UserMessage("안녕", sender_id="b")))
    late = asyncio.run(parse_message(slow, UserMessage("안녕하세요 " * 3, sender_id="a")))
    assert on_time["intent"]["name"] == "greet"
    assert late["intent"]["name"] == "nlu_fallback" and late["entities"] == []
