"""The action server: rasa_sdk's, bound to loopback, answering only the Rasa server, never failing silently.

`python -m actions.server [--host 127.0.0.1] [--port 5055]`
- every request but `GET /health` must carry `X-Action-Secret: $ACTION_SERVER_SECRET`
  (the Rasa server sends it: `headers` of `action_endpoint` in the endpoints file,
  scripts/endpoints.py); without it, 401. No secret in the environment: it does not start
  (nor without `MYDATA_CLIENT_SECRET`, which its MyData syncs need: bot.mydata.credentials).
- an action that raises answers `utter_default` (a polite Korean apology) and logs the
  action's name and the error's type only: no message text, tracker or traceback
  with personal data; an error outside any action answers 500 with the error's type
  and no echo of the request (rasa_sdk's own handler echoes the whole tracker).
"""
from __future__ import annotations

import argparse
import hmac
import logging
import os
from typing import Any, Dict, Optional

from rasa_sdk.executor import ActionExecutor
from rasa_sdk.interfaces import ActionExecutionRejection, ActionNotFoundException
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

logger = logging.getLogger("actions.server")

SECRET_ENV = "ACTION_SERVER_SECRET"
SECRET_HEADER = "X-Action-Secret"
APOLOGY_RESPONSE = "utter_default"
OPEN_PATHS = {"/health"}


def apology() -> Dict[str, Any]:
    return {"events": [], "responses": [{"response": APOLOGY_RESPONSE}]}


class GuardedExecutor(ActionExecutor):
    """rasa_sdk's executor with a catch-all around every action."""

    async def run(self, action_call: Dict[str, Any]) -> Optional[Dict[str, Any]]:
        name = action_call.get("next_action") if isinstance(action_call, dict) else None
        try:
            return await super().run(action_call)
        except (ActionExecutionRejection, ActionNotFoundException):
            raise
        except Exception as error:  # noqa: BLE001 - the user gets an apology, the log the type
            logger.error("action %s failed: %s", name, type(error).__name__)
            return apology()


def create_app(secret: str, package: str = "actions") -> Sanic:
    app = Sanic("bank_actions", configure_logging=False)
    executor = GuardedExecutor()
    executor.register_package(package)

    @app.middleware("request")
    async def require_secret(request: Request) -> Optional[HTTPResponse]:
        if request.path in OPEN_PATHS:
            return None
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return response.json({"error": "unauthorized"}, status=401)
        return None

    @app.get("/health")
    async def health(_: Request) -> HTTPResponse:
        return response.json({"status": "ok"})

    @app.post("/webhook")
    async def webhook(request: Request) -> HTTPResponse:
        try:
            action_call = request.json
        except Exception:  # noqa: BLE001 - sanic raises its own InvalidUsage on bad JSON
            action_call = None
        if not isinstance(action_call, dict):
            return response.json({"error": "the body must be a JSON object"}, status=400)
        try:
            result = await executor.run(action_call)
        except ActionExecutionRejection as rejection:
            return response.json(
                {"error": rejection.message, "action_name": rejection.action_name}, status=400
            )
        except ActionNotFoundException as missing:
            logger.error("unknown action %s", missing.action_name)
            return response.json({"error": missing.message, "action_name": missing.action_name}, status=404)
        return response.json(result or apology())

    @app.get("/actions")
    async def actions(_: Request) -> HTTPResponse:
        return response.json([{"name": name} for name in executor.actions])

    @app.exception(Exception)
    async def failure(request: Request, error: Exception) -> HTTPResponse:
        status = getattr(error, "status_code", 500) or 500
        if status >= 500:
            logger.error("%s %s failed: %s", request.method, request.path, type(error).__name__)
        return response.json({"error": type(error).__name__}, status=status)

    @app.before_server_start
    async def warm(_: Sanic, __: Any) -> None:
        from actions.context import store

        store()

    return app


def main(argv: Optional[list] = None) -> None:
    from bot.redaction import install_log_redaction

    install_log_redaction()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=os.environ.get("ACTION_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("ACTION_PORT", "5055")))
    parser.add_argument("--actions", default="actions")
    args = parser.parse_args(argv)
    secret = os.environ.get(SECRET_ENV, "")
    if len(secret) < 16:
        raise SystemExit(
            f"error: set {SECRET_ENV} (at least 16 characters); ./run.sh makes one in var/action_secret"
        )
    from bot.mydata.credentials import client_secret
    from bot.mydata.errors import MissingClientSecret

    try:
        client_secret()
    except MissingClientSecret as missing:
        raise SystemExit(f"error: {missing}") from None
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("sanic.access").setLevel(logging.WARNING)
    create_app(secret, args.actions).run(host=args.host, port=args.port, workers=1, access_log=False)


if __name__ == "__main__":
    main()
