"""Chat exports, session 29's fixes to reader 26 (review 3 of the chats29 merge).

Each test builds its export as a small file and reads it (`load_export`), as `timeline` does.
"""

from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path

import pytest

from app.core.chats.registry import load_export
from app.core.chats.sms import read_backup
from app.core.chats.xml_refs import _RUN_RE, JoinedRefs, _joined
from app.core.errors import ChatError


def _chats(path: Path, text: str) -> tuple:
    path.write_text(text, encoding="utf-8")
    [loaded] = load_export(path)
    return loaded.export.chats


@pytest.mark.parametrize(("chat", "typed"), [
    (("13/06/2024, 21:05 - Anne: Programme:\n14/06/2024 9 h 30 - salle B\n14/06/2024 14 h 00 - salle C\n"
     "13/06/2024, 21:06 - Luc: ok\n"), "Programme:\n14/06/2024 9 h 30 - salle B\n14/06/2024 14 h 00 - salle C"),
    ("13/06/2024 21:05 - Anne: Programme :\n14/06/2024 9h30 - dentiste\n13/06/2024 21:06 - Luc: ok\n",
     "Programme :\n14/06/2024 9h30 - dentiste"),
    ("2024-06-13, 21:05 - Anne: Times:\n2024-06-14 9h30 - meeting\n2024-06-13, 21:06 - Luc: ok\n",
     "Times:\n2024-06-14 9h30 - meeting"),
    ("[13/06/2024, 21:05:01] Anne: Programme:\n[14/06/2024 9 h 30 min 00 s] salle B\n[13/06/2024, 21:06:01] Luc: ok\n",
     "Programme:\n[14/06/2024 9 h 30 min 00 s] salle B"),
])
def test_a_typed_line_with_an_h_clock_stays_in_its_message(tmp_path, chat, typed):
    """A list of appointments typed in a message ("14/06/2024 9 h 30 - salle B"), in a chat whose clocks are
    written with a colon. Before: each such line was taken for one of the chat's own headers, its text an app's
    note (no sender) dated the typed day; Anne's message lost its lines. Now they stay Anne's words."""
    anne, luc = _chats(tmp_path / "WhatsApp Chat with Anne.txt", chat)[0].messages
    assert (anne.sender, anne.text, anne.system) == ("Anne", typed, False)
    assert (luc.sender, luc.text) == ("Luc", "ok")


def test_a_canadian_french_chat_keeps_a_typed_colon_line(tmp_path):
    """The guard: a fr-CA chat ("21 h 05") still reads, and a typed "9:30 -" line in it is text."""
    chat = ("2024-06-13 21 h 05 - Anne : Programme :\n2024-06-14 9:30 - salle B\n2024-06-13 21 h 06 - Luc : ok\n"
            "2024-06-13 21 h 07 - Luc : PTT-20240613-WA0001.opus (fichier joint)\n")
    anne, luc, voice = _chats(tmp_path / "WhatsApp Chat with Anne.txt", chat)[0].messages
    assert (anne.sender, anne.text) == ("Anne", "Programme :\n2024-06-14 9:30 - salle B")
    assert (luc.sender, luc.text, luc.datetime[:16]) == ("Luc", "ok", "2024-06-13T21:06")
    assert voice.attachment.kind == "audio"


def _whole(data: bytes) -> bytes:
    return _RUN_RE.sub(_joined, data)


def _streamed(data: bytes, size: int) -> bytes:
    stream = JoinedRefs(io.BytesIO(data))
    return b"".join(iter(lambda: stream.read(size), b""))


def test_a_long_run_of_lone_high_halves_is_read_in_bounded_steps(tmp_path):
    """A damaged SMS backup whose body is a run of lone high halves ("&#55357;" over and over). Before: each
    read held the whole run back and read again by recursion: 400,000 took 12 s, and with small reads 20,000
    raised RecursionError. Now at most one reference is held back: each read returns something."""
    data = b"&#55357;" * 20_000
    assert _streamed(data, 16) == _whole(data) == b"&#65533;" * 20_000
    stream, reads = JoinedRefs(io.BytesIO(b"&#55357;" * 5_000)), 0
    while stream.read(4096):
        reads += 1
    assert reads >= 9  # 40 KB in 4 KiB reads: each read returns its part (was one read of everything, at the end)
    path = tmp_path / "sms-1.xml"
    path.write_bytes(b'<smses><sms address="+447700900123" date="1" type="1" body="' + b"&#55357;" * 400_000
                     + b'&#55357;&#56832;"/></smses>')
    [record] = read_backup(path).records
    assert record[2].text == "\ufffd" * 400_000 + "\U0001f600"


