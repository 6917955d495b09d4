"""The KakaoTalk skill secret for ./run.sh: var/kakao_skill_secret, made once (0600), printed.

The skill refuses every request without it (``bot.rasa.channels.kakao``); the same value goes into
the Open Builder skill settings as the ``X-Kakao-Skill-Secret`` custom header.
"""
from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

PATH = Path(__file__).resolve().parents[2] / "var" / "kakao_skill_secret"


def ensure(path: Path = PATH) -> str:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(32))
    os.chmod(path, 0o600)
    return path.read_text().strip()


def main(argv: list[str]) -> int:
    print(ensure(Path(argv[0]) if argv else PATH))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
