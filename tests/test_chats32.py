"""Session 32's chat-layout fixes: Islamic (Hijri) dates, a Google Voice page of the account's messages alone."""

from __future__ import annotations

from tests.chat_helpers import loaded_messages

RLM = "\u200f"


def test_an_iphone_set_to_the_islamic_calendar_gets_its_gregorian_date_and_says_how_sure_it_is(tmp_path):
    """iOS writes the Hijri year and "AH" ("[8/6/1443 AH, 14:56:01]", CLDR's en-GB Islamic short date). Before: each
    message's date-time was left empty. Now read by the civil Islamic calendar (ICU's islamic-civil, which gives
    1 Shawwal 1445 as 10 April 2024, Eid al-Fitr that year), the note saying the day may differ by the calendar."""
    text = ("[1/10/1445 AH, 08:00:00] Anna: Eid Mubarak\n[2/10/1445 AH, 21:15:30] Bob: thanks\n"
            "[30/10/1445 AH, 07:00:00] Anna: end of the month\n[1/1/1446 AH, 00:10:00] Bob: new year\n")
    messages = loaded_messages(tmp_path, text, "WhatsApp Chat - Anna.txt")
    assert [(m.sender, m.datetime, m.text) for m in messages] == [
        ("Anna", "2024-04-10T08:00:00", "Eid Mubarak"), ("Bob", "2024-04-11T21:15:30", "thanks"),
        ("Anna", "2024-05-09T07:00:00", "end of the month"), ("Bob", "2024-07-08T00:10:00", "new year")]
    assert messages[0].time_as_written == "1/10/1445 AH, 08:00:00"
    assert messages[0].note == (
        "Islamic (Hijri) date: day 1 of month 10 of 1445 AH, read by the arithmetical (civil) Islamic calendar; the "
        "export does not say which Islamic calendar the phone used: by Umm al-Qura or an astronomical or tabular "
        "one, the day may be up to 2 days earlier or 1 day later")


def test_hijri_dates_in_arabic_digits_with_the_arabic_comma_and_a_two_digit_year_are_read(tmp_path):
    """Arabic writes "٨/٦/١٤٤٣ هـ، ٢:٥٦:٠١ م" (RLMs, the Arabic comma after the era): before, no message was read
    at all ("no recognisable chat message"). German writes the year in two digits ("09.06.43 AH"): 1443, not 2043."""
    arabic = (f"[٨{RLM}/٦{RLM}/١٤٤٣ هـ، ٢:٥٦:٠١ م] أحمد: مرحبا\n"
              f"[٩{RLM}/٦{RLM}/١٤٤٣ هـ، ٩:٠٠:٠٠ ص] سارة: أهلا\n")
    messages = loaded_messages(tmp_path, arabic, "chat_ar.txt")
    assert [(m.sender, m.datetime, m.text) for m in messages] == [
        ("أحمد", "2022-01-12T14:56:01", "مرحبا"), ("سارة", "2022-01-13T09:00:00", "أهلا")]
    german = "08.06.43 AH, 11:56 - Anna: hallo\n09.06.43 AH, 09:00 - Bob: hi\n"  # morning hours: "AH" no 12-hour mark
    messages = loaded_messages(tmp_path, german, "chat_de.txt")
    assert [(m.sender, m.datetime) for m in messages] == [("Anna", "2022-01-12T11:56:00"), ("Bob", "2022-01-13T09:00:00")]
    assert "1443 AH" in messages[0].note


def test_a_year_1443_without_an_islamic_era_still_gets_no_date_time(tmp_path):
    """The era is what says the calendar: "1443" alone (Solar Hijri in Latin digits, or a typo) is not read as
    Islamic, and "AH" typed in a Gregorian chat's words changes nothing."""
    messages = loaded_messages(tmp_path, "[8/6/1443, 14:56:01] Anna: x\n[9/6/1443, 09:00:00] Bob: AH y\n", "c.txt")
    assert [m.datetime for m in messages] == [None, None]
    assert messages[0].note.startswith("year 1443 is not of the Gregorian calendar")


