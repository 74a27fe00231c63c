"""Chat exports as phones write them (session 18, second round): a WhatsApp export cut short by the phone.

A phone cuts its chat export at a size limit, anywhere, mid-line included: `[01/03/2024, 10:16:0` with no line end
after it. That was glued onto the message above as its sender's words.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from app.core.chats import load_export
from app.core.chats.whatsapp import CUT_CHAR_NOTE, CUT_NOTE
from tests.chat_helpers import loaded_messages

REPO = Path(__file__).resolve().parents[1]


def _messages(tmp_path: Path, text: str, name: str = "WhatsApp Chat - Anna.txt"):
    return loaded_messages(tmp_path, text, name)


def test_an_export_cut_mid_header_ends_in_a_note_saying_so_not_in_the_last_senders_words(tmp_path):
    ios = _messages(tmp_path, "[01/03/2024, 10:15:22] Anna: hello there\n[13/03/2024, 10:16:05] Bob: ok\n"
                              "[13/03/2024, 10:16:0")
    assert [(m.sender, m.text, m.note) for m in ios[1:]] == [
        ("Bob", "ok", ""), (None, "[13/03/2024, 10:16:0", CUT_NOTE)]
    android = _messages(tmp_path, "13/03/2024, 10:15 - Anna: hello\n13/03/2024, 10:16 -",
                        "WhatsApp Chat with Anna.txt")
    assert [(m.sender, m.text, m.note) for m in android] == [
        ("Anna", "hello", ""), (None, "13/03/2024, 10:16 -", CUT_NOTE)]
    in_a_name = _messages(tmp_path, "[13/03/2024, 10:15:22] Anna: hello\n[13/03/2024, 10:15:40] Anna left\n"
                                    "[13/03/2024, 10:16:05] An", "WhatsApp Chat - Group.txt")
    assert [(m.sender, m.text, m.note) for m in in_a_name] == [
        ("Anna", "hello", ""), (None, "Anna left", ""), (None, "[13/03/2024, 10:16:05] An", CUT_NOTE)]
    twelve = _messages(tmp_path, "3/13/24, 9:18\u202fPM - Piotr: x\n3/13/24, 9:19\u202fP", "WhatsApp Chat with P.txt")
    assert [(m.sender, m.text, m.note) for m in twelve] == [
        ("Piotr", "x", ""), (None, "3/13/24, 9:19\u202fP", CUT_NOTE)]


def test_a_date_typed_as_a_messages_last_line_is_no_cut_even_without_a_line_end(tmp_path):
    """Only a header begun in the file's own form, its date whole, nothing after it, is taken for the cut;
    a date a person typed, or a file ending with its line end, stays the message's words."""
    for text in ("13/03/2024, 10:15 - Anna: the code is\n1/2/3",
                 "13/03/2024, 10:15 - Anna: hello\n13/03/2024 10:00 meeting",
                 "13/03/2024, 10:15 - Anna: hello\n13/03/2024, 10:16\n"):
        [message] = _messages(tmp_path, text, "WhatsApp Chat with Anna.txt")
        assert (message.sender, message.text) == ("Anna", text.split(" - Anna: ")[1].strip())
    left = _messages(tmp_path, "[13/03/2024, 10:15:22] Anna: hello\n[13/03/2024, 10:15:40] Anna left",
                     "WhatsApp Chat - Group.txt")
    assert [(m.sender, m.text, m.system) for m in left] == [("Anna", "hello", False), (None, "Anna left", True)]
    # an app's note with no line end after it is whole words, no header cut: likely cut short (session 23)
    assert left[0].note == "" and "likely cut short" in left[1].note and "message header" not in left[1].note


