"""A bad-input table: a loader and one sender per channel, so any channel's table plugs in.

A table (`bad_inputs_<channel>.yml`) is `{channel: <name>, cases: [...]}`; each case has
`id`, `expect` (an answer class, see `CLASSES`) and what to send: `body` (JSON) or `raw`
(bytes as text), optionally `content_type`, `customer` (a demo customer whose valid token
the sender adds as `metadata.customer_token`). Any mapping `{"$repeat": s, "times": n}`
inside a case expands to `s * n`, so huge inputs stay one line in the table.

A channel plugs in with `SENDERS[name] = send(stack, case) -> Outcome`.
"""
from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

import httpx
import yaml

from bot.channels.bounds import NO_REPLY_TEXT, TOO_LONG_TEXT

HERE = Path(__file__).parent
HANGUL = re.compile(r"[\uac00-\ud7a3]")
LOGIN_WORD = "로그인"


@dataclass
class Case:
    channel: str
    id: str
    expect: str
    spec: Dict[str, Any]


@dataclass
class Outcome:
    status: int
    json: Any = None
    texts: List[str] = field(default_factory=list)


def expand(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"$repeat", "times"}:
            return str(value["$repeat"]) * int(value["times"])
        return {k: expand(v) for k, v in value.items()}
    if isinstance(value, list):
        return [expand(v) for v in value]
    return value


def load_cases(path: Path) -> List[Case]:
    table = yaml.safe_load(path.read_text(encoding="utf-8"))
    cases = [Case(table["channel"], row["id"], row["expect"], expand(row)) for row in table["cases"]]
    ids = [c.id for c in cases]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise ValueError(f"{path.name}: duplicate ids {sorted(duplicates)}")
    unknown = {c.expect for c in cases} - set(CLASSES)
    if unknown:
        raise ValueError(f"{path.name}: unknown answer classes {sorted(unknown)}")
    return cases


def all_tables() -> List[Case]:
    """The REST table; the channels' table (bad_inputs_channels.yml) has its own runner."""
    return load_cases(HERE / "bad_inputs_rest.yml")


def _texts(payload: Any) -> List[str]:
    if isinstance(payload, list):
        return [str(r["text"]) for r in payload if isinstance(r, dict) and r.get("text")]
    return []


def send_rest(stack: Any, case: Case, token_for: Callable[[str], str]) -> Outcome:
    spec = case.spec
    if "raw" in spec:
        content = str(spec["raw"]).encode("utf-8", "surrogatepass")
    else:
        body = spec["body"]
        if spec.get("customer") and isinstance(body, dict):
            body = {
                **body,
                "metadata": {**(body.get("metadata") or {}), "customer_token": token_for(spec["customer"])},
            }
        if isinstance(body, dict) and body.get("sender") == "$new":
            body = {**body, "sender": f"bad-{uuid.uuid4().hex[:10]}"}
        content = json.dumps(body, ensure_ascii=False).encode("utf-8", "surrogatepass")
    response = httpx.post(f"{stack.url}/webhooks/rest/webhook", content=content, timeout=60.0,
                          headers={"Content-Type": spec.get("content_type", "application/json")})
    try:
        payload = response.json()
    except ValueError:
        payload = None
    return Outcome(response.status_code, payload, _texts(payload))


SENDERS: Dict[str, Callable[..., Outcome]] = {"rest": send_rest}


def _korean(outcome: Outcome) -> bool:
    return outcome.status == 200 and any(HANGUL.search(t) for t in outcome.texts)


def _json_error(outcome: Outcome) -> bool:
    return isinstance(outcome.json, dict) and isinstance(outcome.json.get("error"), str)


CLASSES: Dict[str, Callable[[Outcome], bool]] = {
    "http_400": lambda o: o.status == 400 and _json_error(o),
    "http_413": lambda o: o.status == 413,
    "too_long_reply": lambda o: o.status == 200 and o.texts == [TOO_LONG_TEXT],
    "korean_reply": lambda o: _korean(o) and NO_REPLY_TEXT not in o.texts and TOO_LONG_TEXT not in o.texts,
    "refusal": lambda o: _korean(o) and any(LOGIN_WORD in t for t in o.texts)
                         and not any(re.search(r"\d[\d,]*원", t) for t in o.texts),
}


def check(case: Case, outcome: Outcome) -> Optional[str]:
    """None when the outcome is of the expected class, else what came back."""
    if CLASSES[case.expect](outcome):
        return None
    return (
        f"{case.channel}/{case.id}: expected {case.expect}, got {outcome.status} "
        f"{json.dumps(outcome.json, ensure_ascii=False)[:300]}"
    )
