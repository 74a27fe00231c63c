"""Session 32's fixes to review_revC (chatsfix31b and ec64c62): one rule for a damaged spot in the five HTML readers
(a sender counts once its element closed; a record the spot fell in is left out only when nothing of it was read;
one that closed before the spot is never said cut), WhatsApp's calendar from the chat's first header, and the
reader's version moved on. Each export is written as its app writes it, the spot (`<![foo]>`, a marked section
Python's HTML parser stops on) put where the review found each fault."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.chats.html_cut import NOTHING_READ, WHOLE_BEFORE
from app.core.chats.registry import load_export
from app.core.errors import ChatError
from tests.test_chat_layouts17 import _messenger_page
from tests.test_chatsfix30 import ME, _cite, _message, _text_page

FOO = "<![foo]>"
CUT = "this message may be cut there"


def _telegram(messages: list[tuple[int, str, str, int]]) -> str:
    """A Telegram Desktop page of (id, sender, words, picture colour), each sender's picture drawn as tdesktop does."""
    body = "".join(
        f'<div class="message default clearfix" id="message{i}">\n<div class="pull_left userpic_wrap">'
        f'<div class="userpic userpic{pic}" style="width: 42px"><div class="initials">{sender[:1]}</div></div></div>\n'
        f'<div class="body">\n<div class="pull_right date details" title="01.04.2021 09:{i:02d}:00 UTC+03:00">'
        f'09:{i:02d}</div>\n<div class="from_name">{sender} </div>\n<div class="text">{words}</div>\n</div>\n</div>\n'
        for i, sender, words, pic in messages)
    return ('<!DOCTYPE html><html><head><meta charset="utf-8"/><title>Exported Data</title></head><body>'
            '<div class="page_wrap"><div class="page_header"><div class="text bold">Crew</div></div>'
            f'<div class="page_body chat_page"><div class="history">\n{body}</div></div></div></body></html>\n')


def _date_line(n: int, day: str) -> str:
    return f'<div class="message service" id="message-{n}">\n<div class="body details">{day}</div>\n</div>\n'


def _read(path: Path) -> list[tuple[str | None, str, str]]:
    [loaded] = load_export(path)
    return [(m.sender, m.text, m.note) for m in loaded.export.messages]


