"""What an investigator met at the command line on day one (session 16)."""

from __future__ import annotations

import argparse

import pytest

from app.cli.models import cmd_models


def test_models_list_lines_up_its_columns_under_a_header_whatever_the_names(models_dir, capsys):
    """`segmentation-3.0` and `speaker-campplus` ran past a 14-character name column and pushed
    their kind, size, licence and hash out of line with the Whisper models'; nothing said what the
    columns were."""
    assert cmd_models(argparse.Namespace(models_command="list", models_dir=models_dir)) == 0
    header, *rows = capsys.readouterr().out.splitlines()
    assert header.split() == ["NAME", "KIND", "SIZE", "LICENCE", "SHA-256"]
    assert {"base", "tiny.en"} <= {row.split()[0] for row in rows}
    for column in ("KIND", "SIZE", "LICENCE", "SHA-256"):
        at = header.index(column)
        assert all(row[at - 1] == " " and row[at] != " " for row in rows if column != "SIZE"), (column, rows)
    size_end = header.index("SIZE") + len("SIZE")
    assert all(row[:size_end].endswith("MB") for row in rows), rows  # sizes right-aligned under SIZE


def test_models_list_of_an_empty_folder_says_so(tmp_path, capsys):
    assert cmd_models(argparse.Namespace(models_command="list", models_dir=tmp_path)) == 0
    out = capsys.readouterr()
    assert out.out == "" and out.err == f"models list: no model is installed in {tmp_path}\n"


@pytest.mark.parametrize("command", [["transcribe"], ["export"], ["queue", "run"]])
def test_the_format_option_says_which_formats_there_are_and_which_make_the_record_of_interview(command, capsys):
    """`export --help` showed `--format FORMAT` and `--out OUT` with no word at all, and `transcribe`
    said "comma list": nothing told an officer that docx and pdf give the record of interview."""
    from app.cli import main

    with pytest.raises(SystemExit):
        main([*command, "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "comma list of json,txt,srt,vtt,docx,pdf (docx and pdf: the record of interview, once its details " \
           "are given with `interview`, else the transcript of a recording; default json,txt,srt,vtt)" in text
    assert "--out OUT folder for the outputs" in text or "--out OUT write each finished transcript here" in text


def test_python_m_app_gui_starts_the_window_command(tmp_path):
    """`python -m app.gui`, as one would guess the window starts, said "No module named
    app.gui.__main__; 'app.gui' is a package and cannot be directly executed"."""
    import os
    import subprocess
    import sys

    from tests.conftest import REPO

    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    helped = subprocess.run([sys.executable, "-m", "app.gui", "--help"], cwd=REPO, capture_output=True,
                            text=True, timeout=60, env=env, check=False)
    assert helped.returncode == 0 and helped.stdout.startswith("usage: python -m app gui"), helped
    no_display = subprocess.run([sys.executable, "-m", "app.gui", "--case", str(tmp_path / "case")], cwd=REPO,
                                capture_output=True, text=True, timeout=60, env=env, check=False)
    assert no_display.returncode == 1 and no_display.stderr.startswith("gui: no display to open the window on")


def test_exhibits_lists_a_chat_as_a_chat_not_as_a_recording_of_no_length(tmp_path, capsys):
    """A chat export was listed "0.0s" beside the recordings, as if it were an empty recording."""
    from app.cli import main

    chat = tmp_path / "evidence" / "WhatsApp Chat with Marek.txt"
    chat.parent.mkdir()
    chat.write_text("12/03/2024, 21:15 - Marek: Gdzie jesteś?\n12/03/2024, 21:16 - Anna: W domu\n", encoding="utf-8")
    case = str(tmp_path / "case")
    assert main(["timeline", str(chat), "--out", str(tmp_path / "out"), "--case", case, "--format", "json"]) == 0
    capsys.readouterr()
    assert main(["exhibits", "--case", case]) == 0
    [line] = capsys.readouterr().out.splitlines()
    assert line.split()[2:] == ["chat", "chat:", "see", "`timeline`", "WhatsApp", "Chat", "with", "Marek.txt"], line
