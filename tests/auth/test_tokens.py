import datetime as dt

import jwt
import pytest

from bot.auth.tokens import TokenError, issue_token, secret_from_env, verify_token

SECRET = b"s" * 40
OTHER = b"o" * 40


def test_round_trip_names_the_customer():
    token = issue_token("demo-salaried", SECRET)
    customer = verify_token(token, SECRET)
    assert customer.customer_id == "demo-salaried"
    assert customer.expires_at > dt.datetime.now(dt.timezone.utc)


@pytest.mark.parametrize("token", [None, "", 123])
def test_missing_token(token):
    with pytest.raises(TokenError) as error:
        verify_token(token, SECRET)
    assert error.value.reason == "missing"


def test_expired_token():
    past = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=3)
    token = issue_token("demo-student", SECRET, ttl=dt.timedelta(minutes=5), now=past)
    with pytest.raises(TokenError) as error:
        verify_token(token, SECRET)
    assert error.value.reason == "expired"


def test_token_signed_with_another_secret_is_rejected():
    with pytest.raises(TokenError) as error:
        verify_token(issue_token("demo-shop", OTHER), SECRET)
    assert error.value.reason == "invalid"


def test_edited_claims_are_rejected():
    header, payload, signature = issue_token("demo-shop", SECRET).split(".")
    forged_payload = jwt.utils.base64url_encode(
        jwt.utils.base64url_decode(payload).replace(b"demo-shop", b"demo-ret")
    ).decode()
    with pytest.raises(TokenError):
        verify_token(".".join([header, forged_payload, signature]), SECRET)


def test_unsigned_token_is_rejected():
    forged = jwt.encode({"sub": "demo-salaried", "exp": 4102444800, "iat": 0}, key=None, algorithm="none")
    with pytest.raises(TokenError):
        verify_token(forged, SECRET)


def test_short_or_missing_secret_is_refused():
    with pytest.raises(TokenError):
        secret_from_env({"ASSISTANT_TOKEN_SECRET": "short"})
    with pytest.raises(TokenError):
        secret_from_env({})
    assert secret_from_env({"ASSISTANT_TOKEN_SECRET": "x" * 32}) == b"x" * 32
