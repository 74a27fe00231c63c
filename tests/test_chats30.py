"""Chat exports, session 30 (reader 28): an iPhone's messages in iMazing's and PhoneView's CSV, a LINE history
beside a chat in a zip said, an SMS backup's reader errors no longer said as its encoding's, the folder's other
files counted.

Each test builds its export as a small file (the voice note is a shared recording) and reads it as `timeline` does.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from app.core.chats import sms
from app.core.chats.registry import load_export
from app.core.chats.sms import read_backup
from app.core.errors import ChatError

MEDIA = Path("/work/shared/media")
IMAZING_HEADER = ('"Chat Session","Message Date","Delivered Date","Read Date","Edited Date","Service","Type",'
                  '"Sender ID","Sender Name","Status","Replying to","Subject","Text","Attachment","Attachment type"\n')
IMAZING = IMAZING_HEADER + (
    '"Anna","2024-01-15 21:05:00","","","","iMessage","Incoming","+447700900123","Anna","Read","","",'
    '"where are you?\nat the docks?","",""\n'
    '"Anna","2024-01-15 21:06:10","2024-01-15 21:06:11","","2024-01-15 21:08:00","iMessage","Outgoing","","Kartik",'
    '"Delivered","","","here, by the gate","",""\n'
    '"Anna","2024-01-15 21:07:00","","","","SMS","Incoming","+447700900123","Anna","Read","","","listen",'
    '"Audio Message.m4a","audio/mp4"\n'
    '"Anna","2024-01-15 21:09:00","","","","iMessage","Notification","","","","","","Anna named the conversation",'
    '"",""\n')


def _chats(path: Path, text: str) -> tuple:
    path.write_text(text, encoding="utf-8")
    [loaded] = load_export(path)
    return loaded.export.container, loaded.export.chats


def test_an_imazing_csv_gives_its_messages_senders_times_and_voice_note(tmp_path):
    """Before: "no recognisable chat message". Now each row is a message: an incoming one its Sender Name with its
    Sender ID, an outgoing one this phone's, another type the app's note; the words whole over two lines and with
    a comma; the local time as written; the voice note beside the CSV linked; the other columns in the note."""
    shutil.copy(MEDIA / "en_voicenote.m4a", tmp_path / "Audio Message.m4a")
    container, [chat] = _chats(tmp_path / "Anna.csv", IMAZING)
    incoming, outgoing, voice, named = chat.messages
    assert (container, chat.name) == ("imazing-csv", "Anna")
    assert (incoming.sender, incoming.text, incoming.datetime) == (
        "Anna (+447700900123)", "where are you?\nat the docks?", "2024-01-15T21:05:00")
    assert (outgoing.sender, outgoing.text) == ("(this phone)", "here, by the gate")
    assert "delivered date: 2024-01-15 21:06:11" in outgoing.note and "edited date: 2024-01-15 21:08:00" in outgoing.note
    assert "the row names its sender Kartik" in outgoing.note  # the owner's name the row writes: kept, not dropped
    assert (voice.attachment.kind, voice.attachment.path, voice.attachment.missing) == ("audio", "Audio Message.m4a",
                                                                                        False)
    assert "service: SMS" in voice.note
    assert (named.sender, named.system, named.text) == (None, True, "Anna named the conversation")


def test_an_imazing_csv_zipped_with_its_voice_note_and_two_sessions(tmp_path):
    """Zipped with its file, as a CSV sent on: one chat per Chat Session, the voice note inside the zip linked."""
    text = IMAZING + ('"Bob","2024-01-16 08:00:00","","","","iMessage","Incoming","bob@example.com","Bob","Read",'
                      '"","","morning","",""\n')
    path = tmp_path / "iphone.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("Messages/messages.csv", text)
        archive.write(MEDIA / "en_voicenote.m4a", "Messages/Audio Message.m4a")
    [loaded] = load_export(path)
    anna, bob = loaded.export.chats
    assert loaded.export.container == "imazing-csv-zip"
    assert (anna.name, bob.name, bob.messages[0].sender) == ("Anna", "Bob", "Bob (bob@example.com)")
    assert anna.messages[2].attachment.path == "Messages/Audio Message.m4a"


def test_an_imazing_row_cut_short_or_with_an_unread_date_says_so(tmp_path):
    """A row that ends before its columns (a file cut short) and a date in no layout iMazing writes: kept, said."""
    text = IMAZING_HEADER + ('"Anna","15/01/2024 21:05","","","","iMessage","Incoming","+447700900123","Anna",'
                             '"Read","","","hi","",""\n"Anna","2024-01-15 21:06:00","","","","iMessage","Incoming",'
                             '"+447700900123","Anna","Read","","","cut her')
    _, [chat] = _chats(tmp_path / "Anna.csv", text)
    unread, cut = chat.messages
    assert unread.datetime is None and "date written as '15/01/2024 21:05': not read" in unread.note
    assert cut.text == "cut her" and "ends after 13 of the header's 15 columns" in cut.note


PHONEVIEW = ('Received,"Jul 23, 2011 6:12:54 AM",Anna,+447700900123,"where are you?",iMessage\n'
             'Sent,"Jul 23, 2011 6:15:54 PM",Anna,+447700900123,"at the docks, gate 2",SMS\n'
             'Received,"Nov 11, 2012 15:34:01 PM",+447700900456,+447700900456,"who is this"\n')


def test_a_phoneview_csv_gives_one_chat_per_number(tmp_path):
    """PhoneView's headerless rows: the direction, the month by name, 12-hour clocks (and an older version's 24-hour
    clock followed by PM), the other party's name and number, the service. Before: refused."""
    container, (anna, unknown) = _chats(tmp_path / "messages.csv", PHONEVIEW)
    assert container == "phoneview-csv"
    assert anna.name == "Anna (+447700900123)" and unknown.name == "+447700900456"
    received, sent = anna.messages
    assert (received.sender, received.datetime, received.note) == (
        "Anna (+447700900123)", "2011-07-23T06:12:54", "service: iMessage")
    assert (sent.sender, sent.text, sent.datetime) == ("(this phone)", "at the docks, gate 2", "2011-07-23T18:15:54")
    assert unknown.messages[0].datetime == "2012-11-11T15:34:01"


