"""Session 32's fixes of review_revE (chats32, chatsfix32): Telegram left-out blocks named by their title alone,
Western-dated lines pasted into a Japanese-era chat, Google Voice's "only the account's own messages" note, Hijri
notes."""

from __future__ import annotations

from tests.chat_helpers import loaded_messages


def _telegram_page(body: str) -> str:
    """Telegram Desktop's messages.html around `body` (export_output_html.cpp's layout)."""
    return ('<!DOCTYPE html><html><head><meta charset="utf-8"/><title>Exported Data</title></head><body>'
            '<div class="page_wrap"><div class="page_header"><div class="content"><div class="text bold">Crew</div>'
            f'</div></div><div class="page_body chat_page"><div class="history">\n{body}</div></div></div></body></html>\n')


def _telegram_block(i: int, css: str, title: str, details: str) -> str:
    """A message holding one generic media block (pushGenericMedia): a file left out, a contact with no card file."""
    return (f'<div class="message default clearfix" id="message{i}"><div class="body"><div class="pull_right date '
            f'details" title="15.01.2024 21:0{i}:00 UTC+03:00">21:0{i}</div><div class="from_name">Anna </div>'
            f'<div class="media_wrap clearfix"><div class="media clearfix pull_left {css}"><div class="fill '
            f'pull_left"></div><div class="body"><div class="title bold">{title}</div>{details}</div></div></div>'
            '</div></div>\n')


def test_a_telegram_contact_or_file_named_sticker_is_no_missing_sticker(tmp_path):
    """Only a GIF's or sticker's block is titled exactly "Animation" (a video's class) or "Sticker" (a photo's).
    Before: any block whose first word was one of them was relabelled, so a contact saved as "Sticker Mule" became
    a missing sticker (its number lost from the note) and a left-out "Sticker order form.pdf" a sticker."""
    from app.core.chats import load_export
    left_out = '<div class="description">Not included, change data exporting settings to download.</div>'
    body = (_telegram_block(1, "media_contact", "Sticker Mule", '<div class="status details">+1 555 0100</div>')
            + _telegram_block(2, "media_file", "Sticker order form.pdf",
                              f'{left_out}<div class="status details">120.3 KB</div>')
            + _telegram_block(3, "media_file", "Animation reel.mp4", f'{left_out}<div class="status details">9 MB</div>')
            + _telegram_block(4, "media_photo", "Sticker", f'{left_out}<div class="status details">😀, 20.1 KB</div>'))
    (tmp_path / "messages.html").write_text(_telegram_page(body), encoding="utf-8")
    [loaded] = load_export(tmp_path / "messages.html")
    contact, form, reel, sticker = loaded.export.messages
    assert contact.attachment is None
    assert contact.note == "shown as: Sticker Mule +1 555 0100"
    assert [(a.kind, a.missing) for a in (form.attachment, reel.attachment, sticker.attachment)] == [
        ("document", True), ("document", True), ("sticker", True)]
    assert form.attachment.placeholder.startswith("Sticker order form.pdf Not included")


def test_a_western_dated_line_pasted_into_a_japanese_era_chat_is_words_of_the_message_above(tmp_path):
    """A phone set to the Japanese calendar writes every header in eras ("[3/18/R4, 14:56:01]"); a header-shaped
    line with a four-digit year was pasted in from elsewhere. Before (review_revE chatsfix32 H1): "[1/14/2024,
    09:00:00] Carl: I did it" became a message of Carl's, who is not in the chat, placed a day early, with no note.
    Now it is words of Bob's message, said; a header that lost its era letter stays its sender's message."""
    from app.core.chats.whatsapp import YEAR_LINE_NOTE
    pasted = ["[1/14/2024, 09:00:00] Carl: I did it", "[2024/01/14 09:05:00] Carl: twice"]
    text = (f"[1/15/R6, 10:00:00] Anna: hi\n[1/15/R6, 10:01:00] Bob: look what Carl wrote:\n{pasted[0]}\n{pasted[1]}\n"
            "[1/15/R6, 10:02:00] Anna: wow\n[1/7/6, 10:03:00] Bob: ok\n")
    messages = loaded_messages(tmp_path, text, "WhatsApp Chat - Anna.txt")
    assert [(m.sender, m.datetime, m.text) for m in messages] == [
        ("Anna", "2024-01-15T10:00:00", "hi"), ("Bob", "2024-01-15T10:01:00", "look what Carl wrote:\n" + "\n".join(pasted)),
        ("Anna", "2024-01-15T10:02:00", "wow"), ("Bob", None, "ok")]
    assert messages[1].note.endswith(YEAR_LINE_NOTE) and YEAR_LINE_NOTE not in messages[2].note


