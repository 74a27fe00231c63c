"""Chat exports (session 25): Viber dates in words, Messenger's Arabic "أرسلت صورة." told apart, a chat taken in by
`timeline` not taken in again by `translate`, `translate` reading lone CRs, Arabic UTF-16 without its mark.

Each test builds its export as a small text and reads it as `timeline` does (`load_export`), or runs the commands.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.chats import load_export
from app.core.chats.intake import take_in
from app.core.chats.text_intake import import_text
from app.core.errors import ChatError, MediaError
from app.core.search import count, search
from tests.test_chat_layouts18 import _chats, _messenger
from tests.test_cli_mistakes import run

TINY_NLLB = Path(__file__).resolve().parent / "fixtures" / "tiny_nllb"


VIBER_IN_WORDS = {
    # Viber's CSV, the date cell quoted as a CSV writer quotes a comma
    "quoted.csv": '"Dec 1, 2026",9:14:00 PM,Sara,+33612345678,Hello\r\n'
                  '"Dec 2, 2026",9:15:00 AM,Me,+447700900123,"Hi, there"\r\n',
    # its comma not quoted: the date spread over two or three cells
    "unquoted.csv": "Tuesday, December 1, 2026,21:14:00,Sara,+33612345678,Hello\n"
                    "Wednesday, December 2, 2026,09:15:00,Me,+447700900123,Hi, there\n",
    # Excel-guarded cells, tab-separated, the day first
    "excel.csv": '="1 December 2026"\t21:14:00\t="Sara"\t="+33612345678"\t"Hello"\n'
                 '="2 December 2026"\t09:15:00\t="Me"\t="+447700900123"\t"Hi, there"\n',
}


@pytest.mark.parametrize("name", sorted(VIBER_IN_WORDS))
def test_a_viber_csv_dated_in_words_is_read(tmp_path, name):
    """Before: a Viber history whose dates are written in words ("1 December 2026", "Dec 1, 2026") was refused
    ("no recognisable chat"). Now every row is read: its sender, its date-time, its words."""
    path = tmp_path / name
    path.write_text(VIBER_IN_WORDS[name], encoding="utf-8")
    [chat] = _chats(path)
    assert [(m.sender, m.datetime, m.text, m.note) for m in chat.messages] == [
        ("Sara (+33612345678)", "2026-12-01T21:14:00", "Hello", ""),
        ("Me (+447700900123)", "2026-12-02T09:15:00", "Hi, there", "")]


def test_a_viber_csv_dated_with_a_month_name_not_read_keeps_every_row_and_says_so(tmp_path):
    """A month's name in a language not read ("Δεκ", Greek; Ukrainian's "груд." is read since session 26) keeps each row, sender and words, its date-time left empty
    and said; never refused nor dated wrongly."""
    path = tmp_path / "Viber Olena.csv"
    path.write_text("1 Δεκ 2026,21:14:00,Olena,+380501234567,Привіт\n2 Δεκ 2026,21:15:00,Я,+380671234567,Так\n",
                    encoding="utf-8")
    [chat] = _chats(path)
    assert [(m.sender, m.datetime, m.text) for m in chat.messages] == [
        ("Olena (+380501234567)", None, "Привіт"), ("Я (+380671234567)", None, "Так")]
    assert all("not read" in m.note and "date-time left empty" in m.note for m in chat.messages)


def test_another_apps_lines_of_commas_after_a_date_in_words_are_not_read_as_viber(tmp_path):
    """KakaoTalk's phone export in English ("January 15, 2024, 9:05 PM, Anna : Hello, you, there") splits at its
    commas like a Viber row whose date went unquoted; with a sender's words where Viber writes a number it is not
    Viber's (read as such, "Anna : Hello" was the sender and "you" the number)."""
    path = tmp_path / "KakaoTalk_Chat_Anna.txt"
    path.write_text("January 15, 2024, 9:05 PM, Anna : Hello, you, there, ok\n"
                    "January 15, 2024, 9:06 PM, Bob : one, two, three, four\n", encoding="utf-8")
    try:
        chats = _chats(path)
    except ChatError:
        return  # refused in one line: fine
    assert all(not (m.sender or "").startswith("Anna : ") for c in chats for m in c.messages)


