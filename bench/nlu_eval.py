"""NLU quality on a fixed held-out split: our Korean pipeline vs whitespace tokens.

Holds out a fixed 20% of `nlu_data/` (see HELDOUT), trains an NLU model
with `config.yml` on the rest and a baseline on a plain `WhitespaceTokenizer`
(DIET for intents and entities, see `whitespace_config`), parses every
held-out message, and prints one JSON line:
{"korean": {"intent_macro_f1", "entity_f1": {...}, "confusions": [...], "train_s"},
 "whitespace": {...}, "test_examples": N}
FAQ messages count as their topic (`faq/lost_card`), so a wrong FAQ answer is
an intent error, and so is a fallback (`nlu_fallback`): the user is asked to
rephrase. Macro-F1 averages over the intents and topics of the test messages;
a fallback is a miss of its message's intent, not a class of its own (scored
as one, its F1 of 0 would cost every fallback-free intent 1/47 of the
average). `fallbacks` counts them; `intent_macro_f1_no_fallback` scores the
classifier's own best guess instead, to show what the threshold costs.
Entity F1 is on exact (start, end, type) spans.

`--dev` never reads the held-out 20%: it splits the 80% training part again
(80/20, seed 7) and reports on that dev part. Make every tuning choice with
`--dev`; run without it only to report. `--errors FILE` writes each wrong
intent and each entity mismatch as one JSON line, for reading.

`--fresh` trains on all of `nlu_data/` and tests on `bench/nlu_fresh_test.yml`
(see FRESH_TEST).

Usage: python bench/nlu_eval.py [--only korean|whitespace] [--keep DIR] [--dev | --fresh [FILE]]
       [--errors FILE] [--config FILE]
"""
from __future__ import annotations

import argparse
import asyncio
import collections
import hashlib
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
    """The baseline: whitespace tokens, word and character counts, DIET for
    intents and entities and a ResponseSelector for FAQ topics (the settings
    the Korean pipeline used before it had its own classifier, fallback
    thresholds included), fixed so that its figures stay comparable."""
    config = json.loads(json.dumps(korean_config))
    config["pipeline"] = [
        {"name": "WhitespaceTokenizer"},
        {"name": "LexicalSyntacticFeaturizer"},
        {"name": "CountVectorsFeaturizer"},
        {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 1, "max_ngram": 3},
        {"name": "DIETClassifier", "epochs": 40, "number_of_transformer_layers": 1,
         "transformer_size": 128, "entity_recognition": True, "constrain_similarities": True,
         "random_seed": 42},
        {"name": "ResponseSelector", "retrieval_intent": "faq", "epochs": 40,
         "constrain_similarities": True, "random_seed": 42},
        {"name": "FallbackClassifier", "threshold": 0.45, "ambiguity_threshold": 0.08},
    ]
    return config


