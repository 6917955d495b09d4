"""The socket.io channel's text escaping for rasa-webchat's Markdown renderer."""
import pytest

from bot.rasa.channels.webchat import escape_markdown


@pytest.mark.parametrize(
    "text, shown",
    [
        (
            "KB국민은행 입출금(9179-***-6557): 20,916,418원",
            "KB국민은행 입출금(9179-\\*\\*\\*-6557): 20,916,418원",
        ),
        ("11월 1일~11월 22일 지출", "11월 1일\\~11월 22일 지출"),
        ("#1 [광고] _주의_ `코드` <b>", "\\#1 \\[광고\\] \\_주의\\_ \\`코드\\` \\<b\\>"),
        ("그대로예요. 1,000원 (5%) · 괄호", "그대로예요. 1,000원 (5%) · 괄호"),
    ],
)
def test_plain_answers_are_escaped_so_the_widget_shows_them_literally(text, shown):
    assert escape_markdown(text) == shown


# -- sessions and origins ------------------------------------------------------------

from bot.rasa.channels.webchat import origin_allowed  # noqa: E402
from bot.rasa.channels.webchat_sessions import ANONYMOUS, SessionIds, well_formed  # noqa: E402


def test_a_session_id_belongs_to_the_customer_it_was_issued_for_only():
    ids = SessionIds(b"k" * 32)
    session = ids.issue("demo-retiree")
    assert well_formed(session)
    assert ids.owned_by(session, "demo-retiree")
    assert not ids.owned_by(session, "demo-student") and not ids.owned_by(session, ANONYMOUS)
    assert SessionIds(b"k" * 32).owned_by(session, "demo-retiree")  # a restart keeps it
    assert not SessionIds(b"other" * 8).owned_by(session, "demo-retiree")
    visitor = ids.issue()
    assert ids.owned_by(visitor, ANONYMOUS) and not ids.owned_by(visitor, "demo-retiree")
    nonce, mac = session.split("-")
    assert not ids.owned_by(f"{nonce}-{'0' * 32}", "demo-retiree")
    for bad in (None, 5, "", "x" * 65, session.upper(), session + "0", [session]):
        assert not well_formed(bad) and not ids.owned_by(bad, "demo-retiree")


@pytest.mark.parametrize("origin, allowed, ok", [
    (None, ["http://127.0.0.1:8080"], True),  # not a browser
    ("http://127.0.0.1:8080", ["http://127.0.0.1:8080"], True),
    ("http://evil.example", ["http://127.0.0.1:8080"], False),
    ("http://127.0.0.1:8081", ["http://127.0.0.1:8080"], False),
    ("http://127.0.0.1:5005", None, True),  # the Rasa server's own origin
    ("http://evil.example", None, False),
    ("http://evil.example", "*", True),
])
def test_origins(origin, allowed, ok):
    assert origin_allowed(origin, allowed, "http://127.0.0.1:5005") is ok
