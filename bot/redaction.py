"""Tokens never reach a log line or a stored event.

`redact` replaces JWT-shaped strings (and `token=` query values) in text;
`scrub` does it through any JSON-like value and drops `customer_token` keys;
`install_log_redaction` makes every log record of the process pass through
`redact`, its traceback included, whoever configured the handlers.
"""
from __future__ import annotations

import logging
import re
from typing import Any

JWT = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")
QUERY_TOKEN = re.compile(r"(?i)([?&](?:token|access_token)=)[^&\s'\"]+")
REDACTED = "[redacted]"
TOKEN_KEYS = frozenset({"customer_token"})
MAX_LOG_CHARS = 2000


def redact(text: str) -> str:
    if "eyJ" not in text and "token=" not in text.lower():
        return text
    return QUERY_TOKEN.sub(r"\1" + REDACTED, JWT.sub(REDACTED, text))


def scrub(value: Any) -> Any:
    """A copy of `value` with token keys dropped and JWT-shaped strings redacted."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: scrub(v) for k, v in value.items() if k not in TOKEN_KEYS}
    if isinstance(value, (list, tuple)):
        return [scrub(v) for v in value]
    return value


def _bounded(text: str) -> str:
    """Long log lines are cut: a whole request body or tracker is never worth logging."""
    text = redact(text)
    return (
        text
        if len(text) <= MAX_LOG_CHARS
        else text[:MAX_LOG_CHARS] + f"... [{len(text) - MAX_LOG_CHARS} characters cut]"
    )


_formatter = logging.Formatter()


def install_log_redaction() -> None:
    """Wrap the log record factory, so the filter holds for handlers installed later too."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "redacting", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a badly formatted message is logged as it came
            message = str(record.msg)
        record.msg, record.args = _bounded(message), ()
        if record.exc_info:
            trace = redact(_formatter.formatException(record.exc_info))
            record.exc_text = (
                trace if len(trace) <= 2 * MAX_LOG_CHARS else "... " + trace[-2 * MAX_LOG_CHARS :]
            )
        return record

    factory.redacting = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)
