"""Development secrets in var/, each created once with 48 random bytes and readable by the owner only (0600).

`python -m scripts.dev_secret [NAME]` prints var/NAME (default `token_secret`, the
customer token secret), creating it first if missing. ./run.sh also keeps
`action_secret` (the Rasa server to the action server), `mydata_client_secret` (the aggregator's
client secret with the sandbox institutions), `rasa_api_token` and `rasa_jwt_secret` (the HTTP
API, when `RASA_API=1`) here.
"""
from __future__ import annotations

import re
import secrets
import sys
from pathlib import Path

from bot.private_files import private_file, write_private

VAR = Path(__file__).resolve().parents[1] / "var"
PATH = VAR / "token_secret"


def secret(name: str = "token_secret") -> str:
    if not re.fullmatch(r"[a-z_]+", name):
        raise ValueError(f"not a secret name: {name!r}")
    path = VAR / name
    if path.exists():
        private_file(path)
    else:
        write_private(path, secrets.token_urlsafe(48))
    return path.read_text().strip()


def main() -> None:
    print(secret(sys.argv[1] if len(sys.argv) > 1 else "token_secret"))


if __name__ == "__main__":
    main()
