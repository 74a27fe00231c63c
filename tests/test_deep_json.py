"""JSON nested deeper than Python's parser goes ('[[[[...', a hostile or damaged file in a phone's
extraction) is one line, never a traceback: met in a folder by `transcribe` (every JSON file there is
read to see whether it is a Telegram export), inside a zipped Telegram export, or named to `translate`."""

from __future__ import annotations

import subprocess
import sys
import zipfile

import pytest

from app.core.chats import telegram
from app.core.chats.registry import is_chat_export_in_folder, load_export
from app.core.chats.telegram import TOO_DEEP
from app.core.errors import ChatError
from tests.conftest import REPO

DEEP = "[" * 200_000 + "]" * 200_000


def test_a_deep_json_in_a_folder_is_not_media_not_a_traceback(tmp_path):
    phone = tmp_path / "phone"
    phone.mkdir()
    (phone / "cache.json").write_text(DEEP, encoding="utf-8")
    assert not is_chat_export_in_folder(phone / "cache.json")
    done = subprocess.run([sys.executable, "-m", "app", "transcribe", str(phone), "--out", str(tmp_path / "out"),
                           "--case", str(tmp_path / "case"), "--model", "tiny.en"],
                          cwd=REPO, capture_output=True, text=True, timeout=600, check=False)
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 1 and "cache.json: not a media file" in done.stderr


def test_a_deep_result_json_in_a_zip_is_said_as_such(tmp_path):
    export = tmp_path / "telegram.zip"
    with zipfile.ZipFile(export, "w") as archive:
        archive.writestr("ChatExport/result.json", DEEP)
    with pytest.raises(ChatError) as caught:
        load_export(export)
    assert caught.value.reason == f"ChatExport/result.json: {TOO_DEEP}"


def test_load_json_says_too_deep():
    with pytest.raises(ChatError, match="nested too deeply"):
        telegram.load_json(DEEP, "result.json")


def test_a_json_file_in_a_folder_is_read_only_up_to_a_chat_texts_size(tmp_path, monkeypatch):
    """Every JSON file met in a folder is read to see whether it is a Telegram export renamed; one
    larger than any chat text (a phone's app data, gigabytes) is not read into memory whole."""
    from app.core.chats import beside

    renamed = tmp_path / "chat_backup.json"
    renamed.write_text('{"name": "Ana", "type": "personal_chat", "id": 1, "messages": []}', encoding="utf-8")
    assert is_chat_export_in_folder(renamed)
    monkeypatch.setattr(beside, "MAX_CHAT_BYTES", renamed.stat().st_size - 1)
    assert not is_chat_export_in_folder(renamed)
