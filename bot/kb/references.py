"""Korean reference values (`knowledge_base/reference_values.yml`), each with its source.

An answer that compares a customer with "보통" must take the figure from here and cite it: the
latest edition published on or before the answer's date. Loading checks every edition names a
publisher, title, year and publication date, so an unsourced figure cannot get in.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Dict, Optional, Tuple

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
REFERENCES_PATH = REPO_ROOT / "knowledge_base" / "reference_values.yml"
UNITS = ("won_per_month", "percent", "percent_points")


class ReferenceError(ValueError):
    """The reference file is malformed or a key has no edition for the date asked."""


@dataclass(frozen=True)
class Reference:
    key: str
    value: Any  # int won, a percent, or a mapping of band -> value
    unit: str
    year: int
    published: date
    publisher: str
    title: str
    note: str

    @property
    def citation(self) -> str:
        """"통계청, 2022년 임금근로일자리 소득(보수) 결과"."""
        return f"{self.publisher}, {self.title}"


def _edition(key: str, raw: Dict[str, Any]) -> Reference:
    missing = [
        f for f in ("value", "unit", "year", "published", "publisher", "title", "note") if not raw.get(f)
    ]
    if missing:
        raise ReferenceError(f"{key}: an edition lacks {', '.join(missing)}")
    if raw["unit"] not in UNITS:
        raise ReferenceError(f"{key}: unknown unit {raw['unit']!r}")
    if not isinstance(raw["published"], date) or not isinstance(raw["year"], int):
        raise ReferenceError(f"{key}: published must be a date and year an int")
    return Reference(key, raw["value"], raw["unit"], raw["year"], raw["published"], str(raw["publisher"]),
                     str(raw["title"]), str(raw["note"]))


@functools.lru_cache(maxsize=4)
def load_references(path: str = str(REFERENCES_PATH)) -> Dict[str, Tuple[Reference, ...]]:
    """key -> editions, oldest publication first."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not data:
        raise ReferenceError(f"{path} must map keys to lists of editions")
    out = {}
    for key, editions in data.items():
        if not isinstance(editions, list) or not editions:
            raise ReferenceError(f"{key}: needs a list of editions")
        out[key] = tuple(sorted((_edition(key, e) for e in editions), key=lambda r: r.published))
    return out


def reference(key: str, on: Optional[date] = None) -> Reference:
    """The latest edition of `key` published on or before `on` (any date: the latest)."""
    editions = load_references().get(key)
    if not editions:
        raise ReferenceError(f"no reference value {key!r}")
    usable = [e for e in editions if on is None or e.published <= on]
    if not usable:
        raise ReferenceError(f"{key}: nothing published by {on}")
    return usable[-1]


def all_references() -> Tuple[Reference, ...]:
    return tuple(e for editions in load_references().values() for e in editions)
