"""Session 31's fixes to chats31's readers (review_chats31): the SMS national-number join, damaged headers,
Google Voice pages of the account alone, placeholders in words."""

from __future__ import annotations

from pathlib import Path

from app.core.chats.registry import load_export


def _sms(address: str, ms: int, box: str, body: str, name: str) -> str:
    return (f'<sms protocol="0" address="{address}" date="{ms}" type="{box}" body="{body}" read="1" '
            f'contact_name="{name}" />')


def _backup(folder: Path, *messages: str) -> dict[str, list[tuple[str | None, str]]]:
    backup = folder / "sms-20240116100000.xml"
    backup.write_text("<?xml version='1.0' encoding='UTF-8' standalone='yes' ?><smses count=\"1\">"
                      + "".join(messages) + "</smses>", encoding="utf-8")
    [loaded] = load_export(backup)
    return {chat.name: [(m.sender, m.text) for m in chat.messages] for chat in loaded.export.chats}


def test_an_sms_address_of_a_plus_and_too_few_digits_is_read_beside_a_national_one(tmp_path):
    """Before (chats31): "+44", "+0123" or "+999123" beside a number without its country code raised
    NumberParseException out of the reader, and `timeline` ended. Now each is its own conversation."""
    for odd in ("+44", "+0123", "+999123"):
        chats = _backup(tmp_path, _sms(odd, 1705349111000, "1", "x", "A"),
                        _sms("07700900123", 1705349200000, "2", "y", "A"))
        assert chats == {f"A ({odd})": [(f"A ({odd})", "x")], "A (07700900123)": [("(this phone)", "y")]}, odd


def test_an_sms_national_number_stays_apart_even_under_the_same_contact_name(tmp_path):
    """Before (chatsfix31): Lupe's US "5512345678" joined her Mexican +52 55 1234 5678 (one contact, two SIMs),
    its sender rewritten to the Mexican number, when the backup held no "+1" number. Now no national number is
    joined to a "+" number, whatever the names: each stays the conversation the backup writes."""
    lupe_mx = _sms("+525512345678", 1705349111000, "1", "from my Mexican SIM", "Lupe")
    lupe_us = _sms("5512345678", 1705349200000, "1", "from my New Jersey SIM", "Lupe")
    assert _backup(tmp_path, lupe_mx, lupe_us) == {"Lupe (+525512345678)": [("Lupe (+525512345678)", "from my Mexican SIM")],
                                                   "Lupe (5512345678)": [("Lupe (5512345678)", "from my New Jersey SIM")]}
    sean = _sms("+353871234567", 1705349111000, "1", "Irish friend here", "Sean")
    chats = _backup(tmp_path, sean, _sms("0871234567", 1705349200000, "2", "see you", "Sean"))
    assert chats == {"Sean (+353871234567)": [("Sean (+353871234567)", "Irish friend here")],
                     "Sean (0871234567)": [("(this phone)", "see you")]}


def test_a_reply_in_words_a_placeholder_was_guessed_from_stays_the_senders_words(tmp_path):
    """Before (chats31): "Файл не включен" ("the file isn't included") or "Dosya atlandı" typed as a reply was a
    file the export left out, the words shown as its placeholder and counted missing. Now the words chats31 took
    from the languages make a placeholder only in Android's angle brackets."""
    replies = ["Файл не включен", "Fájl kihagyva", "fitxer omès", "Dosya atlandı", "медіа не включено"]
    left_out = ["<Médiafájl kihagyva>", "<Медиафайлы не включены>", "<Dosya atlandı>", "<Multimèdia omès>"]
    chat = tmp_path / "WhatsApp Chat with Anna.txt"
    chat.write_text("".join(f"15/01/2024, 21:{i:02d} - Anna: {line}\n" for i, line in enumerate(replies + left_out)),
                    encoding="utf-8")
    [loaded] = load_export(chat)
    messages = loaded.export.messages
    assert [(m.text, m.attachment) for m in messages[:len(replies)]] == [(line, None) for line in replies]
    assert [(m.text, m.attachment.missing, m.attachment.placeholder) for m in messages[len(replies):]] == [
        ("", True, line) for line in left_out]


def _read_chat(path: Path) -> list[tuple[str | None, str, str]]:
    [loaded] = load_export(path)
    return [(m.sender, m.text, m.note) for m in loaded.export.messages]


