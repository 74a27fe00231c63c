"""Chat exports, session 29: a fresh sweep of the layouts a seized phone gives.

Each test builds its export as a small file and reads it (`load_export`), as `timeline` does.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from app.core.chats.registry import load_export

LRM = "\u200e"
E2E = f"{LRM}Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, can read or listen to them."


def _zipped_chats(path: Path, members: dict[str, str]) -> tuple:
    """The chats `load_export` reads from a zip at `path` holding `members` (name -> text)."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    [loaded] = load_export(path)
    return loaded.export.chats


@pytest.mark.parametrize("call", [f"{LRM}Missed voice call, {LRM}Tap to call back", f"{LRM}Voice call · {LRM}12 min",
                                  f"{LRM}Missed video call, {LRM}Tap to call back", f"{LRM}Video call, {LRM}No answer"])
def test_an_ios_contact_who_only_called_is_still_the_caller(tmp_path, call):
    """iOS writes a chat of two's encryption note under the contact's name, and each call under the caller's,
    with ", Tap to call back" or its length after it. Before: a contact who only called (never typed) was read
    as a group's name, "which writes only the app's notes": every call lost its caller (sender None).
    Now the calls are the contact's."""
    chat = (f"[13/06/2024, 21:04:00] Anna: {E2E}\n[13/06/2024, 21:05:01] Anna: {call}\n"
            f"[13/06/2024, 21:06:01] Anna: {call}\n[13/06/2024, 21:07:01] Me: where are you\n")
    [anna] = _zipped_chats(tmp_path / "WhatsApp Chat - Anna.zip", {"_chat.txt": chat})
    assert [m.sender for m in anna.messages] == ["Anna", "Anna", "Anna", "Me"]
    assert [m.system for m in anna.messages] == [True, True, True, False]
    assert not any("group's name" in m.note for m in anna.messages)


def test_an_ios_groups_own_notes_are_still_no_sender(tmp_path):
    """The guard: a group's name writing its notes (created, added) is still no sender."""
    chat = (f"[13/06/2024, 21:04:00] Crew: {E2E}\n[13/06/2024, 21:04:01] Crew: {LRM}Anna created group “Crew”\n"
            f"[13/06/2024, 21:04:02] Crew: {LRM}Anna added you\n[13/06/2024, 21:05:01] Anna: hi\n")
    [crew] = _zipped_chats(tmp_path / "WhatsApp Chat - Crew.zip", {"_chat.txt": chat})
    assert [m.sender for m in crew.messages] == [None, None, None, "Anna"]


@pytest.mark.parametrize(("chat", "written"), [
    (("2024-06-13 21 h 05 - Anne : Salut\nà demain\n2024-06-13 21 h 06 - Anne : PTT-20240613-WA0001.opus "
      "(fichier joint)\n2024-06-13 21 h 07 - Luc : <Médias omis>\n"), "2024-06-13 21 h 05"),
    ((f"[2024-06-13 21 h 05 min 01 s] Anne : Salut\nà demain\n[2024-06-13 21 h 06 min 00 s] Anne : {LRM}<joint : "
      f"00000012-AUDIO-2024-06-13-21-06-00.opus>\n[2024-06-13 21 h 07 min 00 s] Luc : {LRM}image absente\n"),
     "2024-06-13 21 h 05 min 01 s"),
])
def test_a_canadian_french_phones_clock_is_read(tmp_path, chat, written):
    """A phone set to Canadian French writes its clock "21 h 05" (Android) or "21 h 05 min 01 s" (iOS), as
    CLDR's fr-CA time formats do. Before: "no recognisable chat message", the whole chat refused."""
    path = tmp_path / "WhatsApp Chat with Anne.txt"
    path.write_text(chat, encoding="utf-8")
    [loaded] = load_export(path)
    [anne] = loaded.export.chats
    assert [(m.sender, m.text) for m in anne.messages] == [("Anne", "Salut\nà demain"), ("Anne", ""), ("Luc", "")]
    assert anne.messages[0].time_as_written == written
    assert [m.datetime[:16] for m in anne.messages] == ["2024-06-13T21:05", "2024-06-13T21:06", "2024-06-13T21:07"]
    assert anne.messages[1].attachment.kind == "audio" and anne.messages[2].attachment.missing


