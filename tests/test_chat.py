"""WhatsApp text as read through app.core.chats, its translation, and plain text paragraphs."""

from __future__ import annotations

from pathlib import Path

from app.core.chats import Message, decode, parse_text, sniff_text
from app.core.chats.text_intake import split_paragraphs
from app.core.chats.translate import translate_messages
from app.core.translation.engine import SentenceTranslation, load_translator

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


def parse(text: str) -> tuple[Message, ...]:
    return parse_text(text, "_chat.txt")[0].messages


def test_android_format():
    messages = parse(ANDROID)
    assert [m.index for m in messages] == list(range(6))
    system, first, multi, media, added, colon = messages
    assert system.sender is None and system.system and system.time_as_written == "12/03/2024, 21:14"
    assert (first.sender, first.text) == ("Anna Kowalska", "Gdzie jesteś?")
    assert multi.sender == "+48 600 100 200"
    assert multi.text == "W domu.\nZaraz będę.\n\nCzekaj na mnie."
    assert media.attachment is not None and media.attachment.placeholder == "<Media omitted>"
    assert added.sender is None and added.text == "Anna Kowalska added Piotr"
    assert colon.sender == "Piotr" and colon.text == "Uwaga: policja"
    assert colon.time_as_written == "3/12/24, 9:18\u202fPM"
    assert [m.translatable for m in messages] == [False, True, True, False, False, True]


def test_ios_format():
    note, multi, image, attached, deleted, ok = parse(IOS)
    assert note.system and note.text == "Messages and calls are end-to-end encrypted."
    assert multi.sender == "Anna" and multi.time_as_written == "12/03/2024, 21:14:09"
    assert multi.text == "Cześć\ndruga linia\ntrzecia linia"
    assert image.attachment.kind == "image" and image.sender == "Piotr" and image.text == ""
    assert attached.attachment.name == "00000012-PHOTO-2024-03-12-21-16-00.jpg"
    assert deleted.system and deleted.attachment is None
    assert ok.text == "OK" and ok.translatable
    assert all("\u200e" not in m.text for m in parse(IOS))


def test_continuation_lines_before_any_header_are_kept_without_a_sender():
    messages = parse("exported from phone\n12/03/2024, 21:14 - A: hi\n")
    assert messages[0].sender is None and messages[0].text == "exported from phone"
    assert messages[1].sender == "A"


def test_sniffing():
    assert sniff_text(ANDROID) == "whatsapp" and sniff_text(IOS) == "whatsapp"
    assert sniff_text("Dear Sir,\n\nI write about the car.\n") is None
    assert sniff_text("") is None


def test_bom_and_crlf():
    data = "\ufeff".encode() + ANDROID.replace("\n", "\r\n").encode("utf-8")
    messages = parse(decode(data))
    assert len(messages) == 6 and messages[0].time_as_written == "12/03/2024, 21:14"
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


def test_translate_messages_skips_attachments_and_system_notes():
    messages = parse(ANDROID)
    fake = FakeTranslator()
    out = translate_messages(messages, fake, "pl", "en")
    assert fake.calls == [["Gdzie jesteś?", "W domu.\nZaraz będę.\n\nCzekaj na mnie.", "Uwaga: policja"]]
    assert [o is None for o in out] == [True, False, False, True, True, False]
    assert out[1].text == "<en>GDZIE JESTEŚ?" and out[1].flags == ("x",)


def test_captions_are_translated_file_names_never():
    text = "13/03/2024, 08:05 - Dave: IMG-20240313-WA0005.jpg (file attached)\nTo auto\n"
    fake = FakeTranslator()
    translate_messages(parse(text), fake, "pl", "en")
    assert fake.calls == [["To auto"]]


def test_translate_with_the_tiny_model():
    translator = load_translator(FIXTURES / "tiny_nllb", device="cpu")
    messages = parse(IOS)
    out = translate_messages(messages, translator, "pl", "en")
    assert out[1].source == "Cześć\ndruga linia\ntrzecia linia"
    assert out[1].text.count("\n") == 2  # one translated line per source line
    assert out[2] is None


def test_text_intake_records_each_container_by_its_own_name(tmp_path):
    from app.core.chats.text_intake import classify, import_text
    from app.core.store import Case

    chats = FIXTURES / "chats"
    case = Case.open(tmp_path / "case")
    try:
        signal, _ = import_text(case, chats / "signal_chat.md")
        whatsapp, run_id = import_text(case, chats / "whatsapp_android_en.txt")
        segments = case.segments(run_id)
    finally:
        case.close()
    assert classify(chats / "signal_chat.md") == "text"
    assert (signal.source.container, signal.source.kind) == ("signal", "chat")
    assert (whatsapp.source.container, whatsapp.source.kind) == ("whatsapp-chat", "chat")
    photo = segments[5]
    assert photo.text == "This is the car" and not photo.flags  # the caption, not the file name
    assert segments[4].flags == ("chat_media",) and "PTT-20240313-WA0004.opus" in segments[4].text
