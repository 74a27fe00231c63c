"""Chat exports (session 23): two people under one name, every page of a cut HTML export, the app's words in other
languages, voice notes saved under names with no time, an app's note ending a cut WhatsApp file.

Each test builds its export as a small text and reads it as `timeline` does (`load_export`).
"""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

from app.core.chats import load_export
from tests.chat_helpers import loaded_messages


def _chats(path: Path):
    [loaded] = load_export(path)
    return loaded.export.chats


def test_an_app_note_ending_a_whatsapp_file_with_no_line_end_says_it_is_likely_cut_short(tmp_path):
    """Before: a chat cut inside the app's own note at its end ("Messages and calls are end-to-end encry") read as
    whole, nothing said (only a sender's words were marked). Now the note says it is likely cut short, as a
    sender's message does; the same file with its line end says nothing."""
    for name, text in (
            ("android.txt", "13/03/2024, 10:15 - Anna: hello\n13/03/2024, 10:16 - Messages and calls are end-to-end encry"),
            ("ios.txt", "[13/03/2024, 10:15:22] Anna: hello\n[13/03/2024, 10:15:40] Anna left"),
            ("group.txt", "[13/03/2024, 10:15:22] Anna: hello\n[13/03/2024, 10:15:40] Crew: \u200eAnna added B")):
        messages = loaded_messages(tmp_path, text, name)
        assert [m.system for m in messages] == [False, True] and messages[0].note == ""
        assert "likely cut short" in messages[1].note and "app's note" in messages[1].note, name
        whole = loaded_messages(tmp_path, text + "\n", "whole-" + name)
        assert not any("cut short" in m.note for m in whole)


def test_a_whatsapp_chat_with_arabic_letter_marks_around_its_dates_and_names_is_read(tmp_path):
    """Before: an Arabic phone's chat whose lines carry the Arabic letter mark (U+061C, a bidi mark as U+200F is)
    before the date and around the time and name was "no recognisable chat message". Now it reads as the same chat
    with U+200F does."""
    alm = "\u061c"
    text = (f"{alm}13/03/2024، {alm}9:05 م - {alm}Anna{alm}: مرحبا\n{alm}13/03/2024، {alm}9:06 ص - Bob: أهلا\n"
            f"{alm}13/03/2024، {alm}9:07 م - Anna: <Media omitted>\n")
    messages = loaded_messages(tmp_path, text, "WhatsApp Chat with Anna.txt")
    assert [(m.sender, m.datetime, m.text) for m in messages] == [
        ("Anna", "2024-03-13T21:05:00", "مرحبا"), ("Bob", "2024-03-13T09:06:00", "أهلا"), ("Anna", "2024-03-13T21:07:00", "")]
    assert messages[2].attachment is not None and messages[2].attachment.missing


def _telegram_page(messages: list[tuple[int, str, str]], cut_at: str | None = None) -> str:
    """A Telegram Desktop HTML page of (id, sender, words), cut a few characters into `cut_at` when given."""
    body = "".join(  # no sender: a "joined" message (the same sender as the message above, Telegram says)
        f'<div class="message default clearfix{"" if sender else " joined"}" id="message{i}"><div class="body">'
        f'<div class="pull_right date details" title="01.04.2021 09:0{i}:00 UTC+03:00">09:0{i}</div>'
        + (f'<div class="from_name">{sender}</div>' if sender else "") + f'<div class="text">{words}</div></div></div>\n'
        for i, sender, words in messages)
    page = (f'<!DOCTYPE html><html><head><meta charset="utf-8"/><title>Exported Data</title></head><body>'
            f'<div class="page_wrap"><div class="page_header"><div class="text bold">Crew</div></div>'
            f'<div class="page_body chat_page"><div class="history">\n{body}</div></div></div></body></html>\n')
    return page[: page.index(cut_at) + 5] if cut_at else page


