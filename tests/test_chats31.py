"""Session 31's chat-layout fixes: a damaged page of a multi-page HTML chat keeps what was read before the damage."""

from __future__ import annotations

from app.core.chats import load_export
from tests.test_chat_layouts17 import _messenger_page, _telegram_page

FOO = "<![foo]>"  # a marked section Python's HTML parser does not know: it stops reading there
FOO_CAUSE = "(unknown status keyword 'foo' in marked section)"


def _only_chat(path):
    [loaded] = load_export(path)
    [chat] = loaded.export.chats
    return chat


def test_a_telegram_chats_damaged_middle_page_keeps_what_was_read_before_the_damage(tmp_path):
    """Before: page 2 of 3 damaged after its first message lost that page whole (a note said so); now its first
    message and the start of the second are kept, the last one read saying where its page stopped being read. A
    "joined" message opening the page after does not take a sender from the damaged page's unread end."""
    (tmp_path / "messages.html").write_text(_telegram_page([(1, "Oleg", "first")]), encoding="utf-8")
    (tmp_path / "messages2.html").write_text(_telegram_page(
        [(2, "Anna", "second"), (3, "Oleg", f"third {FOO} lost words"), (4, "Anna", "never read")]), encoding="utf-8")
    (tmp_path / "messages3.html").write_text(_telegram_page([(5, "", "fifth")]), encoding="utf-8")
    chat = _only_chat(tmp_path / "messages.html")
    assert [(m.sender, m.text) for m in chat.messages] == [
        ("Oleg", "first"), ("Anna", "second"), ("Oleg", "third"), (None, "fifth")]
    assert chat.messages[2].note == (
        f"page 2 of this chat's 3 pages is damaged HTML at line 3 {FOO_CAUSE} and was not read past it: this message "
        "may be cut there, and what that page holds after it is not in this chat")
    assert [m.note for m in chat.messages[:2]] == ["", ""] and "damaged" not in chat.messages[3].note


def test_a_messenger_chats_damaged_page_keeps_its_newer_messages_the_oldest_read_saying_so(tmp_path):
    """Messenger lists the newest first: a damaged spot on message_1.html loses that page's older messages. Before:
    the page was lost whole; now its newer messages are kept, the oldest of them read saying the page stopped there."""
    thread = tmp_path / "messages" / "inbox" / "crew_1"
    thread.mkdir(parents=True)
    (thread / "message_1.html").write_text(_messenger_page([
        ("Bob", "newest", "Jan 15, 2024 9:09:00 pm"), ("Anna Smith", f"broken {FOO} here", "Jan 15, 2024 9:08:00 pm"),
        ("Bob", "lost", "Jan 15, 2024 9:07:00 pm")]), encoding="utf-8")
    (thread / "message_2.html").write_text(_messenger_page([("Anna Smith", "oldest", "Jan 15, 2024 9:05:00 pm")]),
                                           encoding="utf-8")
    chat = _only_chat(thread / "message_1.html")
    assert [(m.sender, m.text) for m in chat.messages] == [("Anna Smith", "oldest"), ("Anna Smith", "broken"),
                                                            ("Bob", "newest")]
    assert "page 1 of this chat's 2 pages is damaged HTML at line 1 " + FOO_CAUSE in chat.messages[1].note  # and "no time"
    assert chat.messages[0].note == chat.messages[2].note == ""


def test_slack_and_google_chat_companion_names_are_counted_unless_beside_their_export(tmp_path, capsys):
    """Before: any `users.json`, `channels.json` or `group_info.json` anywhere was taken for a Slack workspace's or a
    Google Chat space's file and left out of the folder's other files, with no export near it (a phone app's). Now
    only those beside a Slack channel or a Google Chat messages.json are left out; the rest are counted and named."""
    from tests.test_cli_mistakes import run

    evidence = tmp_path / "evidence"
    app = evidence / "apps" / "com.fitness"
    app.mkdir(parents=True)
    (evidence / "WhatsApp Chat with Anne.txt").write_text("13/06/2024, 21:05 - Anne: hi\n", encoding="utf-8")
    for name in ("users.json", "channels.json", "group_info.json"):
        (app / name).write_text('[{"id": "U1", "name": "anne"}]', encoding="utf-8")
    slack = evidence / "slack"
    (slack / "general").mkdir(parents=True)  # a workspace: its users.json and channels.json beside a channel
    (slack / "users.json").write_text('[{"id": "U1", "name": "anne"}]', encoding="utf-8")
    (slack / "channels.json").write_text('[{"id": "C1", "name": "general"}]', encoding="utf-8")
    (slack / "general" / "2024-01-15.json").write_text(
        '[{"type": "message", "user": "U1", "text": "hi", "ts": "1705352700.000200"}]', encoding="utf-8")
    _, _, err = run(capsys, "timeline", str(evidence), "--out", str(tmp_path / "out"), "--format", "json",
                    "--case", str(tmp_path / "case"))
    line = next(x for x in err.splitlines() if "other file(s)" in x)
    assert line.startswith(f"{evidence}: 3 other file(s)"), line
    assert all(f"apps/com.fitness/{name}" in line for name in ("users.json", "channels.json", "group_info.json"))
    assert "slack/users.json" not in line and "slack/channels.json" not in line