# The held-out messages: the 500 (20%) that Rasa's stratified split (seed 42)
# held out of the data of commit 159d8b7, each named by the first 8 hex
# digits of the SHA-1 of its text. A fixed list, because Rasa's split
# reshuffles whenever one example is added: it would move held-out messages
# into training and messages someone has read while tuning into the test.
# Examples added later always train; a label or entity fix keeps a message
# held out, a changed text drops it (`test_examples` shows the count).
HELDOUT = frozenset("""
003c39c3 01579914 01f6f1b8 026ace7d 0280643b 02c0a2ee 02de17f1 02eb8ea8 03be4449 0440d660 0567135d
076925c5 08cf0b10 092f5d55 0935044f 09b02749 0a43ad19 0b4e55fa 0b6e4bb5 0c0f815b 0c35261c 0c41cd1c
0ca377cf 0cf7becf 0d04fbae 0d2256c3 0d629409 0e0bf71e 0ea42f05 0ef72846 0f195421 0f870111 0f938126
102ef92c 106948aa 10cfab48 116e07f6 12dc114e 13636417 13e39de7 13ee03ff 143d038e 14686d3c 149d2e02
14a7d3cc 1541d419 1550a80e 15f5e6f5 1729df9a 17d471d5 18bce8f4 18ce2b97 1922a829 19baffb2 1a07ce83
1a3c2829 1ab2de4b 1abf2940 1ac55659 1bc81917 1e6a59c3 1e8afeba 1e8c977b 1ecec5ff 1f0fbd1a 1f2d87eb
1f695dc6 1fa95354 1ff98c98 21d03e84 2288862d 22971f11 234f513b 248c432d 2574199c 260318bb 267d3379
2685d6ca 26a99686 26a9bf74 273c368c 2760bb0f 286cb00f 28fa8a2f 292c4d27 29bb58cd 29c5e42e 2a33d8ae
2a3ef96a 2a558943 2a8da0f5 2bc59cab 2bee68bb 2c4976fe 2ca039d1 2d8aa7ff 2f33e67d 2fab24c7 2fd0ab49
2fe48992 30abb93d 30d35023 30fd77a5 310f39d9 3223b09f 3297218e 32c15171 32d176fe 3334c49f 344cf40b
349681e0 3524c8ad 36530f5c 38526b31 39167cef 39753d13 39a7f51d 3a9e425a 3b4e534e 3d5ac839 3f29720d
418818a0 41b9200a 41fb54c5 42033dad 423b6c15 4290946b 436767b3 4447be23 448ab41d 448fecba 44ea66a2
4547e15f 458f8ded 45999cbd 459dfdd8 4651d0f1 46ad6359 47014cc4 470f96ca 47154e9f 472dc71c 4834a054
484b06ee 486c968a 495b63c7 4a3bcff9 4af65f5b 4b4d178d 4b5fcd61 4babcf25 4bc5d65e 4c29db07 4c6818df
4d01080a 4d732f58 4dc7fc63 4e596719 4f13e644 4f222f1e 4fbd1c6d 503bc7d7 50abc206 514a9ce2 51db8b95
5309ee23 5347b2c2 53fe42d6 5436c519 54818278 550a9d74 551680df 55397501 55616bfe 55cdd92f 5621c3d6
562828d6 5666d3bb 567fe120 569f42e7 56f98a55 5762fbf1 57ded098 58036e13 59aa2810 59b27d0c 5a10e157
5a1a2126 5a4a46e5 5a5d8020 5a86b5aa 5a8a43de 5acd9797 5b090412 5b162a45 5b239ed8 5b3c4cc8 5b5113e1
5b8bc803 5bc7866c 5c5ec3bd 5cf16eb7 5d0c83b3 5def19cb 5f36caa5 601e053f 608659f4 608bb093 6110211e
6158ad6e 6164105d 62408ce8 62e01cc9 63797ee9 63973805 63c17061 64225a07 64e39b2c 652a9d0c 6546e88a
65847162 66bd9246 66f01cf0 6789e5a1 67970988 67fb26aa 681ba112 6866818b 68ee84e1 69494d9d 69748841
69c40d10 69c42ee4 69c8df44 6a028ff5 6a5b8cb3 6b7c81ea 6ca0debc 6ca108b7 6d916ee3 6dc559c1 6e7c0a19
6ee7507c 6efbd6ce 6f90defa 6fb54e34 700d68f2 702d6abc 70fa679c 717940c4 719ee34b 71d71720 71f7b307
725b6444 72a669d1 732e1f37 736571e8 73b2d3f3 74943f4b 74f5ff46 751a3158 75217605 7563a395 757f22e9
760e93ba 785c832a 791da328 79440361 79440cd0 799bc9de 7a17cebf 7aa78f86 7b316f83 7b603217 7b978aa2
7ba0a7e3 7c3f3d60 7cdbe914 7d24b080 7df49122 7e0ae06d 7ead3a62 7f2fab9b 7f927ded 7fa57093 7fb79584
7ff1b16e 821fca84 826ce7af 827003c2 8290215e 830cd4a2 831ce650 8425157a 84942c4f 850efecc 88c8d336
89be9242 8a6aff2b 8a71487c 8ab5e7a8 8afb2736 8b3850e3 8bc607d5 8c54de4a 8cd91a72 8d3e6f77 8da341ad
8dc6d5fa 8dcaf4ef 8f5a0145 8f93a007 90227a03 908248ee 90b8d4f6 90f5f918 9284bafd 933d48a6 9607fae7
9678beda 9873d45b 994f1eae 9aa848fa 9b338686 9b5740de 9ba2f7c2 9c5492f0 9c81754e 9cbb52f2 9ccb954d
9d5cbcf1 9dd57d82 9e77c856 9f1c847b a0bad351 a0d8b906 a17ef978 a19b9237 a1e2498d a30b5a3b a3afca8d
a428eb08 a5072240 a5285632 a741aeda a842629a a87574be a8cbd9ed a8e8caf5 a9e607a6 aa03d285 ac2da17d
ac56ab94 acaad431 acf8df4b af617290 b06e53f3 b195f8e3 b2c06390 b388ee38 b4ce0718 b4d3c39b b4d64cff
b4df2286 b4feea8b b5c0c5b9 b65c26d8 b65d2be2 b73e90fd b7ce2844 b88d18ba b93fcf9e b9d925e8 b9dcd522
ba090368 ba8d67a3 bafcedcd bb210a2c bb2b28ac bbbf6945 bce2b452 bd0497f2 bd1bc31f be01952a bec1cffb
bef9aa8e c029a001 c08110e9 c08b0fb8 c148425c c22ccbf8 c2b96b98 c39597e1 c3bdf373 c3dd74e0 c4becff5
c5353f71 c54f773e c603c0bf c615fa57 c66b10b6 c677ae9f c67ea2e7 c767d9e3 c8011bb1 c82258bb c8c82b99
c988385e c9967262 ca12270b cab439fe cad2f723 cbd9e292 cbea9749 cd987735 cdb5e60c ceb567ae cf311122
cf73b888 d03902a5 d08893e7 d09a3954 d2fff73a d316192e d338429b d33cbb3c d37954a7 d45968c5 d490ebe7
d535746e d557a111 d580af82 d5866fc7 d6dd2862 d70c267c d74eeeb1 d7811777 d7837cdc d8b59e18 d8f46296
d9adb0a8 da691b3a dafd3922 dc5a3e64 dd0ede4a dd9eab7a dde78379 de124881 de6be470 df11d6b9 df344b2b
e03601f8 e0412809 e083b133 e14e6f17 e1e71c4a e2019122 e2654ac5 e293e2f4 e3265278 e354138e e36fc3b5
e3977197 e4f1b305 e5262504 e782a096 e9fff918 ea57be85 ea6a6e0c eb58837f ebf5e3a1 ecbaaa77 ee56cf45
ef5d7241 f0d37159 f0da269b f0e9832b f2c431dd f3942a71 f4cc1719 f5e39c3e f65fab00 f703de7e f86bcfec
f8bdecf3 f8e8d25c f8f24b83 f98f5c42 f99ea6e7 fa5d51f8 fb1bfa3b fceee8d5 fd214a09 fd44b6cf fd895734
fdfde764 fe48c11f fe7fdb69 ff7e2556 ff9a2f08
""".split())
DEV_SEED = 7
# Messages written from the contract alone by someone who had not read
# nlu_data/, 8 per intent and FAQ topic (`--fresh`): how the shipped model
# does on phrasings nobody tuned on.
FRESH_TEST = ROOT / "bench" / "nlu_fresh_test.yml"