def test_a_google_voice_page_damaged_before_the_other_partys_message_does_not_say_it_holds_only_the_accounts(
        tmp_path):
    """Before (review_revE chats32 M1): a page the account and Anna wrote on, damaged (`<![foo]>`, a marked section
    Python's parser stops at) before Anna's message, said "the page holds only the account's own messages": false of
    the exhibit. Now it says so only as far as the page was read."""
    from app.core.chats import load_export
    from app.core.chats.googlevoice import ONLY_OWNER_NOTE
    from tests.test_chatsfix30 import ME, _cite, _message, _text_page
    anna = _cite("Anna", "+17323212222")
    page = _text_page("Anna", [_message(1, ME, "me one"), _message(2, ME, "me two"), "<![foo]>",
                               _message(3, anna, "anna answers")])
    (tmp_path / "Anna - Text - 2021-01-22T01_33_43Z.html").write_text(page, encoding="utf-8")
    [loaded] = load_export(tmp_path / "Anna - Text - 2021-01-22T01_33_43Z.html")
    messages = loaded.export.messages
    assert [(m.sender, m.text) for m in messages] == [("Me", "me one"), ("Me", "me two")]
    assert not any(ONLY_OWNER_NOTE in m.note for m in messages)
    assert messages[0].note.startswith("as far as this damaged page was read, it holds only the account's own")
    assert "damaged HTML" in messages[-1].note


def test_a_google_voice_page_titled_by_a_number_says_the_number_it_was_sent_to(tmp_path):
    """Takeout titles the page of a party saved as no contact by the number ("+17325551234 - Text - ….html").
    Before (review_revE chats32 M2): its messages said "(no number)" and "a contact's name as saved". Now they say
    the number is written in the title and the file name only; a page titled by a contact's name is as before."""
    from app.core.chats import load_export
    from app.core.chats.googlevoice import ONLY_OWNER_NOTE
    from tests.test_chatsfix30 import ME, _message, _text_page
    said = {}
    for party in ("+17325551234", "Mum"):
        page = tmp_path / f"{party} - Text - 2021-03-02T10_00_00Z.html"
        page.write_text(_text_page(party, [_message(3, ME, "meet at 9"), _message(4, ME, "bring it")]), encoding="utf-8")
        [loaded] = load_export(page)
        said[party] = {m.note for m in loaded.export.messages}
    assert said == {"Mum": {ONLY_OWNER_NOTE}, "+17325551234": {
        ("the page holds only the account's own messages (\"Me\") and writes whom they were sent to only in its title "
         "and Takeout's file name (the number +17325551234), not in its messages")}}


def test_an_impossible_hijri_date_is_not_said_read_by_a_calendar(tmp_path):
    """Before (review_revE chats32 L2): "[31/6/1443 AH, …]" (no month has 31 days) had no date-time and a note saying
    it was "read by the arithmetical (civil) Islamic calendar" and "not a valid calendar date". Now only the latter."""
    from app.core.chats.calendars import HIJRI_SPREAD_NOTE
    messages = loaded_messages(tmp_path, "[31/6/1443 AH, 14:56:01] Anna: x\n[19/6/1443 AH, 09:00:00] Bob: y\n", "c.txt")
    read = ("Islamic (Hijri) date: day 19 of month 6 of 1443 AH, read by the arithmetical (civil) Islamic calendar; "
            f"{HIJRI_SPREAD_NOTE}")
    assert [(m.datetime, m.note) for m in messages] == [
        (None, "Islamic (Hijri) date; not a valid calendar date"), ("2022-01-23T09:00:00", read)]


def test_an_islamic_era_word_beside_a_gregorian_year_does_not_change_the_calendar(tmp_path):
    """Before (review_revE chats32 L1): "[8/6/2024 h 14:56:01]" was read as the Islamic year 2024 ("outside
    1389-1523 AH", no date-time); reader 30 read it as 8 June 2024. A four-digit Gregorian year says the calendar;
    the same word beside 1443 still says the Islamic one."""
    gregorian = loaded_messages(tmp_path, "[8/6/2024 h 14:56:01] Anna: x\n[19/6/2024 AH 09:00:00] Bob: y\n", "g.txt")
    assert [(m.datetime, m.note) for m in gregorian] == [("2024-06-08T14:56:01", ""), ("2024-06-19T09:00:00", "")]
    hijri = loaded_messages(tmp_path, "[8/6/1443 h 14:56:01] Anna: x\n[19/6/1443 h 09:00:00] Bob: y\n", "i.txt")
    assert [m.datetime for m in hijri] == ["2022-01-12T14:56:01", "2022-01-23T09:00:00"]


