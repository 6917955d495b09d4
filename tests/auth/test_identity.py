from bot.auth.identity import identity_of, verified_identity
from bot.auth.tokens import issue_token

SECRET = b"s" * 40


def test_a_valid_token_becomes_the_customer_id_and_nothing_else():
    identity = verified_identity(issue_token("demo-student", SECRET), SECRET)
    assert identity == {"customer_id": "demo-student"}


def test_forged_missing_and_odd_tokens_become_a_reason():
    assert verified_identity(issue_token("demo-student", b"x" * 40), SECRET) == {"auth_error": "invalid"}
    assert verified_identity(None, SECRET) == {"auth_error": "missing"}
    assert verified_identity({"sub": "demo-student"}, SECRET) == {"auth_error": "missing"}


def test_reading_metadata_trusts_only_the_two_keys():
    assert identity_of({"customer_id": "c1", "auth_error": "expired"}) == {"customer_id": "c1"}
    assert identity_of({"auth_error": "expired"}) == {"auth_error": "expired"}
    assert identity_of({"auth_error": "anything"}) == {"auth_error": "missing"}
    assert identity_of({"customer_id": 5}) == {"auth_error": "missing"}
    assert identity_of(None) == {"auth_error": "missing"}
