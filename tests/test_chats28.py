"""Chat exports, session 28: an export met twice in one run is stored once, and a zip holding a chat beside an SMS
backup keeps both.

Each test builds its export as a small file and takes it in as `timeline` does (`take_in_exports`).
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

from app.core.chats.encoding import decode_text
from app.core.chats.intake import ATTACHMENT_TAKEN_IN
from app.core.chats.registry import load_export
from app.core.chats.timeline import OFFSET_TIMES, timeline_dict
from app.core.evidence.verify import verify_case
from app.core.store.chats import chat_messages, stored_chats
from app.core.usecases.timeline import export_names, story, take_in_exports
from tests.conftest import MEDIA

VOICE = "PTT-20240115-WA0001.opus"
CHAT = "15/01/2024, 21:05 - Anna: hi\n15/01/2024, 21:06 - Anna: PTT-20240115-WA0001.opus (file attached)\n"
SMS = ("<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n<smses count=\"2\">\n"
       '  <sms protocol="0" address="+447700900123" date="1705400000000" type="1" body="Are you there?" '
       'readable_date="16 Jan 2024 10:13:20" contact_name="Bob" />\n'
       '  <sms protocol="0" address="+447700900123" date="1705400060000" type="2" body="Yes" '
       'readable_date="16 Jan 2024 10:14:20" contact_name="Bob" />\n</smses>\n')


def _zip(path: Path, members: dict[str, str | Path]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in members.items():
            if isinstance(content, Path):
                archive.write(content, name)
            else:
                archive.writestr(name, content)
    return path


def _with_voice_note(tmp_path: Path) -> Path:
    return _zip(tmp_path / "evidence" / "WhatsApp Chat with Anna.zip",
                {"WhatsApp Chat with Anna.txt": CHAT, VOICE: MEDIA / "en_voicenote.opus"})


def _taken_in_entries(case) -> list:
    return [e for e in case.audit.entries("exhibit/") if e.action == ATTACHMENT_TAKEN_IN]


def test_a_zip_given_twice_is_stored_once_and_said_once(tmp_path, case):
    """Before: `timeline a.zip a.zip` stored the export twice: its voice note's `chat.attachment_taken_in` was in
    the audit log twice, the intake line printed twice, and the second was then "the same file as" itself. Now the
    second is one line, "met again", with no media of its own to queue."""
    zipped = _with_voice_note(tmp_path)
    taken, errors = take_in_exports(case, [str(zipped), str(zipped)])
    assert not errors and [bool(t.met_again) for t in taken] == [False, True]
    assert len(taken[0].media) == 1 and taken[1].media == ()
    assert taken[1].exhibit_id == taken[0].exhibit_id and "met again (the same export as" in taken[1].met_again
    assert len(_taken_in_entries(case)) == 1
    assert export_names(taken) == {taken[0].exhibit_id: "WhatsApp Chat with Anna"}


def test_a_folder_and_the_zip_in_it_are_one_export(tmp_path, case):
    """`timeline evidence/ evidence/a.zip`, and the zip given by two spellings of its path: stored once."""
    zipped = _with_voice_note(tmp_path)
    spelled = tmp_path / "evidence" / ".." / "evidence" / zipped.name
    taken, errors = take_in_exports(case, [str(zipped.parent), str(spelled)])
    assert not errors and [bool(t.met_again) for t in taken] == [False, True]
    assert len(_taken_in_entries(case)) == 1


def test_a_copy_of_the_zip_is_still_said_as_the_same_bytes(tmp_path, case):
    """A byte copy under another name is another file met: taken in as the same exhibit, its path recorded, not
    "met again" (that line is for one file met twice)."""
    zipped = _with_voice_note(tmp_path)
    copy = shutil.copy(zipped, zipped.with_name("copy.zip"))
    taken, errors = take_in_exports(case, [str(zipped), str(copy)])
    assert not errors and [bool(t.met_again) for t in taken] == [False, False]
    assert taken[0].exhibit_id == taken[1].exhibit_id


def test_a_zip_holding_a_chat_and_an_sms_backup_stores_both(tmp_path, case):
    """Before: a zip of a WhatsApp chat and an SMS backup (one phone's exports zipped together) was said as two
    exports of 2 messages each, but only the WhatsApp chat was stored: the backup's messages were in no timeline
    and no search, and the second was "the same file as" the first. Now the zip is one exhibit holding both chats,
    each with its own container (SMS times with their UTC offset), and `verify` finds nothing."""
    zipped = _zip(tmp_path / "evidence" / "phone.zip", {"WhatsApp Chat with Anna.txt": CHAT.replace(
        "PTT-20240115-WA0001.opus (file attached)", "bye"), "sms-20240116.xml": SMS})
    taken, errors = take_in_exports(case, [str(zipped)])
    assert not errors and len(taken) == 1
    chats = stored_chats(case, taken[0].exhibit_id)
    assert [c.container for c in chats] == ["whatsapp-zip", "sms-backup-xml-zip"]
    texts = [m.message.text for c in chats for m in chat_messages(case, c.id)]
    assert texts == ["hi", "bye", "Are you there?", "Yes"]
    assert taken[0].export.container == "whatsapp-zip + sms-backup-xml-zip" and len(taken[0].export.messages) == 4
    assert not verify_case(case).findings
    timeline = timeline_dict(story(case, taken[0].exhibit_id, None)[0])  # each chat said as its container is
    assert timeline["container"] == "whatsapp-zip + sms-backup-xml-zip"
    anna, bob = timeline["chats"]
    assert "senders" in anna and "senders" not in bob and bob["times"] == OFFSET_TIMES


def test_a_utf8_chat_with_a_line_in_windows_1252_reads_every_line(tmp_path):
    """Before: one line saved in Windows-1252 ("Ren\\xe9: caf\\xe9 cr\\xe8me") among UTF-8 ones turned the whole file
    into Windows-1252: every UTF-8 "café" became "cafÃ©" and "€5" "â‚¬5", words the chat never held. Now each line
    is read in its own encoding, and the encoding is named."""
    chat = tmp_path / "WhatsApp Chat with René.txt"
    chat.write_bytes("\ufeff15/01/2024, 21:05 - Anna: café ok\r\n".encode() + b"15/01/2024, 21:06 - Ren\xe9: caf\xe9 "
                     b"cr\xe8me\r\n" + "15/01/2024, 21:07 - Anna: €5\r\n".encode())
    [loaded] = load_export(chat)
    assert [(m.sender, m.text) for m in loaded.export.messages] == [
        ("Anna", "café ok"), ("René", "café crème"), ("Anna", "€5")]
    assert decode_text(chat.read_bytes())[1] == "utf-8 (1 line(s) in cp1252)"
    quoted = "15/01/2024, 21:05 - Anna: café\n".encode() + b"15/01/2024, 21:06 - Ren\xe9: it\x92s 5\x80 \x93ok\x94\n"
    assert decode_text(quoted)[0].endswith("René: it’s 5€ “ok”\n")  # Windows-1252's punctuation beside its letters


def test_a_damaged_byte_in_utf8_is_still_shown_damaged_not_read_as_a_letter():
    """A lone byte UTF-8 cannot read, or one that is no letter in a word, stays U+FFFD (said damaged)."""
    for bad in (b"Jestem w domu\xff.\n", b"Jestem \x93w domu\x94.\n", b"\xe9\n"):
        text, encoding = decode_text("Gdzie jesteś? Przynieś pieniądze.\n".encode() + bad)
        assert "\ufffd" in text and "damaged" in encoding, (bad, text)


def test_one_persons_sms_spaced_two_ways_are_one_conversation(tmp_path):
    """Before: an SMS backup writing Bob as "+447700900123" on one message and "+44 7700 900123" on the next (the
    phone's store keeps the number as each message met it) split his conversation into two chats, the sent
    message alone in the second. Now one chat; the message written otherwise says how. A number without its
    country code that the phone names by no contact stays apart (test_chats31, test_chatsfix31 have the join)."""
    backup = tmp_path / "sms-20240116080000.xml"
    backup.write_text(SMS.replace('address="+447700900123" date="1705400060000"',
                                  'address="+44 7700 900123" date="1705400060000"').replace(
        "</smses>", '  <sms protocol="0" address="07700 900123" date="1705400120000" type="1" body="new phone" '
                    'readable_date="16 Jan 2024 10:15:20" contact_name="(Unknown)" />\n</smses>'), encoding="utf-8")
    [loaded] = load_export(backup)
    bob, unnamed = loaded.export.chats
    assert [(m.sender, m.text) for m in bob.messages] == [("Bob (+447700900123)", "Are you there?"),
                                                          ("(this phone)", "Yes")]
    assert "address written as '+44 7700 900123'" in bob.messages[1].note
    assert [(m.sender, m.text) for m in unnamed.messages] == [("07700900123", "new phone")]
    assert "address written as '07700 900123'" in unnamed.messages[0].note


def test_a_line_history_whose_banner_has_no_line_tag_is_read(tmp_path):
    """Before: a LINE history opening "Chat history with Anna" (no "[LINE]", as some versions write it) with fewer
    than 3 messages was "no recognisable chat message". Now it is read, the banner naming the chat; a group's
    banner reads "Chat history in Team"."""
    chat = tmp_path / "Chat history with Anna.txt"
    chat.write_text("\ufeffChat history with Anna\nSaved on: 1/15/2024, 21:10\n\nMon, 1/15/2024\n21:05\tAnna\thi\n"
                    "21:06\tAnna\t[Voice message]\n", encoding="utf-8")
    [loaded] = load_export(chat)
    [anna] = loaded.export.chats
    assert loaded.export.container == "line" and anna.name == "Anna"
    assert [(m.sender, m.text, m.datetime) for m in anna.messages] == [
        ("Anna", "hi", "2024-01-15T21:05:00"), ("Anna", "", "2024-01-15T21:06:00")]
    assert anna.messages[1].attachment.kind == "audio" and anna.messages[1].attachment.missing


def test_a_line_note_written_with_an_empty_sender_column_is_the_apps(tmp_path):
    """LINE writes its own notes as "21:06<TAB><TAB>Anna added Bob to the group." (an empty sender column).
    Before, the second tab was read as part of the clock ("Mon, 1/15/2024 21:06<TAB>"); a note after a 12-hour
    clock was the words of no one. Now the time is as written and the note is the app's."""
    chat = tmp_path / "team.txt"
    chat.write_text("[LINE] Chat history in Team\nSaved on: 1/15/2024, 21:10\n\nMon, 1/15/2024\n9:05 PM\tAnna\thi\n"
                    "9:06 PM\t\tAnna added Bob to the group.\n9:07 PM\tBob\tthanks\n", encoding="utf-8")
    [loaded] = load_export(chat)
    [team] = loaded.export.chats
    assert team.name == "Team"
    assert [(m.sender, m.time_as_written, m.system) for m in team.messages] == [
        ("Anna", "Mon, 1/15/2024 9:05 PM", False), (None, "Mon, 1/15/2024 9:06 PM", True),
        ("Bob", "Mon, 1/15/2024 9:07 PM", False)]


def _telegram_html(folder: Path, messages: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    page = folder / "messages.html"
    page.write_text('<!DOCTYPE html><html><head><meta charset="utf-8"/></head><body><div class="history">'
                    f"{messages}</div></body></html>\n", encoding="utf-8")
    return page


def _html_message(number: int, name: str, minute: int, inner: str, joined: bool = False) -> str:
    head = "" if joined else f'<div class="from_name">\n{name}\n</div>\n'
    return (f'<div class="message default clearfix{" joined" if joined else ""}" id="message{number}"><div class="body">'
            f'<div class="pull_right date details" title="15.01.2024 21:{minute:02d}:00 UTC+01:00">21:{minute:02d}</div>'
            f"{head}{inner}</div></div>\n")


def test_a_telegram_html_message_sent_via_a_bot_is_its_senders(tmp_path):
    """Telegram Desktop writes a message sent through an inline bot as `<div class="from_name">Bob via @gif</div>`
    (export_output_html.cpp). Before, "Bob via @gif" was a sender of its own, apart from Bob, and so were the
    messages joined to it. Now the sender is Bob and the note says "sent via @gif", as the JSON's `via_bot` does;
    a forwarded message's original author the same."""
    page = _telegram_html(tmp_path / "ChatExport_2024-01-16", "".join((
        _html_message(1, "Bob", 5, '<div class="text">hi</div>'),
        _html_message(2, "Bob via @gif", 6, '<div class="text">look</div>'),
        _html_message(3, "", 7, '<div class="text">and this</div>', joined=True),
        _html_message(4, "Bob", 8, '<div class="forwarded body"><div class="from_name">News via @bot<span class="date '
                                   'details" title="14.01.2024 10:00:00 UTC+01:00"> 14.01.2024 10:00:00</span></div>'
                                   '<div class="text">fwd</div></div>'))))
    [loaded] = load_export(page)
    messages = loaded.export.messages
    assert [m.sender for m in messages] == ["Bob", "Bob", "Bob", "Bob"]
    assert ["sent via @gif" in m.note for m in messages] == [False, True, True, False]
    assert "forwarded from News (sent via @bot)" in messages[3].note


def test_a_signed_telegram_post_keeps_its_signature(tmp_path):
    """A channel's post signed by its author: the JSON's `author`, the HTML's `signature details`. Before, the
    signature was read by neither reader and dropped unsaid. Now the note says "signed Ivan Petrov"."""
    export = tmp_path / "result.json"
    export.write_text('{"name": "News", "type": "public_channel", "id": 77, "messages": [{"id": 1, "type": "message",'
                      ' "date": "2024-01-15T21:05:00", "date_unixtime": "1705349100", "from": "News", "from_id": '
                      '"channel77", "author": "Ivan Petrov", "text": "post", "text_entities": []}]}', encoding="utf-8")
    page = _telegram_html(tmp_path / "html", _html_message(
        1, "News", 5, '<div class="text">post</div><div class="signature details">\nIvan Petrov\n</div>'))
    for path in (export, page):
        [loaded] = load_export(path)
        [post] = loaded.export.messages
        assert (post.sender, post.text) == ("News", "post") and "signed Ivan Petrov" in post.note, post


def test_a_signal_sender_whose_name_holds_a_colon_keeps_it_whole(tmp_path):
    """signal-export writes `[date time] Work: Bob: hello` with no mark where the name ends. Before, the sender
    was "Work" and the words "Bob: hello". Now, where the chat bears the name out (every "Work:" line goes on
    "Work: Bob", and a reaction names "Work: Bob"), the sender is "Work: Bob", as Android WhatsApp's
    (`colon_names`). Message starts alone bear out no name (`test_chatfix28.py`)."""
    chat = tmp_path / "chat.md"
    chat.write_text("[2024-01-15 21:05] Work: Bob: hello: there\n[2024-01-15 21:06] Me: hi\n(- Work: Bob: \U0001f44d -)\n"
                    "[2024-01-15 21:07] Work: Bob: ok\n[2024-01-15 21:08] Anna: Re: x\n", encoding="utf-8")
    [loaded] = load_export(chat)
    assert [(m.sender, m.text) for m in loaded.export.messages] == [
        ("Work: Bob", "hello: there"), ("Me", "hi"), ("Work: Bob", "ok"), ("Anna", "Re: x")]


def test_transcribe_given_a_zip_twice_transcribes_its_voice_note_and_fails_nothing(tmp_path, case, capsys):
    """`transcribe a.zip a.zip`: the zip met again is one line saying so; it is not "a chat export without voice
    notes or videos: nothing to transcribe" (a failure), and its voice note is queued once."""
    from app.cli.queue import OK, chat_media

    zipped = str(_with_voice_note(tmp_path))
    media, status, _chats = chat_media(case, [zipped, zipped], [], {zipped})
    said = capsys.readouterr().err
    assert status == OK and len(media) == 1, said
    assert "nothing to transcribe" not in said and "met again (the same export as" in said


def test_a_chat_zip_inside_a_copied_dump_zip_is_one_exhibit_and_both_dumps_are_recorded(tmp_path, case):
    """A dump zip and its byte copy, each holding the chat's zip: the inner zip is extracted once (the case's copy is
    named by the outer zip's SHA-256), so the second is met again. Both outer zips stay in its audit log."""
    zipped = _with_voice_note(tmp_path / "chat")
    dump = _zip(tmp_path / "evidence" / "dump.zip", {"Download/WhatsApp Chat with Anna.zip": zipped})
    shutil.copy(dump, dump.with_name("dump-copy.zip"))
    taken, errors = take_in_exports(case, [str(dump.parent)])
    assert not errors and [bool(t.met_again) for t in taken] == [False, True]
    assert taken[0].exhibit_id == taken[1].exhibit_id and "dump.zip → Download" in taken[1].shown
    outers = [Path(e.details["outer_zip"]).name for e in case.audit.entries("exhibit/")
              if e.action == "chat.export_found_in_zip"]
    assert sorted(outers) == ["dump-copy.zip", "dump.zip"] and len(_taken_in_entries(case)) == 1


def test_a_zip_of_two_sms_backups_stores_both(tmp_path, case):
    """Two backups zipped together (this month's and last month's): before, the second's messages were read and
    never stored. Now both are the zip's exhibit."""
    later = SMS.replace("Are you there?", "Later").replace("1705400000000", "1705500000000").replace(
        "1705400060000", "1705500060000").replace('address="+447700900123"', 'address="+447700900999"')
    zipped = _zip(tmp_path / "evidence" / "sms.zip", {"sms-20240116.xml": SMS, "sms-20240216.xml": later})
    taken, errors = take_in_exports(case, [str(zipped)])
    assert not errors and len(taken) == 1
    texts = [m.message.text for c in stored_chats(case, taken[0].exhibit_id) for m in chat_messages(case, c.id)]
    assert texts == ["Are you there?", "Yes", "Later", "Yes"]
