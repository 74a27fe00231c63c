"""Chat exports as phones and people hand them over (third round): placeholders and notes in more
languages, phone-number senders written two ways, a WhatsApp zip inside a phone dump's zip, the
same chat exported twice, and what every timeline says made it (attachment hashes, the voice
notes' transcription settings).

Each export is built the way the app writes it, with real voice notes from the shared media.
"""

from __future__ import annotations

from pathlib import Path

from app.core.chats import load_export


def _messages(tmp_path: Path, text: str, name: str = "WhatsApp Chat with Anna.txt"):
    chat = tmp_path / name
    chat.write_text(text, encoding="utf-8")
    [loaded] = load_export(chat)
    return loaded.export.messages


def test_attachment_left_out_view_once_and_hindi_notes_are_the_apps_not_the_senders_words(tmp_path):
    """German "<Anhang fehlt>", a view-once voice note, and Hindi's "media omitted", "message
    deleted" and "edited" were read as the sender's own words."""
    messages = _messages(tmp_path, (
        "13.03.24, 22:15 - Ben: <Anhang fehlt>\n"
        "13.03.24, 22:16 - Ben: <View once voice message omitted>\n"
        "13.03.24, 22:17 - Ben: <मीडिया हटा दिया गया>\n"
        "13.03.24, 22:18 - Ben: <मीडिया के बिना>\n"
        "13.03.24, 22:19 - Ben: यह संदेश हटा दिया गया था\n"
        "13.03.24, 22:20 - Ben: ठीक है <यह संदेश संपादित किया गया>\n"))
    left_out = [m.attachment for m in messages[:4]]
    assert all(a is not None and a.missing and a.name is None for a in left_out)
    assert left_out[1].kind == "audio" and all(m.text == "" for m in messages[:4])
    assert messages[4].system and messages[4].sender == "Ben"
    assert (messages[5].text, messages[5].note) == ("ठीक है", "edited (the export says <यह संदेश संपादित किया गया>)")


def test_a_sender_written_as_a_phone_number_two_ways_is_one_sender(tmp_path):
    """A sender not in the phone's contacts is written as the number, spaced as each phone spaces
    it: '+44 7700 900123' and '+447700900123' were two people."""
    messages = _messages(tmp_path, (
        "[13/03/2024, 21:15:00] \u200e+44\u00a07700\u00a0900123: first\n"
        "[13/03/2024, 21:16:00] +447700900123: second\n"
        "[13/03/2024, 21:17:00] Anna: third\n"
        "[13/03/2024, 21:18:00] 07700 900123: no country code\n"), "_chat.txt")
    assert [m.sender for m in messages] == ["+44 7700 900123", "+44 7700 900123", "Anna", "07700 900123"]
    assert messages[1].note == "sender written as '+447700900123'" and messages[0].note == ""