def heldout_key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:8]


def split_data(workdir: Path, dev: bool = False, fresh: Path = None) -> Tuple[Path, Path]:
    """Training and evaluation files: the fixed held-out messages, or with
    `dev` a dev part (20%, seed 7, stratified) cut from the training part;
    then the held-out messages are not used at all. With `fresh`, all of
    `nlu_data/` trains (as in the shipped model) and that file's messages
    test, but for any that `nlu_data/` already has word for word."""
    from rasa.shared.nlu.training_data.loading import load_data
    from rasa.shared.nlu.training_data.training_data import TrainingData

    from bot.kb.faq import write_responses

    responses = write_responses()
    data = load_data(str(ROOT / "nlu_data" / "nlu")).merge(load_data(str(responses)))
    parts = {True: [], False: []}
    for message in data.training_examples:
        parts[heldout_key(message.get("text")) in HELDOUT and fresh is None].append(message)
    train = TrainingData(parts[False], responses=data.responses)
    if fresh:
        seen = {m.get("text") for m in parts[False]}
        unseen = [m for m in load_data(str(fresh)).training_examples if m.get("text") not in seen]
        test = TrainingData(unseen, responses=data.responses)
    else:
        test = TrainingData(parts[True], responses=data.responses)
    if dev:
        train, test = train.train_test_split(train_frac=0.8, random_seed=DEV_SEED)
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
        [
            RASA,
            "train",
            "nlu",
            "--config",
            str(config_path),
            "--nlu",
            str(train_path.parent),
            "--out",
            str(workdir),
            "--fixed-model-name",
            name,
            "--quiet",
        ],
        cwd=ROOT,
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    return workdir / f"{name}.tar.gz", time.monotonic() - started