def test_a_csv_of_words_with_no_date_is_still_refused(tmp_path):
    """Five cells a row with no date first is no Viber history: one line, nothing read."""
    path = tmp_path / "notes.csv"
    path.write_text("Tuesday,21:14:00,Sara,+33612345678,Hello\nWednesday,21:15:00,Me,+447700900123,Hi\n",
                    encoding="utf-8")
    with pytest.raises(ChatError):
        load_export(path)


def test_arabic_i_sent_a_photo_is_the_senders_where_the_app_names_that_sender(tmp_path):
    """Before: "أرسلت صورة." ("I sent a photo", and Messenger's "You sent a photo.") was always the app's note, so a
    person who typed it lost the words as hers. The app names everyone but the account holder ("أرسل Anna صورة."):
    the sender it names typed these words; the other one, the holder, has the app's."""
    [chat] = _chats(_messenger(tmp_path, [("Anna Smith", "أرسل Anna صورة."), ("Anna Smith", "أرسلت صورة."),
                                          ("Bob", "أرسلت صورة.")]))
    assert [(m.sender, m.text, m.system) for m in chat.messages] == [
        ("Anna Smith", "أرسل Anna صورة.", True), ("Anna Smith", "أرسلت صورة.", False), ("Bob", "أرسلت صورة.", True)]
    assert "the sender's own here" in chat.messages[1].note and "naming this sender" in chat.messages[1].note
    assert "the account holder" in chat.messages[2].note and "the app's words" in chat.messages[2].note


def test_arabic_you_sent_is_the_apps_for_the_sender_the_app_writes_you_for(tmp_path):
    """The app writes "you" for one sender elsewhere ("Вы отправили фото."): that sender's "أرسلت صورة." is the
    app's; the other's is typed."""
    [chat] = _chats(_messenger(tmp_path, [("Bob", "Вы отправили фото."), ("Bob", "أرسلت صورة."),
                                          ("Anna Smith", "أرسلت صورة.")]))
    assert [m.system for m in chat.messages] == [True, True, False]
    assert "the sender's own here" in chat.messages[2].note and "\"you\" for another sender" in chat.messages[2].note


def test_arabic_i_sent_a_photo_with_nothing_to_tell_is_kept_as_typed_and_said(tmp_path):
    """Where the chat does not tell who the account holder is, the words stay the sender's (searched, translated)
    and the note says they may be the app's."""
    [chat] = _chats(_messenger(tmp_path, [("Anna Smith", "أرسلت صورة."), ("Bob", "مرحبا")]))
    first = chat.messages[0]
    assert (first.text, first.system) == ("أرسلت صورة.", False)
    assert "also read" in first.note and "not telling whether the sender is the account holder" in first.note
    assert chat.messages[1].note == ""


GARAGE_CHAT = "12/03/2024, 21:14 - Anna: bring the money to the garage\n12/03/2024, 21:15 - Bob: which garage?\n"


def test_a_chat_taken_in_by_timeline_is_not_taken_in_again_as_a_text(case, tmp_path):
    """Before: `translate _chat.txt` on a chat `timeline` had taken in stored its messages a second time (a text
    run on the same exhibit), so each message was found twice by `search`. Now it is refused in one line naming
    the exhibit and `timeline --translate-to`; each message is found once."""
    chat = tmp_path / "_chat.txt"
    chat.write_text(GARAGE_CHAT, encoding="utf-8")
    [taken] = take_in(case, chat)
    with pytest.raises(MediaError) as refused:
        import_text(case, chat)
    assert f"already taken in as chat exhibit {taken.exhibit_id}" in refused.value.reason
    assert "--translate-to" in refused.value.reason
    assert len(search(case, "garage")) == 2


def test_translate_on_a_chat_timeline_took_in_says_so_in_one_line(capsys, tmp_path):
    """The same from the command line: `translate` exits 1 with one line, nothing queued."""
    chat, case = tmp_path / "phone" / "_chat.txt", str(tmp_path / "case")
    chat.parent.mkdir()
    chat.write_text(GARAGE_CHAT, encoding="utf-8")
    code, _, err = run(capsys, "timeline", str(chat), "--out", str(tmp_path / "out"), "--case", case)
    assert code == 0, err
    code, _, err = run(capsys, "translate", str(chat), "--to", "pl", "--from", "en", "--model", str(TINY_NLLB),
                       "--out", str(tmp_path / "tr"), "--case", case)
    assert code == 1
    [said] = err.strip().splitlines()
    assert said.startswith(str(chat)) and "already taken in as chat exhibit 1" in said, err
    code, listed, _ = run(capsys, "queue", "status", "--case", case)
    assert "translate" not in listed, listed