def test_a_page_damaged_where_the_parser_reads_on_says_how_many_of_its_messages_were_read(tmp_path, capsys):
    """A damaged spot the parser does not stop at, in a message's element (`<s<![foo]>ection …>`, `<div cl<![foo]>ass=
    "message default …">`), made the reader miss that message: before (review_revE chatsfix32 M1), Messenger's newest
    and Telegram's second message were gone with nothing said. Now the page's markup is counted by marks each message
    writes once (its class, its footer or id): the chat says how many it opens and how many were read, and the
    command line warns."""
    from app.core.chats import load_export
    from tests.test_chat_layouts17 import _messenger_page
    from tests.test_cli_mistakes import run
    thread = tmp_path / "messages" / "inbox" / "crew_1"
    thread.mkdir(parents=True)
    page = _messenger_page([("Bob", "the money is in the car", "Jan 15, 2024 9:06:00 pm"),
                            ("Anna", "where is it?", "Jan 15, 2024 9:05:12 pm")])
    (thread / "message_1.html").write_text(page.replace("<section", "<s<![foo]>ection", 1), encoding="utf-8")
    [loaded] = load_export(thread / "message_1.html")
    [anna] = loaded.export.messages
    assert (anna.sender, anna.text) == ("Anna", "where is it?")
    assert anna.note == ("the page is damaged HTML the parser read on past: its markup opens 2 messages, 1 of them read, "
                         "so a message of it may be missing or misread with nothing else said of it")
    _, _, err = run(capsys, "timeline", str(thread / "message_1.html"), "--out", str(tmp_path / "out"), "--format",
                    "json", "--case", str(tmp_path / "case"))
    assert "warning: a page is damaged HTML the parser read on past: it opens more messages than were read" in err

    body = "".join(_telegram_block(i, "media_contact", name, f'<div class="status details">{number}</div>')
                   for i, (name, number) in enumerate((("Oleg", "+7 900 1"), ("Ivan", "+7 900 2"), ("Pavel", "+7 900 3")), 1))
    (tmp_path / "messages.html").write_text(_telegram_page(body.replace(
        '<div class="message default clearfix" id="message2">', '<div cl<![foo]>ass="message default clearfix" '
        'id="message2">')), encoding="utf-8")
    [loaded] = load_export(tmp_path / "messages.html")
    assert [m.note.split("; ")[0] for m in loaded.export.messages] == ["shown as: Oleg +7 900 1", "shown as: Pavel +7 900 3"]
    assert loaded.export.messages[-1].note.endswith("its markup opens 3 messages, 2 of them read, so a message of it "
                                                    "may be missing or misread with nothing else said of it")


def test_a_google_voice_page_whose_message_element_is_damaged_says_two_messages_were_read_as_one(tmp_path):
    """`<div class="mess<![foo]>age">`: the parser reads on, and Anna's message is read into the account's before it
    ("MeAnna (+17323212222)": "me twoanna answers"). Before, nothing said it; now the page's times (one each message
    writes) count 3 messages, 2 read, said on the message read last (the one-page readers: Google Voice, iMessage,
    Discord)."""
    from app.core.chats import load_export
    from tests.test_chatsfix30 import ME, _cite, _message, _text_page
    page = _text_page("Anna", [_message(1, ME, "me one"), _message(2, ME, "me two"),
                               _message(3, _cite("Anna", "+17323212222"), "anna answers")])
    at = page.rindex('<div class="message">')
    (tmp_path / "Anna - Text - 2021-01-22T01_33_43Z.html").write_text(
        page[:at] + '<div class="mess<![foo]>age">' + page[at + len('<div class="message">'):], encoding="utf-8")
    [loaded] = load_export(tmp_path / "Anna - Text - 2021-01-22T01_33_43Z.html")
    one, merged = loaded.export.messages
    assert (one.sender, one.note) == ("Me", "")
    assert merged.note.endswith("the page is damaged HTML the parser read on past: its markup opens 3 messages, 2 of "
                                "them read, so a message of it may be missing or misread with nothing else said of it")
    assert merged.sender is None and merged.note.startswith("its sender is not read")  # "MeAnna" is no one (chats33)