def test_a_zip_of_two_apps_chats_records_each_chat_under_its_own_reader(tmp_path, case):
    """Before: a zip holding a WhatsApp chat and a LINE history recorded both chats as `whatsapp-zip` (the first
    reader's), so the LINE chat's provenance named the wrong app. Now one exhibit holds each chat under its own
    reader, its source its own member, and the WhatsApp voice note is still linked and taken in."""
    import shutil
    import zipfile

    from app.core.store.chats import stored_chats
    from app.core.usecases.timeline import take_in_exports
    from tests.test_chats30 import MEDIA

    evidence = tmp_path / "evidence"
    evidence.mkdir()
    shutil.copy(MEDIA / "en_voicenote.opus", tmp_path / "PTT-20240115-WA0001.opus")
    with zipfile.ZipFile(evidence / "phone.zip", "w") as archive:
        archive.writestr("wa/WhatsApp Chat with Anna.txt", "15/01/2024, 21:05 - Anna: hello\n"
                                                           "15/01/2024, 21:06 - Ben: PTT-20240115-WA0001.opus (file attached)\n")
        archive.write(tmp_path / "PTT-20240115-WA0001.opus", "wa/PTT-20240115-WA0001.opus")
        archive.writestr("line/[LINE] Chat with Bob.txt", "[LINE] Chat history with Bob\nSaved on: 2024/01/16 08:00\n\n"
                                                          "2024/01/15(Mon)\n21:05\tBob\tHello\n21:06\tAnna\tok\n")
    taken, errors = take_in_exports(case, [str(evidence / "phone.zip")])
    assert not errors and len({t.exhibit_id for t in taken}) == 1
    [exhibit] = {t.exhibit_id for t in taken}
    stored = stored_chats(case, exhibit)
    assert [(c.name, c.container, c.source) for c in stored] == [
        ("WhatsApp Chat with Anna", "whatsapp-zip", "wa/WhatsApp Chat with Anna.txt"),
        ("Bob", "line-zip", "line/[LINE] Chat with Bob.txt")]
    assert taken[0].export.container == "whatsapp-zip + line-zip" and len(taken[0].media) == 1


def test_a_number_added_again_is_one_phone_not_two_people_under_one_name(tmp_path):
    """Before: a WhatsApp group's sender written as a number (no contact saved) whom the app's note later says was
    added gave each of that number's messages "two people may be shown under this name, and the export writes no
    number to tell whose this message is": false, the number is written. A number names one phone: nothing said.
    A name added while one of that name writes still says so."""
    from tests.chat_helpers import loaded_messages

    number = "\u202a+44 7700 900123\u202c"
    text = (f"15/01/2024, 21:05 - {number}: hello\n15/01/2024, 21:06 - Anna: hi\n"
            f"15/01/2024, 21:07 - Anna added {number}\n15/01/2024, 21:08 - Ben added Anna\n"
            f"15/01/2024, 21:09 - {number}: again\n")
    messages = loaded_messages(tmp_path, text, "WhatsApp Chat with Crew.txt")
    assert [m.sender for m in messages] == ["+44 7700 900123", "Anna", None, None, "+44 7700 900123"]
    assert [bool(m.note) for m in messages] == [False, True, False, False, False]
    assert "the chat says 'Anna' joined (message 4)" in messages[1].note


def _sms(address: str, ms: int, box: str, body: str) -> str:
    return (f'<sms protocol="0" address="{address}" date="{ms}" type="{box}" body="{body}" read="1" '
            f'readable_date="15 Jan 2024" contact_name="Anna" />')


