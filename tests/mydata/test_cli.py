"""The CLIs as a person runs them: the sandbox's demo twice (idempotent), the store's summary and its read
record, the sandbox's consent and sync commands and the store's own sync and revoke."""
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cli(env, *args, timeout=120, module="bot.mydata"):
    return subprocess.run([sys.executable, "-m", module, *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=timeout, preexec_fn=_permissive_umask)


def _sandbox(env, *args):
    return _cli(env, *args, module="sandbox")


def _permissive_umask():
    """The commands run under a common umask (022), so the test shows the product's own file modes."""
    os.umask(0o022)


@pytest.mark.slow
def test_demo_is_idempotent_and_summary_answers(tmp_path):
    data = tmp_path / "var"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{data / 'demo.sqlite3'}",
           "MYDATA_SANDBOX_MANIFEST": str(data / "sandbox.json"),
           "MYDATA_TOKEN_KEY_FILE": str(data / "mydata_token.key"),
           "MYDATA_API_BASE_URL": f"http://127.0.0.1:{_free_port()}"}
    env.pop("MYDATA_TOKEN_KEY", None)
    seeded = _sandbox(env, "seed", "--customers", "20", "--seed", "5", "--as-of", "2025-06-30")
    assert seeded.returncode == 0, seeded.stderr
    first = _sandbox(env, "demo")
    assert first.returncode == 0, first.stderr + first.stdout
    second = _sandbox(env, "demo")
    assert second.returncode == 0, second.stderr + second.stdout
    assert "demo-salaried" in first.stdout and " 0 new records" not in first.stdout
    assert second.stdout.count(" 0 new records") == 4
    summary = _cli(env, "summary", "--customer", "demo-salaried")
    assert summary.returncode == 0, summary.stderr
    assert "잔액 합계" in summary.stdout and "월급" in summary.stdout and "****-" in summary.stdout
    reads = _cli(env, "reads", "--customer", "demo-salaried")
    assert reads.returncode == 0, reads.stderr
    assert "cli" in reads.stdout and "credit_profile" in reads.stdout and "balances" in reads.stdout
    unknown = _cli(env, "summary", "--customer", "nobody")
    assert unknown.returncode == 2 and "unknown customer" in unknown.stderr
    written = sorted(p.name for p in data.iterdir())
    assert {"demo.sqlite3", "sandbox.json", "mydata_token.key"} <= set(written)
    readable = {p.name: oct(p.stat().st_mode & 0o777) for p in data.rglob("*") if p.stat().st_mode & 0o077}
    assert readable == {} and (data.stat().st_mode & 0o777) == 0o700


@pytest.mark.slow
def test_sandbox_process_consent_and_sync_commands(tmp_path):
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
           "MYDATA_SANDBOX_MANIFEST": str(tmp_path / "sandbox.json"),
           "MYDATA_API_BASE_URL": f"http://127.0.0.1:{port}"}
    assert _sandbox(env, "seed", "--customers", "3", "--as-of", "2025-06-30").returncode == 0
    server = subprocess.Popen([sys.executable, "-m", "sandbox", "serve", "--port", str(port),
                               "--fixed-clock", "2025-06-30T12:00:00"], cwd=REPO, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert "sandbox on" in server.stdout.readline()
        consent = _sandbox(env, "consent", "--all")
        assert consent.returncode == 0, consent.stderr
        synced = _sandbox(env, "sync", "--all")
        assert synced.returncode == 0, synced.stderr + synced.stdout
        assert "synced 7 customers" in synced.stdout and "0 institution failures" in synced.stdout
        again = _cli(env, "sync", "--customer", "cust-000001")
        assert again.returncode == 0, again.stderr + again.stdout
        assert "synced 1 customers, 0 new records, 0 institution failures" in again.stdout
        revoked = _cli(env, "revoke", "--customer", "cust-000001", "--org", "B0099999")
        assert revoked.returncode == 2
    finally:
        server.terminate()
        server.wait(10)
