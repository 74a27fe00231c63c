"""Chat exports (session 24): Messenger's and Instagram's own words in more languages.

Each test builds its export as a small text and reads it as `timeline` does (`load_export`).
"""

from __future__ import annotations

import json
from pathlib import Path

from app.core.chats import load_export


def _chats(path: Path):
    [loaded] = load_export(path)
    return loaded.export.chats


def _messenger(folder: Path, said: list[tuple[str, str]]) -> Path:
    rows = [{"sender_name": s, "timestamp_ms": 1705352700000 + 1000 * i, "content": t} for i, (s, t) in enumerate(said)]
    thread = folder / "messages" / "inbox" / "anna_1"
    thread.mkdir(parents=True)
    (thread / "message_1.json").write_text(json.dumps({
        "participants": [{"name": "Anna Smith"}, {"name": "Bob"}], "title": "Anna Smith",
        "messages": list(reversed(rows))}, ensure_ascii=False), encoding="utf-8")
    return thread / "message_1.json"


def test_messengers_own_words_in_russian_arabic_and_with_the_subject_in_the_verb_are_the_apps(tmp_path):
    """Before: a download made in Russian or Arabic kept "Anna отправила вложение." and "أرسل Anna مرفقًا." as words
    the sender typed, and so did "you sent" written in the verb alone ("Enviaste un archivo adjunto.", "Hai inviato
    un allegato.", "Bir ek gönderdin."), a Dutch reaction and a Turkish unsent message. Now each is the app's note,
    its words kept and the note saying these were read from the language's words, not verified strings; words a
    sender typed that only look like them stay the sender's."""
    said = [("Anna Smith", "Anna отправила вложение."), ("Bob", "Вы отправили фото."),
            ("Anna Smith", "Anna отменила отправку сообщения"), ("Bob", "Отреагировал(а) ❤ на ваше сообщение"),
            ("Anna Smith", "أرسل Anna مرفقًا."), ("Bob", "أرسلت مرفقًا."), ("Anna Smith", "ألغت Anna إرسال رسالة"),
            ("Bob", "Enviaste un archivo adjunto."), ("Bob", "Hai inviato un allegato."), ("Bob", "Bir ek gönderdin."),
            ("Bob", "Wysłałeś zdjęcie."), ("Anna Smith", "Anna heeft met ❤ gereageerd op je bericht"),
            ("Anna Smith", "Anna bir mesajın gönderimini geri aldı"),
            ("Bob", "Bob hat auf deine Nachricht mit \u2764 reagiert"), ("Anna Smith", "Reaccionó a tu mensaje con \u2764"),
            ("Bob", "Le gustó un mensaje")]
    typed = [("Anna Smith", "Anna отправила маме цветы"), ("Bob", "أرسل لي العنوان"),
             ("Bob", "Enviaste las fotos?"), ("Anna Smith", "Anna bir ek daha gönderdi mi?")]
    [chat] = _chats(_messenger(tmp_path, said + typed))
    assert [m.text for m in chat.messages] == [t for _, t in said + typed]
    assert [m.system for m in chat.messages] == [True] * len(said) + [False] * len(typed)
    assert all("the app's words" in m.note and "not from strings verified" in m.note
               for m in chat.messages[: len(said)])
    assert not any(m.note for m in chat.messages[len(said):])


def test_messengers_own_english_words_are_not_said_to_be_unverified(tmp_path):
    """English is the app's own strings: its note does not say they were read from words alone."""
    [chat] = _chats(_messenger(tmp_path, [("Anna Smith", "Anna sent an attachment."), ("Bob", "You unsent a message")]))
    assert all(m.system and "the app's words" in m.note and "verified" not in m.note for m in chat.messages)


def test_a_viber_csv_on_a_12_hour_clock_is_dated_and_an_unread_clock_is_said(tmp_path):
    """Before: Viber's CSV from a phone on a 12-hour clock ("9:14:00 PM", "9:15 p. m.", "午後9:16") read every message
    with no date-time and nothing said (or, with a marker in another language, not as Viber's rows at all). Now
    each is dated on the 24-hour clock; a clock marked in a language not read keeps its row, its date-time left
    empty and said."""
    path = tmp_path / "Viber Anna.csv"
    path.write_text("13/03/2024,9:14:00 PM,Anna,+447700900123,hi\n13/03/2024,9:15 p.\u00a0m.,Me,+447700900999,yo\n"
                    "13/03/2024,午後9:16,Anna,+447700900123,ok\n14/03/2024,12:05:00 AM,Me,+447700900999,late\n"
                    "14/03/2024,9:20 zz,Anna,+447700900123,odd\n", encoding="utf-8")
    [chat] = _chats(path)
    assert [(m.sender, m.datetime, m.text) for m in chat.messages] == [
        ("Anna (+447700900123)", "2024-03-13T21:14:00", "hi"), ("Me (+447700900999)", "2024-03-13T21:15:00", "yo"),
        ("Anna (+447700900123)", "2024-03-13T21:16:00", "ok"), ("Me (+447700900999)", "2024-03-14T00:05:00", "late"),
        ("Anna (+447700900123)", None, "odd")]
    assert "'14/03/2024 9:20 zz': not read" in chat.messages[4].note
    assert not any(m.note for m in chat.messages[:4])