def test_a_google_voice_page_of_the_accounts_messages_alone_says_its_recipient_is_not_written(tmp_path):
    """A Takeout text page where only the account wrote ("Me") does not write whom the messages went to, and its
    chat is named by a contact's name as saved ("Mum": two people may be saved so). Before: nothing said it. Now
    each of its messages says so (shown in the timeline and exported); a page the other party wrote on does not."""
    from app.core.chats import load_export
    from app.core.chats.googlevoice import ONLY_OWNER_NOTE
    from tests.test_chatsfix30 import ME, _cite, _message, _text_page
    (tmp_path / "Mum - Text - 2021-01-22T01_33_43Z.html").write_text(_text_page("Mum", [
        _message(1, _cite("Mum", "+17320000111"), "from mum A"), _message(2, ME, "reply to A")]), encoding="utf-8")
    (tmp_path / "Mum - Text - 2021-03-02T10_00_00Z.html").write_text(_text_page("Mum", [
        _message(3, ME, "sent only to mum B: meet at 9"), _message(4, ME, "bring it")]), encoding="utf-8")
    [loaded] = load_export(tmp_path / "Mum - Text - 2021-01-22T01_33_43Z.html")
    answered, alone = loaded.export.chats
    assert [m.note for m in answered.messages] == ["", ""]
    assert [(m.sender, m.text, m.note) for m in alone.messages] == [
        ("Me", "sent only to mum B: meet at 9", ONLY_OWNER_NOTE), ("Me", "bring it", ONLY_OWNER_NOTE)]


def test_a_google_voice_page_taken_in_alone_before_is_linked_not_called_a_second_export(tmp_path):
    """A case holding a party's later text page as an exhibit of its own keeps it (evidence is never deleted), and
    the folder taken in later reads that page with the first. Before: each timeline warned its messages were also
    in the other "(the same chat exported twice?)". Now both say the exhibits share a page, from the audit log."""
    from app.core.chats.intake import pages_shared_with
    from app.core.chats.timeline import build_timeline
    from app.core.store import Case
    from app.core.usecases.timeline import echoed_in, take_in_exports
    from tests.test_chatsfix30 import _cite, _message, _text_page
    anna = _cite("Anna", "+17323212222")
    first, later = tmp_path / "a", tmp_path / "b"
    first.mkdir(), later.mkdir()
    (first / "Anna - Text - 2021-01-22T01_33_43Z.html").write_text(_text_page("Anna", [_message(1, anna, "first")]),
                                                                   encoding="utf-8")
    for folder in (first, later):
        (folder / "Anna - Text - 2021-03-02T10_00_00Z.html").write_text(
            _text_page("Anna", [_message(3, anna, "second thread")]), encoding="utf-8")
    case = Case.open(tmp_path / "case")
    [alone], _ = take_in_exports(case, [str(later)])
    assert pages_shared_with(case, alone.exhibit_id) == frozenset()
    [joined], _ = take_in_exports(case, [str(first)])
    for here, there in ((joined.exhibit_id, alone.exhibit_id), (alone.exhibit_id, joined.exhibit_id)):
        assert pages_shared_with(case, here) == {there}
        [echoed] = echoed_in(build_timeline(case, here), pages_shared_with(case, here))
        assert echoed.exhibit_id == there and echoed.messages == 1
        assert "exported twice" not in echoed.warning(2) and "a page of this chat read in both" in echoed.warning(2)


def test_an_apps_own_database_or_encrypted_backup_given_alone_is_named_in_one_line(tmp_path):
    """A phone's extraction holds the apps' own stores. Given alone, each was "no recognisable chat message (not a
    WhatsApp, …)", msgstore.db included. Now the line says what the file is and that it is not read."""
    import sqlite3

    import pytest

    from app.core.chats import load_export
    from app.core.errors import ChatError
    for name in ("chat.db", "msgstore.db", "anything.sqlite"):
        with sqlite3.connect(tmp_path / name) as db:
            db.execute("CREATE TABLE message (ROWID INTEGER PRIMARY KEY, text TEXT, date INTEGER)")
            db.execute("INSERT INTO message (text, date) VALUES ('meet at 9', 0)")
    (tmp_path / "msgstore.db.crypt14").write_bytes(bytes(range(256)) * 8)
    (tmp_path / "signal-2024-01-15-21-00-00.backup").write_bytes(bytes(range(255, -1, -1)) * 8)
    said = {}
    for path in sorted(tmp_path.iterdir()):
        with pytest.raises(ChatError) as caught:
            load_export(path)
        said[path.name] = caught.value.reason
    assert said["chat.db"].startswith("the Messages (iMessage and SMS) database of a Mac: an app's own database, "
                                      "not a chat export: not read")
    assert said["msgstore.db"].startswith("WhatsApp's message database (Android)")
    assert said["anything.sqlite"] == "an SQLite database: an app's own database, not a chat export: not read"
    assert said["msgstore.db.crypt14"].startswith("WhatsApp's encrypted backup (.cryptNN): not read")
    assert said["signal-2024-01-15-21-00-00.backup"].startswith("Signal's encrypted backup (Android): not read")
    text = tmp_path / "notes.txt"  # any other file keeps the general line
    text.write_text("nothing of a chat here\n", encoding="utf-8")
    with pytest.raises(ChatError, match="no recognisable chat message"):
        load_export(text)


