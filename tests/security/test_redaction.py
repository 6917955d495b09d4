"""Log lines and stored events are scrubbed of tokens, whoever logs them."""
import logging

from bot.redaction import MAX_LOG_CHARS, install_log_redaction, scrub

TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJkZW1vLXJldGlyZWUifQ.abcDEF123_-xyz"


def test_scrub_drops_token_keys_and_redacts_jwts_at_any_depth():
    event = {"metadata": {"customer_token": TOKEN, "customer_id": "c1", "nested": [{"t": f"x {TOKEN} y"}]},
             "text": TOKEN, "parse_data": {"metadata": {"customer_token": "opaque"}}}
    cleaned = scrub(event)
    assert "customer_token" not in str(cleaned) and "eyJ" not in str(cleaned)
    assert cleaned["metadata"]["customer_id"] == "c1"
    assert event["metadata"]["customer_token"] == TOKEN  # a copy: the live tracker is untouched


def test_log_records_are_redacted_and_bounded(caplog):
    install_log_redaction()
    logger = logging.getLogger("tests.redaction")
    with caplog.at_level(logging.INFO, logger="tests.redaction"):
        logger.info("body %s", {"customer_token": TOKEN})
        logger.info("GET /conversations/x/tracker?token=secret123&a=1")
        logger.info("tracker %s", "가" * (MAX_LOG_CHARS * 3))
        try:
            raise ValueError(f"bad {TOKEN}")
        except ValueError:
            logger.exception("failed")
    text = caplog.text
    assert "eyJ" not in text and "secret123" not in text
    assert "characters cut" in text
    assert all(len(r.getMessage()) < MAX_LOG_CHARS + 100 for r in caplog.records)


def test_an_action_servers_error_body_stays_out_of_rasas_exception_text():
    from rasa.utils.endpoints import ClientResponseError

    from bot.rasa.api_guard import install_quiet_action_errors

    install_quiet_action_errors()
    body = '{"request_body": {"tracker": {"sender_id": "victim", "metadata": {"customer_id": "c1"}}}}'
    error = ClientResponseError(500, "Internal Server Error", body)
    assert "victim" not in str(error) and error.text == body and error.status == 500
