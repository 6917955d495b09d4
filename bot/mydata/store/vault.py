"""Secrets at rest in the MyData store: institution OAuth tokens and account numbers.

Values are encrypted with Fernet (AES-128-CBC + HMAC-SHA256). Keys come from MYDATA_TOKEN_KEY
(comma-separated Fernet keys, the first encrypts, every one decrypts, so a new key can be put in
front of the old one and the store re-encrypted at leisure) or, when it is unset, from the key
file (MYDATA_TOKEN_KEY_FILE, default var/mydata_token.key: one key a line, same order), created
0600 with a fresh key on first use. Account numbers are matched by a keyed hash (HMAC-SHA256 with
a key derived from the encrypting key), never by the number itself.
"""
from __future__ import annotations

import functools
import hashlib
import hmac
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from bot.kb.lexicon import REPO_ROOT
from bot.mydata.errors import MyDataError
from bot.private_files import create_private, private_file, write_private

KEY_ENV = "MYDATA_TOKEN_KEY"
KEY_FILE_ENV = "MYDATA_TOKEN_KEY_FILE"
DEFAULT_KEY_FILE = REPO_ROOT / "var" / "mydata_token.key"
FERNET_PREFIX = "gAAAAA"
NUMBER_KEY_LABEL = b"bot.mydata account number v1"
NUMBER_KEY_CHARS = 40


class StoreKeyError(MyDataError):
    """The store's secrets cannot be read with the key at hand (wrong, missing or malformed key)."""


class Vault:
    """Encrypts and decrypts the store's secrets with one key ring."""

    def __init__(self, keys: list[str], source: str):
        if not keys:
            raise StoreKeyError(f"no MyData store key in {source}")
        try:
            self._fernets = [Fernet(k.encode("ascii")) for k in keys]
        except (ValueError, UnicodeEncodeError) as exc:
            raise StoreKeyError(f"malformed MyData store key in {source}: each key must be 32 url-safe "
                                "base64-encoded bytes (make one with Fernet.generate_key())") from exc
        self._ring = MultiFernet(self._fernets)
        self.source = source
        self._number_key = hmac.new(keys[0].encode("ascii"), NUMBER_KEY_LABEL, hashlib.sha256).digest()

    def encrypt(self, value: str) -> str:
        return self._ring.encrypt(value.encode("utf-8")).decode("ascii")

    def decrypt(self, value: str) -> str:
        try:
            return self._ring.decrypt(value.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError) as exc:
            raise StoreKeyError(
                f"a secret in the MyData store cannot be decrypted with the key from {self.source}: "
                f"the key is wrong or the value is not encrypted (set {KEY_ENV} to the key the store "
                "was written with, old keys after the new one)") from exc

    def rotate(self, value: str) -> str:
        """The value encrypted under the first key (decrypted with whichever key wrote it)."""
        try:
            return self._ring.rotate(value.encode("ascii")).decode("ascii")
        except InvalidToken as exc:
            raise StoreKeyError(
                f"cannot re-encrypt a MyData secret with the keys from {self.source}"
            ) from exc

    def number_key(self, number: str) -> str:
        """A keyed hash of an account number: equal numbers match, the number cannot be read back."""
        digest = hmac.new(self._number_key, number.encode("utf-8"), hashlib.sha256).hexdigest()
        return digest[:NUMBER_KEY_CHARS]


def is_encrypted(value: str | None) -> bool:
    return value is not None and value.startswith(FERNET_PREFIX)


def key_file_path() -> Path:
    return Path(os.environ.get(KEY_FILE_ENV) or DEFAULT_KEY_FILE)


def _keys_from_file(path: Path) -> list[str]:
    if not path.exists():
        create_private(path, Fernet.generate_key().decode("ascii") + "\n")
    private_file(path)
    return [line.strip() for line in path.read_text(encoding="ascii").splitlines() if line.strip()]


@functools.lru_cache(maxsize=4)
def _vault(env_keys: str | None, path: str) -> Vault:
    if env_keys:
        return Vault([k.strip() for k in env_keys.split(",") if k.strip()], f"${KEY_ENV}")
    return Vault(_keys_from_file(Path(path)), path)


def vault() -> Vault:
    """The process's vault for the keys configured now (the environment, else the key file)."""
    return _vault(os.environ.get(KEY_ENV) or None, str(key_file_path()))


def add_key_to_file(path: Path | None = None) -> str:
    """Puts a new key in front of the key file's keys (it encrypts from now on); returns it."""
    path = path or key_file_path()
    old = _keys_from_file(path) if path.exists() else []
    new = Fernet.generate_key().decode("ascii")
    write_private(path, "\n".join([new, *old]) + "\n")
    _vault.cache_clear()
    return new


def reset_cache() -> None:
    """Forgets loaded keys (after the key file or the environment changed)."""
    _vault.cache_clear()
