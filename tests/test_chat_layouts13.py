"""Chat exports as phones write them (session 20): WhatsApp's "kl." (Danish, Norwegian), time-first lines copied
from WhatsApp Web, senders whose names begin with a clock's marker, a 24:00 clock, two-digit years before 2000.

Before: a Danish chat ("13.06.2024 kl. 21.05 - Anna: hej") was refused as no chat at all; lines copied from
WhatsApp Web ("[21:05, 13/06/2024] Anna: hi") likewise; in a 24-hour export with no dash after the time,
"PM Smith" wrote as "Smith" at "21:07 PM", "At Night Club" lost its name and time, and a chat of one such sender
was refused; "24:05" lost its sender; "31/12/99" was read as 2099.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from app.core.chats import load_export
from app.core.chats.whatsapp import CUT_NOTE, UNRECOGNISED_NOTE
from tests.chat_helpers import loaded_messages
from tests.conftest import MEDIA


def _messages(tmp_path: Path, text: str, name: str = "WhatsApp Chat with Anna.txt"):
    return loaded_messages(tmp_path, text, name)


def _rows(messages):
    return [(m.sender, m.text, m.time_as_written, m.datetime, m.system) for m in messages]


def test_danish_and_norwegian_kl_between_date_and_time_is_read(tmp_path):
    android = _messages(tmp_path, "13.06.2024 kl. 21.05 - Anna: hej\n13.06.2024 kl. 21.06 - Bo: hej hej\n"
                                  "14.06.2024 kl. 09.01 - Anna tilføjede Cem\n", "da.txt")
    assert _rows(android) == [
        ("Anna", "hej", "13.06.2024 kl. 21.05", "2024-06-13T21:05:00", False),
        ("Bo", "hej hej", "13.06.2024 kl. 21.06", "2024-06-13T21:06:00", False),
        (None, "Anna tilføjede Cem", "14.06.2024 kl. 09.01", "2024-06-14T09:01:00", True)]
    ios = _messages(tmp_path, "[13.06.2024, kl. 21:05:10] Anna: hei\n[13.06.2024, kl. 21:06:00] Bo: hallo\n",
                    "no.txt")
    assert [(m.sender, m.text, m.datetime) for m in ios] == [
        ("Anna", "hei", "2024-06-13T21:05:10"), ("Bo", "hallo", "2024-06-13T21:06:00")]


def test_lines_copied_from_whatsapp_web_with_the_time_first_are_read(tmp_path):
    web = _messages(tmp_path, "[21:05, 13/06/2024] Anna: hi\n[21:06, 13/06/2024] Bo: yo\nsecond line\n"
                              "[09:00, 14/06/2024] Anna: morning\n", "web.txt")
    assert _rows(web) == [
        ("Anna", "hi", "21:05, 13/06/2024", "2024-06-13T21:05:00", False),
        ("Bo", "yo\nsecond line", "21:06, 13/06/2024", "2024-06-13T21:06:00", False),
        ("Anna", "morning", "09:00, 14/06/2024", "2024-06-14T09:00:00", False)]
    twelve = _messages(tmp_path, "[9:05 PM, 6/13/2024] Anna: hi\n[9:06 pm, 6/13/2024] Bo: yo\n", "web12.txt")
    assert [(m.sender, m.text, m.datetime) for m in twelve] == [
        ("Anna", "hi", "2024-06-13T21:05:00"), ("Bo", "yo", "2024-06-13T21:06:00")]
    dashed = _messages(tmp_path, "21:05 13/06/2024 - Anna: hi\n09:05 14/06/2024 - Anna added Bo\n", "dash.txt")
    assert _rows(dashed) == [("Anna", "hi", "21:05 13/06/2024", "2024-06-13T21:05:00", False),
                             (None, "Anna added Bo", "09:05 14/06/2024", "2024-06-14T09:05:00", True)]


def test_a_time_first_line_pasted_into_an_ios_chat_is_no_message_of_its_own_nor_the_senders_above(tmp_path):
    ios = _messages(tmp_path, "[13/06/2024, 21:05:00] Anna: look what he sent\n[20:01, 12/06/2024] Dan: meet me\n"
                              "[13/06/2024, 21:06:00] Bo: ok\n", "_chat.txt")
    assert [(m.sender, m.text, m.datetime) for m in ios] == [
        ("Anna", "look what he sent", "2024-06-13T21:05:00"), (None, "[20:01, 12/06/2024] Dan: meet me", None),
        ("Bo", "ok", "2024-06-13T21:06:00")]
    assert ios[1].note == UNRECOGNISED_NOTE


def test_senders_whose_names_begin_with_a_clock_marker_keep_their_names_in_a_24_hour_export(tmp_path):
    text = ("13/06/2024, 21:05:00 At Night Club: hi\n13/06/2024, 21:06:00 Bo: yo\n"
            "13/06/2024, 21:07:00 PM Smith: yo\n14/06/2024, 09:08:00 Am Ende: x\n"
            "14/06/2024, 09:09:00 Bo: y\n14/06/2024, 09:10:00 Em Smith: z\n")
    assert _rows(_messages(tmp_path, text)) == [
        ("At Night Club", "hi", "13/06/2024, 21:05:00", "2024-06-13T21:05:00", False),
        ("Bo", "yo", "13/06/2024, 21:06:00", "2024-06-13T21:06:00", False),
        ("PM Smith", "yo", "13/06/2024, 21:07:00", "2024-06-13T21:07:00", False),
        ("Am Ende", "x", "14/06/2024, 09:08:00", "2024-06-14T09:08:00", False),
        ("Bo", "y", "14/06/2024, 09:09:00", "2024-06-14T09:09:00", False),
        ("Em Smith", "z", "14/06/2024, 09:10:00", "2024-06-14T09:10:00", False)]
    alone = _messages(tmp_path, "13/06/2024 21:05 At Night Club: hi\n13/06/2024 21:06 At Night Club: yo\n", "a.txt")
    assert [(m.sender, m.text, m.datetime) for m in alone] == [
        ("At Night Club", "hi", "2024-06-13T21:05:00"), ("At Night Club", "yo", "2024-06-13T21:06:00")]


def test_a_12_hour_export_with_no_dash_still_reads_its_markers(tmp_path):
    text = ("13/06/2024, 9:05:00 PM Em Smith: hi\n13/06/2024, 9:06:00 PM Bo: yo\n"
            "14/06/2024, 9:07:00 AM PM Smith: morning\n")
    assert [(m.sender, m.text, m.datetime) for m in _messages(tmp_path, text)] == [
        ("Em Smith", "hi", "2024-06-13T21:05:00"), ("Bo", "yo", "2024-06-13T21:06:00"),
        ("PM Smith", "morning", "2024-06-14T09:07:00")]


def test_a_24_oclock_time_keeps_its_sender_and_is_placed_by_the_chats_order(tmp_path):
    # a clock counting 1 to 24 (Java's "kk") writes five past midnight as 24:05 of that same date
    same_day = _messages(tmp_path, "13/06/2024, 23:59 - Bo: late\n14/06/2024, 24:05 - Anna: just after midnight\n"
                                   "14/06/2024, 01:10 - Bo: night\n", "k.txt")
    assert [(m.sender, m.text, m.time_as_written, m.datetime) for m in same_day] == [
        ("Bo", "late", "13/06/2024, 23:59", "2024-06-13T23:59:00"),
        ("Anna", "just after midnight", "14/06/2024, 24:05", "2024-06-14T00:05:00"),
        ("Bo", "night", "14/06/2024, 01:10", "2024-06-14T01:10:00")]
    assert "24:05" in same_day[1].note
    end_of_day = _messages(tmp_path, "13/06/2024, 23:59 - Bo: late\n13/06/2024, 24:00 - Anna: midnight\n"
                                     "14/06/2024, 00:10 - Bo: night\n", "iso.txt")
    assert [(m.sender, m.datetime) for m in end_of_day] == [
        ("Bo", "2024-06-13T23:59:00"), ("Anna", "2024-06-14T00:00:00"), ("Bo", "2024-06-14T00:10:00")]
    alone = _messages(tmp_path, "13/06/2024, 24:00 - Anna: midnight\n", "alone.txt")
    assert [(m.sender, m.text, m.datetime) for m in alone] == [("Anna", "midnight", None)]
    assert "cannot be told" in alone[0].note


def test_two_digit_years_before_2000_are_of_the_1900s(tmp_path):
    text = "31/12/99, 23:59 - Anna: bye 1999\n01/01/00, 00:01 - Bo: hi 2000\n"
    assert [(m.sender, m.datetime) for m in _messages(tmp_path, text)] == [
        ("Anna", "1999-12-31T23:59:00"), ("Bo", "2000-01-01T00:01:00")]


class _WindowsInfo(zipfile.ZipInfo):
    """A member as older Windows tools zip it: folders joined with backslashes, the name in the code page."""

    page = "cp1252"

    def _encodeFilenameFlags(self):
        return self.filename.encode(self.page), self.flag_bits


def _windows_zip(path: Path, members: dict[str, bytes], page: str = "cp1252") -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            info = _WindowsInfo(name, (2024, 3, 12, 21, 0, 0))
            info.page, info.create_system = page, 0
            archive.writestr(info, data)
    return path


def test_a_windows_zip_of_two_chats_named_with_backslashes_gives_each_its_own_voice_note(tmp_path):
    voice = (MEDIA / "en_voicenote.opus").read_bytes()
    chat = "13/03/2024, 10:11 - {who}: hi\n13/03/2024, 10:12 - {who}: PTT-20240313-WA0001.opus (file attached)\n"
    archive = _windows_zip(tmp_path / "dump.zip", {
        "Download\\Bob\\WhatsApp Chat with Bob.txt": chat.format(who="Bob").encode(),
        "Download\\Bob\\PTT-20240313-WA0001.opus": voice,
        "Download\\Cy\\WhatsApp Chat with Cy.txt": chat.format(who="Cy").encode(),
        "Download\\Cy\\PTT-20240313-WA0001.opus": voice})
    [loaded] = load_export(archive)
    assert [(c.name, [(m.sender, m.attachment.path, m.attachment.missing) for m in c.messages if m.attachment])
            for c in loaded.export.chats] == [
        ("WhatsApp Chat with Bob", [("Bob", "Download/Bob/PTT-20240313-WA0001.opus", False)]),
        ("WhatsApp Chat with Cy", [("Cy", "Download/Cy/PTT-20240313-WA0001.opus", False)])]
    assert "0 file(s) no message names" in loaded.export.accounting()


def test_a_japanese_windows_zip_name_whose_second_byte_is_a_backslash_is_not_split(tmp_path):
    # "ソ" is 0x83 0x5C in Shift-JIS: its second byte is the backslash's, yet no folder
    archive = _windows_zip(tmp_path / "ja.zip", {
        "WhatsApp 花子とのトーク\\_chat.txt": "2024/03/12 21:14 - 花子: ソ表.pdf (file attached)\n".encode(),
        "WhatsApp 花子とのトーク\\ソ表.pdf": b"%PDF-1.4\n"}, "cp932")
    [loaded] = load_export(archive)
    assert [(m.attachment.name, m.attachment.path, m.attachment.missing) for m in loaded.export.messages
            if m.attachment] == [("ソ表.pdf", "WhatsApp 花子とのトーク/ソ表.pdf", False)]


def test_a_document_attached_in_a_language_whose_label_is_not_listed_is_learned_from_the_apps_own_names(tmp_path):
    """Japanese Android writes "(ファイル添付)" after a file: "報告 (2).pdf (ファイル添付)" was the sender's words and
    the file, beside the chat, one no message names."""
    (tmp_path / "PTT-20240613-WA0001.opus").write_bytes((MEDIA / "en_voicenote.opus").read_bytes())
    (tmp_path / "報告 (2).pdf").write_bytes(b"%PDF-1.4\n")
    messages = _messages(tmp_path, "2024/06/13 21:05 - 花子: PTT-20240613-WA0001.opus (ファイル添付)\n"
                                   "2024/06/13 21:06 - 花子: 報告 (2).pdf (ファイル添付)\n"
                                   "2024/06/13 21:07 - 花子: メモ.txt (明日)\n", "WhatsApp Chat with 花子.txt")
    assert [(m.sender, m.text, m.attachment.name if m.attachment else None,
             m.attachment.missing if m.attachment else None) for m in messages] == [
        ("花子", "", "PTT-20240613-WA0001.opus", False), ("花子", "", "報告 (2).pdf", False),
        ("花子", "メモ.txt (明日)", None, None)]  # a label no app's file name bears out stays words


def test_a_sender_named_with_a_colon_and_no_space_after_it_is_the_sender(tmp_path):
    """"12:30 Club: x" was the app's note with no sender: a name ended at its first colon."""
    android = _messages(tmp_path, "13/06/2024, 21:05 - 24/7 Taxi: hi\n13/06/2024, 21:07 - 12:30 Club: x\n"
                                  "13/06/2024, 21:08 - Anna added 12:30 Club\n", "a.txt")
    assert [(m.sender, m.text, m.system) for m in android] == [
        ("24/7 Taxi", "hi", False), ("12:30 Club", "x", False), (None, "Anna added 12:30 Club", True)]
    ios = _messages(tmp_path, "[13/06/2024, 21:07:00] 12:30 Club: x\n[13/06/2024, 21:08:00] Bo: ok\n", "i.txt")
    assert [(m.sender, m.text) for m in ios] == [("12:30 Club", "x"), ("Bo", "ok")]