def test_a_telegram_html_page_cut_short_before_the_last_says_so_on_the_message_it_ends_in(tmp_path):
    """Before: only the last page of a chat's HTML pages was checked for its closing </html>; messages.html cut
    short (its later messages lost) with messages2.html whole read as whole, nothing said. Now each page is
    checked, and the message a cut page ends in says which page it is. A "joined" message opening the page after
    the cut was given the sender of the last message read (the lost messages may be another's): now it has none,
    said."""
    first = [(1, "Oleg", "first"), (2, "Anna", "second words go on"), (3, "Oleg", "never read")]
    second = [(4, "", "fourth"), (5, "Oleg", "fifth")]
    (tmp_path / "messages.html").write_text(_telegram_page(first, cut_at="second words"), encoding="utf-8")
    (tmp_path / "messages2.html").write_text(_telegram_page(second), encoding="utf-8")
    [chat] = _chats(tmp_path / "messages.html")
    assert [(m.sender, m.text) for m in chat.messages] == [
        ("Oleg", "first"), ("Anna", "secon"), (None, "fourth"), ("Oleg", "fifth")]
    assert "not in this file" in chat.messages[2].note
    said = [m.note for m in chat.messages]
    assert "page 1 of this chat's 2 pages" in said[1] and "likely cut short" in said[1]
    assert not any("cut short" in n for n in (said[0], said[2], said[3]))
    (tmp_path / "messages.html").write_text(_telegram_page(first), encoding="utf-8")
    (tmp_path / "messages2.html").write_text(_telegram_page(second, cut_at="fourth"), encoding="utf-8")
    [chat] = _chats(tmp_path / "messages.html")
    assert [(m.sender, m.text) for m in chat.messages] == [
        ("Oleg", "first"), ("Anna", "second words go on"), ("Oleg", "never read"), ("Oleg", "fourt")]
    assert "page 2 of this chat's 2 pages" in chat.messages[-1].note
    assert not any("cut short" in m.note for m in chat.messages[:-1])


def test_two_telegram_html_accounts_of_one_name_are_told_apart_by_their_pictures_colour(tmp_path):
    """Before: Telegram's HTML pages (which write no account id) gave two members named "Anna" one sender. Telegram
    draws each account's picture in a colour of its own (`userpic2`, `userpic5`): two colours under one name are
    two accounts, now two senders, said; one colour under one name stays one sender, nothing said."""
    def message(i: int, colour: int, sender: str, words: str, joined: bool = False) -> str:
        picture = "" if joined else (f'<div class="pull_left userpic_wrap"><div class="userpic userpic{colour}">'
                                     f'<div class="initials">A</div></div></div>')
        return (f'<div class="message default clearfix{" joined" if joined else ""}" id="message{i}">{picture}'
                f'<div class="body"><div class="pull_right date details" title="01.04.2021 09:0{i}:00 UTC+03:00">'
                f'09:0{i}</div>' + ("" if joined else f'<div class="from_name">{sender}</div>')
                + f'<div class="text">{words}</div></div></div>')

    forwarded = ('<div class="message default clearfix" id="message5"><div class="pull_left userpic_wrap"><div '
                 'class="userpic userpic2"></div></div><div class="body"><div class="pull_right date details" title='
                 '"01.04.2021 09:05:00 UTC+03:00">09:05</div><div class="from_name">Anna</div><div class="forwarded '
                 'body"><div class="pull_left forwarded userpic_wrap"><div class="userpic userpic7"></div></div><div '
                 'class="from_name">Bob</div><div class="text">passed on</div></div></div></div>')
    page = ('<html><head><title>Exported Data</title></head><body><div class="history">'
            + message(1, 2, "Anna", "first Anna") + message(2, 5, "Anna", "second Anna")
            + message(3, 5, "", "still the second", joined=True) + message(4, 3, "Oleg", "hi") + forwarded
            + '</div></body></html>')
    (tmp_path / "messages.html").write_text(page, encoding="utf-8")
    [chat] = _chats(tmp_path / "messages.html")
    assert [m.sender for m in chat.messages] == [
        "Anna (picture colour 2)", "Anna (picture colour 5)", "Anna (picture colour 5)", "Oleg",
        "Anna (picture colour 2)"]
    assert "colour of its own (this one's: 5)" in chat.messages[1].note and "colour" not in chat.messages[3].note


