"""Late KakaoTalk answers through Kakao's AI-chatbot callback.

When a block has the callback enabled, the skill request carries ``userRequest.callbackUrl``:
the skill answers at once with ``{"version": "2.0", "useCallback": true, "data": {...}}`` and
POSTs the real skill response to that URL, once, within a minute of the request
(kakaobusiness.gitbook.io, ai_chatbot_callback_guide). The URL comes in the request body, so
only https URLs on Kakao's own domains are used: anything else would make the server POST a
customer's answer wherever a caller pointed it. ``KAKAO_CALLBACK_HOSTS`` (comma-separated host
names) replaces the list, for a local fake Kakao in tests; plain http is then allowed for
loopback hosts only.
"""
from __future__ import annotations

import asyncio
import logging
import os
import time
from typing import Any, Awaitable, Dict, Optional, Tuple
from urllib.parse import urlsplit

import aiohttp

logger = logging.getLogger(__name__)

HOSTS_ENV = "KAKAO_CALLBACK_HOSTS"
KAKAO_DOMAINS = ("kakao.com", "kakaoenterprise.com")
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
CALLBACK_VALID_S = 60.0
POST_MARGIN_S = 5.0  # left for the POST itself
MAX_URL_CHARS = 2048


def allowed_hosts(env: Optional[Dict[str, str]] = None) -> Tuple[str, ...]:
    configured = (env if env is not None else os.environ).get(HOSTS_ENV, "")
    hosts = tuple(h.strip().lower() for h in configured.split(",") if h.strip())
    return hosts or KAKAO_DOMAINS


def callback_url_allowed(url: Any, env: Optional[Dict[str, str]] = None) -> bool:
    """An https URL on an allowed host or one of its subdomains (http only on loopback)."""
    if not isinstance(url, str) or not url or len(url) > MAX_URL_CHARS:
        return False
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        return False
    if parts.username or parts.password or not host:
        return False
    if not any(host == allowed or host.endswith("." + allowed) for allowed in allowed_hosts(env)):
        return False
    return parts.scheme == "https" or (parts.scheme == "http" and host in LOOPBACK_HOSTS)


def use_callback_response(text: str) -> Dict[str, Any]:
    return {"version": "2.0", "useCallback": True, "data": {"text": text}}


async def answer_later(url: str, answer: Awaitable[Dict[str, Any]], received_at: float,
                       fallback: Dict[str, Any]) -> bool:
    """Waits for the answer while the URL is still valid and POSTs it once (the fallback if it is
    not ready in time or failed); whether Kakao accepted it."""
    budget = CALLBACK_VALID_S - POST_MARGIN_S - (time.monotonic() - received_at)
    try:
        body = await asyncio.wait_for(answer, timeout=max(budget, 0.0))
    except asyncio.TimeoutError:
        logger.warning("kakao: a late answer missed the callback window; sending an apology instead")
        body = fallback
    except Exception:  # noqa: BLE001 - the user still gets one answer
        logger.exception("kakao: a late answer failed")
        body = fallback
    remaining = max(CALLBACK_VALID_S - (time.monotonic() - received_at), 1.0)
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=remaining)) as session:
            async with session.post(url, json=body) as response:
                if response.status >= 400:
                    logger.warning("kakao: the callback was refused (HTTP %s)", response.status)
                    return False
                return True
    except (aiohttp.ClientError, asyncio.TimeoutError) as error:
        logger.warning("kakao: the callback could not be delivered (%s)", type(error).__name__)
        return False