def test_the_timeline_warns_that_the_export_was_cut_short(tmp_path):
    (tmp_path / "evidence").mkdir()
    chat = tmp_path / "evidence" / "WhatsApp Chat with Anna.txt"
    chat.write_text("13/03/2024, 10:15 - Anna: hello\n13/03/2024, 10:16 - Bob: see you\n13/03/2024, 10:1",
                    encoding="utf-8")
    utf8 = tmp_path / "evidence" / "WhatsApp Chat with Bob.txt"
    utf8.write_bytes("13/03/2024, 10:15 - Bob: hello\n13/03/2024, 10:17 - Bob: привет".encode()[:-1])
    done = subprocess.run(
        [sys.executable, "-m", "app", "timeline", str(chat), str(utf8), "--out", str(tmp_path / "out"), "--format", "json",
         "--case", str(tmp_path / "case"), "--model", "tiny.en"],
        cwd=REPO, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.count("the export ends in the middle of a message (cut short)") == 2
    story = json.loads((tmp_path / "out" / "WhatsApp Chat with Anna.timeline.json").read_text(encoding="utf-8"))
    assert [(m["sender"], m["text"]) for m in story["messages"]] == [
        ("Anna", "hello"), ("Bob", "see you"), (None, "13/03/2024, 10:1")]


def test_a_utf16_chat_cut_at_an_odd_byte_is_read_to_where_it_ends(tmp_path):
    """A chat in UTF-16 (with its byte-order mark, or without) cut short at an odd byte: with the mark it was a
    UnicodeDecodeError (no chat read), without it "no recognisable chat message"."""
    text = ("13/03/2024, 10:15 - Anna: hello\n13/03/2024, 10:16 - Bob: привет 😀\n"
            "13/03/2024, 10:17 - Anna: ça va\n13/03/2024, 10:1")
    for encoding, name in (("utf-16", "WhatsApp Chat with A.txt"), ("utf-16-le", "WhatsApp Chat with B.txt"),
                           ("utf-16-be", "WhatsApp Chat with C.txt")):
        chat = tmp_path / name
        chat.write_bytes(text.encode(encoding)[:-1])
        [loaded] = load_export(chat)
        assert [(m.sender, m.text, m.note) for m in loaded.export.messages] == [
            ("Anna", "hello", ""), ("Bob", "привет 😀", ""), ("Anna", "ça va", ""),
            (None, "13/03/2024, 10:\ufffd", CUT_NOTE)], encoding
    cut_in_a_pair = tmp_path / "WhatsApp Chat with D.txt"
    cut_in_a_pair.write_bytes("13/03/2024, 10:15 - Anna: hello\n13/03/2024, 10:16 - Bob: see 😀".encode("utf-16")[:-2])
    [loaded] = load_export(cut_in_a_pair)
    assert [(m.sender, m.text, m.note) for m in loaded.export.messages] == [
        ("Anna", "hello", ""), ("Bob", "see \ufffd", CUT_CHAR_NOTE)]


def test_a_utf8_chat_cut_inside_a_character_says_so_on_its_last_message(tmp_path):
    """Cut inside a letter of two or more bytes, the last message ended in U+FFFD and nothing said why."""
    chat = tmp_path / "WhatsApp Chat with Anna.txt"
    chat.write_bytes("13/03/2024, 10:15 - Anna: hello\n13/03/2024, 10:17 - Anna: привет мир".encode()[:-1])
    [loaded] = load_export(chat)
    assert [(m.sender, m.text, m.note) for m in loaded.export.messages] == [
        ("Anna", "hello", ""), ("Anna", "привет ми\ufffd", CUT_CHAR_NOTE)]
    chat.write_bytes("13/03/2024, 10:15 - Anna: hello\n13/03/2024, 10:17 - Anna: привет мир\n".encode())
    [loaded] = load_export(chat)
    assert [m.note for m in loaded.export.messages] == ["", ""]


def test_a_message_of_the_chat_pasted_into_a_later_one_is_its_words_not_the_message_sent_again(tmp_path):
    """Anna pastes Bob's threat of the night before into her message: it was Bob's message sent again, at
    21:14 of the day before, between two of Anna's the next morning. The same message twice in a row of one
    minute (sent twice) stays two messages."""
    messages = _messages(tmp_path, (
        "12/03/2024, 21:14 - Bob: I will find you\n12/03/2024, 21:15 - Anna: stop\n"
        "13/03/2024, 09:00 - Anna: he wrote this:\n12/03/2024, 21:14 - Bob: I will find you\n"
        "13/03/2024, 09:01 - Carl: call the police\n"), "WhatsApp Chat with Team.txt")
    assert [(m.sender, m.text, m.datetime) for m in messages] == [
        ("Bob", "I will find you", "2024-03-12T21:14:00"), ("Anna", "stop", "2024-03-12T21:15:00"),
        ("Anna", "he wrote this:\n12/03/2024, 21:14 - Bob: I will find you", "2024-03-13T09:00:00"),
        ("Carl", "call the police", "2024-03-13T09:01:00")]
    assert messages[2].note == "holds message 1 of this chat pasted in (its date, time, sender and words)"
    twice = _messages(tmp_path, "13/03/2024, 21:14 - Anna: ok\n13/03/2024, 21:14 - Bob: ?\n13/03/2024, 21:14 - Anna: ok\n"
                                "13/03/2024, 21:15 - Bob: ?\n13/03/2024, 21:15 - Bob: ?\n", "WhatsApp Chat with B.txt")
    assert [(m.sender, m.text, m.note) for m in twice] == [
        ("Anna", "ok", ""), ("Bob", "?", ""), ("Anna", "ok", ""), ("Bob", "?", ""), ("Bob", "?", "")]