def test_an_sms_number_written_without_its_country_code_stays_its_own_conversation(tmp_path):
    """A number is a device's identity in evidence, and the phone's own country is not in the backup: "07700900123"
    is not joined to "+447700900123" (chats31 joined it, and so wrote one contact's US number as her Mexican one:
    review_chatsfix31 H1). Each is the conversation the backup writes, one spacing of a number one conversation."""
    backup = tmp_path / "sms-20240116100000.xml"
    backup.write_text("<?xml version='1.0' encoding='UTF-8' standalone='yes' ?><smses count=\"5\">"
                      + _sms("+44 7700 900123", 1705349111000, "1", "where are you")
                      + _sms("07700 900123", 1705349200000, "2", "on my way")
                      + _sms("07700900123", 1705349300000, "1", "hurry")
                      + _sms("+447700900123", 1705349400000, "1", "here") + _sms("12345", 1705349700000, "1", "code")
                      + "</smses>", encoding="utf-8")
    [loaded] = load_export(backup)
    chats = {chat.name: [(m.sender, m.text, m.note) for m in chat.messages] for chat in loaded.export.chats}
    assert chats == {"Anna (+447700900123)": [("Anna (+447700900123)", "where are you",
                                               "address written as '+44 7700 900123'"),
                                              ("Anna (+447700900123)", "here", "")],
                     "Anna (07700900123)": [("(this phone)", "on my way", "address written as '07700 900123'"),
                                            ("Anna (07700900123)", "hurry", "")],
                     "Anna (12345)": [("Anna (12345)", "code", "")]}


def test_one_partys_google_voice_text_pages_are_one_chat_and_a_folder_lists_it_once(tmp_path, capsys):
    """Before: Takeout writes a page per conversation thread, so Anna's texts were one chat (and one exhibit, one
    timeline) per page. Now her pages are one chat, oldest first, its later pages read with the first (given alone
    or met in a folder); Bob's page stays his own chat."""
    from tests.test_chatsfix30 import ME, _cite, _message, _text_page
    from tests.test_cli_mistakes import run

    evidence = tmp_path / "Calls"
    evidence.mkdir()
    anna = _cite("Anna", "+17323212222")
    pages = {"Anna - Text - 2021-01-22T01_33_43Z.html": [_message(1, anna, "first thread"), _message(2, ME, "ok")],
             "Anna - Text - 2021-03-02T10_00_00Z.html": [_message(3, anna, "second thread")],
             "Bob - Text - 2021-02-01T08_00_00Z.html": [_message(4, _cite("Bob", "+17323213333"), "bob here")]}
    for name, messages in pages.items():
        (evidence / name).write_text(_text_page("Anna" if "Anna" in name else "Bob", messages), encoding="utf-8")
    [loaded] = load_export(evidence / "Anna - Text - 2021-03-02T10_00_00Z.html")  # a later page given alone
    [chat] = loaded.export.chats
    assert (chat.name, [m.text for m in chat.messages]) == ("Anna", ["first thread", "ok", "second thread"])
    assert [m.index for m in chat.messages] == [0, 1, 2]
    assert [p.name for p in loaded.pages] == ["Anna - Text - 2021-03-02T10_00_00Z.html"]
    in_folder = sorted((c.name, len(c.messages)) for lo in load_export(evidence) for c in lo.export.chats)
    assert in_folder == [("Anna", 3), ("Bob", 1)]
    _, _, err = run(capsys, "timeline", str(evidence), "--out", str(tmp_path / "out"), "--format", "json",
                    "--case", str(tmp_path / "case"))
    assert "other file(s)" not in err and sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "Anna - Text - 2021-01-22T01_33_43Z.timeline.json", "Bob - Text - 2021-02-01T08_00_00Z.timeline.json"]


