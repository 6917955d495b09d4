"""NLU quality on a fixed held-out split: our Korean pipeline vs whitespace tokens.

Splits `nlu_data/` 80/20 (seed 42, stratified by intent), trains an NLU model
with `config.yml` and one with the same settings on a plain
`WhitespaceTokenizer` (DIET then extracts entities itself), parses every
held-out message, and prints one JSON line:
{"korean": {"intent_macro_f1", "entity_f1": {...}, "confusions": [...], "train_s"},
 "whitespace": {...}, "test_examples": N}
FAQ messages count as their topic (`faq/lost_card`), so a wrong FAQ answer is
an intent error. Entity F1 is on exact (start, end, type) spans.

Usage: python bench/nlu_eval.py [--only korean|whitespace] [--keep DIR]
"""
from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Tuple

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("LOG_LEVEL", "WARNING")

RASA = str(Path(sys.executable).with_name("rasa"))
Span = Tuple[int, int, str]


def whitespace_config(korean_config: dict) -> dict:
    """The same classifier settings on whitespace tokens, DIET extracting entities."""
    config = json.loads(json.dumps(korean_config))
    pipeline = []
    for component in config["pipeline"]:
        name = component["name"]
        if name.startswith("bot.nlp.rasa_components.") and "Tokenizer" not in name:
            continue
        if name.endswith("KoreanTokenizer"):
            component = {"name": "WhitespaceTokenizer"}
        if name == "DIETClassifier":
            component = {**component, "entity_recognition": True}
        pipeline.append(component)
    config["pipeline"] = pipeline
    return config


def split_data(workdir: Path) -> Tuple[Path, Path]:
    from bot.kb.faq import write_responses
    from rasa.shared.nlu.training_data.loading import load_data

    responses = write_responses()
    data = load_data(str(ROOT / "nlu_data" / "nlu")).merge(load_data(str(responses)))
    train, test = data.train_test_split(train_frac=0.8, random_seed=42)
    (workdir / "train").mkdir(exist_ok=True)
    paths = workdir / "train" / "nlu.yml", workdir / "test.yml"
    for part, path in zip((train, test), paths):
        path.write_text(part.nlu_as_yaml(), encoding="utf-8")
    (workdir / "train" / "responses.yml").write_text(responses.read_text(encoding="utf-8"), encoding="utf-8")
    return paths


def train(config: dict, train_path: Path, workdir: Path, name: str) -> Tuple[Path, float]:
    config_path = workdir / f"{name}.config.yml"
    config_path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    started = time.monotonic()
    subprocess.run(
        [RASA, "train", "nlu", "--config", str(config_path), "--nlu", str(train_path.parent), "--out", str(workdir), "--fixed-model-name", name, "--quiet"],
        cwd=ROOT, check=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    return workdir / f"{name}.tar.gz", time.monotonic() - started


def gold_label(message) -> str:
    return message.get_full_intent()


def predicted_label(parsed: dict) -> str:
    intent = (parsed.get("intent") or {}).get("name") or "none"
    if intent == "faq":
        selected = parsed.get("response_selector", {}).get("faq", {}).get("response", {})
        return selected.get("intent_response_key") or "faq"
    return intent


def f1(gold: set, predicted: set) -> float:
    if not gold and not predicted:
        return 1.0
    tp = len(gold & predicted)
    precision = tp / len(predicted) if predicted else 0.0
    recall = tp / len(gold) if gold else 0.0
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


async def evaluate(model_path: Path, test_path: Path) -> dict:
    from rasa.core.agent import Agent
    from rasa.shared.nlu.training_data.loading import load_data
    from sklearn.metrics import f1_score

    import logging

    import structlog

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    for name in ("rasa", "bot"):
        logging.getLogger(name).setLevel(logging.WARNING)
    agent = Agent.load(str(model_path))
    test = load_data(str(test_path))
    gold_labels: List[str] = []
    predicted_labels: List[str] = []
    gold_spans: Dict[str, set] = collections.defaultdict(set)
    predicted_spans: Dict[str, set] = collections.defaultdict(set)
    for i, message in enumerate(test.intent_examples):
        parsed = await agent.parse_message(message.get("text"))
        gold_labels.append(gold_label(message))
        predicted_labels.append(predicted_label(parsed))
        for e in message.get("entities") or []:
            gold_spans[e["entity"]].add((i, e["start"], e["end"]))
        for e in parsed.get("entities") or []:
            predicted_spans[e["entity"]].add((i, e["start"], e["end"]))
    confusions = collections.Counter(
        (g, p) for g, p in zip(gold_labels, predicted_labels) if g != p
    )
    return {
        "intent_macro_f1": round(f1_score(gold_labels, predicted_labels, average="macro"), 4),
        "intent_accuracy": round(sum(g == p for g, p in zip(gold_labels, predicted_labels)) / len(gold_labels), 4),
        "entity_f1": {
            entity: round(f1(gold_spans[entity], predicted_spans[entity]), 4)
            for entity in sorted(gold_spans)
        },
        "confusions": [
            {"gold": g, "predicted": p, "count": n} for (g, p), n in confusions.most_common(10)
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["korean", "whitespace"])
    parser.add_argument("--keep", type=Path, help="keep models and splits in this folder")
    parser.add_argument("--config", type=Path, default=ROOT / "config.yml", help="the Korean pipeline to measure")
    args = parser.parse_args()
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="nlu_eval_"))
    workdir.mkdir(parents=True, exist_ok=True)
    train_path, test_path = split_data(workdir)
    korean = yaml.safe_load(args.config.read_text(encoding="utf-8"))
    configs = {"korean": korean, "whitespace": whitespace_config(korean)}
    report: Dict[str, dict] = {}
    for name, config in configs.items():
        if args.only and name != args.only:
            continue
        model, seconds = train(config, train_path, workdir, name)
        report[name] = {**asyncio.run(evaluate(model, test_path)), "train_s": round(seconds, 1)}
        print(f"# {name}: {json.dumps(report[name], ensure_ascii=False)}", file=sys.stderr)
    from rasa.shared.nlu.training_data.loading import load_data

    report["test_examples"] = len(load_data(str(test_path)).intent_examples)
    print(json.dumps(report, ensure_ascii=False))


if __name__ == "__main__":
    main()