CALLS = ("<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n<calls count=\"4\">\n"
         '<call number="+44 7700 900123" duration="65" date="1718305500000" type="1" presentation="1" '
         'readable_date="13 Jun 2024 21:05:00" contact_name="Bob" />\n'
         '<call number="+447700900123" duration="0" date="1718305600000" type="3" presentation="1" '
         'readable_date="13 Jun 2024 21:06:40" contact_name="Bob" />\n'
         '<call number="+447700900123" duration="12" date="1718305700000" type="2" presentation="1" '
         'readable_date="13 Jun 2024 21:08:20" contact_name="Bob" />\n'
         '<call number="" duration="0" date="1718305800000" type="5" presentation="2" '
         'readable_date="13 Jun 2024 21:10:00" contact_name="(Unknown)" />\n</calls>\n')


def test_a_phones_call_log_beside_its_sms_backup_is_read(tmp_path):
    """SMS Backup & Restore writes the phone's call log beside its texts (`calls-….xml`). Before: given alone it
    was "no recognisable chat message (not a WhatsApp, …)", and in a folder it was passed over without a word.
    Now each call is a record of that number's call chat ("…, calls", named apart from its texts): who, when
    (UTC), and what became of it."""
    path = tmp_path / "calls-20240614.xml"
    path.write_text(CALLS, encoding="utf-8")
    [loaded] = load_export(path)
    bob, withheld = loaded.export.chats
    assert bob.name == "Bob (+447700900123), calls" and withheld.name == "(no address), calls"
    assert [(m.sender, m.text, m.datetime) for m in bob.messages] == [
        ("Bob (+447700900123)", "incoming call, 65 s", "2024-06-13T19:05:00+00:00"),
        ("Bob (+447700900123)", "missed call", "2024-06-13T19:06:40+00:00"),
        ("(this phone)", "outgoing call, 12 s", "2024-06-13T19:08:20+00:00")]
    assert all(m.system and "call log" in m.note for m in bob.messages)
    assert "address written as '+44 7700 900123'" in bob.messages[0].note
    [rejected] = withheld.messages
    assert rejected.text == "call rejected" and "the number withheld" in rejected.note


def test_a_folder_of_sms_and_calls_backups_reads_both(tmp_path):
    (tmp_path / "calls-20240614.xml").write_text(CALLS, encoding="utf-8")
    (tmp_path / "sms-20240614.xml").write_text(
        "<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n<smses count=\"1\">\n"
        '<sms protocol="0" address="+447700900123" date="1718305900000" type="1" body="call me" '
        'readable_date="13 Jun 2024 21:11:40" contact_name="Bob" />\n</smses>\n', encoding="utf-8")
    refused: list = []
    loaded = load_export(tmp_path, refused=refused)
    assert not refused and sorted(Path(one.original).name for one in loaded) == [
        "calls-20240614.xml", "sms-20240614.xml"]


@pytest.mark.parametrize(("members", "zipped", "expected"), [
    ({"WhatsApp Chat with Anna.txt": "13/06/2024, 21:05 - Anna: hi\n"}, "Exhibit 7.zip", "WhatsApp Chat with Anna"),
    ({"WhatsApp Chat - Anna/_chat.txt": "[13/06/2024, 21:05:01] Anna: hi\n"}, "dump.zip", "WhatsApp Chat - Anna"),
    ({"_chat.txt": "[13/06/2024, 21:05:01] Anna: hi\n"}, "WhatsApp Chat - Anna.zip", "WhatsApp Chat - Anna"),
])
def test_a_zipped_chat_keeps_the_name_the_app_gave_it(tmp_path, members, zipped, expected):
    """A zip renamed on its way to the lab ("Exhibit 7.zip") holding "WhatsApp Chat with Anna.txt". Before: the
    chat was named "Exhibit 7", the app's name for it (who it was with) said nowhere; so was an iOS chat in its
    folder of a dump's zip ("dump"). Now the chat text's own name is kept; only a name that says nothing
    ("_chat.txt") takes its folder's or the zip's."""
    assert [chat.name for chat in _zipped_chats(tmp_path / zipped, members)] == [expected]


def test_lines_space_separated_layout_is_refused_saying_why(tmp_path):
    """LINE's space-separated layout ("21:05 Anna Lee hi there") writes no mark where a name of several words
    ends, and no rule can tell "Anna Lee" saying "hi there" from "Anna" saying "Lee hi there". Before: refused as
    "no recognisable chat message (not a ... LINE ... export)", which it is. Now the one line says what it is and
    why it is not read; no sender is guessed."""
    from app.core.errors import ChatError
    path = tmp_path / "[LINE] Chat in Crew.txt"
    path.write_text("[LINE] Chat history in Crew\nSaved on: 2024/06/14 10:00\n\n2024.06.13 Thursday\n"
                    "21:05 Anna Lee hi there\n21:06 Bob ok\n", encoding="utf-8")
    with pytest.raises(ChatError) as refused:
        load_export(path)
    assert "LINE chat history in its space-separated layout" in str(refused.value)
    assert "not a WhatsApp" not in str(refused.value) and "\n" not in str(refused.value)


