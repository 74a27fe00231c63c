"""Session 27's user walk: what an investigator or a proofreader met, each fixed here."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))


def test_make_one_voice_help_prints_usage_and_makes_no_folder(tmp_path, monkeypatch, capsys):
    """`bench/make_one_voice.py --help` made a folder named `--help` and began writing 13 recordings."""
    from make_one_voice import main

    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as stop:
        main(["--help"])
    assert stop.value.code == 0
    assert "usage:" in capsys.readouterr().out
    assert list(tmp_path.iterdir()) == []


def test_make_one_voice_without_a_folder_is_one_line(tmp_path, monkeypatch, capsys):
    from make_one_voice import main

    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as stop:
        main([])
    assert stop.value.code == 2
    assert "the following arguments are required: out" in capsys.readouterr().err
