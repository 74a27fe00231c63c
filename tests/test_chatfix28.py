"""Chat exports, review 1 of session 28: what the review found in the merged chats28 work.

Each test builds its export as a small file and reads it (`load_export`) or takes it in as `timeline` does.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.chats.registry import load_export


@pytest.mark.parametrize("space", ["\u00a0", "\u202f", " "])
def test_a_line_clock_spaced_by_any_space_before_pm_is_a_message(tmp_path, space):
    """Before: a LINE clock written "9:05<U+00A0>PM" was no message line: it was glued to the message before it
    ("first\\n9:05 PM<TAB>Anna<TAB>hello\\n9:06 PM<TAB>Bob<TAB>see you"), Bob's words became Anna's, and lines
    of it before any plain line were lost. Now each is its own message, its sender its own."""
    chat = tmp_path / "[LINE] Chat with Anna.txt"
    chat.write_text(f"[LINE] Chat history with Anna\nSaved on: 2024/01/15 22:00\n\n2024/01/15 Mon\n"
                    f"9:03{space}PM\tAnna\tzero\n9:04 PM\tAnna\tfirst\n9:05{space}PM\tAnna\thello\n"
                    f"9:06{space}P.M.\tBob\tsee you at the docks\n9:07 PM\t\tAnna left.\n", encoding="utf-8")
    [loaded] = load_export(chat)
    [anna] = loaded.export.chats
    assert [(m.sender, m.text, m.datetime) for m in anna.messages] == [
        ("Anna", "zero", "2024-01-15T21:03:00"), ("Anna", "first", "2024-01-15T21:04:00"),
        ("Anna", "hello", "2024-01-15T21:05:00"), ("Bob", "see you at the docks", "2024-01-15T21:06:00"),
        (None, "Anna left.", "2024-01-15T21:07:00")]
    assert anna.messages[2].time_as_written == f"2024/01/15 Mon 9:05{space}PM"


CHAT = "15/01/2024, 21:05 - Anna: hi\n15/01/2024, 21:06 - Bob: hello\n15/01/2024, 21:07 - Anna: at the docks\n"
SMS = ("<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n<smses count=\"1\">\n"
       '  <sms protocol="0" address="+447700900123" date="1705400000000" type="1" body="Are you there?" '
       'readable_date="16 Jan 2024 10:13:20" contact_name="Bob" />\n</smses>\n')


def _linked_twice(tmp_path: Path, how: str) -> list[str]:
    """The evidence folder holding a chat and an SMS backup, and the same files reached by a second path."""
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    (evidence / "WhatsApp Chat with Anna.txt").write_text(CHAT, encoding="utf-8")
    (evidence / "sms.xml").write_text(SMS, encoding="utf-8")
    if how == "symlinked folder":
        (tmp_path / "link").symlink_to(evidence, target_is_directory=True)
        return [str(evidence), str(tmp_path / "link")]
    other = tmp_path / "other"
    other.mkdir()
    for name in ("WhatsApp Chat with Anna.txt", "sms.xml"):
        (other / name).hardlink_to(evidence / name)
    return [str(evidence / "WhatsApp Chat with Anna.txt"), str(evidence / "sms.xml"),
            str(other / "WhatsApp Chat with Anna.txt"), str(other / "sms.xml")]


@pytest.mark.parametrize("how", ["hard link", "symlinked folder"])
def test_one_file_reached_by_two_paths_is_stored_once(tmp_path, case, how):
    """Before: a chat (or SMS backup) reached through a hard link or a symlinked folder as well became two parts of
    one exhibit, every message stored twice (the timeline 6 messages of 3) and the second path said nowhere. Now
    the second meeting is one line, "met again", and each message is stored once, at the path first met."""
    from app.core.store.chats import chat_messages, stored_chats
    from app.core.usecases.timeline import take_in_exports

    taken, errors = take_in_exports(case, _linked_twice(tmp_path, how))
    assert not errors and [bool(t.met_again) for t in taken] == [False, False, True, True]
    assert all("met again (the same export as" in t.met_again for t in taken[2:])
    stored = [chat for t in taken[:2] for chat in stored_chats(case, t.exhibit_id)]
    assert sorted(len(chat_messages(case, chat.id)) for chat in stored) == [1, 3]
    assert {case.exhibit(t.exhibit_id).source.path for t in taken} == {
        str(tmp_path / "evidence" / "WhatsApp Chat with Anna.txt"), str(tmp_path / "evidence" / "sms.xml")}


ADDRESS_NOTE = "the sender may be one named 'Anna: Address'"


def test_a_signal_sender_is_not_invented_from_the_starts_of_messages(tmp_path):
    """Before: "[...] Anna: Address: 12 Dock Road" and "[...] Anna: Address: the back gate" (every line of Anna's)
    were read as sent by "Anna: Address", a sender who does not exist, saying "12 Dock Road". Now message starts
    alone bear out no name: the sender is Anna, her words whole, and each of her messages says the other reading.
    A name written elsewhere (a reaction's, a mention) still bears a colon name out."""
    chat = tmp_path / "chat.md"
    chat.write_text("[2024-01-15 21:05] Anna: Address: 12 Dock Road\n[2024-01-15 21:06] Me: ok\n"
                    "[2024-01-15 21:07] Anna: Address: the back gate\n[2024-01-15 21:08] Me: got it\n"
                    "[2024-01-15 21:09] Team: Alpha: meet at 9\n[2024-01-15 21:10] Me: @Team: Alpha ok\n",
                    encoding="utf-8")
    [loaded] = load_export(chat)
    messages = loaded.export.messages
    assert [(m.sender, m.text) for m in messages] == [
        ("Anna", "Address: 12 Dock Road"), ("Me", "ok"), ("Anna", "Address: the back gate"), ("Me", "got it"),
        ("Team: Alpha", "meet at 9"), ("Me", "@Team: Alpha ok")]
    assert [ADDRESS_NOTE in m.note for m in messages] == [True, False, True, False, False, False]
    mine = tmp_path / "mine" / "chat.md"  # "Me" is this phone, as signal-export names it: no other reading
    mine.parent.mkdir()
    mine.write_text("[2024-01-15 21:05] Me: Plan: dock\n[2024-01-15 21:06] Anna: ok\n[2024-01-15 21:07] Me: Plan: gate\n",
                    encoding="utf-8")
    [loaded] = load_export(mine)
    assert [(m.sender, m.text, m.note) for m in loaded.export.messages] == [
        ("Me", "Plan: dock", ""), ("Anna", "ok", ""), ("Me", "Plan: gate", "")]


def test_an_android_whatsapp_sender_is_not_invented_from_the_starts_of_messages(tmp_path):
    """The same weakness in Android WhatsApp's reading (`colon_names`, older than session 28): "Anna: Address: ..."
    on each of Anna's lines was sender "Anna: Address". Now Anna, saying so; the app's note naming "Work: Bob"
    still bears that name out."""
    chat = tmp_path / "WhatsApp Chat with Team.txt"
    chat.write_text("15/01/2024, 21:04 - Anna added Work: Bob\n15/01/2024, 21:05 - Anna: Address: 12 Dock Road\n"
                    "15/01/2024, 21:06 - Work: Bob: ok: fine\n15/01/2024, 21:07 - Anna: Address: the back gate\n",
                    encoding="utf-8")
    [loaded] = load_export(chat)
    messages = loaded.export.messages
    assert [(m.sender, m.text) for m in messages] == [
        (None, "Anna added Work: Bob"), ("Anna", "Address: 12 Dock Road"), ("Work: Bob", "ok: fine"),
        ("Anna", "Address: the back gate")]
    assert [ADDRESS_NOTE in m.note for m in messages] == [False, True, False, True]


@pytest.mark.parametrize("typed, page, shown", [
    ("Иван: Встретимся завтра", "cp1251", "Èâàí"), ("Μαρία: Τα λέμε αύριο", "cp1253", "Ìáñßá"),
    ("Jan: Dziękuję, będę jutro", "cp1250", "Dziêkujê"), ("Oğuz: Görüşürüz yarın Şükrü", "cp1254", "Görüþürüz"),
])
def test_a_line_of_another_code_page_is_shown_damaged_not_read_as_windows_1252(typed, page, shown):
    """Before: a UTF-8 chat holding one line saved in Windows-1251 (or 1253, 1250, 1254) read it as Windows-1252
    with confidence ("Èâàí: Âñòðåòèìñÿ çàâòðà", "Dziêkujê", named "utf-8 (1 line(s) in cp1252)"): sender and words
    wrong, no sign of doubt. Now that line is shown damaged (U+FFFD) and the encoding says so; the UTF-8 lines
    stay as they are."""
    from app.core.chats.encoding import decode_text

    utf8 = {"cp1251": "Анна: Привет, как дела?", "cp1253": "Νίκος: Καλημέρα", "cp1250": "Anna: Cześć, gdzie jesteś?",
            "cp1254": "Ayşe: Günaydın"}[page]
    data = f"12.03.24, 10:00 - {utf8}\n".encode() + f"12.03.24, 10:01 - {typed}\n".encode(page)
    text, encoding = decode_text(data)
    first, second = text.splitlines()
    assert first == f"12.03.24, 10:00 - {utf8}" and shown not in second and "\ufffd" in second
    assert second.startswith("12.03.24, 10:01 - ") and encoding.startswith("utf-8 (damaged: "), encoding


def test_a_windows_1252_line_in_a_utf8_chat_is_still_read_beside_another_scripts_name():
    """The control: a French line in Windows-1252 among UTF-8 lines (one sender named in Cyrillic, one Polish
    name among French words) is still read in Windows-1252, short accented words and all."""
    from app.core.chats.encoding import decode_text

    data = ("12.03.24, 10:00 - Иван: hi\n12.03.24, 10:01 - Łukasz: café crème à noël\n".encode()
            + "12.03.24, 10:02 - René: Déjà été, ça\n".encode("cp1252"))
    text, encoding = decode_text(data)
    assert text.splitlines()[2] == "12.03.24, 10:02 - René: Déjà été, ça" and encoding == "utf-8 (1 line(s) in cp1252)"


def test_an_mms_senders_address_keeps_its_own_spelling(tmp_path):
    """Before: a group MMS whose sender (its `addr` of type 137) was written "+44 7700 900456" was said as from
    "+447700900456", how the backup wrote it said nowhere (only the conversation's address was). Now the note
    says "sender written as '+44 7700 900456'"; a sender written as the conversation is says nothing more."""
    backup = tmp_path / "sms-20240116080000.xml"
    mms = ('  <mms date="{ms}" msg_box="1" address="+447700900123~+447700900456" readable_date="16 Jan 2024" '
           'contact_name="Anna, Bob"><parts><part ct="text/plain" text="{text}"/></parts>'
           '<addrs><addr address="{sender}" type="137"/><addr address="+447700900999" type="151"/></addrs></mms>\n')
    backup.write_text("<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n<smses count=\"2\">\n"
                      + mms.format(ms=1705400000000, text="at the docks", sender="+44 7700 900456")
                      + mms.format(ms=1705400060000, text="ok", sender="+447700900123") + "</smses>\n",
                      encoding="utf-8")
    [loaded] = load_export(backup)
    [group] = loaded.export.chats
    assert [(m.sender, m.text) for m in group.messages] == [("+447700900456", "at the docks"), ("+447700900123", "ok")]
    assert "sender written as '+44 7700 900456'" in group.messages[0].note
    assert "sender written as" not in group.messages[1].note
