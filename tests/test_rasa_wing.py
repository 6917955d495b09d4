"""Rasa stays in its wing: no module of bot/ outside bot/rasa/ imports `rasa`, `rasa_sdk` or the wing,
at the top or inside a function, and what Rasa loads by name from the wing is where the files say."""
import ast
import importlib
from pathlib import Path
from typing import List

import pytest
import yaml

from scripts.model_fingerprint import watched_files

ROOT = Path(__file__).resolve().parents[1]
BOT = ROOT / "bot"
WING = BOT / "rasa"
FORBIDDEN = ("rasa", "rasa_sdk", "bot.rasa")


def forbidden_imports(source: str) -> List[str]:
    """The absolute imports in `source`, anywhere in it, of a module in or under `FORBIDDEN`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        hits = [name for name in names if any(name == f or name.startswith(f + ".") for f in FORBIDDEN)]
        if hits:
            found.append(f"line {node.lineno}: {hits[0]}")
    return found


@pytest.mark.parametrize("source, hit", [
    ("import rasa", True),
    ("import rasa.core.run as run", True),
    ("from rasa.core.channels.channel import UserMessage", True),
    ("import os, rasa_sdk", True),
    ("def later():\n    from rasa_sdk.executor import ActionExecutor\n", True),
    ("class A:\n    def f(self):\n        import rasa\n", True),
    ("from bot.rasa.channels import kakao_format", True),
    ("from bot import rasa", True),
    ("import rasax", False),
    ("from rasa_webchat import x", False),
    ("from . import rasa", False),
    ("from bot.channels.bounds import too_long", False),
    ("import bot.rasa_like", False),
])
def test_the_check_sees_every_form_of_import(source, hit):
    assert bool(forbidden_imports(source)) is hit


def test_nothing_outside_the_wing_imports_rasa_or_the_wing():
    modules = [p for p in BOT.rglob("*.py") if WING not in p.parents]
    assert len(modules) > 50  # the walk found the product
    offenders = {
        str(path.relative_to(ROOT)): hits
        for path in modules
        if (hits := forbidden_imports(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}


def test_the_wing_holds_what_rasa_loads_by_name():
    """config.yml's components, credentials.yml's channels and the tracker store the endpoints name
    are classes in bot/rasa/, and the model fingerprint watches the components' source."""
    from scripts.endpoints import TRACKER_STORE

    pipeline = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))["pipeline"]
    components = [step["name"] for step in pipeline if "." in step["name"]]
    channels = [
        name for name in yaml.safe_load((ROOT / "credentials.yml").read_text(encoding="utf-8")) if "." in name
    ]
    assert components and channels
    for path in [*components, *channels, TRACKER_STORE]:
        module, name = path.rsplit(".", 1)
        assert module.startswith("bot.rasa."), path
        assert isinstance(getattr(importlib.import_module(module), name), type), path
    watched = set(watched_files())
    for module in {c.rsplit(".", 1)[0] for c in components}:
        assert ROOT / (module.replace(".", "/") + ".py") in watched, module
