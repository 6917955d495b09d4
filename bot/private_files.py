"""Files the product keeps under var/ are for its own user only: the directory 0700, every file 0600.

Processes also start with umask 077 (scripts/bootstrap.sh); these helpers make the modes hold
even when a process was started some other way, and fix files an older version left readable.
"""
from __future__ import annotations

import os
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")
PRODUCT_VAR = Path(__file__).resolve().parents[1] / "var"


def private_dir(path: str | os.PathLike) -> Path:
    """Creates the directory (and parents) if needed and makes it 0700: only for directories the
    product owns (var/), never for a folder a path merely points into (/tmp)."""
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    os.chmod(folder, DIR_MODE)
    return folder


def _parent(target: Path) -> None:
    """A missing parent is made 0700; an existing one is left as it is, except the product's var/."""
    target.parent.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    if target.parent.resolve() == PRODUCT_VAR:
        os.chmod(PRODUCT_VAR, DIR_MODE)


def private_file(path: str | os.PathLike) -> Path:
    """Creates the file empty if missing, 0600 from its first byte on; an existing file is made 0600."""
    target = Path(path)
    _parent(target)
    os.close(os.open(target, os.O_CREAT | os.O_WRONLY, FILE_MODE))
    os.chmod(target, FILE_MODE)
    return target


def _write_temporary(target: Path, data: str | bytes) -> Path:
    _parent(target)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.chmod(temporary, FILE_MODE)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return temporary


def write_private(path: str | os.PathLike, data: str | bytes) -> Path:
    """Writes the whole file atomically (temporary file, then rename), 0600 before any byte is written."""
    target = Path(path)
    temporary = _write_temporary(target, data)
    try:
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    return target


def create_private(path: str | os.PathLike, data: str | bytes) -> bool:
    """Creates the file whole and 0600 unless it exists; False when another process got there first
    (its content stands: two processes starting at once must not end up with different keys)."""
    target = Path(path)
    temporary = _write_temporary(target, data)
    try:
        os.link(temporary, target)
        return True
    except FileExistsError:
        return False
    finally:
        temporary.unlink(missing_ok=True)


def private_sqlite(path: str | os.PathLike) -> Path:
    """A SQLite database file made 0600 before SQLite opens it (SQLite gives its -wal and -shm files
    the database's mode), and any companion files already there made 0600 too."""
    target = private_file(path)
    for suffix in SQLITE_COMPANIONS:
        companion = target.with_name(target.name + suffix)
        if companion.exists():
            os.chmod(companion, FILE_MODE)
    return target
