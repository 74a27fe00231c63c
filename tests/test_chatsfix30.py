"""Chat exports, session 30 review fixes (reader 29): a Google Voice placed call keeps the number dialled, a long
page in a folder is read, a chat quoting the page's markers is its own, a group page names its members, a page to
an unnamed number is named by it, one damaged HTML page is that page's one-line refusal, the folder's small JSON
files are counted, an SMS backup's MMS cannot place a file outside the case's folder, iMazing's Text kept whole.

Each test builds its export as a small file in the layout Google Takeout, Telegram, SMS Backup & Restore and iMazing
write, and reads it as `timeline` does.
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import pytest

from app.core.chats.registry import load_export
from app.core.chats.sms import read_backup
from app.core.errors import ChatError

MEDIA = Path("/work/shared/media")
HEAD = ('<?xml version="1.0" ?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/'
        'xhtml1/DTD/xhtml1-strict.dtd"><html xmlns="http://www.w3.org/1999/xhtml"><head><meta http-equiv="Content-'
        'Type" content="text/html; charset=UTF-8" />\n<title>{title}</title>\n<style type="text/css">\n.full-text {{'
        '\n  display: none;\n}}\n</style></head>\n')
TAIL = ('<div class="tags">Labels:\n<a rel="tag" href="http://www.google.com/voice#{label}">{label}</a></div>\n'
        '<div class="deletedStatusContainer">User Deleted:\nFalse</div>')
ME = '<cite class="sender vcard"><a class="tel" href="tel:+17323210011"><abbr class="fn" title="">Me</abbr></a></cite>'


def _placed_call(name: str, tel: str) -> str:
    """A Takeout "Placed call" page, as its `+17323218888 - 2015-03-20T03_59_29Z.html` is written."""
    return (HEAD.format(title=f"Placed call to\n{name}") + '<body><div class="haudio"><span class="album">Call Log for'
            f'\n</span>\n<span class="fn">Placed call to\n{name}</span>\n<div class="contributor vcard">Placed call to\n'
            f'<a class="tel" href="tel:{tel}"><span class="fn">{name}</span></a></div>\n<abbr class="published" title="'
            '2015-03-19T20:59:29.000-07:00">Mar 19, 2015, 8:59:29&#8239;PM\nPacific Time</abbr>\n<br />\n<abbr class='
            '"duration" title="PT1M">(00:01:00)</abbr>\n' + TAIL.format(label="placed") + '</div></body></html>\n')


def _message(n: int, sender: str, words: str) -> str:
    return (f'<div class="message"><abbr class="dt" title="2021-01-21T17:{n // 60 % 60:02d}:{n % 60:02d}.242-08:00">'
            f'Jan 21, 2021</abbr>:\n{sender}:\n<q>{words}</q>\n</div> ')


def _text_page(title: str, messages: list[str], participants: str = "") -> str:
    return (HEAD.format(title=title) + f'<body><div class="hChatLog hfeed">{participants}' + "".join(messages) +
            '</div>\n' + TAIL.format(label="sms") + '</body></html>\n')


def _cite(name: str, tel: str) -> str:
    return f'<cite class="sender vcard"><a class="tel" href="tel:{tel}"><span class="fn">{name}</span></a></cite>'


def _only(path: Path):
    [loaded] = load_export(path)
    [chat] = loaded.export.chats
    return loaded.export.container, chat


def test_a_placed_call_keeps_the_number_dialled_and_the_name(tmp_path):
    """Before: the called party was replaced by "Me": "Placed call to", "placed call, 60 s", the number nowhere.
    Now the number (and the name, when the page gives one) is in the chat's name and the record's words."""
    unnamed = tmp_path / "+17323218888 - 2015-03-20T03_59_29Z.html"
    unnamed.write_text(_placed_call("", "+17323218888"), encoding="utf-8")
    _, chat = _only(unnamed)
    [call] = chat.messages
    assert (chat.name, call.sender, call.text, call.system) == (
        "Placed call to +17323218888", "Me", "placed call to +17323218888, 60 s", True)
    named = tmp_path / "Joe Blow - Placed - 2021-06-07T21_10_27Z.html"
    named.write_text(_placed_call("Joe Blow", "+18885551234"), encoding="utf-8")
    _, chat = _only(named)
    assert chat.messages[0].text == "placed call to Joe Blow (+18885551234), 60 s"


def test_a_long_google_voice_page_in_a_folder_is_read_not_counted_as_another_file(tmp_path):
    """Before: the page was known by its labels at its end; a folder's files are sniffed by their first 64 KiB, so
    a long conversation (400 messages, 100+ KiB) was passed over as "no chat export". Now its top decides."""
    folder = tmp_path / "Calls"
    folder.mkdir()
    messages = [_message(n, ME if n % 2 else _cite("Hans", "+17323217777"), f"message number {n} " + "x" * 200)
                for n in range(400)]
    page = folder / "Hans - Text - 2021-01-22T01_33_43Z.html"
    page.write_text(_text_page("Hans", messages), encoding="utf-8")
    assert page.stat().st_size > 100_000
    (folder / "WhatsApp Chat with Anne.txt").write_text("13/06/2024, 21:05 - Anne: hi\n", encoding="utf-8")
    refused: list[ChatError] = []
    loaded = load_export(folder, refused=refused)
    counts = sorted((lo.export.container, len(lo.export.chats[0].messages)) for lo in loaded)
    assert (counts, refused) == ([("google-voice-html", 400), ("whatsapp", 1)], [])


def test_a_chat_quoting_a_google_voice_page_is_read_as_its_own(tmp_path):
    """Before: a WhatsApp chat with a message quoting `<div class="haudio">` and google.com/voice# was taken for a
    Google Voice page and refused whole. Now a page is known by how it starts (an HTML document)."""
    chat = tmp_path / "WhatsApp Chat with Anne.txt"
    chat.write_text('13/06/2024, 21:05 - Anne: meet at the docks at 9\n13/06/2024, 21:06 - Luc: look at this page '
                    'source: <div class="haudio"> <a class="tel" href="tel:+1555"> from http://www.google.com/voice#'
                    'voicemail\n13/06/2024, 21:07 - Anne: ok bring the money\n', encoding="utf-8")
    container, read = _only(chat)
    assert (container, [m.sender for m in read.messages]) == ("whatsapp", ["Anne", "Luc", "Anne"])


def test_a_group_page_names_its_members_and_a_page_to_an_unnamed_number_is_named_by_it(tmp_path):
    """Before: a group page's participants (read before its first message) went nowhere, so a member who never
    wrote was lost; two pages "Me to" a number the page does not name were two chats called "Me to". Now the group
    chat is named with its members, the other by the number Takeout names the file with."""
    group = tmp_path / "Group Conversation - 2021-07-13T21_25_26Z.html"
    members = ('<div class="participants">Group conversation with:\n' + _cite("Rosalind E Franklin", "+17323211313")
               + ", " + _cite("Alan A Milne", "+17323212222") + "</div>\n")
    group.write_text(_text_page("Group Conversation", [_message(1, ME, "we're all good")], members), encoding="utf-8")
    _, chat = _only(group)
    assert chat.name == "Group Conversation with Rosalind E Franklin (+17323211313), Alan A Milne (+17323212222)"
    assert [(m.sender, m.text) for m in chat.messages] == [("Me", "we're all good")]  # no member taken as a message
    unnamed = tmp_path / "+17323217777 - Text - 2021-01-22T01_33_43Z.html"
    unnamed.write_text(_text_page("Me to\n", [_message(2, ME, "the money is under the bench")]), encoding="utf-8")
    _, chat = _only(unnamed)
    assert chat.name == "Me to +17323217777"


def test_one_damaged_html_page_is_that_pages_one_line_refusal(tmp_path):
    """Before: Python's HTML parser asserts on a marked section it does not know (`<![foo bar]>`): one damaged page
    ended the folder's whole run ("unexpected error"). Now that page is refused in one line, the others read; a
    Telegram chat's page likewise."""
    good = tmp_path / "Anna - Text - 2021-01-22T01_33_43Z.html"
    good.write_text(_text_page("Anna", [_message(1, _cite("Anna", "+1555"), "hello")]), encoding="utf-8")
    bad = tmp_path / "Bob - Text - 2021-01-22T01_33_44Z.html"
    bad.write_text(_text_page("Bob", [_message(1, _cite("Bob", "+1556"), "hi")], "<![foo bar]>"),  # before any message
                   encoding="utf-8")
    refused: list[ChatError] = []
    [loaded] = load_export(tmp_path, refused=refused)
    assert loaded.export.chats[0].messages[0].text == "hello"
    reason = "damaged HTML, not read (unknown status keyword 'foo ' in marked section)"
    assert [(r.path, r.reason) for r in refused] == [(str(bad), reason)]
    telegram = tmp_path / "tg"
    telegram.mkdir()
    (telegram / "messages.html").write_text(damaged_telegram_page(1), encoding="utf-8")
    with pytest.raises(ChatError, match="damaged HTML, not read"):
        load_export(telegram / "messages.html")


