"""Getting an alert to the customer outside a conversation: KakaoTalk's Event API."""
