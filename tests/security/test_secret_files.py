"""Secrets and the endpoints file are readable by their owner only, and the Rasa side is told
to send the action server's secret."""
import stat

import yaml

from scripts import dev_secret, endpoints


def mode(path):
    return stat.S_IMODE(path.stat().st_mode)


def test_endpoints_file_is_private_and_carries_the_action_secret(tmp_path, monkeypatch):
    out = tmp_path / "endpoints.yml"
    out.write_text("old")
    out.chmod(0o644)
    monkeypatch.setenv("ACTION_SERVER_SECRET", "s" * 32)
    monkeypatch.setattr("sys.argv", ["endpoints", str(out)])
    endpoints.main()
    assert mode(out) == 0o600
    written = yaml.safe_load(out.read_text())
    assert written["action_endpoint"]["headers"] == {"X-Action-Secret": "s" * 32}


def test_dev_secrets_are_private_and_stable(tmp_path, monkeypatch):
    monkeypatch.setattr(dev_secret, "VAR", tmp_path)
    first = dev_secret.secret("action_secret")
    assert mode(tmp_path / "action_secret") == 0o600 and len(first) >= 48
    (tmp_path / "action_secret").chmod(0o644)
    assert dev_secret.secret("action_secret") == first
    assert mode(tmp_path / "action_secret") == 0o600