def _messenger_page(sections: list[tuple[str, str, str]], participants: str = "", cut_at: str | None = None) -> str:
    """Meta's HTML download page (generated class names held for years) of (sender, words, time), newest first."""
    body = "".join(
        f'<section class="_a6-g"><h2 class="_2ph_ _a6-h _a6-i">{sender}</h2>'
        f'<div class="_2ph_ _a6-p"><div><div></div><div>{words}</div><div></div><div></div></div></div>'
        f'<footer class="_3-94 _a6-o"><div class="_a72d">{when}</div></footer></section>'
        for sender, words, when in sections)
    said = f'<div class="_a6-p">Participants: {participants}</div>' if participants else ""
    page = ('<html><head><meta charset="utf-8" /><title>Crew</title></head><body><div class="_a706"><h1>Crew</h1>'
            + said + body + '</div></body></html>')
    return page[: page.index(cut_at) + 3] if cut_at else page


def test_a_messenger_html_page_cut_short_before_the_last_says_so_where_it_ends(tmp_path):
    """Before: Messenger's newest page (message_1.html) cut short, the older message_2.html whole, read as whole:
    only the last page was checked. Now the oldest message read from the cut page says the page is cut."""
    thread = tmp_path / "messages" / "inbox" / "crew_1"
    thread.mkdir(parents=True)
    (thread / "message_1.html").write_text(_messenger_page([
        ("Bob", "newest", "Jan 15, 2024 9:09:00 pm"), ("Anna Smith", "cut words here", "Jan 15, 2024 9:08:00 pm"),
        ("Bob", "lost", "Jan 15, 2024 9:07:00 pm")], cut_at="cut words"), encoding="utf-8")
    (thread / "message_2.html").write_text(_messenger_page([
        ("Bob", "older", "Jan 15, 2024 9:06:00 pm"), ("Anna Smith", "oldest", "Jan 15, 2024 9:05:00 pm")]),
        encoding="utf-8")
    [chat] = _chats(thread / "message_1.html")
    assert [m.text for m in chat.messages] == ["oldest", "older", "cut", "newest"]
    assert "page 1 of this chat's 2 pages" in chat.messages[2].note and "likely cut short" in chat.messages[2].note
    assert not any("cut short" in m.note for i, m in enumerate(chat.messages) if i != 2)


def test_two_messenger_participants_of_one_name_are_said_on_that_names_messages(tmp_path):
    """Before: a Messenger chat whose participants list names two people "Anna Smith" gave every message of that
    name to one sender, nothing said. The export writes no id: now each of those messages says the list holds two
    people of that name and which wrote it is not known; JSON and HTML alike."""
    thread = tmp_path / "json" / "messages" / "inbox" / "crew_1"
    thread.mkdir(parents=True)
    (thread / "message_1.json").write_text(json.dumps({
        "participants": [{"name": "Anna Smith"}, {"name": "Bob"}, {"name": "Anna Smith"}], "title": "Crew",
        "messages": [{"sender_name": "Bob", "timestamp_ms": 1705352820000, "content": "who is this"},
                     {"sender_name": "Anna Smith", "timestamp_ms": 1705352760000, "content": "at the depot"}]}),
        encoding="utf-8")
    [chat] = _chats(thread / "message_1.json")
    anna, bob = chat.messages
    assert (anna.sender, bob.sender) == ("Anna Smith", "Bob")
    assert "participants list names 2 people 'Anna Smith'" in anna.note and "participants" not in bob.note
    page = tmp_path / "html" / "messages" / "inbox" / "crew_1"
    page.mkdir(parents=True)
    (page / "message_1.html").write_text(_messenger_page([
        ("Bob", "who is this", "Jan 15, 2024 9:07:00 pm"), ("Anna Smith", "at the depot", "Jan 15, 2024 9:06:00 pm")],
        participants="Anna Smith, Bob and Anna Smith"), encoding="utf-8")
    [chat] = _chats(page / "message_1.html")
    anna, bob = chat.messages
    assert "participants list names 2 people 'Anna Smith'" in anna.note and "participants" not in bob.note
    (page / "message_1.html").write_text(_messenger_page([  # a download made in French
        ("Bob", "qui est-ce", "Jan 15, 2024 9:07:00 pm"), ("Anna Smith", "au dépôt", "Jan 15, 2024 9:06:00 pm")],
        participants="Anna Smith, Bob et Anna Smith").replace("Participants:", "Participants :"), encoding="utf-8")
    [chat] = _chats(page / "message_1.html")
    assert "participants list names 2 people 'Anna Smith'" in chat.messages[0].note