def test_a_google_voice_partys_unreadable_page_is_said_and_its_other_pages_kept(tmp_path):
    """One of a party's text pages damaged before its first message: the other pages are the chat, and a note with
    no time says which page was not read and why."""
    from tests.test_chatsfix30 import _cite, _message, _text_page

    anna = _cite("Anna", "+17323212222")
    (tmp_path / "Anna - Text - 2021-01-22T01_33_43Z.html").write_text(
        _text_page("Anna", [_message(1, anna, "kept")]), encoding="utf-8")
    (tmp_path / "Anna - Text - 2021-03-02T10_00_00Z.html").write_text(
        _text_page("Anna", [_message(2, anna, "lost")]).replace('<div class="hChatLog hfeed">',
                                                                '<div class="hChatLog hfeed"><![foo]>'), encoding="utf-8")
    [loaded] = load_export(tmp_path / "Anna - Text - 2021-01-22T01_33_43Z.html")
    [chat] = loaded.export.chats
    assert [m.text for m in chat.messages] == ["kept", ""]
    assert chat.messages[1].note == (
        "page 2 of this chat's 2 pages (Anna - Text - 2021-03-02T10_00_00Z.html): damaged HTML, not read "
        f"{FOO_CAUSE}: that page's messages are not in this chat")


def test_a_takeout_zips_google_voice_pages_of_one_party_are_one_chat(tmp_path):
    """Zipped as Takeout hands it over, Anna's two text pages were two chats of the zip's exhibit; now one chat,
    oldest first (the zip lists the newer first), both pages' texts recorded; Bob's page and Anna's voicemail, its
    recording linked, stay chats of their own."""
    import shutil
    import zipfile

    from tests.test_chats30 import MEDIA, _gv_call
    from tests.test_chatsfix30 import ME, _cite, _message, _text_page

    calls = "Takeout/Voice/Calls/"
    anna = _cite("Anna", "+17323212222")
    mp3 = "Anna - Voicemail - 2021-02-01T00_16_43Z.mp3"
    shutil.copy(MEDIA / "en_voicenote.mp3", tmp_path / mp3)
    with zipfile.ZipFile(tmp_path / "takeout.zip", "w") as archive:
        archive.writestr(calls + "Anna - Text - 2021-03-02T10_00_00Z.html", _text_page("Anna", [_message(3, anna, "later")]))
        archive.writestr(calls + "Bob - Text - 2021-02-01T08_00_00Z.html",
                         _text_page("Bob", [_message(4, _cite("Bob", "+17323213333"), "bob here")]))
        archive.writestr(calls + "Anna - Text - 2021-01-22T01_33_43Z.html",
                         _text_page("Anna", [_message(1, anna, "earlier"), _message(2, ME, "ok")]))
        archive.writestr(calls + "Anna - Voicemail - 2021-02-01T00_16_43Z.html", _gv_call(
            "Voicemail from", "voicemail", "Anna", f'<audio controls="controls" src="{mp3}"></audio>\n'))
        archive.write(tmp_path / mp3, calls + mp3)
    [loaded] = load_export(tmp_path / "takeout.zip", tmp_path / "extracted")
    chats = {(c.name, tuple(m.text for m in c.messages)) for c in loaded.export.chats}
    assert chats == {("Anna", ("earlier", "ok", "later")), ("Bob", ("bob here",)), ("Voicemail from Anna", ("",))}
    [voicemail] = [c for c in loaded.export.chats if c.name.startswith("Voicemail")]
    assert voicemail.messages[0].attachment.path == calls + mp3 and not voicemail.messages[0].attachment.missing
    assert sorted(loaded.chat_files) == sorted(calls + n for n in (
        "Anna - Text - 2021-01-22T01_33_43Z.html", "Anna - Text - 2021-03-02T10_00_00Z.html",
        "Bob - Text - 2021-02-01T08_00_00Z.html", "Anna - Voicemail - 2021-02-01T00_16_43Z.html"))


def test_media_left_out_of_the_export_is_known_in_more_languages(tmp_path):
    """Before: these lines (the file left out of an export made without media) were kept as the sender's words, and
    no attachment was said missing. Now each is a missing file; a line using the words otherwise stays words."""
    from tests.chat_helpers import loaded_messages

    left_out = ["<Média kihagyva>", "<Multimèdia omès>", "<Mediji su izostavljeni>", "<Medya atlandı>",
                "<Медиафайлы не включены>", "<Без медіафайлів>", "<已略去媒體>", "<มีเดียถูกข้าม>"]
    said = ["mediji su super", "Medya atlandı mı?"]
    text = "".join(f"15/01/2024, 21:{i:02d} - Anna: {line}\n" for i, line in enumerate(left_out + said))
    messages = loaded_messages(tmp_path, text, "WhatsApp Chat with Anna.txt")
    assert [(m.text, m.attachment.missing, m.attachment.placeholder) for m in messages[:len(left_out)]] == [
        ("", True, line) for line in left_out]
    assert [(m.text, m.attachment) for m in messages[len(left_out):]] == [(line, None) for line in said]


