"""The web page customers chat on: rasa-webchat connected to Rasa's socket.io, served offline.

``python -m webpage.server --port 8080 --rasa-url http://127.0.0.1:5005``

* ``GET /`` the page (``webpage/static``); ``GET /vendor/<name>`` the npm-installed assets
  (``webpage/node_modules``: React 16, rasa-webchat, Chart.js, the Noto Sans KR web font); nothing
  comes from a CDN.
* ``GET /api/personas`` and ``POST /api/session {"customer_id"}``: the demo sign-in. It stands in
  for the bank's login and signs a short-lived customer token for one of the demo customers
  only; the widget sends that token with every message (``customData.customer_token``), and
  once as its first ``session_id``, for which the socket.io channel issues a session bound to
  that customer (``bot.rasa.channels.webchat``).
* ``POST /api/kakao-link {"code", "customer_token"}``: confirms a KakaoTalk link code for the
  signed-in customer by calling the Kakao channel's ``/webhooks/kakao/link`` on the Rasa server.
* Bodies over 64 KB get 413, bodies that are not a JSON object or fields of the wrong type or
  size get 400, always with a Korean ``message``.

The page learns where Rasa's socket is from ``GET /api/config``.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
from pathlib import Path
from typing import Any, Dict, Optional, Union
from urllib.parse import urlsplit

from aiohttp import ClientError, ClientSession, ClientTimeout, web

from bot.auth.tokens import TokenError, issue_token
from bot.channels.bounds import MAX_BODY_BYTES, MAX_TOKEN_CHARS
from bot.channels.kakao_links import is_code
from sandbox.demo import DEMO_CUSTOMERS

logger = logging.getLogger(__name__)

WEB_ROOT = Path(__file__).resolve().parent
STATIC_DIR = WEB_ROOT / "static"
NODE_MODULES = WEB_ROOT / "node_modules"
VENDOR_FILES = {
    "react.js": "react/umd/react.production.min.js",
    "react-dom.js": "react-dom/umd/react-dom.production.min.js",
    "webchat.js": "rasa-webchat/module/index.js",
    "chart.js": "chart.js/dist/chart.umd.js",
}
# rasa-webchat's stylesheet imports its Inter font from Google Fonts; the page uses Noto Sans KR
# and calls nothing outside, so the import is dropped when the file is served.
VENDOR_REWRITES = {
    "webchat.js": [(b"@import url(https://fonts.googleapis.com/css?family=Inter:400,500,700&display=swap);", b"")],
}
FONT_DIR = NODE_MODULES / "@fontsource" / "noto-sans-kr"
SESSION_TTL = dt.timedelta(minutes=30)
KAKAO_LINK_TIMEOUT = ClientTimeout(total=10)

BAD_JSON = "요청 형식이 올바르지 않아요."
BAD_CUSTOMER_ID = "고객 번호 형식이 올바르지 않아요. 목록에서 데모 고객을 골라 주세요."
TOO_LARGE = "요청이 너무 커요."
MAX_CUSTOMER_ID_CHARS = 64
BAD_LINK_REQUEST = "6자리 연결 코드를 숫자로 입력하고, 로그인한 상태에서 다시 시도해 주세요."
UNKNOWN_PERSONA = "데모 고객 목록에 없는 고객이에요. 목록에서 골라 주세요."
NO_SECRET = "서버에 토큰 서명 키가 설정되지 않았어요. 관리자에게 문의해 주세요."
KAKAO_UNREACHABLE = "지금은 카카오톡 연결을 확인할 수 없어요. 잠시 후 다시 시도해 주세요."


def persona_list() -> list[Dict[str, str]]:
    """Each demo customer as the picker shows them: id, name and a one-line description."""
    return [{"customer_id": demo.customer_id, "name": demo.name, "description": demo.description}
            for demo in DEMO_CUSTOMERS.values()]


def missing_assets() -> list[str]:
    """Vendored files the page needs that `npm ci` has not put in place."""
    wanted = [NODE_MODULES / path for path in VENDOR_FILES.values()] + [FONT_DIR / "400.css"]
    return [str(path.relative_to(WEB_ROOT)) for path in wanted if not path.is_file()]


async def _json_body(request: web.Request) -> Union[Dict[str, Any], web.Response]:
    """The body as a JSON object, or the JSON 413/400 (with a Korean message) to answer instead."""
    if (request.content_length or 0) > MAX_BODY_BYTES:
        return _error(TOO_LARGE, 413)
    try:
        body = await request.json()
    except web.HTTPRequestEntityTooLarge:
        return _error(TOO_LARGE, 413)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return _error(BAD_JSON, 400)
    return body if isinstance(body, dict) else _error(BAD_JSON, 400)


def _error(message: str, status: int) -> web.Response:
    return web.json_response({"ok": False, "message": message}, status=status)


def content_security_policy(socket_url: str) -> str:
    """Only this server and Rasa's socket: the widget's stylesheet asks Google Fonts for Inter, and a
    bank page must not call out (nor can it here: no internet at run time)."""
    socket = urlsplit(socket_url)
    websocket = socket._replace(scheme="wss" if socket.scheme == "https" else "ws")
    return ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; font-src 'self' data:; "
            f"img-src 'self' data:; connect-src 'self' {socket.scheme}://{socket.netloc} "
            f"{websocket.scheme}://{websocket.netloc}; frame-ancestors 'none'; base-uri 'none'")


async def index(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC_DIR / "index.html", headers={
        "Cache-Control": "no-store", "Content-Security-Policy": content_security_policy(request.app["socket_url"])})


def vendored(name: str) -> bytes:
    """A vendored file as served: with `VENDOR_REWRITES` applied."""
    content = (NODE_MODULES / VENDOR_FILES[name]).read_bytes()
    for old, new in VENDOR_REWRITES.get(name, ()):
        content = content.replace(old, new)
    return content


async def vendor(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    if name not in VENDOR_FILES:
        raise web.HTTPNotFound()
    if name not in request.app["vendored"]:
        request.app["vendored"][name] = vendored(name)
    return web.Response(body=request.app["vendored"][name], content_type="application/javascript",
                        charset="utf-8", headers={"Cache-Control": "public, max-age=3600"})


async def config(request: web.Request) -> web.Response:
    return web.json_response({"socket_url": request.app["socket_url"]})


async def personas(request: web.Request) -> web.Response:
    return web.json_response(persona_list())


async def session(request: web.Request) -> web.Response:
    body = await _json_body(request)
    if isinstance(body, web.Response):
        return body
    customer_id = body.get("customer_id")
    if not isinstance(customer_id, str) or not customer_id or len(customer_id) > MAX_CUSTOMER_ID_CHARS:
        return _error(BAD_CUSTOMER_ID, 400)
    persona = next((p for p in persona_list() if p["customer_id"] == customer_id), None)
    if persona is None:
        return _error(UNKNOWN_PERSONA, 404)
    now = dt.datetime.now(dt.timezone.utc)
    try:
        token = issue_token(persona["customer_id"], ttl=SESSION_TTL, now=now)
    except TokenError:
        return _error(NO_SECRET, 500)
    return web.json_response({"ok": True, **persona, "customer_token": token,
                              "expires_at": (now + SESSION_TTL).isoformat()})


async def kakao_link(request: web.Request) -> web.Response:
    body = await _json_body(request)
    if isinstance(body, web.Response):
        return body
    code, token = body.get("code"), body.get("customer_token")
    code = code.strip() if isinstance(code, str) else code
    if not is_code(code) or not isinstance(token, str) or not token or len(token) > MAX_TOKEN_CHARS:
        return _error(BAD_LINK_REQUEST, 400)
    url = request.app["rasa_url"] + "/webhooks/kakao/link"
    payload = {"code": code, "customer_token": token}
    try:
        async with request.app["http"].post(url, json=payload) as answer:
            result = await answer.json(content_type=None)
            return web.json_response(result, status=answer.status)
    except (ClientError, TimeoutError, json.JSONDecodeError, ValueError) as error:
        logger.warning("webpage: the Kakao link call to Rasa failed (%s)", type(error).__name__)
        return _error(KAKAO_UNREACHABLE, 502)


async def _http_client(app: web.Application):
    app["http"] = ClientSession(timeout=KAKAO_LINK_TIMEOUT)
    yield
    await app["http"].close()


def make_app(rasa_url: str, socket_url: Optional[str] = None) -> web.Application:
    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app["rasa_url"] = rasa_url.rstrip("/")
    app["socket_url"] = (socket_url or rasa_url).rstrip("/")
    app["vendored"] = {}
    app.cleanup_ctx.append(_http_client)
    app.router.add_get("/", index)
    app.router.add_get("/api/config", config)
    app.router.add_get("/api/personas", personas)
    app.router.add_post("/api/session", session)
    app.router.add_post("/api/kakao-link", kakao_link)
    app.router.add_get("/vendor/{name}", vendor)
    app.router.add_static("/vendor/noto-sans-kr/", FONT_DIR)
    app.router.add_static("/static/", STATIC_DIR)
    return app


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m webpage.server", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("WEB_PORT", "8080")))
    parser.add_argument("--rasa-url", default=os.environ.get("RASA_URL", "http://127.0.0.1:5005"),
                        help="the Rasa server as this process reaches it (Kakao link calls)")
    parser.add_argument("--socket-url", default=os.environ.get("RASA_SOCKET_URL"),
                        help="the Rasa server as the browser reaches it (default: --rasa-url)")
    args = parser.parse_args(argv)
    missing = missing_assets()
    if missing:
        parser.error("web assets are missing (run `npm ci` in webpage/, as scripts/bootstrap.sh does): "
                     + ", ".join(missing))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    web.run_app(make_app(args.rasa_url, args.socket_url), host=args.host, port=args.port, print=None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
