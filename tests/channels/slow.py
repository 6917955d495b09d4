"""A second Kakao channel for the HTTP tests whose reply timeout is configured
(in the test credentials file) so small that every turn takes the slow path."""
from bot.rasa.channels.kakao import KakaoInput


class SlowKakaoInput(KakaoInput):
    @classmethod
    def name(cls) -> str:
        return "kakao_slow"
