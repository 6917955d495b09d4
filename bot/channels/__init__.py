"""What the channels share without Rasa: the input bounds (`bounds`) and the KakaoTalk account
links (`kakao_links`), also used by the web page's server and the Kakao Event API delivery.

The Rasa input channels themselves are in `bot/rasa/channels/`.
"""
