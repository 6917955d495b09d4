"""Rasa's command line with our runtime fix applied first.

`python -m bot.rasa.server run --model ...` is `rasa run --model ...`, except
that a custom action's answer is checked against Rasa's response schema by a
validator built once. Rasa 3.6 calls `jsonschema.validate` for every action
call, which first checks the large events schema itself against the JSON
Schema meta-schema: 25-50 ms a call here, more than understanding the
message (bench/latency.py). The answer is still checked against the same
schema, and a bad one still raises the same error.

It also: scrubs tokens and bodies from every log line (bot.redaction), runs NLU
off the event loop within a time budget (bot.rasa.nlu_budget), warms up before it
listens (bot.rasa.warmup), opens the HTTP API only with credentials and
never to model changes (bot.rasa.api_guard), and answers a repeated client
`message_id` from the stored turn instead of running it again (bot.rasa.repeats).
"""
from __future__ import annotations

import functools
import sys
from typing import Any, Dict, List, Optional

from jsonschema import ValidationError
from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for


@functools.lru_cache(maxsize=None)
def action_response_validator():
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def validate_action_result(self: Any, result: Dict[str, Any]) -> bool:
    """`RemoteAction._validate_action_result` with the validator built once."""
    from rasa.core.actions.action import DOCS_BASE_URL

    error: Optional[ValidationError] = best_match(action_response_validator().iter_errors(result))
    if error is not None:
        error.message += (
            ". Failed to validate Action server response from API, make sure your response "
            f"from the Action endpoint is valid. For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise error
    return True


def install_action_validator() -> None:
    from rasa.core.actions.action import RemoteAction

    RemoteAction._validate_action_result = validate_action_result


ACTION_ATTEMPTS = 3
ACTION_RETRY_PAUSE_S = 0.5
RETRYABLE_STATUSES = (502, 503, 504)


def action_server_unreachable(error: BaseException) -> bool:
    """The action server died or was not there (the balancer answers 502/503), not a wrong answer."""
    import aiohttp

    cause = error.__cause__ or error.__context__
    status = getattr(cause, "status", None)  # Rasa's own ClientResponseError, or aiohttp's
    if isinstance(cause, aiohttp.ClientError) and status is not None:
        return status in RETRYABLE_STATUSES
    return isinstance(cause, aiohttp.ClientConnectionError)


def install_action_retry() -> None:
    """A custom action call that found no live action server is made again (issue #15).

    Rasa 3.6 logs the failure and goes on without the action's events, so the customer gets a
    partial answer (a form without its verdict) and the turn is stored as if it was whole. Behind
    the balancer the next attempt reaches another action server; Rasa applies the events of the
    one answer it gets, so nothing is recorded twice.
    """
    import asyncio

    from rasa.core.actions.action import RemoteAction
    from rasa.shared.exceptions import RasaException

    run_once = RemoteAction.run
    if getattr(run_once, "retries_unreachable", False):
        return

    async def run(self: Any, *args: Any, **kwargs: Any) -> Any:
        for attempt in range(1, ACTION_ATTEMPTS + 1):
            try:
                return await run_once(self, *args, **kwargs)
            except RasaException as error:
                if attempt == ACTION_ATTEMPTS or not action_server_unreachable(error):
                    raise
            await asyncio.sleep(ACTION_RETRY_PAUSE_S)

    run.retries_unreachable = True  # type: ignore[attr-defined]
    RemoteAction.run = run


def main(argv: Optional[List[str]] = None) -> None:
    from bot.redaction import install_log_redaction

    install_log_redaction()
    from rasa.__main__ import main as rasa_main

    from bot.rasa.api_guard import install_api_guard, install_quiet_action_errors, with_api_credentials
    from bot.rasa.nlu_budget import install_nlu_budget
    from bot.rasa.repeats import install_repeat_answers
    from bot.rasa.warmup import install_warmup

    args = with_api_credentials(list(sys.argv[1:] if argv is None else argv))
    install_action_validator()
    install_nlu_budget()
    install_warmup()
    install_api_guard()
    install_quiet_action_errors()
    install_action_retry()
    install_repeat_answers()
    from bot.rasa.tracker_store import fail_loudly  # scale-out (issue #15): no silent in-memory fallback

    fail_loudly()
    sys.argv = ["rasa", *args]
    rasa_main()


if __name__ == "__main__":
    main()