def test_a_pair_of_halves_cut_anywhere_joins_as_a_whole_read_does():
    """Random streams of references (zero-padded ones too, which expat takes) read in random sizes give what
    one whole read gives. Before: a padded pair ("&#x0D83D;&#xDE00;") cut between two reads became two U+FFFD."""
    tokens = [b"&#55357;", b"&#56832;", b"&#xD83D;", b"&#xde00;", b"&#65;", b"&#27;", b"&amp;#55357;", b"a", b"&",
              b"#", b";", b"\xc3\xa9", b"&#055357;", b"&#x0D83D;", b"&#0056832;", b"&#1114112;", b"&#12345678;"]
    chooser = random.Random(29)
    for _ in range(3000):
        data = b"".join(chooser.choice(tokens) for _ in range(chooser.randint(0, 30)))
        size = chooser.choice([1, 2, 3, 5, 8, 13, 64])
        assert _streamed(data, size) == _whole(data), (data, size)
    assert _streamed(b"x&#x0D83D;&#xDE00;", 10) == b"x&#128512;"


CALLS = ("<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n<calls count=\"5\">\n"
         '<call number="-2" duration="0" date="1718305600000" type="3" readable_date="x" contact_name="(Unknown)" />\n'
         '<call number="-1" duration="0" date="1718305700000" type="1" readable_date="x" contact_name="(Unknown)" />\n'
         '<call number="-3" duration="9" date="1718305750000" type="1" readable_date="x" />\n'
         '<call number="2" duration="5" date="1718305800000" type="2" presentation="1" readable_date="x" />\n'
         '<call number="+447700900123" duration="30" date="1718305900000" type="1" presentation="1" '
         'readable_date="x" contact_name="Bob" />\n</calls>\n')


def test_a_call_log_sentinel_is_no_number(tmp_path):
    """An older Android wrote a withheld, unknown or payphone caller as the number -2, -1 or -3. Before: read
    as the numbers 2, 1 and 3 (a chat "2" shared with the real short code 2). Now: no number, and said."""
    chats = {c.name: c for c in _chats(tmp_path / "calls-20240614.xml", CALLS)}
    assert set(chats) == {"(no address), calls", "2, calls", "Bob (+447700900123), calls"}
    withheld, unknown, payphone = chats["(no address), calls"].messages
    assert [m.sender for m in (withheld, unknown, payphone)] == ["(Unknown)", "(Unknown)", "(no address)"]
    assert "the number withheld" in withheld.note and "'-2'" in withheld.note
    assert "the number unknown" in unknown.note and "from a payphone" in payphone.note
    [short_code] = chats["2, calls"].messages
    assert short_code.text == "outgoing call, 5 s"


def test_a_call_log_beside_its_texts_is_a_chat_named_apart(tmp_path):
    """Zipped with the texts, one number's calls and texts were two chats of one name: which held the calls
    could not be told. Now the call log's chat is named "…, calls"."""
    sms = ("<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n<smses count=\"1\">\n"
           '<sms protocol="0" address="+447700900123" date="1718305900000" type="1" body="call me" '
           'readable_date="13 Jun 2024 21:11:40" contact_name="Bob" />\n</smses>\n')
    path = tmp_path / "phone.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("calls-1.xml", CALLS)
        archive.writestr("sms-1.xml", sms)
    names = sorted(c.name for loaded in load_export(path) for c in loaded.export.chats)
    assert names == ["(no address), calls", "2, calls", "Bob (+447700900123)", "Bob (+447700900123), calls"]


