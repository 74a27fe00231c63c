"""Session 33, a user's walk through a whole phone: what an investigator met."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.test_cli_mistakes import run

CHATS = Path(__file__).resolve().parent / "fixtures" / "chats"
TINY_NLLB = Path(__file__).resolve().parent / "fixtures" / "tiny_nllb"


def _translate(capsys, tmp_path: Path, *inputs: str) -> tuple[int, str]:
    code, _, err = run(capsys, "translate", *inputs, "--to", "en", "--from", "ru", "--model", str(TINY_NLLB),
                       "--out", str(tmp_path / "out"), "--case", str(tmp_path / "case"))
    return code, err


def test_translate_of_a_telegram_export_names_the_command_that_translates_its_messages(capsys, tmp_path):
    """`translate result.json --to en` on a phone's Telegram export said "not a Parley transcript JSON (no
    source or segments)": as if the investigator had given a damaged Parley file, with no word of the
    command that does translate a Telegram chat (`timeline --translate-to`)."""
    code, err = _translate(capsys, tmp_path, str(CHATS / "telegram_result.json"))
    assert code == 1
    [line] = err.strip().splitlines()
    assert "not a Parley transcript JSON" not in line, line
    assert "a chat export" in line and "`timeline` on it with --translate-to" in line, line
    code, err = _translate(capsys, tmp_path, str(CHATS / "telegram_malformed.json"))  # no chat: as before
    assert code == 1 and "not a Parley transcript JSON" in err, err


def test_translate_of_a_folder_holding_a_telegram_html_export_does_not_call_it_not_a_media_file(capsys, tmp_path):
    """A phone's Telegram Desktop export (messages.html, messages2.html) in a folder given to `translate` was
    "skipped ...messages.html: not a media file", then "nothing to translate": the chat went unmentioned."""
    shutil.copytree(CHATS / "telegram_html", tmp_path / "phone" / "Telegram")
    code, err = _translate(capsys, tmp_path, str(tmp_path / "phone"))
    assert code == 1
    assert "not a media file" not in err, err
    lines = [line for line in err.splitlines() if ".html" in line]
    assert len(lines) == 2, err  # both pages accounted for
    assert all("a chat export" in line and "`timeline` on it with --translate-to" in line for line in lines), err