def test_a_chats_damaged_later_page_is_said_in_the_chat_its_other_pages_read(tmp_path):
    """A Telegram chat of two pages whose second the parser cannot read: the first page's messages are kept, and a
    note at the chat's end says which page was not read and why (before: the whole folder ended in a traceback)."""
    (tmp_path / "messages.html").write_text(_telegram_page(1, "first words"), encoding="utf-8")
    (tmp_path / "messages2.html").write_text(damaged_telegram_page(2), encoding="utf-8")
    _, chat = _only(tmp_path / "messages.html")
    first, note = chat.messages
    assert (first.sender, first.text) == ("Oleg", "first words")
    assert (note.sender, note.system, note.datetime, note.note) == (None, True, None, (
        "page 2 of this chat's 2 pages: damaged HTML, not read (unknown status keyword 'foo' in marked section): "
        "that page's messages are not in this chat"))


def damaged_telegram_page(number: int) -> str:
    """A Telegram page damaged before its one message (`<![foo]>`): nothing of it can be read."""
    return _telegram_page(number, "b").replace('<div class="history">', '<div class="history"><![foo]>')


def _telegram_page(number: int, words: str) -> str:
    """A Telegram Desktop HTML page holding one message of Oleg's."""
    return ('<!DOCTYPE html><html><head><meta charset="utf-8"/><title>Exported Data</title></head><body><div class="'
            'page_wrap"><div class="page_body chat_page"><div class="history">\n<div class="message default clearfix" '
            f'id="message{number}"><div class="body"><div class="pull_right date details" title="01.04.2021 09:0'
            f'{number}:00 UTC+03:00">09:0{number}</div><div class="from_name">Oleg</div><div class="text">{words}'
            '</div></div></div>\n</div></div></div></body></html>\n')