def test_a_phoneview_row_naming_the_other_party_otherwise_says_so(tmp_path):
    """One number, its contact renamed and its spacing changed between rows: one chat, and the row says how it
    wrote the party (the name was dropped)."""
    _, [chat] = _chats(tmp_path / "messages.csv", PHONEVIEW.split("\n")[0] + '\nReceived,"Jul 24, 2011 9:00:00 AM",'
                       'Anna Lee,+44 7700 900123,"new phone"\n')
    first, renamed = chat.messages
    assert chat.name == "Anna (+447700900123)" and "other party" not in first.note
    assert "the other party written as 'Anna Lee (+44 7700 900123)' in this row" in renamed.note


def test_a_phoneview_csv_with_the_documented_header_line_reads_too(tmp_path):
    _, [anna, _] = _chats(tmp_path / "messages.csv",
                          '"direction","timestamp","name","number","content","type"\n' + PHONEVIEW)
    assert [m.text for m in anna.messages] == ["where are you?", "at the docks, gate 2"]


def test_a_table_that_is_no_chat_is_still_refused_in_one_line(tmp_path):
    """The guard: a CSV of another kind (a bank statement) is no chat, and the refusal names the layouts read."""
    path = tmp_path / "statement.csv"
    path.write_text("Date,Description,Amount\n2024-01-15,Coffee,3.20\nReceived,Jan 2 2024,5\n", encoding="utf-8")
    with pytest.raises(ChatError, match=r"iMessage \(or iMazing or PhoneView CSV\)"):
        load_export(path)


LINE_SPACED = "[LINE] Chat history in Crew\nSaved on: 2024/06/14 10:00\n\n2024.06.13 Thursday\n21:05 Anna Lee hi there\n"


def test_a_spaced_line_history_beside_a_chat_in_a_zip_says_why_it_is_not_read(tmp_path):
    """Before: kept as "a file of the export that no message refers to", with no word of what it is. Now its note
    gives the reason the file is not read as a chat (no sender is guessed)."""
    path = tmp_path / "phone.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[LINE] Chat in Crew.txt", LINE_SPACED)
        archive.writestr("WhatsApp Chat with Anne.txt", "13/06/2024, 21:05 - Anne: hi\n13/06/2024, 21:06 - Luc: ok\n")
    [loaded] = load_export(path)
    kept = loaded.export.chats[0].messages[2]
    assert kept.attachment.name == "[LINE] Chat in Crew.txt"
    assert "not read as a chat of its own: a LINE chat history in its space-separated layout" in kept.note