@pytest.mark.parametrize("hyphen", ["\u2011", "\u2010", "\u2013", "\u2212"])
def test_a_number_written_with_a_no_break_hyphen_is_one_sender(tmp_path, hyphen):
    """A phone may write a number's hyphens as U+2011 (no-break hyphen, which keeps it on one line) on one line
    and as "-" or with no spacing on others. Before: "+1 (555) 123<U+2011>4567" was a sender of its own beside
    "+1 555-123-4567", one person shown as two. Now every spelling is one sender, each said as written."""
    path = tmp_path / "WhatsApp Chat with Crew.txt"
    path.write_text(f"6/13/24, 9:05 PM - \u202a+1 (555) 123{hyphen}4567\u202c: hi\n"
                    "6/13/24, 9:06 PM - +1 (555) 123-4567: again\n6/13/24, 9:07 PM - +15551234567: third\n",
                    encoding="utf-8")
    [loaded] = load_export(path)
    [crew] = loaded.export.chats
    assert {m.sender for m in crew.messages} == {"+1 555-123-4567"}
    assert f"sender written as '+1 (555) 123{hyphen}4567'" in crew.messages[0].note


def test_a_chat_whose_first_message_runs_past_128_kib_is_read(tmp_path):
    """A first message of one long run of characters (a pasted blob, no comma in it). Before: a traceback,
    "_csv.Error: field larger than field limit (131072)", from the Discord CSV check every chat text meets
    first; the same from a Discord or KakaoTalk CSV holding such a message. Now it is read, every word kept."""
    long = "x" * 140_000
    path = tmp_path / "WhatsApp Chat with Anna.txt"
    path.write_text(f"13/06/2024, 21:05 - Anna: {long}\n13/06/2024, 21:06 - Bob: ok\n", encoding="utf-8")
    [loaded] = load_export(path)
    assert [(m.sender, m.text) for m in loaded.export.chats[0].messages] == [("Anna", long), ("Bob", "ok")]
    kakao = tmp_path / "KakaoTalk_Chat.csv"
    kakao.write_text(f'Date,User,Message\n2024-06-13 21:05:00,"Bob","{long}"\n2024-06-13 21:06:00,"Ann","hi"\n',
                     encoding="utf-8")
    [loaded] = load_export(kakao)
    assert [m.text for m in loaded.export.chats[0].messages] == [long, "hi"]


def test_an_sms_backup_whose_emoji_are_written_as_two_halves_is_read(tmp_path):
    """Signal Android's plaintext backup and SMS Backup & Restore write an emoji as two character references, one
    per UTF-16 half ("&#55357;&#56832;"), which XML does not allow (signalapp/Signal-Android#1546, #7155).
    Before: the whole backup was refused, "malformed XML (reference to invalid character number ...); 0
    message(s) read before it". Now each pair is its emoji; a half with no partner, or a control character XML
    forbids ("&#27;"), is shown damaged (U+FFFD)."""
    rows = "".join(f'<sms protocol="0" address="+447700900123" date="{1718305500000 + k}" type="1" '
                   f'body="n{k} &#55357;&#56832; &#xD83D;&#xDE00;&#10;x" readable_date="x" contact_name="Bob" />\n'
                   for k in range(3000))  # past the parser's first reads: a pair cut between two reads is joined
    path = tmp_path / "SignalPlaintextBackup.xml"
    path.write_text("<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n<smses count=\"3001\">\n" + rows +
                    '<sms protocol="0" address="+447700900123" date="1718309999999" type="2" body="lone &#56832; '
                    'half &#27;" readable_date="x" contact_name="Bob" />\n</smses>\n', encoding="utf-8")
    [loaded] = load_export(path)
    [bob] = loaded.export.chats
    assert len(bob.messages) == 3001
    assert all(m.text == f"n{k} 😀 😀\nx" for k, m in enumerate(bob.messages[:-1]))
    assert bob.messages[-1].text == "lone \ufffd half \ufffd"


@pytest.mark.parametrize("size", [1, 3, 7, 64])
def test_joined_refs_joins_a_pair_however_the_reads_cut_it(size):
    import io

    from app.core.chats.xml_refs import JoinedRefs
    stream = JoinedRefs(io.BytesIO(b"a &#55357;&#56832; b &#65;&#55357;&#56832;&#10; c &#55357; d" * 3))
    out = b"".join(iter(lambda: stream.read(size), b""))
    assert out == b"a &#128512; b &#65;&#128512;&#10; c &#65533; d" * 3
