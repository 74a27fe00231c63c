"""A small disk for the tests of a disk that fills: a tmpfs of a given size (mounting needs root)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


def small_tmpfs(tmp_path: Path, name: str, size: str) -> Iterator[Path]:
    """tmp_path/name with a tmpfs of `size` (mount's form: 48k, 16m) mounted on it for the test; the test is
    skipped where it cannot be mounted. For a fixture to `yield from`."""
    folder = tmp_path / name
    folder.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], capture_output=True,
                      check=False).returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], capture_output=True, check=False)