_TELEGRAM_PAGE = """<!DOCTYPE html><html><head><title>Exported Data</title></head><body><div class="page_wrap">
<div class="page_header"><div class="content"><div class="text bold">Anna</div></div></div>
<div class="page_body chat_page"><div class="history">
<div class="message service" id="message-1"><div class="body details">13 March 2024</div></div>
{messages}
</div></div></div></body></html>"""


def _telegram_message(number: int, time: str, inner: str, sender: str = "Anna") -> str:
    return (f'<div class="message default clearfix" id="message{number}"><div class="body">'
            f'<div class="pull_right date details" title="13.03.2024 {time} UTC+01:00">{time[:5]}</div>'
            f'<div class="from_name">{sender}</div>{inner}</div></div>')


def _call(title: str, status: str, success: bool = True) -> str:
    state = " success" if success else ""
    return (f'<div class="media_wrap clearfix"><div class="media clearfix pull_left media_call{state}">'
            f'<div class="fill pull_left"></div><div class="body"><div class="title bold">{title}</div>'
            f'<div class="status details">{status}</div></div></div></div>')


def test_a_telegram_html_call_is_the_apps_record_of_it_with_its_length_as_text(tmp_path):
    """Before: a call in Telegram's HTML export ("Outgoing call", "Ended (1 min 5 sec)") was a message of the caller
    with no words, the call only in its note, so search found no call and the timeline showed a blank message. Now it
    is the app's record (as the JSON export's "phone call: 65 s" is), its words the call and its length; a file left
    out beside it is still a missing file."""
    page = tmp_path / "messages.html"
    page.write_text(_TELEGRAM_PAGE.format(messages="\n".join((
        _telegram_message(10, "21:14:05", _call("Outgoing call", "Ended (1 min 5 sec)")),
        _telegram_message(11, "21:20:00", _call("Missed call", "", success=False), sender="Bob"),
        _telegram_message(12, "21:21:00", '<div class="text">call me</div>')))), encoding="utf-8")
    [chat] = _chats(page)
    assert [(m.sender, m.text, m.system, m.attachment) for m in chat.messages] == [
        ("Anna", "Outgoing call: Ended (1 min 5 sec)", True, None), ("Bob", "Missed call", True, None),
        ("Anna", "call me", False, None)]
    assert all("a call as the export shows it" in m.note for m in chat.messages[:2]) and not chat.messages[2].note


def test_a_viber_csv_headed_by_its_column_names_or_re_saved_with_semicolons_is_read(tmp_path):
    """Before: a Viber CSV headed by its columns' names (a tool or spreadsheet adds them) or re-saved by a spreadsheet
    in a European locale (semicolons) was "no recognisable chat message". Now each is read; the header row is kept as
    a record saying it names the columns, not a message."""
    headed = tmp_path / "Viber Anna.csv"
    headed.write_text("Date,Time,Sender Name,Sender Phone Number,Message\n13/03/2024,21:14:00,Anna,+447700900123,hi\n"
                      "13/03/2024,21:15:00,Me,+447700900999,yo\n", encoding="utf-8")
    semicolons = tmp_path / "Viber Bob.csv"
    semicolons.write_text("13/03/2024;21:14:00;Bob;+447700900124;hi, you; there\n"
                          "14/03/2024;09:15:00;Me;+447700900999;yo\n", encoding="utf-8")
    header, hi, yo = _chats(headed)[0].messages
    assert (header.sender, header.system, header.text) == (None, True, "Date,Time,Sender Name,Sender Phone Number,Message")
    assert "names its columns" in header.note
    assert [(m.sender, m.datetime, m.text) for m in (hi, yo)] == [
        ("Anna (+447700900123)", "2024-03-13T21:14:00", "hi"), ("Me (+447700900999)", "2024-03-13T21:15:00", "yo")]
    [chat] = _chats(semicolons)
    assert [(m.sender, m.datetime, m.text) for m in chat.messages] == [
        ("Bob (+447700900124)", "2024-03-13T21:14:00", "hi, you; there"), ("Me (+447700900999)", "2024-03-14T09:15:00", "yo")]


def test_a_telegram_html_note_of_the_apps_with_no_time_says_why_it_has_none(tmp_path):
    """Before: Telegram's HTML writes no time for its own notes ("Anna pinned this message"): the timeline showed them
    with an empty date-time and nothing said. Now the note says the export gives it none and its place is kept."""
    page = tmp_path / "messages.html"
    pinned = ('<div class="message service" id="message12"><div class="body details">Anna pinned '
              '<a href="#go_to_message10" onclick="return GoToMessage(10)">this message</a></div></div>')
    page.write_text(_TELEGRAM_PAGE.format(messages="\n".join((
        _telegram_message(10, "21:14:05", '<div class="text">meet at 9</div>'), pinned))), encoding="utf-8")
    [chat] = _chats(page)
    said, note = chat.messages
    assert (said.datetime, said.note) == ("2024-03-13T21:14:05+01:00", "")
    assert (note.system, note.datetime, note.text) == (True, None, "Anna pinned this message")
    assert "the export writes no time for this app's note" in note.note and "pinned message 1 (Anna: meet at 9)" in note.note
