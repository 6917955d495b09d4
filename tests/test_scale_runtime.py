"""The scale-out runtime fixes in `bot.rasa.server` and `bot.rasa.tracker_store`, without a Rasa server:
a tracker store error fails the turn, and a custom action call that found no live action server
is made again (and only then)."""
import asyncio

import pytest
from aiohttp import web
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException
from rasa.utils.endpoints import EndpointConfig

from bot.rasa.server import install_action_retry
from bot.rasa.tracker_store import fail_loudly


class BrokenStore(InMemoryTrackerStore):
    async def retrieve(self, sender_id):
        raise ConnectionError("server closed the connection unexpectedly")

    async def save(self, tracker):
        raise ConnectionError("server closed the connection unexpectedly")


def test_a_tracker_store_error_fails_the_turn_instead_of_an_empty_conversation():
    fail_loudly()
    store = FailSafeTrackerStore(BrokenStore(Domain.empty()))
    with pytest.raises(ConnectionError):
        asyncio.run(store.retrieve("someone"))
    with pytest.raises(ConnectionError):
        asyncio.run(store.save(DialogueStateTracker("someone", [])))


async def _run_against(statuses):
    """RemoteAction.run against an action server answering `statuses` in turn; (result or error, calls)."""
    calls = []

    async def webhook(request):
        status = statuses[min(len(calls), len(statuses) - 1)]
        calls.append(status)
        if status == 200:
            return web.json_response({"events": [], "responses": [{"text": "답"}]})
        if status == 400:
            return web.json_response({"action_name": "action_x", "error": "rejected"}, status=400)
        return web.Response(status=status, text="no server available")

    app = web.Application()
    app.router.add_post("/webhook", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    action = RemoteAction("action_x", EndpointConfig(f"http://127.0.0.1:{port}/webhook"))
    try:
        result = await action.run(CollectingOutputChannel(), TemplatedNaturalLanguageGenerator({}),
                                  DialogueStateTracker("someone", []), Domain.empty())
    except RasaException as error:
        result = error
    finally:
        await runner.cleanup()
    return result, calls


def test_an_action_call_the_balancer_could_not_place_is_made_again():
    install_action_retry()
    result, calls = asyncio.run(_run_against([502, 503, 200]))
    assert calls == [502, 503, 200]
    assert [e.text for e in result] == ["답"]


def test_an_action_that_keeps_failing_or_rejects_is_not_retried_forever():
    install_action_retry()
    result, calls = asyncio.run(_run_against([502]))
    assert isinstance(result, RasaException) and len(calls) == 3
    result, calls = asyncio.run(_run_against([400, 200]))
    assert isinstance(result, RasaException) and calls == [400]
    result, calls = asyncio.run(_run_against([500, 200]))  # the action itself failed: not the balancer's
    assert isinstance(result, RasaException) and calls == [500]
