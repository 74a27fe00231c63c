"""SHA-256 of files, read in 1 MiB chunks: the one place Parley hashes a file."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import BinaryIO

CHUNK = 1 << 20


def sha256_file(path: str | Path) -> str:
    with open(path, "rb") as handle:
        return sha256_handle(handle)[0]


def sha256_handle(handle: BinaryIO) -> tuple[str, int]:
    """SHA-256 of an open file from its start, and how many bytes that was."""
    handle.seek(0)
    return _digest(handle)


def sha256_stream(handle: BinaryIO) -> str:
    """SHA-256 of what a file object holds from where it stands (a zip member, read in place)."""
    return _digest(handle)[0]


def _digest(handle: BinaryIO) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    for chunk in iter(lambda: handle.read(CHUNK), b""):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size