def test_the_folders_small_json_files_are_counted_among_its_other_files(tmp_path, capsys):
    """Before: every JSON under the size limit counted as a chat export, so a phone's app JSON was neither read,
    nor refused, nor counted. Now it is counted with the folder's other files; a Slack workspace's users.json is
    a chat's file and is not."""
    from tests.test_cli_mistakes import run

    folder = tmp_path / "evidence"
    folder.mkdir()
    (folder / "WhatsApp Chat with Anne.txt").write_text("13/06/2024, 21:05 - Anne: hi\n", encoding="utf-8")
    (folder / "data.json").write_text('{"a": 1}', encoding="utf-8")
    (folder / "users.json").write_text('[{"id": "U1", "name": "anne"}]', encoding="utf-8")
    (folder / "general").mkdir()  # a Slack channel beside users.json: a workspace's file, read with it
    (folder / "general" / "2024-01-15.json").write_text('[{"type": "message", "user": "U1", "text": "hi", "ts": '
                                                        '"1705352700.000200"}]', encoding="utf-8")
    (folder / "prefs.plist").write_text("<plist/>", encoding="utf-8")
    _, _, err = run(capsys, "timeline", str(folder), "--out", str(tmp_path / "out"), "--format", "json",
                    "--case", str(tmp_path / "case"))
    line = next(x for x in err.splitlines() if "other file(s)" in x)
    assert "2 other file(s)" in line and "data.json" in line and "prefs.plist" in line and "users.json" not in line