def test_a_name_joining_a_whatsapp_or_line_group_it_is_already_in_is_said_to_be_perhaps_two_people(tmp_path):
    """Before: WhatsApp's notes saying "Anna" joined while an Anna was already writing in the group (no leaving
    said) left every message of "Anna" one sender's, nothing said. Now each says two people may be under that name
    and which note showed it; a name that left and came back is one person, nothing said."""
    android = ("13/03/2024, 10:00 - Bob: hi all\n13/03/2024, 10:01 - Anna: hello\n"
               "13/03/2024, 10:02 - Bob added Anna\n13/03/2024, 10:03 - Anna: who am I now\n"
               "13/03/2024, 10:04 - Carol joined using this group's invite link\n13/03/2024, 10:05 - Carol: hi\n")
    messages = loaded_messages(tmp_path, android, "WhatsApp Chat with Crew.txt")
    assert [m.sender for m in messages] == ["Bob", "Anna", None, "Anna", None, "Carol"]
    for m in (messages[1], messages[3]):
        assert "'Anna' joined (message 3) while someone of that name was already in it" in m.note
    assert not any("joined (message" in m.note for m in (messages[0], messages[5]))
    back = loaded_messages(tmp_path, "13/03/2024, 10:01 - Anna: hello\n13/03/2024, 10:02 - Anna left\n"
                                     "13/03/2024, 10:03 - Bob added Anna\n13/03/2024, 10:04 - Anna: back\n", "back.txt")
    assert not any("joined" in m.note for m in back)
    ios = loaded_messages(tmp_path, "[13/03/2024, 10:01:00] Anna: hello\n[13/03/2024, 10:02:00] Crew: \u200eBob added Anna\n"
                                    "[13/03/2024, 10:03:00] Anna: me too\n", "_chat.txt")
    assert "'Anna' joined (message 2)" in ios[0].note and "'Anna' joined (message 2)" in ios[2].note
    german = loaded_messages(tmp_path, "13.03.24, 10:01 - Anna: hallo\n13.03.24, 10:02 - Bob hat Anna hinzugefügt\n"
                                       "13.03.24, 10:03 - Carol hat die Gruppe verlassen\n"
                                       "13.03.24, 10:04 - Carol ist über den Einladungslink dieser Gruppe beigetreten\n"
                                       "13.03.24, 10:05 - Anna: ich auch\n", "de.txt")
    assert [("'Anna' joined (message 2)" in m.note) for m in german] == [True, False, False, False, True]
    line = loaded_messages(tmp_path, "[LINE] Chat history with Crew\nSaved on: 2024/01/16 08:00\n\n2024/01/15(Mon)\n"
                                     "21:05\tAnna\tHello\n21:06\tAnna joined the group.\n21:07\tAnna\tme too\n",
                           "[LINE] Chat with Crew.txt")
    assert [m.sender for m in line] == ["Anna", None, "Anna"]
    assert "'Anna' joined (message 2)" in line[0].note and "'Anna' joined (message 2)" in line[2].note
    japanese = loaded_messages(tmp_path, "[LINE] 班のトーク履歴\n保存日時：2024/01/16 08:00\n\n2024/01/15(月)\n"
                                         "21:05\t田中\tこんにちは\n21:06\t佐藤が田中を招待しました。\n21:07\t田中\tはい\n",
                               "[LINE] 班.txt")
    assert [m.sender for m in japanese] == ["田中", None, "田中"]
    assert "'田中' joined (message 2)" in japanese[0].note and "'田中' joined (message 2)" in japanese[2].note


def test_timeline_warns_of_a_name_the_export_shows_two_people_under(tmp_path, capsys):
    """Before: `timeline` said nothing when a chat's own notes showed two people under one name."""
    from app.cli.main import main

    chat = tmp_path / "evidence" / "WhatsApp Chat with Crew.txt"
    chat.parent.mkdir()
    chat.write_text("13/03/2024, 10:01 - Anna: hello\n13/03/2024, 10:02 - Bob added Anna\n13/03/2024, 10:03 - Anna: hi\n",
                    encoding="utf-8")
    status = main(["timeline", str(chat), "--out", str(tmp_path / "out"), "--case", str(tmp_path / "case")])
    assert status == 0 and "warning: two people may be shown under one name (Anna)" in capsys.readouterr().err