@pytest.mark.parametrize("dash", ["-", "\u2011"])
def test_a_number_change_written_with_a_no_break_hyphen_is_said(tmp_path, dash):
    """Android writes a number's hyphen as U+2011. Its senders were made one with "-" (reader 26), but the app's
    note "… changed to …" written so named no number: the change was no longer said."""
    chat = (f"6/13/24, 9:05 PM - +1 (555) 123{dash}4567: hi\n6/13/24, 9:06 PM - Me: yo\n"
            f"6/13/24, 9:07 PM - +1 (555) 123{dash}4567 changed to +1 (555) 987{dash}6543\n"
            f"6/13/24, 9:08 PM - +1 (555) 987{dash}6543: new\n")
    messages = _chats(tmp_path / "WhatsApp Chat with X.txt", chat)[0].messages
    assert "a number change" in messages[2].note and "changed to" in messages[3].note


@pytest.mark.parametrize("encoding", ["UT", "utf-7", "rot13"])
def test_an_xml_backup_in_an_unknown_encoding_is_one_line_refused(tmp_path, encoding):
    """A backup whose declaration names an encoding Python cannot read with. Before: a LookupError traceback,
    loose and zipped. Now one line saying so."""
    text = (f"<?xml version='1.0' encoding='{encoding}' ?>\n"
            '<smses count="1"><sms address="+447700900123" date="1" type="1" body="x"/></smses>\n')
    loose = tmp_path / "sms-1.xml"
    loose.write_text(text, encoding="ascii")
    zipped = tmp_path / "phone.zip"
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("sms-1.xml", text)
    for path in (loose, zipped):
        with pytest.raises(ChatError, match="malformed XML .its encoding cannot be read"):
            load_export(path)


LINE_SPACED = "[LINE] Chat history in Crew\nSaved on: 2024/06/14 10:00\n\n2024.06.13 Thursday\n21:05 Anna Lee hi there\n21:06 Bob ok\n"


def test_a_line_history_in_its_spaced_layout_is_refused_with_its_reason_zipped_or_in_a_folder(tmp_path):
    """Given alone, LINE's space-separated layout was refused with its reason; zipped it was "no chat found in
    this zip", and in a folder "no chat export found in this folder": nothing said why. Now the same reason."""
    zipped = tmp_path / "line.zip"
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("[LINE] Chat in Crew.txt", LINE_SPACED)
    with pytest.raises(ChatError, match=r"Crew\.txt: a LINE chat history in its space-separated layout"):
        load_export(zipped)
    folder = tmp_path / "phone"
    folder.mkdir()
    (folder / "[LINE] Chat in Crew.txt").write_text(LINE_SPACED, encoding="utf-8")
    refused: list[ChatError] = []
    assert load_export(folder, refused=refused) == []
    assert [Path(r.path).name for r in refused] == ["[LINE] Chat in Crew.txt"]
    assert "space-separated layout" in refused[0].reason


def test_a_spaced_line_history_beside_a_chat_in_a_zip_leaves_the_chat_read(tmp_path):
    """The guard: the reason is given only where the zip holds no chat; a WhatsApp chat beside it is read (the
    LINE file kept as a file of the export no message refers to, as before)."""
    zipped = tmp_path / "phone.zip"
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("[LINE] Chat in Crew.txt", LINE_SPACED)
        archive.writestr("WhatsApp Chat with Anne.txt", "13/06/2024, 21:05 - Anne: hi\n13/06/2024, 21:06 - Luc: ok\n")
    [loaded] = load_export(zipped)
    [anne] = loaded.export.chats
    assert [m.text for m in anne.messages[:2]] == ["hi", "ok"]
    assert anne.messages[2].attachment.name == "[LINE] Chat in Crew.txt"


def test_an_ios_groups_name_writing_group_calls_is_still_no_sender(tmp_path):
    """Only a chat of two needs a caller's name kept: a group call written under the group's name (beside its
    encryption note) made that name a member ("group voice call" counted as a member's note). Now it is no sender."""
    lrm = "\u200e"
    chat = (f"[13/06/2024, 21:04:00] Crew: {lrm}Messages and calls are end-to-end encrypted. No one outside of this "
            f"chat, not even WhatsApp, can read or listen to them.\n[13/06/2024, 21:05:01] Crew: {lrm}Group voice "
            f"call · {lrm}12 min\n[13/06/2024, 21:06:01] Anna: hi\n")
    path = tmp_path / "WhatsApp Chat - Crew.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("_chat.txt", chat)
    [loaded] = load_export(path)
    [crew] = loaded.export.chats
    assert [m.sender for m in crew.messages] == [None, None, "Anna"]