def test_an_mms_date_cannot_place_a_file_outside_the_extraction_folder(tmp_path):
    """Before: an MMS's `date` went unchanged into the extracted recording's path: date="../../esc" wrote the
    recording two folders above the case's. Now the path is made of safe characters only, below the folder."""
    audio = base64.b64encode((MEDIA / "en_voicenote.amr").read_bytes()).decode()
    backup = tmp_path / "in" / "sms-1.xml"
    backup.parent.mkdir()
    backup.write_text(f'<smses count="1"><mms date="../../esc" msg_box="1" address="+447700900123" m_type="132">'
                      f'<parts><part seq="0" ct="audio/amr" cl="voice.amr" data="{audio}" /></parts><addrs><addr '
                      f'address="+447700900123" type="137" /></addrs></mms></smses>\n', encoding="utf-8")
    out = tmp_path / "case" / "extracted" / "sha"
    read = read_backup(backup, out)
    [written] = read.files.values()
    assert written.resolve().parent == (out / "mms").resolve()
    copy = f"_.._esc-0-{hashlib.sha256((MEDIA / 'en_voicenote.amr').read_bytes()).hexdigest()[:12]}-voice.amr"
    assert (written.name, sorted(p.name for p in tmp_path.rglob("*") if p.is_file())) == (copy, [copy, "sms-1.xml"])


IMAZING_DUP = ('"Chat Session","Message Date","Type","Sender ID","Sender Name","Text","Text"\n'
               '"Anna","2024-01-15 21:05:00","Incoming","","","   indented\n\n","second text"\n')


def test_an_imazing_row_keeps_its_text_as_written_and_a_repeated_column_said(tmp_path):
    """Before: a column the header names twice kept only its last cell (the first words lost), every cell was
    trimmed (the Text's own leading spaces and blank lines too), and an incoming row with no sender said nothing.
    Now the first column's cell is the text, as written; the other is in the note, and the missing sender said."""
    path = tmp_path / "Anna.csv"
    path.write_text(IMAZING_DUP, encoding="utf-8")
    _, chat = _only(path)
    [row] = chat.messages
    assert (row.sender, row.text) == (None, "   indented\n\n")
    assert "the header names 'Text' again: that column's cell kept here: 'second text'" in row.note
    assert "the row names no sender" in row.note


def test_another_exports_name_without_extension_is_not_matched_as_a_google_voice_file(tmp_path):
    """Before: Google Voice's match (a name without its extension) ran for every export: iMazing's "IMG_0001"
    was linked to IMG_0001.jpg without a word (and, beside IMG_0001.mov too, shown missing). Now only Takeout's own
    MMS names ("… - Text - …Z-1-1") are so matched; another export's name is looked for as written (the photo is
    then counted by the folder's other-files line)."""
    (tmp_path / "IMG_0001.jpg").write_bytes(b"\xff\xd8\xff\xe0")
    (tmp_path / "Anna - Text - 2023-09-29T23_40_59Z-1-1.jpg").write_bytes(b"\xff\xd8\xff\xe0")
    path = tmp_path / "Anna.csv"
    path.write_text('"Chat Session","Message Date","Type","Sender ID","Sender Name","Text","Attachment"\n'
                    '"Anna","2024-01-15 21:05:00","Incoming","+4477","Anna","look","IMG_0001"\n'
                    '"Anna","2024-01-15 21:06:00","Incoming","+4477","Anna","and","Anna - Text - 2023-09-29T23_40_59Z-1-1"'
                    '\n', encoding="utf-8")
    _, chat = _only(path)
    other, takeout = (m.attachment for m in chat.messages)
    assert (other.name, other.missing, takeout.path) == ("IMG_0001", True, "Anna - Text - 2023-09-29T23_40_59Z-1-1.jpg")


def test_a_phoneview_row_in_no_layout_keeps_its_quoting_and_a_contradictory_am_is_said(tmp_path):
    """Before: a row in no layout was joined again with bare commas (`Note,"a, b"` became `Note,a, b`: two cells
    or one?), and "13:34:01 AM" was read as 13:34 without a word. Now the row is kept as a CSV line, and an AM after
    an afternoon hour is said (read as the 24-hour time written, as PhoneView's older "15:34:01 PM")."""
    rows = [f'Received,"Nov 11, 2012 {clock}",Anna,+447700900123,"m{n}",iMessage\n'
            for n, clock in enumerate(("13:34:01 AM", "15:35:01 PM", "4:36:01 PM", "4:37:01 PM"))]
    path = tmp_path / "Anna.csv"
    path.write_text("".join(rows) + 'Note,"a, b"\n', encoding="utf-8")
    _, chat = _only(path)
    am, pm, *_, kept = chat.messages
    assert (am.datetime, pm.datetime, kept.text) == ("2012-11-11T13:34:01", "2012-11-11T15:35:01", 'Note,"a, b"')
    assert "afternoon hour marked AM" in am.note and "marked AM" not in pm.note