def test_a_chat_of_lone_carriage_returns_given_to_translate_is_read_whole(case, tmp_path):
    """Before: `translate` read a chat whose lines end in a lone CR (an old Mac's, or a re-saved file) without making
    its line ends one, as `timeline` does: a Signal chat of 4 messages became 1 (the rest glued into its words).
    Now every message is its own segment, as `timeline` reads it."""
    chat = tmp_path / "chat.md"
    chat.write_bytes(b"[2019-05-29, 15:04] Me: How is everyone?\r[2019-05-29, 15:10] Aya: We're great!\r"
                     b"[2019-05-29, 15:20] Jim: Look at this\r[2019-05-29, 15:21] Jim: and this\r")
    _, run_id = import_text(case, chat)
    assert [s.text for s in case.segments(run_id)] == ["How is everyone?", "We're great!", "Look at this", "and this"]


def test_an_arabic_chat_in_utf16_without_its_byte_order_mark_is_read(tmp_path):
    """Before: UTF-16 without a byte-order mark was known by the zeros of its Latin digits and spaces; an Arabic
    phone's chat, dated in Arabic-Indic digits, has hardly any, so it was read as UTF-8 and refused ("no
    recognisable chat message"). Now it reads as its UTF-8 copy does, in both byte orders."""
    fixture = Path(__file__).resolve().parent / "fixtures" / "chats" / "whatsapp_ar.txt"
    text = fixture.read_text(encoding="utf-8")

    def read(path: Path) -> list[tuple]:
        return [(m.sender, m.datetime, m.text, m.system) for m in _chats(path)[0].messages]
    expected = read(fixture)
    assert len(expected) == 3 and expected[0][0] == "علي"
    for encoding in ("utf-16-le", "utf-16-be"):
        path = tmp_path / encoding / "WhatsApp Chat with علي.txt"
        path.parent.mkdir()
        path.write_bytes(text.encode(encoding))
        assert read(path) == expected


def test_a_viber_message_of_paragraphs_the_file_did_not_quote_keeps_its_blank_lines(tmp_path):
    """Before: a message of several paragraphs written unquoted lost the blank line between them (its words run
    together as one paragraph). Now its lines are as written; a blank line between two messages adds nothing."""
    path = tmp_path / "Viber Sara.csv"
    path.write_text("01/12/2026,21:14:00,Sara,+33612345678,first paragraph\n\nsecond, after a blank line\n"
                    "\n01/12/2026,21:15:00,Me,+447700900123,ok\n", encoding="utf-8")
    [chat] = _chats(path)
    assert [m.text for m in chat.messages] == ["first paragraph\n\nsecond, after a blank line", "ok"]


def test_a_chat_translate_took_in_before_timeline_is_still_translated_again(case, tmp_path):
    """Taken in by `translate` first (its text run made then), then by `timeline`: `translate` again reuses that run
    (a second run writes what the first translated) rather than being refused."""
    chat = tmp_path / "_chat.txt"
    chat.write_text(GARAGE_CHAT, encoding="utf-8")
    _, run_id = import_text(case, chat)
    take_in(case, chat)
    assert import_text(case, chat)[1] == run_id


def test_a_chat_taken_in_by_translate_then_by_timeline_is_found_once_a_message(case, tmp_path):
    """Before: taken in by `translate` (a text run) and then by `timeline` (its messages), each message was found
    twice by `search` and counted twice. Now each is one hit, the message (with its time and sender)."""
    chat = tmp_path / "_chat.txt"
    chat.write_text(GARAGE_CHAT, encoding="utf-8")
    import_text(case, chat)
    take_in(case, chat)
    hits = search(case, "garage")
    assert sorted((h.task, h.speaker, h.message_time) for h in hits) == [
        ("chat", "Anna", "12/03/2024, 21:14"), ("chat", "Bob", "12/03/2024, 21:15")]
    assert count(case, "garage") == 2
