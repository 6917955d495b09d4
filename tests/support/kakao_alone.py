"""A Sanic server with the real Kakao channel and nothing behind it, for the case no Rasa stack
covers: a skill server started without ``KAKAO_SKILL_SECRET``.

``python -m tests.support.kakao_alone --port N --link-db PATH``
"""
import argparse

from rasa.core.channels.channel import register
from sanic import Sanic

from bot.rasa.channels.kakao import KakaoInput


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--link-db", required=True)
    args = parser.parse_args()
    app = Sanic("kakao_alone")
    register([KakaoInput(link_db=args.link_db)], app, route="/webhooks/")
    app.run(host="127.0.0.1", port=args.port, workers=1, access_log=False, motd=False)


if __name__ == "__main__":
    main()
