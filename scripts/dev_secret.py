"""The development token secret: var/token_secret, created once with 48 random bytes."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

PATH = Path(__file__).resolve().parents[1] / "var" / "token_secret"


def main() -> None:
    if not PATH.exists():
        PATH.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(PATH, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    print(PATH.read_text().strip())


if __name__ == "__main__":
    main()
