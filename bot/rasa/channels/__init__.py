"""Our Rasa input channels: REST (`rest`), the socket.io web chat (`webchat`) and the KakaoTalk skill
(`kakao`).

They are named in `credentials.yml` by import path. What they share with code outside Rasa
(input bounds, KakaoTalk account links) is in `bot/channels/`.
"""