def test_a_number_changed_mid_chat_is_said_on_the_note_and_on_the_new_numbers_messages(tmp_path):
    """Before: the messages before and after the app's note "+44 7700 900123 changed to +44 7700 900456" were two
    senders, nothing tying them; in a group, "added" between two numbers is never read as a change."""
    messages = _messages(tmp_path, "13/06/2024, 21:05 - \u2068+44 7700 900123\u2069: hi\n13/06/2024, 21:05 - Anna: hey\n"
                                   "13/06/2024, 21:06 - \u2068+44 7700 900123\u2069 changed to \u2068+44 7700 900456\u2069\n"
                                   "13/06/2024, 21:07 - +44 7700 900456: new number\n")
    assert [(m.sender, m.note) for m in messages] == [
        ("+44 7700 900123", ""), ("Anna", ""),
        (None, ("a number change: +44 7700 900123 writes before it, +44 7700 900456 after it (one person, as the "
                "app's note says)")),
        ("+44 7700 900456", "+44 7700 900456 is the number +44 7700 900123 changed to (the app's note, message 3)")]
    german = _messages(tmp_path, "13.06.24, 21:05 - +49 151 23456789: hallo\n13.06.24, 21:05 - Anna: hey\n"
                                 "13.06.24, 21:06 - +49 151 23456789 hat zu +49 151 98765432 gewechselt.\n"
                                 "13.06.24, 21:07 - +49 151 98765432: neue Nummer\n", "de.txt")
    assert german[3].note.endswith("+49 1519 8765432 is the number +49 1512 3456789 changed to (the app's note, message 3)")
    group = _messages(tmp_path, "13/06/2024, 21:05 - +44 7700 900123: hi all\n13/06/2024, 21:05 - Anna: hey\n"
                                "13/06/2024, 21:05 - Bo: yo\n13/06/2024, 21:06 - +44 7700 900123 added +44 7700 900456\n"
                                "13/06/2024, 21:07 - +44 7700 900456: thanks\n", "g.txt")
    assert [m.note for m in group] == [""] * 5


def test_a_time_first_export_cut_mid_header_ends_in_a_note_saying_so(tmp_path):
    cut = _messages(tmp_path, "[21:05, 13/06/2024] Anna: hi\n[21:06, 13/06/2024] Bo: see you at\n21:30 tonight\n"
                              "[21:07, 13/0", "cut.txt")
    assert [(m.sender, m.text) for m in cut] == [
        ("Anna", "hi"), ("Bo", "see you at\n21:30 tonight"), (None, "[21:07, 13/0")]
    assert cut[2].note == CUT_NOTE
