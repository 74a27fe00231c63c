"""A day-one user's trial (session 32): an investigator's phone folder and an incident room's interview."""

from __future__ import annotations

import shutil
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures" / "chats"


def test_a_telegram_video_the_export_left_unnamed_is_said_by_when_it_was_sent_not_by_telegrams_note(tmp_path, capsys):
    """Telegram writes "(File not included. Change data exporting settings to download.)" where a file was left
    out: `transcribe` and `timeline` listed that sentence among the missing recordings' file names
    ("... (audio_1@01-04-2021_09-03-00.ogg, (File not included. Change data exporting settings to download.))")."""
    from app.cli.main import main

    chat = tmp_path / "Telegram" / "result.json"
    chat.parent.mkdir()
    shutil.copy(FIXTURES / "telegram_result.json", chat)
    status = main(["timeline", str(chat), "--out", str(tmp_path / "out"), "--case", str(tmp_path / "case")])
    err = capsys.readouterr().err
    assert status == 0, err
    assert ("2 voice note(s) or video(s) the chat names are not in the export, so not transcribed "
            "(audio_1@01-04-2021_09-03-00.ogg, an unnamed video sent 2021-04-01 09:05:00)") in err
    assert "File not included" not in err