def test_two_google_voice_contacts_of_one_name_stay_two_chats(tmp_path):
    """Takeout names a page by the contact's name: two contacts saved as "Mum" (two numbers) write pages of one
    name. Their pages are not joined into one chat: one chat per number; a page of the account's words alone is a
    chat of its own (test_chatsfix31)."""
    from tests.test_chatsfix30 import ME, _cite, _message, _text_page

    pages = {"Mum - Text - 2021-01-01T10_00_00Z.html": [_message(1, _cite("Mum", "+17320000001"), "first mum")],
             "Mum - Text - 2021-02-01T10_00_00Z.html": [_message(2, _cite("Mum", "+17320000002"), "second mum")],
             "Mum - Text - 2021-03-01T10_00_00Z.html": [_message(3, _cite("Mum", "+17320000001"), "first again")]}
    for name, messages in pages.items():
        (tmp_path / name).write_text(_text_page("Mum", messages), encoding="utf-8")
    [loaded] = load_export(tmp_path / "Mum - Text - 2021-01-01T10_00_00Z.html")
    assert [[(m.sender, m.text) for m in c.messages] for c in loaded.export.chats] == [
        [("Mum (+17320000001)", "first mum"), ("Mum (+17320000001)", "first again")],
        [("Mum (+17320000002)", "second mum")]]
    (tmp_path / "Mum - Text - 2021-02-01T10_00_00Z.html").write_text(_text_page("Mum", [_message(2, ME, "mine")]),
                                                                     encoding="utf-8")
    [loaded] = load_export(tmp_path / "Mum - Text - 2021-01-01T10_00_00Z.html")
    assert [[m.text for m in c.messages] for c in loaded.export.chats] == [["first mum", "first again"], ["mine"]]


def test_a_short_kakaotalk_chat_under_a_banner_in_another_wording_is_read(tmp_path):
    """Before: a KakaoTalk phone export of fewer than 3 messages was read only under a banner worded as listed
    ("Talk with Anna"); under any other first line it was "no recognisable chat message". Its "Date Saved :" line
    is KakaoTalk's own: now it is read, the unknown banner line kept as a line with no time."""
    from tests.chat_helpers import loaded_messages

    text = ("KakaoTalk Chats 2024\nDate Saved : Jan 16, 2024 at 08:00\n\nJan 15, 2024 at 9:05 PM, Anna : hi\n"
            "Jan 15, 2024 at 9:06 PM, Bob : Voice Message\n")
    messages = loaded_messages(tmp_path, text, "KakaoTalkChats.txt")
    assert [(m.sender, m.datetime, m.text) for m in messages] == [
        (None, None, "KakaoTalk Chats 2024"), ("Anna", "2024-01-15T21:05:00", "hi"), ("Bob", "2024-01-15T21:06:00", "")]
    assert messages[2].attachment.kind == "audio" and messages[2].attachment.missing


def test_an_iphone_set_to_the_japanese_calendar_writes_the_eras_year(tmp_path):
    """An iPhone set to the Japanese calendar writes the year as its era's initial and number ("3/18/R4": Reiwa 4,
    2022), as real exports show. Before: "no recognisable chat message". Now read as its Gregorian year, said."""
    from tests.chat_helpers import loaded_messages

    text = ("[3/18/R4, 14:56:01] Anna: hello\n[3/27/R4, 21:41:55] Bob: image omitted\n"
            "[1/7/R5, 23:32:30] Anna: a new year\n[4/30/H31, 09:00:00] Bob: the last day of Heisei\n")
    messages = loaded_messages(tmp_path, text, "WhatsApp Chat - Anna.txt")
    assert [(m.sender, m.datetime) for m in messages] == [
        ("Anna", "2022-03-18T14:56:01"), ("Bob", "2022-03-27T21:41:55"), ("Anna", "2023-01-07T23:32:30"),
        ("Bob", "2019-04-30T09:00:00")]
    assert messages[0].note == "Japanese-era year R4 (Reiwa 4) read as 2022"
    assert messages[3].note == "Japanese-era year H31 (Heisei 31) read as 2019"
    assert messages[1].attachment.missing and messages[1].attachment.kind == "image"