def gold_label(message) -> str:
    return message.get_full_intent()


FALLBACK = "nlu_fallback"


def predicted_label(parsed: dict, skip_fallback: bool = False) -> str:
    intent = (parsed.get("intent") or {}).get("name") or "none"
    if skip_fallback and intent == FALLBACK:
        ranking = [r for r in parsed.get("intent_ranking") or [] if r.get("name") != FALLBACK]
        intent = ranking[0]["name"] if ranking else "none"
    if intent == "faq":
        selected = parsed.get("response_selector", {}).get("faq", {}).get("response", {})
        return selected.get("intent_response_key") or "faq"
    return intent


def span_words(text: str, spans: set) -> list:
    return sorted(f"{text[s:e]}:{t}" for s, e, t in spans)


def f1(gold: set, predicted: set) -> float:
    if not gold and not predicted:
        return 1.0
    tp = len(gold & predicted)
    precision = tp / len(predicted) if predicted else 0.0
    recall = tp / len(gold) if gold else 0.0
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


async def evaluate(model_path: Path, test_path: Path, errors_path: Path = None) -> dict:
    import logging

    import structlog
    from rasa.core.agent import Agent
    from rasa.shared.nlu.training_data.loading import load_data
    from sklearn.metrics import f1_score

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    for name in ("rasa", "bot"):
        logging.getLogger(name).setLevel(logging.WARNING)
    agent = Agent.load(str(model_path))
    test = load_data(str(test_path))
    gold_labels: List[str] = []
    predicted_labels: List[str] = []
    guessed_labels: List[str] = []
    gold_spans: Dict[str, set] = collections.defaultdict(set)
    predicted_spans: Dict[str, set] = collections.defaultdict(set)
    errors: List[dict] = []
    for i, message in enumerate(test.intent_examples):
        text = message.get("text")
        parsed = await agent.parse_message(text)
        gold_labels.append(gold_label(message))
        predicted_labels.append(predicted_label(parsed))
        guessed_labels.append(predicted_label(parsed, skip_fallback=True))
        gold = {(e["start"], e["end"], e["entity"]) for e in message.get("entities") or []}
        found = {(e["start"], e["end"], e["entity"]) for e in parsed.get("entities") or []}
        for start, end, entity in gold:
            gold_spans[entity].add((i, start, end))
        for start, end, entity in found:
            predicted_spans[entity].add((i, start, end))
        if gold_labels[-1] != predicted_labels[-1]:
            ranking = [r for r in parsed.get("intent_ranking") or [] if r.get("name") != FALLBACK][:3]
            errors.append(
                {
                    "kind": "intent",
                    "text": text,
                    "gold": gold_labels[-1],
                    "predicted": predicted_labels[-1],
                    "guess": guessed_labels[-1],
                    "ranking": [[r["name"], round(r["confidence"], 3)] for r in ranking],
                }
            )
        if gold != found:
            errors.append({
                "kind": "entity", "text": text, "intent": gold_labels[-1],
                "missed": span_words(text, gold - found), "extra": span_words(text, found - gold),
            })
    if errors_path:
        errors_path.write_text(
            "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in errors), encoding="utf-8"
        )
    confusions = collections.Counter(
        (g, p) for g, p in zip(gold_labels, predicted_labels) if g != p
    )
    intents = sorted(set(gold_labels))
    return {
        "intent_macro_f1": round(f1_score(gold_labels, predicted_labels, labels=intents, average="macro"), 4),
        "intent_accuracy": round(
            sum(g == p for g, p in zip(gold_labels, predicted_labels)) / len(gold_labels), 4
        ),
        "intent_macro_f1_no_fallback": round(
            f1_score(gold_labels, guessed_labels, labels=intents, average="macro"), 4
        ),
        "fallbacks": sum(p == FALLBACK for p in predicted_labels),
        "entity_f1": {
            entity: round(f1(gold_spans[entity], predicted_spans[entity]), 4) for entity in sorted(gold_spans)
        },
        "confusions": [{"gold": g, "predicted": p, "count": n} for (g, p), n in confusions.most_common(10)],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["korean", "whitespace"])
    parser.add_argument("--keep", type=Path, help="keep models and splits in this folder")
    parser.add_argument(
        "--config", type=Path, default=ROOT / "config.yml", help="the Korean pipeline to measure"
    )
    parser.add_argument(
        "--dev",
        action="store_true",
        help="tune on a dev part of the training 80%%; the held-out 20%% is not used",
    )
    parser.add_argument(
        "--fresh",
        type=Path,
        nargs="?",
        const=FRESH_TEST,
        help=f"train on all of nlu_data and test on this file (default {FRESH_TEST.relative_to(ROOT)})",
    )
    parser.add_argument(
        "--errors",
        type=Path,
        help="write wrong intents and entity mismatches here (JSON lines; .<name> is added per pipeline)",
    )
    args = parser.parse_args()
    if args.dev and args.fresh:
        parser.error("--dev and --fresh test on different messages; pick one")
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="nlu_eval_"))
    workdir.mkdir(parents=True, exist_ok=True)
    train_path, test_path = split_data(workdir, dev=args.dev, fresh=args.fresh)
    korean = yaml.safe_load(args.config.read_text(encoding="utf-8"))
    configs = {"korean": korean, "whitespace": whitespace_config(korean)}
    report: Dict[str, dict] = {}
    for name, config in configs.items():
        if args.only and name != args.only:
            continue
        model, seconds = train(config, train_path, workdir, name)
        errors = args.errors.with_suffix(f".{name}{args.errors.suffix}") if args.errors else None
        report[name] = {**asyncio.run(evaluate(model, test_path, errors)), "train_s": round(seconds, 1)}
        print(f"# {name}: {json.dumps(report[name], ensure_ascii=False)}", file=sys.stderr)
    from rasa.shared.nlu.training_data.loading import load_data

    report["split"] = "dev" if args.dev else "fresh" if args.fresh else "held-out"
    report["test_examples"] = len(load_data(str(test_path)).intent_examples)
    print(json.dumps(report, ensure_ascii=False))


if __name__ == "__main__":
    main()
