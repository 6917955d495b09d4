"""The sandbox's seed manifest (var/sandbox.json): every process reads the same seed, size and date,
so the sandbox server, the demo and the tests see the same synthetic data."""
from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

from sandbox.config import SandboxConfig
from bot.kb.lexicon import REPO_ROOT
from bot.korean.calendar import now_kst
from bot.private_files import write_private

MANIFEST_PATH = Path(os.environ.get("MYDATA_SANDBOX_MANIFEST", REPO_ROOT / "var" / "sandbox.json"))


def save_config(config: SandboxConfig, path: Path = MANIFEST_PATH) -> Path:
    return write_private(path, json.dumps({"seed": config.seed, "customers": config.customers,
                                           "as_of": config.as_of.isoformat()}, indent=2) + "\n")


def load_config(path: Path = MANIFEST_PATH) -> SandboxConfig | None:
    if not path.exists():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    return SandboxConfig(seed=int(data["seed"]), customers=int(data["customers"]),
                         as_of=date.fromisoformat(data["as_of"]))


def seed(customers: int = 1000, seed_value: int = 20240601, as_of: date | None = None,
         path: Path = MANIFEST_PATH) -> SandboxConfig:
    """Fixes the sandbox's data: same seed and date, same data in every process."""
    if customers < 0 or customers > 999_999:
        raise ValueError("customers must be 0..999999")
    config = SandboxConfig(seed=seed_value, customers=customers, as_of=as_of or now_kst().date())
    save_config(config, path)
    return config


def load_or_seed(path: Path = MANIFEST_PATH) -> SandboxConfig:
    return load_config(path) or seed(path=path)
