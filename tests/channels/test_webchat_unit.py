"""The socket.io channel's text escaping for rasa-webchat's Markdown renderer."""
import pytest

from bot.channels.webchat import escape_markdown


@pytest.mark.parametrize("text, shown", [
    ("KB국민은행 입출금(9179-***-6557): 20,916,418원", "KB국민은행 입출금(9179-\\*\\*\\*-6557): 20,916,418원"),
    ("11월 1일~11월 22일 지출", "11월 1일\\~11월 22일 지출"),
    ("#1 [광고] _주의_ `코드` <b>", "\\#1 \\[광고\\] \\_주의\\_ \\`코드\\` \\<b\\>"),
    ("그대로예요. 1,000원 (5%) · 괄호", "그대로예요. 1,000원 (5%) · 괄호"),
])
def test_plain_answers_are_escaped_so_the_widget_shows_them_literally(text, shown):
    assert escape_markdown(text) == shown
