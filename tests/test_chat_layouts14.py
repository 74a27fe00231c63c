"""Chat exports of other apps (session 20): imessage-exporter's text as it writes edits, replies, parts
unsent and Apple's transcriptions.

Before: an edited iMessage (written as its history: "<time sent> first words", "Edited 2 minutes later: ...")
became a note of the app with no sender and the sender's message lost its words; a line of a message's words
opening with a date and time did the same; a reply written straight after its message's words (as the
exporter writes it, no blank line) was words of that message; Apple's transcription of a voice message was
the sender's words.
"""

from __future__ import annotations

import json
from pathlib import Path

from app.core.chats import load_export

IMESSAGE = """\
Mar 05, 2024  2:03:45 PM
+14155550134
Are we still on for Thursday?

Mar 05, 2024  2:05:01 PM (Read by them after 2 minutes)
Me
Mar 05, 2024  2:05:01 PM Yes! 6pm at Tartine
Edited 2 minutes later: Yes! 7pm at Tartine
    Mar 05, 2024  2:06:00 PM
    +14155550134
    great
This message responded to an earlier message.

Mar 05, 2024  2:07:01 PM
+14155550134
Mar 05, 2024  2:03:45 PM is when you said it
They unsent this message part 5 seconds after sending!

Mar 05, 2024  2:08:01 PM
+14155550134
attachments/12/Audio Message.caf
Transcription: see you at the yard

Mar 06, 2024  9:02:00 AM You renamed the conversation to Dinner

"""


def test_imessage_edits_replies_unsent_parts_and_transcriptions_are_said_not_taken_for_words(tmp_path: Path):
    chat = tmp_path / "+14155550134.txt"
    chat.write_text(IMESSAGE, encoding="utf-8")
    [loaded] = load_export(chat)
    messages = loaded.export.messages
    assert [(m.sender, m.text, m.datetime, m.system) for m in messages] == [
        ("+1 415-555-0134", "Are we still on for Thursday?", "2024-03-05T14:03:45", False),
        ("Me", "Yes! 7pm at Tartine", "2024-03-05T14:05:01", False),
        ("+1 415-555-0134", "great", "2024-03-05T14:06:00", False),
        ("+1 415-555-0134", "Mar 05, 2024  2:03:45 PM is when you said it", "2024-03-05T14:07:01", False),
        ("+1 415-555-0134", "", "2024-03-05T14:08:01", False),
        (None, "You renamed the conversation to Dinner", "2024-03-06T09:02:00", True)]
    edited = messages[1].note
    assert "reply to an earlier message" in edited and "first written Mar 05, 2024  2:05:01 PM as <Yes! 6pm at " \
        "Tartine>" in edited and "edited 2 minutes later to <Yes! 7pm at Tartine>" in edited
    assert messages[2].note.startswith("a reply to the message of Mar 05, 2024  2:05:01 PM")
    assert "unsent" in messages[3].note
    assert messages[4].attachment.name == "Audio Message.caf"
    assert messages[4].note.startswith("the export's transcription of Audio Message.caf: <see you at the yard>")


def test_a_telegram_entry_of_a_kind_not_read_or_holding_nothing_read_says_so(tmp_path: Path):
    """Before: an entry of an unknown type, or a message holding only a dice throw, was a blank row saying
    nothing: a reader could not tell a message read as empty from one not read."""
    export = {"name": "Crew", "type": "private_group", "id": 1, "messages": [
        {"id": 1, "type": "message", "date": "2024-03-13T10:01:00", "date_unixtime": "1710324060", "from": "Anna",
         "from_id": "user1", "text": ["see ", {"type": "bold", "text": "this"}], "text_entities": []},
        {"id": 2, "type": "unsupported", "date": "2024-03-13T10:02:00", "date_unixtime": "1710324120",
         "text": "", "text_entities": []},
        {"id": 3, "type": "message", "date": "2024-03-13T10:03:00", "date_unixtime": "1710324180", "from": "Bob",
         "from_id": "user2", "text": "", "text_entities": [], "dice": {"emoji": "🎲", "value": 4}}]}
    chat = tmp_path / "result.json"
    chat.write_text(json.dumps(export), encoding="utf-8")
    [loaded] = load_export(chat)
    messages = loaded.export.messages
    assert [(m.sender, m.text, m.note) for m in messages] == [
        ("Anna", "see this", ""),
        (None, "", ("an entry of type 'unsupported', a kind this reader does not know: its time and sender kept, "
                    "nothing else read from it")),
        ("Bob", "", "the export holds no words and no file for this message (fields not read: dice)")]


def test_a_line_message_of_several_lines_holding_a_line_like_another_message_stays_one_message(tmp_path: Path):
    """LINE quotes a message of several lines; one of them reading like a message ("21:00<TAB>Bob<TAB>...", a
    chat pasted in) made a message of Bob's that Anna sent, and Anna's kept a stray quote mark. A quote a
    single line opens and no line closes is the sender's own."""
    history = ('[LINE] Chat history with Anna\n\n2024/01/15(Mon)\n21:05\tAnna\tHello\n'
               '21:07\tAnna\t"look what he wrote\n2024/01/14(Sun)\n21:00\tBob\tmeet at the yard\nso he knew"\n'
               '21:08\tBob\t"hello\n21:09\tAnna\tsay "yes"\n\n2024/01/16(Tue)\n09:00\tBob\tbye"\n')
    chat = tmp_path / "[LINE] Chat with Anna.txt"
    chat.write_text(history, encoding="utf-8")
    [loaded] = load_export(chat)
    assert [(m.sender, m.text, m.datetime) for m in loaded.export.messages] == [
        ("Anna", "Hello", "2024-01-15T21:05:00"),
        ("Anna", "look what he wrote\n2024/01/14(Sun)\n21:00\tBob\tmeet at the yard\nso he knew", "2024-01-15T21:07:00"),
        ("Bob", '"hello', "2024-01-15T21:08:00"), ("Anna", 'say "yes"', "2024-01-15T21:09:00"),
        ("Bob", 'bye"', "2024-01-16T09:00:00")]
