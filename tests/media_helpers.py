"""Shared steps of the hostile-media tests."""

from __future__ import annotations

import json
from pathlib import Path

from tests.test_cli import run_cli


def transcribed_alone(tmp_path: Path, name: str, data: bytes) -> dict:
    """`data` as the one file `name` of a seized folder, transcribed by the CLI with tiny.en into a
    fresh case: the JSON export (the command must succeed)."""
    folder = tmp_path / "seized"
    folder.mkdir()
    (folder / name).write_bytes(data)
    out = tmp_path / "out"
    result = run_cli("transcribe", str(folder), "--out", str(out), "--case", str(tmp_path / "case"),
                     "--model", "tiny.en", "--format", "json")
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads((out / f"{Path(name).stem}.json").read_text())
