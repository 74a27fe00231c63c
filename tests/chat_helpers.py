"""Chat exports written from a test's text and read back as a user's import reads them."""

from __future__ import annotations

from pathlib import Path

from app.core.chats import load_export


def loaded_messages(tmp_path: Path, text: str, name: str) -> list:
    """The messages of `text` written (UTF-8) as tmp_path/name and loaded as the one export there."""
    chat = tmp_path / name
    chat.write_bytes(text.encode("utf-8"))
    [loaded] = load_export(chat)
    return loaded.export.messages
