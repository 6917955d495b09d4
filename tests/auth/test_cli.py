"""`python -m bot.auth tokens` signs for the customers it is given; `python -m sandbox tokens` for every
demo customer, through the same function."""
import pytest

from bot.auth import cli
from bot.auth.tokens import SECRET_ENV, verify_token
from sandbox import cli as sandbox_cli
from sandbox.demo import DEMO_CUSTOMERS


def _printed(out: str) -> dict[str, str]:
    return dict(line.split("\t") for line in out.splitlines())


def test_tokens_for_the_customers_named(monkeypatch, capsys):
    monkeypatch.setenv(SECRET_ENV, "s" * 40)
    assert cli.main(["tokens", "--customer", "cust-000007", "--customer", "demo-shop"]) == 0
    tokens = _printed(capsys.readouterr().out)
    assert list(tokens) == ["cust-000007", "demo-shop"]
    assert all(verify_token(token).customer_id == customer for customer, token in tokens.items())


def test_the_product_command_names_no_customer_of_its_own(monkeypatch):
    monkeypatch.setenv(SECRET_ENV, "s" * 40)
    with pytest.raises(SystemExit):
        cli.main(["tokens"])


def test_the_sandbox_prints_one_per_demo_customer(monkeypatch, capsys):
    monkeypatch.setenv(SECRET_ENV, "s" * 40)
    assert sandbox_cli.main(["tokens", "--hours", "1"]) == 0
    tokens = _printed(capsys.readouterr().out)
    assert list(tokens) == list(DEMO_CUSTOMERS)
    assert all(verify_token(token).customer_id == customer for customer, token in tokens.items())


def test_no_secret_is_a_clear_error(monkeypatch, capsys):
    monkeypatch.delenv(SECRET_ENV, raising=False)
    assert cli.main(["tokens", "--customer", "demo-shop"]) == 2
    assert "ASSISTANT_TOKEN_SECRET" in capsys.readouterr().err
