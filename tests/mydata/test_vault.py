"""The store's keys: where they come from, rotation, and the files they live in."""
from __future__ import annotations

import stat

import pytest
from cryptography.fernet import Fernet

from bot.mydata.store import vault
from bot.private_files import create_private, private_sqlite, write_private


@pytest.fixture(autouse=True)
def clean_keys(monkeypatch, tmp_path):
    monkeypatch.delenv(vault.KEY_ENV, raising=False)
    monkeypatch.setenv(vault.KEY_FILE_ENV, str(tmp_path / "fresh" / "mydata_token.key"))
    vault.reset_cache()
    yield
    vault.reset_cache()


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_key_file_is_made_once_private_and_reused():
    path = vault.key_file_path()
    assert not path.exists()
    secret = vault.vault().encrypt("access-token")
    assert mode(path) == 0o600 and mode(path.parent) == 0o700
    first = path.read_text()
    vault.reset_cache()
    assert vault.vault().decrypt(secret) == "access-token" and path.read_text() == first


def test_a_key_file_left_readable_is_made_private(tmp_path, monkeypatch):
    path = tmp_path / "old.key"
    path.write_text(Fernet.generate_key().decode() + "\n")
    path.chmod(0o644)
    monkeypatch.setenv(vault.KEY_FILE_ENV, str(path))
    vault.vault().encrypt("x")
    assert mode(path) == 0o600


def test_two_processes_creating_the_key_keep_the_first_one(tmp_path):
    path = tmp_path / "race.key"
    assert create_private(path, "first\n") is True
    assert create_private(path, "second\n") is False
    assert path.read_text() == "first\n" and mode(path) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["race.key"]  # no temporary file left behind


def test_keys_from_the_environment_rotate_old_values_stay_readable(monkeypatch):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    monkeypatch.setenv(vault.KEY_ENV, old)
    vault.reset_cache()
    written_before = vault.vault().encrypt("refresh-token")
    monkeypatch.setenv(vault.KEY_ENV, f"{new}, {old}")
    vault.reset_cache()
    ring = vault.vault()
    assert ring.decrypt(written_before) == "refresh-token"
    rotated = ring.rotate(written_before)
    assert Fernet(new.encode()).decrypt(rotated.encode()) == b"refresh-token"
    assert not vault.key_file_path().exists()  # the environment wins: no key file is made


@pytest.mark.parametrize("content, message", [("", "no MyData store key"), ("short\n", "malformed")])
def test_an_empty_or_malformed_key_file_is_a_clear_error(tmp_path, monkeypatch, content, message):
    path = tmp_path / "bad.key"
    write_private(path, content)
    monkeypatch.setenv(vault.KEY_FILE_ENV, str(path))
    with pytest.raises(vault.StoreKeyError, match=message):
        vault.vault()


def test_value_not_encrypted_or_tampered_is_refused():
    ring = vault.vault()
    token = ring.encrypt("access-token")
    for bad in ("eyJhbGciOiJIUzI1NiJ9.plain.jwt", token[:-4] + "AAAA"):
        with pytest.raises(vault.StoreKeyError, match="cannot be decrypted"):
            ring.decrypt(bad)


def test_number_keys_match_equal_numbers_and_hide_the_number(monkeypatch):
    ring = vault.vault()
    key = ring.number_key("110-23-456789")
    assert key == ring.number_key("110-23-456789") != ring.number_key("110-23-456780")
    assert len(key) == vault.NUMBER_KEY_CHARS and "456789" not in key
    monkeypatch.setenv(vault.KEY_ENV, Fernet.generate_key().decode())
    vault.reset_cache()
    assert vault.vault().number_key("110-23-456789") != key  # keyed: not a plain hash anyone can redo


def test_sqlite_files_are_private_before_sqlite_opens_them(tmp_path):
    db = tmp_path / "data" / "store.sqlite3"
    wal = tmp_path / "data" / "store.sqlite3-wal"
    private_sqlite(db)
    wal.write_text("")
    wal.chmod(0o644)
    private_sqlite(db)
    assert mode(db) == 0o600 and mode(wal) == 0o600 and mode(db.parent) == 0o700
