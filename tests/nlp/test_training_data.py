"""Rules for the NLU examples beyond Rasa's own checks (see nlu_data/nlu)."""
import collections
import itertools
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
ANNOTATION = re.compile(r"\[([^\]]+)\]\([^)]+\)")


def examples_by_intent():
    by_intent = collections.defaultdict(list)
    for path in sorted((ROOT / "nlu_data" / "nlu").glob("*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", []):
            if "intent" in block:
                for line in block["examples"].splitlines():
                    if line.strip().startswith("- "):
                        by_intent[block["intent"]].append(ANNOTATION.sub(r"\1", line.strip()[2:]))
    return by_intent


def test_no_example_is_another_with_one_word_changed():
    """`국민 잔액 알려줘` next to `신한 잔액 알려줘` teaches nothing new and
    makes a held-out copy easy: examples of one intent with three or more
    words must differ in more than one word."""
    copies = []
    for intent, lines in examples_by_intent().items():
        by_length = collections.defaultdict(list)
        for line in lines:
            words = line.split()
            if len(words) >= 3:
                by_length[len(words)].append(words)
        for group in by_length.values():
            for a, b in itertools.combinations(group, 2):
                if sum(x != y for x, y in zip(a, b)) == 1:
                    copies.append((intent, " ".join(a), " ".join(b)))
    assert copies == []