def test_a_message_damaged_before_its_words_is_kept_when_its_sender_or_time_was_read(tmp_path):
    """Before (chatsfix31): damage at the start of Oleg's words (his name and 09:03 read) or of Anna Smith's in
    Messenger dropped the message, the note before it saying "its sender and time not read" (false). Now a message
    of which anything was read is kept, saying it may be cut there; one of which nothing was read is dropped, the
    message before saying so; Telegram and Messenger, one page or several."""
    from tests.test_chat_layouts17 import _messenger_page, _telegram_page
    (tmp_path / "messages.html").write_text(_telegram_page([(1, "Oleg", "first")]), encoding="utf-8")
    (tmp_path / "messages2.html").write_text(_telegram_page(
        [(2, "Anna", "second"), (3, "Oleg", "<![foo]>I paid him 500"), (4, "Anna", "never read")]), encoding="utf-8")
    single = tmp_path / "one" / "messages.html"
    single.parent.mkdir()
    single.write_text(_telegram_page([(2, "Anna", "second"), (3, "Oleg", "x")]).replace(
        '<div class="message default clearfix" id="message3">',
        '<div class="message default clearfix" id="message3"><![foo]>'), encoding="utf-8")
    inbox = tmp_path / "messages" / "inbox" / "crew_1"
    inbox.mkdir(parents=True)
    (inbox / "message_1.html").write_text(_messenger_page([
        ("Bob", "newest", "Jan 15, 2024 9:09:00 pm"), ("Anna Smith", "<![foo]>the money", "Jan 15, 2024 9:08:00 pm"),
        ("Bob", "lost", "Jan 15, 2024 9:07:00 pm")]), encoding="utf-8")
    (inbox / "message_2.html").write_text(_messenger_page([("Anna Smith", "oldest", "Jan 15, 2024 9:05:00 pm")]),
                                          encoding="utf-8")
    telegram, messenger = _read_chat(tmp_path / "messages.html"), _read_chat(inbox / "message_1.html")
    assert [(sender, text) for sender, text, _ in telegram] == [("Oleg", "first"), ("Anna", "second"), ("Oleg", "")]
    assert [(sender, text) for sender, text, _ in messenger] == [("Anna Smith", "oldest"), ("Anna Smith", ""),
                                                                 ("Bob", "newest")]
    for _, _, note in (telegram[-1], messenger[1]):
        assert "damaged HTML at line" in note and "this message may be cut there" in note, note
    assert not telegram[1][2] and not messenger[2][2]
    nothing = _read_chat(single)
    assert [(sender, text) for sender, text, _ in nothing] == [("Anna", "second")]
    assert "the next message the page lists is cut there before its sender, time, words or files were read" in (
        nothing[0][2])


def test_a_google_voice_page_of_the_accounts_words_alone_joins_no_other_persons_chat(tmp_path):
    """Before (chats31): of two contacts saved as "Mum", a page where only the account wrote (to Mum B) joined
    Mum A's chat, with no note: a message sent to one person shown in another's conversation, beside her number.
    The page does not write whom it was sent to, so it is now a chat of its own, as each page was before."""
    from tests.test_chatsfix30 import ME, _cite, _message, _text_page
    (tmp_path / "Mum - Text - 2021-01-22T01_33_43Z.html").write_text(_text_page("Mum", [
        _message(1, _cite("Mum", "+17320000111"), "from mum A"), _message(2, ME, "reply to A")]), encoding="utf-8")
    (tmp_path / "Mum - Text - 2021-03-02T10_00_00Z.html").write_text(_text_page("Mum", [
        _message(3, ME, "sent only to mum B: meet at 9")]), encoding="utf-8")
    for given in sorted(tmp_path.iterdir()):
        [loaded] = load_export(given)
        assert [[(m.sender, m.text) for m in c.messages] for c in loaded.export.chats] == [
            [("Mum (+17320000111)", "from mum A"), ("Me", "reply to A")], [("Me", "sent only to mum B: meet at 9")]]


