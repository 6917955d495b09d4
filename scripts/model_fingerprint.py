"""Whether models/current.tar.gz was trained on the inputs as they are now.

Rasa's own fingerprint skips unchanged graph parts but still loads the
whole project; this digest lets the run and test commands skip `rasa train`
entirely, and it also covers our custom components' source, which Rasa's
fingerprint does not.
"""
from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path
from typing import List

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "models" / "current.tar.gz"
STAMP = ROOT / "models" / "current.fingerprint"
INPUTS = [
    "config.yml",
    "domain.yml",
    "nlu_data",
    "knowledge_base/faq.yml",
    "knowledge_base/lexicons.yml",
    "bot/nlp",
    "bot/rasa/components.py",
    "bot/kb/lexicon.py",
    "requirements.txt",
]


def watched_files() -> List[Path]:
    files: List[Path] = []
    for name in INPUTS:
        path = ROOT / name
        found = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        files += [f for f in found if f.suffix != ".pyc" and "__pycache__" not in f.parts]
    return files


def digest() -> str:
    h = hashlib.sha256()
    for f in watched_files():
        h.update(str(f.relative_to(ROOT)).encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 0 when the model is current")
    parser.add_argument("--print", action="store_true", help="print the digest of the inputs now")
    parser.add_argument("--write", metavar="DIGEST", help="record the digest taken before training")
    args = parser.parse_args()
    if args.print:
        print(digest())
        return 0
    if args.write:
        STAMP.write_text(args.write)
        return 0
    current = MODEL.exists() and STAMP.exists() and STAMP.read_text().strip() == digest()
    return 0 if current else 1


if __name__ == "__main__":
    sys.exit(main())
