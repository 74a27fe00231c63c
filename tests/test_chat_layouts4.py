"""Chat exports as phones write them (fourth round): placeholders and notes in the languages not
read before (European Portuguese, Swedish, Indonesian, Hebrew, Japanese, Chinese, Korean; contact
cards left out in French, Spanish, Italian, Dutch, Russian), and an iOS poll, which iOS writes after
the left-to-right mark it puts before its own notes.

Each export is built here the way the app writes it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.chats import load_export


def _messages(tmp_path: Path, text: str, name: str = "WhatsApp Chat with Anna.txt"):
    chat = tmp_path / name
    chat.write_text(text, encoding="utf-8")
    [loaded] = load_export(chat)
    return loaded.export.messages


def test_an_ios_poll_is_the_senders_question_not_the_apps_note(tmp_path):
    """iOS writes a poll after a left-to-right mark, as it writes its own notes: the poll was
    taken for the app's note, its question and options for no one's words."""
    lrm = "\u200e"
    poll, deleted, typed = _messages(tmp_path, (
        f"[01/03/2024, 10:19:00] Anna: {lrm}POLL:\n{lrm}Where?\n{lrm}OPTION: Pub (2 votes)\n"
        f"{lrm}OPTION: Park (0 votes)\n"
        f"[01/03/2024, 10:20:00] Ben: {lrm}This message was deleted.\n"
        "[14/03/2024, 10:21:00] Ben: POLL: who cares\n"), "_chat.txt")
    assert (poll.sender, poll.system) == ("Anna", False)
    assert poll.text == "POLL:\nWhere?\nOPTION: Pub (2 votes)\nOPTION: Park (0 votes)"
    assert deleted.system and not typed.system


LEFT_OUT = [
    ("<Multimédia omitido>", "other"),  # European Portuguese
    ("<Media tidak disertakan>", "other"),  # Indonesian
    ("<המדיה לא נכללה>", "other"),  # Hebrew
    ("<メディアは含まれていません>", "other"),  # Japanese: no spaces between words
    ("<省略多媒体文件>", "other"),  # Chinese
    ("<미디어 파일 제외됨>", "other"),  # Korean
    ("\u200ebild utelämnad", "image"),  # Swedish iOS
    ("\u200eljud utelämnat", "audio"),
    ("\u200ecarte de contact omise", "document"),  # contact cards left out
    ("\u200etarjeta de contacto omitida", "document"),
    ("\u200escheda contatto omessa", "document"),
    ("\u200econtactkaart weggelaten", "document"),
    ("\u200eкарточка контакта отсутствует", "document"),
]


@pytest.mark.parametrize(("line", "kind"), LEFT_OUT)
def test_a_file_left_out_is_said_in_more_languages(tmp_path, line, kind):
    """Each of these was read as the sender's own words, and the file it stands for not counted."""
    first, words = _messages(tmp_path, f"[01/03/2024, 10:00:00] Anna: {line}\n[13/03/2024, 10:01:00] Ben: <ok>\n",
                             "_chat.txt")
    assert first.attachment is not None and first.attachment.missing and first.attachment.name is None
    assert (first.attachment.kind, first.text, first.system) == (kind, "", False)
    assert words.attachment is None and words.text == "<ok>"


@pytest.mark.parametrize("note", [
    "Esta mensagem foi eliminada", "Eliminou esta mensagem", "Este mensaje fue eliminado",
    "삭제된 메시지입니다", "Pesan ini telah dihapus", "Missed group video call",
])
def test_deletions_and_missed_calls_in_more_languages_are_the_apps_notes(tmp_path, note):
    [m, _] = _messages(tmp_path, f"01/03/2024, 10:00 - Anna: {note}\n13/03/2024, 10:01 - Ben: ok\n")
    assert m.system and m.sender == "Anna" and m.text == note
