"""Development secrets in var/, each created once with 48 random bytes and readable by the owner only (0600).

`python -m scripts.dev_secret [NAME]` prints var/NAME (default `token_secret`, the
customer token secret), creating it first if missing. ./run.sh also keeps
`action_secret` (the Rasa server to the action server), `rasa_api_token` and
`rasa_jwt_secret` (the HTTP API, when `RASA_API=1`) here.
"""
from __future__ import annotations

import os
import re
import secrets
import sys
from pathlib import Path

VAR = Path(__file__).resolve().parents[1] / "var"
PATH = VAR / "token_secret"


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path` readable by the owner only, also when the file already existed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)


def secret(name: str = "token_secret") -> str:
    if not re.fullmatch(r"[a-z_]+", name):
        raise ValueError(f"not a secret name: {name!r}")
    path = VAR / name
    if not path.exists():
        write_private(path, secrets.token_urlsafe(48))
    os.chmod(path, 0o600)
    return path.read_text().strip()


def main() -> None:
    print(secret(sys.argv[1] if len(sys.argv) > 1 else "token_secret"))


if __name__ == "__main__":
    main()