def test_a_damaged_google_voice_page_of_a_joined_chat_is_named(tmp_path):
    """Before (chats31): a damaged spot in page 2 of a party's three text pages was said as "the page is damaged
    HTML", not which of the three. Now the note names the page, its number and its file."""
    from tests.test_chatsfix30 import _cite, _message, _text_page
    anna = _cite("Anna", "+17323212222")
    names = ["Anna - Text - 2021-01-22T01_33_43Z.html", "Anna - Text - 2021-03-02T10_00_00Z.html",
             "Anna - Text - 2021-04-02T10_00_00Z.html"]
    pages = [[_message(1, anna, "one")], [_message(3, anna, "three"), "<![foo]>", _message(4, anna, "lost")],
             [_message(5, anna, "five")]]
    for name, messages in zip(names, pages):
        (tmp_path / name).write_text(_text_page("Anna", messages), encoding="utf-8")
    [loaded] = load_export(tmp_path / names[0])
    [chat] = loaded.export.chats
    assert [m.text for m in chat.messages] == ["one", "three", "five"]
    assert chat.messages[1].note.startswith(f"page 2 of this chat's 3 pages ({names[1]}) is damaged HTML at line")


def test_a_line_dated_in_a_japanese_era_in_a_chat_of_western_years_is_the_message_above(tmp_path):
    """Before (chatsfix31): in a chat of 4-digit years, "H12/3/22 10:00 - Anna: hm" (a line of Anna's words) was
    her message of 2000 ("Heisei 12"), and "H12/3/2022 ..." a line of its own with no sender. In a chat of Western
    years an era line is words of the message above, as on reader 29, said on it (review_revC M3); one chat order."""
    from app.core.chats.whatsapp import ERA_LINE_NOTE
    for line in ("H12/3/2022 10:00 - Anna: hm", "H12/3/22 10:00 - Anna: hm", "18/3/R4 10:00 - Anna: hm"):
        chat = tmp_path / "WhatsApp Chat with Anna.txt"
        chat.write_text(f"18/03/2022, 14:56 - Anna: code\n{line}\n18/03/2022, 14:57 - Ben: ok\n", encoding="utf-8")
        [loaded] = load_export(chat)
        [read] = loaded.export.chats
        assert read.date_order == "day-first", line
        assert [(m.sender, m.datetime, m.text, m.note) for m in read.messages] == [
            ("Anna", "2022-03-18T14:56:00", f"code\n{line}", ERA_LINE_NOTE), ("Ben", "2022-03-18T14:57:00", "ok", "")], line


def test_a_later_google_voice_page_that_is_an_exhibit_already_is_said_and_audited(tmp_path):
    """Before (chats31): a case holding a party's second text page as an exhibit of its own (reader 29 made one per
    page; here it is met alone in another folder) took the folder in with that page read into the first page's
    chat, and nothing said the earlier exhibit holds the same messages. Now the intake says so, and the earlier
    exhibit's audit log records which exhibit reads it, once however often the folder is taken in."""
    from app.core.store import Case
    from app.core.usecases.timeline import take_in_exports
    from tests.test_chatsfix30 import _cite, _message, _text_page
    anna = _cite("Anna", "+17323212222")
    first, later = tmp_path / "a", tmp_path / "b"
    first.mkdir(), later.mkdir()
    second = _text_page("Anna", [_message(3, anna, "second thread")])
    (first / "Anna - Text - 2021-01-22T01_33_43Z.html").write_text(_text_page("Anna", [_message(1, anna, "first")]),
                                                                   encoding="utf-8")
    for folder in (first, later):
        (folder / "Anna - Text - 2021-03-02T10_00_00Z.html").write_text(second, encoding="utf-8")
    case = Case.open(tmp_path / "case")
    [alone], _ = take_in_exports(case, [str(later)])
    assert alone.pages_taken_before == ()
    for _ in range(2):
        [joined], _ = take_in_exports(case, [str(first)])
        assert [m.text for m in joined.export.messages] == ["first", "second thread"]
        said = (f"Anna - Text - 2021-03-02T10_00_00Z.html is also exhibit {alone.exhibit_id} (taken in alone before, "
                "or met alone): its messages are read here with its first page, and that exhibit keeps its own chat")
        assert joined.pages_taken_before == (f"{said} of them",)
    [entry] = case.audit.entries_of("chat.page_read_with_first", f"exhibit/{alone.exhibit_id}")
    assert entry.details["read_with"] == f"exhibit/{joined.exhibit_id}"