def _written(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_a_spot_inside_a_telegram_or_messenger_senders_name_gives_the_message_to_no_one(tmp_path):
    """Before (review_revC H1): a spot inside "Anna|Smith" made Anna Smith's message Anna's; in Telegram, drawn in
    her own colour, the real Anna's whole message was then renamed "Anna (picture colour 3)" with a false note that
    two accounts bear her name. Now a name counts once its element closed: the message keeps its time, no sender,
    and says how far the name was read; in Messenger (the name first) nothing of it was read, so it is left out."""
    page = _telegram([(1, "Anna", "I will bring it", 3), (2, "Anna Smith", "no", 5), (3, "Boris", "ok", 1),
                      (4, "Anna Smith", "I paid him 500", 5)])
    damaged = page.replace("Anna Smith </div>\n<div class=\"text\">I paid", f"Anna{FOO} Smith </div>")
    telegram = _read(_written(tmp_path / "tg" / "messages.html", damaged))
    assert [(sender, text) for sender, text, _ in telegram] == [
        ("Anna", "I will bring it"), ("Anna Smith", "no"), ("Boris", "ok"), (None, "")]
    assert not any("picture colour" in note for _, _, note in telegram)
    assert f"{CUT}; its sender's name is cut there (read as far as 'Anna': not taken as a sender)" in telegram[-1][2]
    sections = _messenger_page([("Bob Jones", "ok", "Jan 15, 2024 9:09:00 pm"),
                                ("Anna Smith", "I paid him 500", "Jan 15, 2024 9:08:00 pm"),
                                ("Anna", "I will bring it", "Jan 15, 2024 9:07:00 pm")])
    damaged = sections.replace(">Anna Smith</h2>", f">Anna{FOO} Smith</h2>")
    messenger = _read(_written(tmp_path / "messages" / "inbox" / "crew_1" / "message_1.html", damaged))
    assert [(sender, text) for sender, text, _ in messenger] == [("Bob Jones", "ok")]
    assert messenger[0][2].endswith(f"{NOTHING_READ} (its sender's name read only as far as 'Anna'), and what the "
                                    "page holds after it is not in this chat"), messenger[0][2]


def test_a_spot_in_a_google_voice_or_imessage_sender_splits_no_chat_and_shows_no_piece_of_a_number(tmp_path):
    """Before (review_revC H2): a spot before "Me" on Anna's second page gave the account's message a bare number as
    sender and split Anna's chat in two "Anna" chats; "An|na" gave "An (+1732...)"; in iMessage "+141555" of
    "+14155550134" was a sender. Now the cut message has no sender, says how far it was read, and the chat is one."""
    anna = _cite("Anna", "+17320000111")
    folder = tmp_path / "gv"
    first = _written(folder / "Anna - Text - 2021-01-22T01_33_43Z.html",
                     _text_page("Anna", [_message(1, anna, "one"), _message(2, ME, "two mine")]))
    for last, piece in ((ME, "+17323210011"), (anna, "An")):
        second = _text_page("Anna", [_message(3, anna, "three"), _message(4, last, "I paid")])
        at = second.rindex(">Me</abbr>") + 1 if last == ME else second.rindex(">Anna</span>") + 3
        _written(folder / "Anna - Text - 2021-03-02T10_00_00Z.html", second[:at] + FOO + second[at:])
        [loaded] = load_export(first)
        [chat] = loaded.export.chats
        assert [(m.sender, m.text) for m in chat.messages] == [
            ("Anna (+17320000111)", "one"), ("Me", "two mine"), ("Anna (+17320000111)", "three"), (None, "")]
        assert f"read as far as {piece!r}" in chat.messages[-1].note
    bubble = ('<div class="message">\n<div class="{side}">\n<p><span class="timestamp">Mar 06, 2024  9:0{n}:00 AM'
              '</span>\n<span class="sender">{sender}</span></p>\n<hr><div class="message_part">\n<span class="bubble">'
              '{words}</span>\n</div>\n</div>\n</div>\n')
    page = ('<!DOCTYPE html>\n<html>\n<head>\n<meta charset="UTF-8">\n</head>\n<body>\n'
            + bubble.format(side="received", n=1, sender="+14155550134", words="listen to this")
            + bubble.format(side="sent iMessage", n=2, sender="Me", words="ok")
            + bubble.format(side="received", n=3, sender="+14155550134", words="I have the money") + '</body>\n</html>\n')
    at = page.rindex("+14155550134") + len("+141555")
    imessage = _read(_written(tmp_path / "im" / "+14155550134.html", page[:at] + FOO + page[at:]))
    assert [(sender, text) for sender, text, _ in imessage] == [("+1 415-555-0134", "listen to this"), ("Me", "ok"),
                                                                (None, "")]  # a number in one form (reader 4)
    assert "read as far as '+141555'" in imessage[-1][2] and "no readable time" not in imessage[-1][2]


def test_a_record_of_nothing_is_left_out_and_a_closed_record_of_no_words_is_kept_whole(tmp_path):
    """Before (review_revC H3): a spot just inside a Google Voice, iMessage or Discord message kept a record of no
    sender, time or words, and a page holding only that was not refused. Now that record is left out (the message
    before says so) and such a page is refused in one line, as on Telegram and Messenger; a message of no words
    that closed before the spot (iMessage's record of a file the database lacks) is kept, not said cut."""
    anna = _cite("Anna", "+17320000111")
    page = _text_page("Anna", [_message(1, anna, "one"), _message(2, anna, "two")])
    at = page.rindex('<div class="message">') + len('<div class="message">')
    gv = _read(_written(tmp_path / "gv" / "Anna - Text - 2021-01-22T01_33_43Z.html", page[:at] + FOO + page[at:]))
    assert [(sender, text) for sender, text, _ in gv] == [("Anna (+17320000111)", "one")]
    assert NOTHING_READ in gv[0][2]
    alone = _text_page("Anna", [_message(1, anna, "one")]).replace('<div class="message">', f'<div class="message">{FOO}')
    with pytest.raises(ChatError, match="damaged HTML, not read"):
        load_export(_written(tmp_path / "gv2" / "Anna - Text - 2021-01-22T01_33_43Z.html", alone))
    bubble = ('<div class="message">\n<div class="sent iMessage">\n<p><span class="timestamp">Mar 06, 2024  9:0{n}:00 AM'
              '</span>\n<span class="sender">Me</span></p>\n<hr><div class="message_part">\n{part}\n</div>\n</div>\n</div>\n')
    head = '<!DOCTYPE html>\n<html>\n<head>\n<meta charset="UTF-8">\n</head>\n<body>\n'
    lacks = bubble.format(n=1, part="Attachment does not exist!")
    after_it = _read(_written(tmp_path / "im" / "a.html", head + lacks + FOO + bubble.format(n=2, part="lost")))
    assert len(after_it) == 1 and after_it[0][0] == "Me" and CUT not in after_it[0][2] and WHOLE_BEFORE in after_it[0][2]
    inside = _read(_written(tmp_path / "im2" / "a.html", head + lacks + bubble.format(n=2, part="x").replace(
        '<div class="message">', f'<div class="message">{FOO}')))
    assert len(inside) == 1 and NOTHING_READ in inside[0][2]
    from tests.test_chat_layouts6 import _dce_header, _dce_message, _dce_text
    messages = [_dce_message(str(i), _dce_header("Anna", "anna_k", f"1/15/2024 9:0{i} PM", str(i)) + "\n"
                             + _dce_text(words), "") for i, words in ((1, "where are you?"), (2, "at the depot"))]
    messages[1] = messages[1].replace('<div class="chatlog__message">', f'<div class="chatlog__message">{FOO}')
    discord = _read(_written(tmp_path / "dc" / "anna.html", '<!DOCTYPE html>\n<html lang="en">\n<head><title>anna'
                             '</title></head>\n<body>\n<div class="chatlog">\n<div class="chatlog__message-group">\n'
                             + "".join(messages) + "</div>\n</div>\n</body>\n</html>\n"))
    assert [(sender, text) for sender, text, _ in discord] == [("Anna (anna_k)", "where are you?")]
    assert NOTHING_READ in discord[0][2]


def test_a_kept_cut_message_says_its_sender_or_time_was_not_read_not_that_the_export_has_none(tmp_path):
    """Before (review_revC M1): a spot after Oleg's time and before his name said "the export names no sender for
    this message" (it does: the damage stopped the reading); every kept Messenger message said "no time" (its time
    is written last). Now the note says which was not read, the damaged spot coming first."""
    page = _telegram([(1, "Anna", "I will bring it", 3), (2, "Oleg", "I paid him 500", 4)])
    damaged = page.replace('09:02</div>\n<div class="from_name">', f'09:02</div>\n{FOO}<div class="from_name">')
    telegram = _read(_written(tmp_path / "tg" / "messages.html", damaged))
    assert [(sender, text) for sender, text, _ in telegram] == [("Anna", "I will bring it"), (None, "")]
    assert "names no sender" not in telegram[1][2]
    assert f"{CUT}; its sender is not read (the damaged spot comes before it)" in telegram[1][2], telegram[1][2]
    sections = _messenger_page([("Bob Jones", "ok", "Jan 15, 2024 9:09:00 pm"),
                                ("Anna Smith", "I paid him 500", "Jan 15, 2024 9:08:00 pm")])
    damaged = sections.replace("I paid him", f"I paid {FOO}him")
    messenger = _read(_written(tmp_path / "messages" / "inbox" / "crew_1" / "message_1.html", damaged))
    assert [(sender, text) for sender, text, _ in messenger] == [("Anna Smith", "I paid"), ("Bob Jones", "ok")]
    assert "no time" not in messenger[0][2]
    assert f"{CUT}; its time is not read (the damaged spot comes before it)" in messenger[0][2], messenger[0][2]


def test_a_spot_between_messages_or_in_a_date_line_says_no_whole_message_is_cut(tmp_path):
    """Before (review_revC M2): a spot after a message's closing tag, or inside Telegram's "2 April 2021" line,
    said of the whole message before it "this message may be cut there". Now a record that closed before the spot
    is neither left out nor said cut: its note says the spot comes after it."""
    first, second = _telegram([(1, "Oleg", "first words", 1)]), _telegram([(3, "Anna", "third", 2)])
    history = second[second.index('<div class="message default'):second.index("</div></div></div></body>")]
    whole = first.replace("</div></div></div></body>", _date_line(2, "2 April 2021") + history
                          + "</div></div></div></body>")
    between = whole.replace('</div>\n<div class="message service"', f'</div>\n{FOO}<div class="message service"')
    in_date_line = whole.replace(">2 April 2021<", f">2 Ap{FOO}ril 2021<")
    for n, damaged in enumerate((between, in_date_line)):
        [(sender, text, note)] = _read(_written(tmp_path / f"tg{n}" / "messages.html", damaged))
        assert (sender, text) == ("Oleg", "first words") and CUT not in note and WHOLE_BEFORE in note, note
    sections = _messenger_page([("Bob Jones", "newest words", "Jan 15, 2024 9:09:00 pm"),
                                ("Anna Smith", "older words", "Jan 15, 2024 9:08:00 pm")])
    damaged = sections.replace("</section>", f"</section>{FOO}", 1)
    [(sender, text, note)] = _read(_written(tmp_path / "messages" / "inbox" / "crew_1" / "message_1.html", damaged))
    assert (sender, text) == ("Bob Jones", "newest words") and CUT not in note and WHOLE_BEFORE in note
    assert "no time" not in note


def _whatsapp(tmp_path: Path, text: str) -> list[tuple[str | None, str | None, str, str]]:
    chat = _written(tmp_path / "WhatsApp Chat with Anna.txt", text)
    [loaded] = load_export(chat)
    return [(m.sender, m.datetime, m.text, m.note) for m in loaded.export.messages]


def test_a_japanese_era_chat_keeps_a_header_that_lost_its_era_letter_as_its_senders_message(tmp_path):
    """Before (review_revC M3): in an iPhone chat dated in Japanese eras, "[1/7/5, 23:32:30] Anna: ..." (its "R"
    lost) was folded into Bob's message above, no note: Anna's words shown as Bob's. Only a chat of Western years
    folds an era line into the message above (where such a line is typed text); here it stays Anna's message."""
    read = _whatsapp(tmp_path, "[3/18/R4, 14:56:01] Anna: hello\n[3/27/R4, 21:41:55] Bob: I sent it\n"
                               "[1/7/5, 23:32:30] Anna: a new year\nmore words\n[4/30/R5, 09:00:00] Bob: ok\n")
    assert [(sender, text) for sender, _, text, _ in read] == [
        ("Anna", "hello"), ("Bob", "I sent it"), ("Anna", "a new year\nmore words"), ("Bob", "ok")]
    assert read[2][1] is None and read[1][1] == "2022-03-27T21:41:55"


def test_era_lines_outnumbering_a_short_chats_one_header_are_still_its_words(tmp_path):
    """Before (review_revC M4): one Western header and two typed "H12/3/22 ..." lines flipped the chat's calendar by
    majority: two messages of the year 2000 were invented. The calendar is the first header's (an export's first
    line is always one of its own): both lines are Anna's words, said."""
    from app.core.chats.whatsapp import ERA_LINE_NOTE
    read = _whatsapp(tmp_path, "18/03/2022, 14:56 - Anna: code\nH12/3/22 10:00 - Anna: hm\nH12/3/22 10:01 - Anna: hm2\n")
    assert read == [("Anna", "2022-03-18T14:56:00", "code\nH12/3/22 10:00 - Anna: hm\nH12/3/22 10:01 - Anna: hm2",
                     ERA_LINE_NOTE)]


def test_chats_a_case_stored_under_reader_30_are_read_again(tmp_path, monkeypatch):
    """Before (review_revC M5): reader 30's output changed (the SMS join taken out, the damaged-spot rule, era lines)
    but its version stayed 30, so a case taken in before kept reader 30's chats for good. Here a reading stored as
    reader 30's (the spot judged to fall between messages) is replaced by this reader's at the next take-in."""
    from app.core.chats import intake, telegram_html
    from app.core.chats.timeline import build_timeline, timeline_dict
    from app.core.store import Case
    from app.core.usecases.timeline import take_in_exports
    page = _telegram([(1, "Anna", "I will bring it", 3), (2, "Anna Smith", "I paid him 500", 5)])
    folder = tmp_path / "tg"
    _written(folder / "messages.html", page.replace(">Anna Smith </div>", f">Anna{FOO} Smith </div>"))
    case = Case.open(tmp_path / "case")
    with monkeypatch.context() as old:
        old.setattr(intake, "PARSER_VERSION", 30)
        old.setattr(telegram_html, "_held", lambda reader: (reader.messages, None), raising=False)
        [taken], _ = take_in_exports(case, [str(folder)])
    [again], _ = take_in_exports(case, [str(folder)])
    assert again.exhibit_id == taken.exhibit_id and set(again.chat_ids).isdisjoint(taken.chat_ids)
    [note] = [m["note"] for m in timeline_dict(build_timeline(case, again.exhibit_id))["messages"] if not m["sender"]]
    assert "read as far as 'Anna'" in note and WHOLE_BEFORE not in note  # the case's timeline: this reader's


def test_an_imessage_sender_outside_any_message_is_read_without_a_traceback(tmp_path):
    """The rule's first form (a sender counted when its element closes) raised StopIteration when a spot inside a
    message's class left its sender outside any message (the parser reads on there). Now that sender is no one's
    and the page reads as before the rule: the messages after it whole. The message the spot broke is lost, and
    since review_revJ H2 that is said: its "received" div still counts it (2 opened, 1 read)."""
    bubble = ('<div class="message">\n<div class="received">\n<p><span class="timestamp">Mar 06, 2024  9:0{n}:00 AM'
              '</span>\n<span class="sender">+14155550134</span></p>\n<hr><div class="message_part">\n'
              '<span class="bubble">{words}</span>\n</div>\n</div>\n</div>\n')
    page = ('<!DOCTYPE html>\n<html>\n<head>\n<meta charset="UTF-8">\n</head>\n<body>\n'
            + bubble.format(n=1, words="listen to this").replace('class="message"', f'class="mes{FOO}sage"')
            + bubble.format(n=2, words="I have the money") + "</body>\n</html>\n")
    read = _read(_written(tmp_path / "im" / "+14155550134.html", page))
    assert [text for _, text, _ in read] == ["I have the money"]
    assert "its markup opens 2 messages, 1 of them read" in read[0][2]