def test_a_fault_reading_a_message_is_not_said_as_the_backups_encoding(tmp_path, monkeypatch):
    """read_backup caught every ValueError as "its encoding cannot be read": a fault in reading one message would
    have been told as the file's encoding. Now only the XML parser's own errors are so said."""
    path = tmp_path / "sms-1.xml"
    path.write_text('<smses count="1"><sms address="+447700900123" date="1" type="1" body="x"/></smses>\n',
                    encoding="utf-8")

    def faulty(element, read):
        raise ValueError("a fault in reading a message")

    monkeypatch.setitem(sms._READERS, "sms", faulty)
    with pytest.raises(ValueError, match="a fault in reading a message"):
        read_backup(path)
    path.write_text("<?xml version='1.0' encoding='utf-7' ?>\n<smses/>\n", encoding="ascii")
    with pytest.raises(ChatError, match="its encoding cannot be read"):
        read_backup(path)


def test_the_folders_other_files_are_counted_and_named_not_passed_over(tmp_path, capsys):
    """Before: `timeline FOLDER` passed over a photo or a document beside the chat without a word. Now one line
    counts the files that are no chat export and no chat's file, and names the first of them. The chat and a chat
    refused with its reason are not among them."""
    from tests.test_cli_mistakes import run

    folder = tmp_path / "evidence"
    folder.mkdir()
    (folder / "Anna.csv").write_text(IMAZING, encoding="utf-8")
    (folder / "IMG_0001.jpg").write_bytes(b"\xff\xd8\xff\xe0 not much of a photo")
    (folder / "notes.docx").write_bytes(b"PK not much of a document")
    (folder / "[LINE] Chat in Crew.txt").write_text(LINE_SPACED, encoding="utf-8")
    _, _, err = run(capsys, "timeline", str(folder), "--out", str(tmp_path / "out"), "--format", "json",
                    "--case", str(tmp_path / "case"))
    line = next(x for x in err.splitlines() if "other file(s)" in x)
    assert "2 other file(s) in the folder given are no chat export and no chat's file" in line
    assert "IMG_0001.jpg" in line and "notes.docx" in line and "Anna.csv" not in line and "Crew" not in line


def test_an_imazing_csv_saved_again_by_a_spreadsheet_with_semicolons_reads_the_same(tmp_path):
    """A spreadsheet in a European locale saves a CSV with semicolons: the same messages, not a refusal."""
    import csv
    import io

    rows = list(csv.reader(io.StringIO(IMAZING, newline="")))
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(rows)
    _, [chat] = _chats(tmp_path / "Anna.csv", out.getvalue())
    assert [m.text for m in chat.messages][:2] == ["where are you?\nat the docks?", "here, by the gate"]
    assert chat.messages[1].sender == "(this phone)"


GV_TEXT = ('<?xml version="1.0" ?>\n<html xmlns="http://www.w3.org/1999/xhtml"><head><title>Me to\nAlan Milne</title>'
           '</head>\n<body><div class="hChatLog hfeed">\n<div class="message"><abbr class="dt" title="2023-09-29T16:40:'
           '59.923-07:00">Sep 29, 2023, 4:40:59&#8239;PM\nPacific Time</abbr>:\n<cite class="sender vcard"><a class="tel"'
           ' href="tel:+17323210011"><abbr class="fn" title="">Me</abbr></a></cite>:\n<q>MMS Sent</q>\n<div><img src="'
           'Alan Milne - Text - 2023-09-29T23_40_59Z-1-1" alt="Image MMS Attachment" /></div></div> <div class="message">'
           '<abbr class="dt" title="2023-09-29T16:41:01.378-07:00">Sep 29, 2023, 4:41:01&#8239;PM\nPacific Time</abbr>:'
           '\n<cite class="sender vcard"><a class="tel" href="tel:+17323212222"><span class="fn">Alan Milne</span></a>'
           '</cite>:\n<q>it&#39;s me.<br><br>Meet at the\ndocks</q>\n</div></div>\n<div class="tags">Labels:\n<a rel="tag" '
           'href="http://www.google.com/voice#sms">Text</a></div>\n<div class="deletedStatusContainer">User Deleted:\n'
           'False</div></body></html>\n')


def _gv_call(kind: str, label: str, name: str, extra: str = "", deleted: str = "False") -> str:
    return (f'<html><head><title>{kind}\n{name}</title></head>\n<body><div class="haudio"><span class="album">Call Log '
            f'for\n</span>\n<span class="fn">{kind}\n{name}</span>\n<div class="contributor vcard">{kind}\n<a class="tel" '
            f'href="tel:+15703214444"><span class="fn">{name}</span></a></div>\n<abbr class="published" title="2016-04-30T'
            f'17:16:43.000-07:00">Apr 30, 2016, 5:16:43&#8239;PM\nPacific Time</abbr>\n{extra}<abbr class="duration" '
            f'title="PT1M4S">(00:01:04)</abbr>\n<div class="tags">Labels:\n<a rel="tag" href="http://www.google.com/voice'
            f'#{label}">{label}</a></div>\n<div class="deletedStatusContainer">User Deleted:\n{deleted}</div></div>'
            '</body></html>\n')