def test_the_timeline_says_a_whatsapp_chats_senders_are_names_only_and_a_telegram_json_chats_are_not(tmp_path, case):
    """Before: nothing in the timeline told the reader that WhatsApp names a sender only as the phone shows them
    (two people saved under one name are one sender). Now each such chat says so in the JSON and DOCX/PDF
    provenance; Telegram's JSON, which tells accounts apart by id, says nothing of it."""
    from app.core.chats.intake import take_in
    from app.core.chats.same_names import NAMES_ONLY_SAID
    from app.core.chats.timeline import build_timeline, timeline_dict
    from app.core.export.timeline import provenance_items

    chat = tmp_path / "WhatsApp Chat with Anna.txt"
    chat.write_text("13/03/2024, 10:01 - Anna: hello\n", encoding="utf-8")
    [taken] = take_in(case, chat)
    story = build_timeline(case, taken.exhibit_id)
    assert [c.get("senders") for c in timeline_dict(story)["chats"]] == [NAMES_ONLY_SAID]
    assert dict(provenance_items(story))["Senders"] == NAMES_ONLY_SAID
    telegram = tmp_path / "result.json"
    telegram.write_text(json.dumps({"name": "Anna", "type": "personal_chat", "id": 1, "messages": [
        {"id": 1, "type": "message", "date": "2024-10-27T01:45:00", "from": "Anna", "from_id": "user1", "text": "hi"}]}),
        encoding="utf-8")
    [taken] = take_in(case, telegram)
    story = build_timeline(case, taken.exhibit_id)
    assert [c.get("senders") for c in timeline_dict(story)["chats"]] == [None]
    assert "Senders" not in dict(provenance_items(story))


def test_messengers_own_words_in_other_languages_are_the_apps_not_the_senders(tmp_path):
    """Before: a download made in Spanish, French, German... kept "Anna envió un archivo adjunto." and "Hat mit ❤ auf
    deine Nachricht reagiert" as words the sender typed. Now they are the app's notes (words kept); words a
    sender typed that only begin like them stay the sender's."""
    def message(ms: int, sender: str, content: str) -> dict:
        return {"sender_name": sender, "timestamp_ms": ms, "content": content}

    said = [("Anna Smith", "Anna envió un archivo adjunto."), ("Anna Smith", "Anna a envoyé une photo."),
            ("Bob", "Bob hat einen Anhang gesendet."), ("Bob", "Hat mit \u2764 auf deine Nachricht reagiert"),
            ("Anna Smith", "Anna ha annullato l'invio di un messaggio"), ("Bob", "Bob enviou um anexo."),
            ("Anna Smith", "Anna a réagi \u2764 à votre message")]
    typed = [("Anna Smith", "Anna envió flores a su madre"), ("Bob", "Bob hat einen Hund gesehen")]
    rows = [message(1705352700000 + 1000 * i, s, t) for i, (s, t) in enumerate(said + typed)]
    thread = tmp_path / "messages" / "inbox" / "anna_1"
    thread.mkdir(parents=True)
    (thread / "message_1.json").write_text(json.dumps({
        "participants": [{"name": "Anna Smith"}, {"name": "Bob"}], "title": "Anna Smith",
        "messages": list(reversed(rows))}), encoding="utf-8")
    [chat] = _chats(thread / "message_1.json")
    assert [m.text for m in chat.messages] == [t for _, t in said + typed]
    assert [m.system for m in chat.messages] == [True] * len(said) + [False] * len(typed)
    assert all("the app's words" in m.note for m in chat.messages[: len(said)])