def test_a_telegram_html_gif_and_sticker_are_said_as_the_json_says_them(tmp_path):
    """Telegram Desktop's HTML writes a GIF as `<a class="animated_wrap …" href="video_files/….mp4">` and a sticker as
    `<a class="sticker_wrap …">` (export_output_html.cpp). Before: the GIF was a "video" to transcribe and the sticker
    an "image", where the JSON export of the same chat says "animation" and "sticker". Now they agree."""
    from app.core.chats import load_export
    wraps = {"animated_wrap": "video_files/IMG_4021.MP4", "sticker_wrap": "stickers/sticker (2).webp"}
    body = "".join(
        f'<div class="message default clearfix" id="message{i}"><div class="body"><div class="pull_right date details" '
        f'title="15.01.2024 21:0{i}:00 UTC+03:00">21:0{i}</div><div class="from_name">Anna </div><div class="media_wrap '
        f'clearfix"><a class="{wrap} clearfix pull_left" href="{href}"><img class="x" src="{href}_thumb.jpg"/></a></div>'
        '</div></div>\n' for i, (wrap, href) in enumerate(wraps.items(), start=1))
    (tmp_path / "video_files").mkdir()
    (tmp_path / "video_files" / "IMG_4021.MP4").write_bytes(b"\x00\x00\x00\x18ftypmp42")
    (tmp_path / "messages.html").write_text(
        '<!DOCTYPE html><html><head><meta charset="utf-8"/><title>Exported Data</title></head><body><div class="page_wrap">'
        '<div class="page_header"><div class="content"><div class="text bold">Crew</div></div></div><div class="page_body '
        f'chat_page"><div class="history">\n{body}</div></div></div></body></html>\n', encoding="utf-8")
    [loaded] = load_export(tmp_path / "messages.html")
    gif, sticker = (m.attachment for m in loaded.export.messages)
    assert (gif.name, gif.kind, gif.missing, gif.playable) == ("IMG_4021.MP4", "animation", False, False)
    assert (sticker.name, sticker.kind, sticker.missing) == ("sticker (2).webp", "sticker", True)


def test_a_telegram_html_gif_or_sticker_left_out_is_no_missing_video(tmp_path):
    """A GIF or sticker the export left out is a generic block titled "Animation" or "Sticker" under a video's or
    photo's class (export_output_html.cpp's pushAnimatedMedia/pushStickerMedia). Before: the GIF was a video
    "MISSING from the export", counted among the recordings that cannot be transcribed. Now it is an animation."""
    from app.core.chats import load_export

    def left_out(i: int, css: str, title: str, status: str) -> str:
        return (f'<div class="message default clearfix" id="message{i}"><div class="body"><div class="pull_right date '
                f'details" title="15.01.2024 21:0{i}:00 UTC+03:00">21:0{i}</div><div class="from_name">Anna </div>'
                f'<div class="media_wrap clearfix"><div class="media clearfix pull_left {css}"><div class="fill '
                f'pull_left"></div><div class="body"><div class="title bold">{title}</div><div class="description">Not '
                'included, change data exporting settings to download.</div><div class="status details">'
                f'{status}</div></div></div></div></div></div>\n')
    body = (left_out(1, "media_video", "Animation", "1.2 MB") + left_out(2, "media_photo", "Sticker", "😀, 20.1 KB")
            + left_out(3, "media_video", "Video file", "00:05, 1.0 MB"))
    (tmp_path / "messages.html").write_text(
        '<!DOCTYPE html><html><head><meta charset="utf-8"/><title>Exported Data</title></head><body><div class="page_wrap">'
        '<div class="page_header"><div class="content"><div class="text bold">Crew</div></div></div><div class="page_body '
        f'chat_page"><div class="history">\n{body}</div></div></div></body></html>\n', encoding="utf-8")
    [loaded] = load_export(tmp_path / "messages.html")
    assert [(m.attachment.kind, m.attachment.missing) for m in loaded.export.messages] == [
        ("animation", True), ("sticker", True), ("video", True)]
    assert len(loaded.export.missing_recordings()) == 1  # the video file alone