def test_a_google_voice_text_page_gives_its_messages_with_their_offsets_and_mms_file(tmp_path):
    """Google Takeout's Voice pages were refused ("no recognisable chat message"). Now: the sender with the number,
    "Me" for the account, the time with the page's UTC offset, <br> a line end, the MMS file named without its
    extension found beside the page with one."""
    (tmp_path / "Alan Milne - Text - 2023-09-29T23_40_59Z-1-1.jpg").write_bytes(b"\xff\xd8\xff\xe0")
    container, [chat] = _chats(tmp_path / "Alan Milne - Text - 2023-09-29T23_40_59Z.html", GV_TEXT)
    mine, his = chat.messages
    assert (container, chat.name) == ("google-voice-html", "Me to Alan Milne")
    assert (mine.sender, mine.datetime, mine.time_as_written) == (
        "Me", "2023-09-29T16:40:59.923-07:00", "Sep 29, 2023, 4:40:59\u202fPM Pacific Time")
    assert mine.attachment.path == "Alan Milne - Text - 2023-09-29T23_40_59Z-1-1.jpg"
    assert (his.sender, his.text) == ("Alan Milne (+17323212222)", "it's me.\n\nMeet at the docks")


def test_a_google_voice_voicemail_is_the_callers_recording_googles_transcript_only_in_the_note(tmp_path):
    """The voicemail's recording beside the page is linked (to be transcribed here); Google's own transcript is
    said in the note as machine-made, never given as the caller's words."""
    mp3 = "Edson - Voicemail - 2016-05-01T00_16_43Z.mp3"
    shutil.copy(MEDIA / "en_voicenote.mp3", tmp_path / mp3)
    page = _gv_call("Voicemail from", "voicemail", "Edson", '<span class="description"><span class="full-text">Hi, '
                    'Dad.</span>\n<span class="word high">Hi,</span></span>\n<br />\n<audio controls="controls" '
                    f'src="{mp3}"><a rel="enclosure" href="{mp3}">Audio</a></audio>\n')
    _, [chat] = _chats(tmp_path / "Edson - Voicemail - 2016-05-01T00_16_43Z.html", page)
    [voicemail] = chat.messages
    assert (voicemail.sender, voicemail.text, voicemail.system) == ("Edson (+15703214444)", "", False)
    assert (voicemail.attachment.kind, voicemail.attachment.path, voicemail.attachment.missing) == ("audio", mp3, False)
    assert voicemail.note == "voicemail, 64 s; Google Voice's own transcript (machine-made): 'Hi, Dad.'"


def test_a_google_voice_call_page_is_the_apps_record_and_a_deleted_page_says_so(tmp_path):
    _, [chat] = _chats(tmp_path / "Edson - Missed - 2016-05-01T00_16_43Z.html",
                       _gv_call("Missed call from", "missed", "Edson", deleted="True"))
    [missed] = chat.messages
    assert (missed.sender, missed.text, missed.system, missed.datetime) == (
        "Edson (+15703214444)", "missed call, 64 s", True, "2016-04-30T17:16:43.000-07:00")
    assert "marked deleted by the user" in missed.note


def test_a_folder_of_many_chats_is_listed_once_with_each_chat_reading_the_same(tmp_path, monkeypatch):
    """A Takeout's Voice/Calls folder holds a page per conversation or call: the folder was walked again for each
    page (1,000 pages and their recordings: 26 CPU s; now 4). Each page still finds its own recording."""
    from app.core.chats import beside

    listed: list[Path] = []
    walk = beside.folder_files
    monkeypatch.setattr(beside, "folder_files", lambda base, depth=2: listed.append(base) or walk(base, depth))
    for n in range(3):
        mp3 = f"P{n} - Voicemail - 2016-05-01T00_16_4{n}Z.mp3"
        (tmp_path / mp3).write_bytes(b"ID3")
        (tmp_path / f"P{n} - Voicemail - 2016-05-01T00_16_4{n}Z.html").write_text(
            _gv_call("Voicemail from", "voicemail", f"P{n}", f'<audio src="{mp3}"></audio>\n'), encoding="utf-8")
    loaded = load_export(tmp_path)
    assert listed == [tmp_path]
    assert sorted(lo.export.chats[0].messages[0].attachment.path for lo in loaded) == [
        f"P{n} - Voicemail - 2016-05-01T00_16_4{n}Z.mp3" for n in range(3)]