def test_timeline_warns_of_voice_notes_linked_by_order_alone(tmp_path, case, capsys):
    """A voice note linked to "Voice 001.m4a" by order has nothing in the name to confirm it: `timeline` says so as
    it takes the chat in (before transcribing anything)."""
    from app.cli.timeline import _take_in_all
    from tests.conftest import MEDIA

    chat = _voice_chat(tmp_path / "evidence", 1)
    shutil.copy(MEDIA / "en_voicenote.opus", chat.parent / "Voice 001.opus")
    [taken], status = _take_in_all(case, [str(chat)])
    assert "warning: 1 voice note(s) the chat names were linked to a numbered file" in capsys.readouterr().err
    assert status == 0 and taken.export.messages[1].attachment.path == "Voice 001.opus"


def _voice_chat(folder: Path, notes: int) -> Path:
    lines = "".join(f"13/03/2024, 10:1{i} - Bob: PTT-20240313-WA000{i}.opus (file attached)\n" for i in range(1, notes + 1))
    folder.mkdir()
    chat = folder / "WhatsApp Chat with Bob.txt"
    chat.write_text("13/03/2024, 10:10 - Alice: where are you\n" + lines, encoding="utf-8")
    return chat


def test_voice_notes_saved_under_names_with_no_time_are_linked_in_order_or_say_why_not(tmp_path):
    """Before: a chat whose voice notes lie beside it as a recorder names them ("Voice 001.m4a", "Voice 002.m4a")
    showed every voice note missing and those files as files no message names, nothing said. Now, as many of each
    and every file numbered, they are linked in order, each note saying so; one of each is linked; otherwise each
    file says why it was not."""
    from tests.conftest import MEDIA

    chat = _voice_chat(tmp_path / "two", 2)
    shutil.copy(MEDIA / "en_voicenote.opus", chat.parent / "Voice 002.m4a")
    shutil.copy(MEDIA / "en_voicenote.opus", chat.parent / "Voice 001.m4a")
    [story] = _chats(chat)
    first, second = story.messages[1], story.messages[2]
    assert (first.attachment.missing, first.attachment.path) == (False, "Voice 001.m4a")
    assert (second.attachment.missing, second.attachment.path) == (False, "Voice 002.m4a")
    assert "paired in order" in first.note and "number 2 of each" in second.note and len(story.messages) == 3
    with zipfile.ZipFile(tmp_path / "WhatsApp Chat - Bob.zip", "w") as z:  # zipped, the same
        z.write(chat, "WhatsApp Chat - Bob.txt")
        for name in ("Voice 002.m4a", "Voice 001.m4a"):
            z.write(MEDIA / "en_voicenote.opus", name)
    [loaded] = load_export(tmp_path / "WhatsApp Chat - Bob.zip", tmp_path / "extracted")
    assert [m.attachment.path for m in loaded.export.messages[1:]] == ["Voice 001.m4a", "Voice 002.m4a"]
    one = _voice_chat(tmp_path / "one", 1)
    shutil.copy(MEDIA / "en_voicenote.opus", one.parent / "Recording 3.m4a")
    [story] = _chats(one)
    assert story.messages[1].attachment.path == "Recording 3.m4a" and "nothing in the name confirms" in story.messages[1].note
    more = _voice_chat(tmp_path / "more", 2)
    for name in ("Voice 001.m4a", "Voice 002.m4a", "Voice 003.m4a"):
        shutil.copy(MEDIA / "en_voicenote.opus", more.parent / name)
    [story] = _chats(more)
    assert story.messages[1].attachment.missing and story.messages[2].attachment.missing
    kept = [m for m in story.messages if m.sender is None]
    assert sorted(m.attachment.name for m in kept) == ["Voice 001.m4a", "Voice 002.m4a", "Voice 003.m4a"]
    assert all("not taken for one of the 2 voice note(s)" in m.note for m in kept)
    shared = _voice_chat(tmp_path / "shared", 1)  # another chat beside it: the file may be either's
    (shared.parent / "WhatsApp Chat with Carol.txt").write_text("13/03/2024, 11:00 - Carol: PTT-20240313-WA0009.opus "
                                                                "(file attached)\n", encoding="utf-8")
    shutil.copy(MEDIA / "en_voicenote.opus", shared.parent / "Voice 001.m4a")
    [story] = _chats(shared)
    assert story.messages[1].attachment.missing
    [kept] = [m for m in story.messages if m.sender is None]
    assert kept.attachment.name == "Voice 001.m4a" and "several chats lie here" in kept.note