def test_a_messenger_html_message_keeps_its_words_after_a_self_closed_line_break_or_picture(tmp_path):
    """A line break written `<br />` (or a picture `<img … />`) ends nothing in HTML, but the reader closed every open
    section at it: the message's words after it were lost, with nothing said. Now they are its words."""
    from app.core.chats import load_export
    from tests.test_chat_layouts17 import _messenger_page
    thread = tmp_path / "messages" / "inbox" / "crew_1"
    thread.mkdir(parents=True)
    (thread / "message_1.html").write_text(_messenger_page([
        ("Bob", 'look <img src="https://example.invalid/e.png" alt="😀" /> at the<br />back gate', "Jan 15, 2024 9:06:00 pm"),
        ("Anna Müller", "wo bist du?<br />zweite Zeile</span> dritte", "Jan 15, 2024 9:05:12 pm")]), encoding="utf-8")
    [loaded] = load_export(thread / "message_1.html")
    assert [(m.sender, m.text) for m in loaded.export.messages] == [
        ("Anna Müller", "wo bist du?\nzweite Zeile dritte"), ("Bob", "look at the\nback gate")]


def test_a_folders_app_databases_are_named_among_its_other_files(tmp_path, capsys):
    """In a phone's folder, the apps' own databases and encrypted backups were only counted with its other files.
    Now one line names each as what it is (a database by its name or, named .db/.sqlite, by its first bytes)."""
    import sqlite3

    from tests.test_cli_mistakes import run
    folder = tmp_path / "dump"
    (folder / "sql").mkdir(parents=True)
    (folder / "WhatsApp Chat with Anne.txt").write_text("13/06/2024, 21:05 - Anne: hi\n", encoding="utf-8")
    with sqlite3.connect(folder / "cache.db") as db:
        db.execute("CREATE TABLE t (x INTEGER)")
    (folder / "msgstore.db.crypt15").write_bytes(bytes(range(256)) * 4)
    (folder / "sql" / "db.sqlite").write_bytes(bytes(range(255, -1, -1)) * 4)  # SQLCipher: no SQLite header
    (folder / "notes.bin").write_bytes(b"SQLite format 3\x00 but not named as a database")
    _, _, err = run(capsys, "timeline", str(folder), "--out", str(tmp_path / "out"), "--format", "json",
                    "--case", str(tmp_path / "case"))
    assert "4 other file(s) in the folder given" in err
    [line] = [x for x in err.splitlines() if "an app's own database or encrypted backup" in x]
    assert line.startswith(f"{folder}: 3 of them an app's own database or encrypted backup, not a chat export: not read")
    assert "cache.db (an SQLite database)" in line and "msgstore.db.crypt15 (WhatsApp's encrypted backup" in line
    assert "db.sqlite (Signal Desktop's message database (encrypted))" in line and "notes.bin" not in line


def test_a_file_named_with_a_year_of_another_calendar_is_not_placed_by_it(tmp_path):
    """A file no message names is placed by the time its name carries. Before: a name dated in another calendar's
    year ("00000009-PHOTO-1443-06-08-15-00-00.jpg", as an iPhone set to the Islamic calendar may name it) was read
    as the Gregorian year 1443 and the file put first, dated 1443-06-08. Now such a name carries no time read: the
    file is kept at the chat's end with no time, as one whose name carries none."""
    from app.core.chats import load_export
    from app.core.chats.records import UNREFERENCED_NOTE
    (tmp_path / "_chat.txt").write_text("[8/6/1443 AH, 14:56:01] Anna: hello\n[30/6/1443 AH, 09:00:00] Bob: x\n",
                                        encoding="utf-8")
    for name in ("00000009-PHOTO-1443-06-08-15-00-00.jpg", "00000010-AUDIO-2567-03-14-10-00-00.opus"):
        (tmp_path / name).write_bytes(b"\x00")
    [loaded] = load_export(tmp_path / "_chat.txt")
    messages = loaded.export.messages
    assert [m.sender for m in messages[:2]] == ["Anna", "Bob"]
    assert {(m.attachment.name, m.datetime, m.time_as_written, m.note) for m in messages[2:]} == {
        (name, None, "", UNREFERENCED_NOTE) for name in
        ("00000009-PHOTO-1443-06-08-15-00-00.jpg", "00000010-AUDIO-2567-03-14-10-00-00.opus")}
