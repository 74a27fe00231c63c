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


def test_speakers_segments_takes_the_exhibit_as_edit_does(tmp_path, capsys):
    """`edit EXHIBIT --segment N` points to "the numbers `speakers segments` prints", but `speakers segments
    EXHIBIT` was refused ("the following arguments are required: --exhibit"); both forms now work."""
    from app.cli.main import main
    from tests import gui_case

    gui_case.build_case(tmp_path).close()
    case = ["--case", str(tmp_path / "case")]
    assert main(["speakers", "segments", "interview_stereo.wav", *case]) == 0
    named = capsys.readouterr().out
    assert "   1  00:01.0-00:02.9  DC Smith: This interview is being recorded." in named and "Where were you on Friday night?" in named
    assert main(["speakers", "segments", "--exhibit", "interview_stereo.wav", *case]) == 0
    assert capsys.readouterr().out == named
    with pytest.raises(SystemExit) as stop:
        main(["speakers", "segments", "interview_stereo.wav", "--exhibit", "1", *case])
    assert stop.value.code == 2 and "not allowed with" in capsys.readouterr().err
    assert main(["speakers", "segments", "--exhibit", "", *case]) == 1  # was an AttributeError's "unexpected error"
    assert "no exhibit matches" in capsys.readouterr().err


@pytest.mark.parametrize("words, said", [
    (["--case", "{case}", "exhibts"], "invalid choice: 'exhibts'"),
    (["--case={case}", "exhibts"], "invalid choice: 'exhibts'"),
    (["--case", "{case}"], "the following arguments are required: command"),
])
def test_a_mistyped_command_after_case_is_named_not_the_case_folder(tmp_path, capsys, words, said):
    """`python -m app --case DIR exhibts` said "invalid choice: 'DIR'": the case folder named as the mistake."""
    from app.cli.main import main

    with pytest.raises(SystemExit) as stop:
        main([w.format(case=tmp_path / "case") for w in words])
    err = capsys.readouterr().err
    assert stop.value.code == 2 and said in err and str(tmp_path) not in err, err
    assert not (tmp_path / "case").exists()


@pytest.mark.parametrize("key", ["interview_stereo", "INTERVIEW_STEREO.WAV"])
def test_an_exhibit_named_without_its_extension_is_offered(tmp_path, capsys, key):
    """`export interview_stereo` (as the exports are named) said only "no exhibit matches"."""
    from app.cli.main import main
    from tests import gui_case

    case = gui_case.build_case(tmp_path)
    wanted = next(e.id for e in case.exhibits() if e.source.name == "interview_stereo.wav")
    case.close()
    assert main(["signoff", key, "--by", "PS Reader", "--case", str(tmp_path / "case")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"did you mean {wanted} (interview_stereo.wav)?" in err, err
    assert main(["signoff", "nothing_like_it", "--by", "PS Reader", "--case", str(tmp_path / "case")]) == 1
    assert "did you mean" not in capsys.readouterr().err
