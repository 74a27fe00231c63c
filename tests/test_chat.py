"""WhatsApp chat exports and plain text paragraphs."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.chat import (
    ChatMessage,
    is_media,
    looks_like_chat,
    parse_chat,
    parse_chat_file,
    split_paragraphs,
    translate_chat,
)
from app.core.mt import SentenceTranslation, load_translator

FIXTURES = Path(__file__).resolve().parent / "fixtures"

ANDROID = """12/03/2024, 21:14 - Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, can read or listen to them.
12/03/2024, 21:14 - Anna Kowalska: Gdzie jesteś?
12/03/2024, 21:15 - +48 600 100 200: W domu.
Zaraz będę.

Czekaj na mnie.
12/03/2024, 21:16 - Anna Kowalska: <Media omitted>
12/03/2024, 21:17 - Anna Kowalska added Piotr
3/12/24, 9:18\u202fPM - Piotr: Uwaga: policja
"""

IOS = """\u200e[12/03/2024, 21:14:05] Grupa: \u200eMessages and calls are end-to-end encrypted.
[12/03/2024, 21:14:09] Anna: Cześć
druga linia
trzecia linia
[12.03.24, 21:15:10] Piotr: \u200eimage omitted
\u200e[12.03.24, 21:16:00] Piotr: \u200e<attached: 00000012-PHOTO-2024-03-12-21-16-00.jpg>
[12.03.24, 21:17:00] Anna: \u200eThis message was deleted.
[12.03.24, 21:18:30] Anna: OK
"""


def test_android_format():
    messages = parse_chat(ANDROID)
    assert [m.index for m in messages] == list(range(6))
    system, first, multi, media, added, colon = messages
    assert system.sender is None and system.is_system and system.timestamp == "12/03/2024, 21:14"
    assert (first.sender, first.text, first.timestamp) == (
        "Anna Kowalska",
        "Gdzie jesteś?",
        "12/03/2024, 21:14",
    )
    assert multi.sender == "+48 600 100 200"
    assert multi.text == "W domu.\nZaraz będę.\n\nCzekaj na mnie."
    assert media.is_media and media.text == "<Media omitted>"
    assert added.sender is None and added.text == "Anna Kowalska added Piotr"
    assert colon.sender == "Piotr" and colon.text == "Uwaga: policja"
    assert colon.timestamp == "3/12/24, 9:18\u202fPM"
    assert [m.translatable for m in messages] == [False, True, True, False, False, True]


def test_ios_format():
    messages = parse_chat(IOS)
    assert len(messages) == 6
    note, multi, image, attached, deleted, ok = messages
    assert note.is_system and note.text == "Messages and calls are end-to-end encrypted."
    assert multi.sender == "Anna" and multi.timestamp == "12/03/2024, 21:14:09"
    assert multi.text == "Cześć\ndruga linia\ntrzecia linia"
    assert image.is_media and image.text == "image omitted" and image.sender == "Piotr"
    assert attached.is_media and attached.timestamp == "12.03.24, 21:16:00"
    assert deleted.is_system and not deleted.is_media
    assert ok.text == "OK" and ok.translatable
    assert all("\u200e" not in m.text for m in messages)


@pytest.mark.parametrize(
    "text",
    [
        "<Media omitted>",
        "image omitted",
        "\u200eVIDEO omitted",
        "sticker omitted",
        "<attached: 00000042-AUDIO-2024-01-01-10-00-00.opus>",
        "IMG-20240312-WA0001.jpg (file attached)",
    ],
)
def test_media_markers(text):
    assert is_media(text)


def test_not_media():
    assert not is_media("I omitted nothing")
    assert not is_media("Gdzie jesteś?")


def test_continuation_lines_before_any_header_are_kept():
    messages = parse_chat("exported from phone\n12/03/2024, 21:14 - A: hi\n")
    assert messages[0].is_system and messages[0].text == "exported from phone"
    assert messages[1].sender == "A"


def test_looks_like_chat():
    assert looks_like_chat(ANDROID)
    assert looks_like_chat(IOS)
    assert not looks_like_chat("Dear Sir,\n\nI write about the car.\n")
    assert not looks_like_chat("")


def test_parse_chat_file_handles_bom_and_crlf(tmp_path):
    path = tmp_path / "_chat.txt"
    path.write_bytes("\ufeff".encode() + ANDROID.replace("\n", "\r\n").encode("utf-8"))
    messages = parse_chat_file(path)
    assert len(messages) == 6
    assert messages[0].timestamp == "12/03/2024, 21:14"
    assert messages[2].text == "W domu.\nZaraz będę.\n\nCzekaj na mnie."


def test_split_paragraphs():
    text = "First para line one\nline two.\n\n\nSecond para.\r\n  \r\nThird.\n"
    assert split_paragraphs(text) == ["First para line one\nline two.", "Second para.", "Third."]
    assert split_paragraphs("  \n\n ") == []


class FakeTranslator:
    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def translate_texts(self, texts, src, tgt, beam_size=4):
        self.calls.append(list(texts))
        return [SentenceTranslation(t, f"<{tgt}>{t.upper()}", ("x",)) for t in texts]


def test_translate_chat_keeps_metadata_and_skips_media_and_system():
    messages = parse_chat(ANDROID)
    fake = FakeTranslator()
    out = translate_chat(messages, fake, "pl", "en")
    assert fake.calls == [
        ["Gdzie jesteś?", "W domu.\nZaraz będę.\n\nCzekaj na mnie.", "Uwaga: policja"]
    ]
    assert len(out) == len(messages)
    for before, after in zip(messages, out):
        assert (after.index, after.timestamp, after.sender, after.is_media) == (
            before.index,
            before.timestamp,
            before.sender,
            before.is_media,
        )
    assert out[1].text == "<en>GDZIE JESTEŚ?" and out[1].source_text == "Gdzie jesteś?"
    assert out[1].flags == ("x",)
    assert out[0] == messages[0] and out[3] == messages[3] and out[4] == messages[4]


def test_translate_chat_with_the_tiny_model():
    translator = load_translator(FIXTURES / "tiny_nllb", device="cpu")
    messages = parse_chat(IOS)
    out = translate_chat(messages, translator, "pl", "en")
    assert [m.timestamp for m in out] == [m.timestamp for m in messages]
    multi = out[1]
    assert multi.source_text == "Cześć\ndruga linia\ntrzecia linia"
    assert multi.text.count("\n") == 2  # one translated line per source line
    assert out[2].text == "image omitted" and out[2].source_text is None


def test_translate_chat_keeps_blank_lines_inside_a_message():
    translator = load_translator(FIXTURES / "tiny_nllb", device="cpu")
    [message] = translate_chat([ChatMessage(0, "t", "A", "Tak.\n\nNie.")], translator, "pl", "en")
    assert message.text.count("\n") == 2 and "\n\n" in message.text


def test_chat_message_is_a_plain_record():
    m = ChatMessage(0, "1/1/24, 10:00", "A", "hi")
    assert m.translatable and not m.is_media and m.source_text is None
