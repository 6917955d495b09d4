"""FAQ answers from `knowledge_base/faq.yml`, and their Rasa form.

The answers are data that non-engineers edit; Rasa's ResponseSelector needs
them as `utter_faq/<topic>` responses. `render_responses` writes those into
`nlu_data/responses/faq.yml` (generated, git-ignored) before training, so
the knowledge base stays the only place an answer is written.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
FAQ_PATH = REPO_ROOT / "knowledge_base" / "faq.yml"
RESPONSES_PATH = REPO_ROOT / "nlu_data" / "responses" / "faq.yml"
HEADER = "# Generated from knowledge_base/faq.yml by `python -m bot.kb.faq`; edit that file.\n"


@dataclass(frozen=True)
class FaqAnswer:
    topic: str
    title: str
    answer: str
    more: str
    sources: List[str]

    def as_text(self) -> str:
        more = self.more.strip()
        if not more.startswith("더 알아보기"):
            more = f"더 알아보기: {more}"
        return f"{self.answer.strip()}\n\n{more}"


def load_faq(path: Path = FAQ_PATH) -> Dict[str, FaqAnswer]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {
        topic: FaqAnswer(
            topic=topic,
            title=str(item["title"]),
            answer=str(item["answer"]),
            more=str(item.get("more", "")),
            sources=list(item.get("sources") or []),
        )
        for topic, item in raw["topics"].items()
    }


def render_responses(answers: Dict[str, FaqAnswer]) -> str:
    responses = {
        f"utter_faq/{topic}": [{"text": answer.as_text()}]
        for topic, answer in sorted(answers.items())
    }
    body = yaml.safe_dump(
        {"version": "3.1", "responses": responses}, allow_unicode=True, sort_keys=False, width=1000
    )
    return HEADER + body


def write_responses(path: Path = RESPONSES_PATH) -> Path:
    text = render_responses(load_faq())
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
    return path


if __name__ == "__main__":
    print(write_responses(), file=sys.stderr)
