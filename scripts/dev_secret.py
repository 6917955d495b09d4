"""The development token secret: var/token_secret, created once with 48 random bytes, 0600."""
from __future__ import annotations

import secrets
from pathlib import Path

from bot.private_files import private_file, write_private

PATH = Path(__file__).resolve().parents[1] / "var" / "token_secret"


def main() -> None:
    if PATH.exists():
        private_file(PATH)
    else:
        write_private(PATH, secrets.token_urlsafe(48))
    print(PATH.read_text().strip())


if __name__ == "__main__":
    main()
