"""The aggregator's client secret with the institutions comes from the environment, never the code."""
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from bot.mydata import credentials
from bot.mydata.client import ClientSettings, MyDataClient
from bot.mydata.errors import MissingClientSecret, MyDataError

from .conftest import run

ROOT = Path(__file__).resolve().parents[2]
KB = "B0010001"


def test_no_secret_in_the_environment_is_a_clear_error(monkeypatch):
    monkeypatch.delenv(credentials.CLIENT_SECRET_ENV, raising=False)
    with pytest.raises(MissingClientSecret, match=credentials.CLIENT_SECRET_ENV):
        ClientSettings()


def test_a_short_secret_is_refused(monkeypatch):
    monkeypatch.setenv(credentials.CLIENT_SECRET_ENV, "short")
    with pytest.raises(MissingClientSecret):
        ClientSettings()


def test_settings_take_the_environments_credentials_and_never_print_the_secret(monkeypatch):
    monkeypatch.setenv(credentials.CLIENT_SECRET_ENV, "s3cret-" + "x" * 20)
    monkeypatch.setenv(credentials.CLIENT_ID_ENV, "another-aggregator")
    settings = ClientSettings()
    assert (settings.client_id, settings.client_secret) == ("another-aggregator", "s3cret-" + "x" * 20)
    assert "s3cret" not in repr(settings)


def test_the_institutions_refuse_a_client_with_another_secret(sandbox):
    async def go(secret):
        async with MyDataClient(ClientSettings(timeout_s=5, client_secret=secret)) as client:
            base = f"{sandbox.url}/{KB}"
            code = await client.authorize(base, KB, "demo-salaried", uuid.uuid4().hex, ["bank.list"])
            return await client.exchange_code(base, KB, code)

    assert run(go(os.environ[credentials.CLIENT_SECRET_ENV])).access_token
    with pytest.raises(MyDataError):
        run(go("a-guessed-secret-" + uuid.uuid4().hex))


def test_the_action_server_does_not_start_without_a_secret():
    env = {k: v for k, v in os.environ.items() if k != credentials.CLIENT_SECRET_ENV}
    env.update(ACTION_SERVER_SECRET="a" * 32, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-m", "actions.server", "--port", "0"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert credentials.CLIENT_SECRET_ENV in done.stderr


def test_sandbox_commands_by_hand_take_run_shs_development_secrets(monkeypatch, tmp_path):
    from bot.auth.tokens import SECRET_ENV as TOKEN_SECRET_ENV
    from sandbox import cli
    from scripts import dev_secret

    monkeypatch.setattr(dev_secret, "VAR", tmp_path)
    monkeypatch.delenv(credentials.CLIENT_SECRET_ENV)
    monkeypatch.delenv(TOKEN_SECRET_ENV, raising=False)
    cli._use_development_secrets("demo")
    kept = tmp_path / "mydata_client_secret"
    assert os.environ[credentials.CLIENT_SECRET_ENV] == kept.read_text().strip()
    assert (tmp_path / "mydata_client_secret").stat().st_mode & 0o077 == 0
    cli._use_development_secrets("tokens")
    assert os.environ[TOKEN_SECRET_ENV] == (tmp_path / "token_secret").read_text().strip()

    monkeypatch.setenv(credentials.CLIENT_SECRET_ENV, "given-by-the-operator-0123456789")
    (tmp_path / "mydata_client_secret").unlink()
    cli._use_development_secrets("serve")
    assert os.environ[credentials.CLIENT_SECRET_ENV] == "given-by-the-operator-0123456789"
    assert not (tmp_path / "mydata_client_secret").exists()
