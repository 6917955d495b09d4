"""Rasa's HTTP API only with credentials, and never able to swap or retrain the model.

`--enable-api` is accepted only with `RASA_API_TOKEN` (Rasa's `?token=`) and/or
`RASA_JWT_SECRET` (HS256 `Authorization: Bearer`, payload
`{"user": {"username": <sender id>, "role": "user" | "admin"}}`: role `user` reaches
its own conversation only) in the environment; they are added to Rasa's arguments
inside the process, so they never show in the process list. `PUT /model`,
`DELETE /model` and `POST /model/train` answer 403 whoever asks (`PUT /model` loads
any file through joblib). Every request body is capped at `MAX_REQUEST_BYTES`.
"""
from __future__ import annotations

import os
from typing import Any, List, Mapping, Optional

TOKEN_ENV = "RASA_API_TOKEN"
JWT_ENV = "RASA_JWT_SECRET"
MAX_REQUEST_BYTES = 1024 * 1024
BLOCKED = {("PUT", "/model"), ("DELETE", "/model"), ("POST", "/model/train")}


class ApiWithoutCredentials(SystemExit):
    pass


def with_api_credentials(args: List[str], env: Optional[Mapping[str, str]] = None) -> List[str]:
    """Rasa's arguments with the API credentials from the environment appended."""
    env = os.environ if env is None else env
    if "--enable-api" not in args:
        return args
    if any(a.split("=", 1)[0] in ("--auth-token", "--jwt-secret") for a in args):
        raise ApiWithoutCredentials(
            "pass the API credentials in RASA_API_TOKEN / RASA_JWT_SECRET, not as arguments"
        )
    extra: List[str] = []
    if env.get(TOKEN_ENV):
        extra.append(f"--auth-token={env[TOKEN_ENV]}")  # joined: a secret may start with "-"
    if env.get(JWT_ENV):
        extra += [f"--jwt-secret={env[JWT_ENV]}", "--jwt-method", "HS256"]
    if not extra:
        raise ApiWithoutCredentials(
            f"--enable-api needs {TOKEN_ENV} and/or {JWT_ENV}: the HTTP API is never open"
        )
    return [*args, *extra]


def install_api_guard() -> None:
    import rasa.core.run
    from sanic import response
    from sanic.exceptions import PayloadTooLarge

    from bot.channels.bounds import TOO_LARGE_TEXT
    from bot.rasa.channels.kakao_format import text_response

    original = rasa.core.run.configure_app
    if getattr(original, "guarded", False):
        return

    async def body_too_large(request: Any, exception: Exception) -> Any:
        """Over the server-wide cap: a JSON 413 like the channels' own, a skill response for Kakao."""
        body = {"error": "too_large", "detail": TOO_LARGE_TEXT}
        if request is not None and request.path.startswith("/webhooks/kakao"):
            body = {**text_response(TOO_LARGE_TEXT), "error": "too_large"}
        return response.json(body, status=413)

    async def refuse_model_changes(request: Any) -> Any:
        if (request.method, request.path.rstrip("/") or "/") in BLOCKED:
            return response.json({"error": "model_changes_disabled"}, status=403)
        return None

    def configure_app(*args: Any, **kwargs: Any) -> Any:
        app = original(*args, **kwargs)
        app.config.REQUEST_MAX_SIZE = MAX_REQUEST_BYTES
        app.error_handler.add(PayloadTooLarge, body_too_large)
        app.register_middleware(refuse_model_changes, "request")
        return app

    configure_app.guarded = True  # type: ignore[attr-defined]
    rasa.core.run.configure_app = configure_app


def install_quiet_action_errors() -> None:
    """An action server's error body (rasa_sdk echoes the whole tracker) stays out of Rasa's log."""
    import rasa.utils.endpoints as endpoints

    error_class = endpoints.ClientResponseError

    def __init__(self: Any, status: int, message: str, text: str) -> None:
        self.status, self.message, self.text = status, message, text
        Exception.__init__(self, f"{status}, {message} ({len(text or '')} bytes of body not shown)")

    error_class.__init__ = __init__
