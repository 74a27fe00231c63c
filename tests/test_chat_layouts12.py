"""Chat exports as phones write them (session 19): WhatsApp clocks marked in more languages, a group renamed,
the app's words in more languages, what a chat's times are, a file two chats may be of.

A 12-hour clock marked in a language the reader did not know ("2:05 e pasdites - Anna: hi", Albanian) was read as
a 24-hour clock: the message at 02:05 instead of 14:05 and its sender "e pasdites - Anna". An iOS group renamed
mid-chat writes its later notes under its new name: that name was a sender.
"""

from __future__ import annotations

from pathlib import Path

from app.core.chats import load_export
from app.core.chats.dates import UNREAD_MARKER_NOTE
from app.core.chats.group_names import GROUP_NOTE
from app.core.chats.records import SHARED_NOTE
from tests.chat_helpers import loaded_messages
from tests.conftest import MEDIA

LRM = "\u200e"


def _messages(tmp_path: Path, text: str, name: str = "WhatsApp Chat with Anna.txt"):
    return loaded_messages(tmp_path, text, name)


def test_twelve_hour_clocks_marked_in_more_languages_are_read_with_their_senders(tmp_path):
    cases = {  # Albanian, Afrikaans, Bulgarian, Icelandic, Latvian, Lithuanian, Macedonian, Tamil, Nepali
        "sq": ("e paradites", "e pasdites"), "af": ("vm.", "nm."), "bg": ("пр.об.", "сл.об."),
        "is": ("f.h.", "e.h."), "lv": ("priekšp.", "pēcp."), "lt": ("priešpiet", "popiet"),
        "mk": ("претпл.", "попл."), "ta": ("முற்பகல்", "பிற்பகல்"), "ne": ("पूर्वाह्न", "अपराह्न"),
    }
    for language, (am, pm) in cases.items():
        android = _messages(tmp_path, f"13.3.24, 9:05 {am} - Anna: hi\n13.3.24, 2:05 {pm} - Bob: ok\n"
                                      f"13.3.24, 2:06 {pm} - Anna added Cem\n", f"{language}.txt")
        assert [(m.sender, m.text, m.datetime) for m in android] == [
            ("Anna", "hi", "2024-03-13T09:05:00"), ("Bob", "ok", "2024-03-13T14:05:00"),
            (None, "Anna added Cem", "2024-03-13T14:06:00")], language
        ios = _messages(tmp_path, f"[13.3.24, 12:05:00 {am}] Anna: hi\n[13.3.24, 2:05:00 {pm}] Bob: ok\n",
                        f"{language}_chat.txt")
        assert [(m.sender, m.text, m.datetime) for m in ios] == [
            ("Anna", "hi", "2024-03-13T00:05:00"), ("Bob", "ok", "2024-03-13T14:05:00")], language


def test_a_clock_marked_in_a_language_not_read_keeps_its_sender_and_says_the_hour_is_unknown(tmp_path):
    # Burmese marks the afternoon ညနေ and the morning နံနက်: markers of no language read here (on purpose)
    android = _messages(tmp_path, "13/3/24, 2:05 ညနေ - Anna: hi\n13/3/24, 2:06 ညနေ - Bob: ok\n"
                                  "13/3/24, 2:07 ညနေ - Anna added Cem\n14/3/24, 9:07 နံနက် - Cem: morning\n")
    assert [(m.sender, m.text, m.time_as_written, m.datetime, m.system) for m in android] == [
        ("Anna", "hi", "13/3/24, 2:05 ညနေ", None, False), ("Bob", "ok", "13/3/24, 2:06 ညနေ", None, False),
        (None, "Anna added Cem", "13/3/24, 2:07 ညနေ", None, True),
        ("Cem", "morning", "14/3/24, 9:07 နံနက်", None, False)]
    assert android[0].note == UNREAD_MARKER_NOTE.format(marker="ညနေ")
    assert android[3].note == UNREAD_MARKER_NOTE.format(marker="နံနက်")
    ios = _messages(tmp_path, "[13/3/24, 2:05:00 ညနေ] Anna: hi\n[13/3/24, 2:06:00 ညနေ] Bob: ok\n", "_chat.txt")
    assert [(m.sender, m.text, m.datetime) for m in ios] == [("Anna", "hi", None), ("Bob", "ok", None)]
    assert "morning or afternoon cannot be told" in ios[1].note


def test_a_date_typed_in_a_message_with_a_word_and_a_dash_after_it_stays_in_its_message(tmp_path):
    messages = _messages(tmp_path, "13/03/2024, 10:00 - Anna: plan\n13/03/2024 10:00 depot - then home\n"
                                   "13/03/2024, 10:01 - Bob: ok\n")
    assert [(m.sender, m.text) for m in messages] == [
        ("Anna", "plan\n13/03/2024 10:00 depot - then home"), ("Bob", "ok")]


def test_an_ios_group_renamed_mid_chat_writes_its_later_notes_under_no_sender(tmp_path):
    text = (f"[13/03/2024, 10:00:00] Depot crew: {LRM}Anna created group “Depot crew”\n"
            f"[13/03/2024, 10:00:01] Depot crew: {LRM}Anna added Bob\n"
            "[13/03/2024, 10:01:00] Anna: hi all\n"
            f"[13/03/2024, 10:02:00] Depot crew: {LRM}Anna changed the group name to “Night shift”\n"
            "[13/03/2024, 10:03:00] Bob: ok\n"
            f"[13/03/2024, 10:04:00] Night shift: {LRM}Bob left\n"
            f"[13/03/2024, 10:05:00] Night shift: {LRM}Anna hat den Gruppennamen zu „Late: shift“ geändert\n"
            f"[13/03/2024, 10:06:00] Late: shift: {LRM}Anna changed the group description\n"
            "[13/03/2024, 10:07:00] Anna: bye\n")
    messages = _messages(tmp_path, text, "WhatsApp Chat - Night shift.txt")
    assert [m.sender for m in messages] == [None, None, "Anna", None, "Bob", None, None, None, "Anna"]
    assert messages[5].note == GROUP_NOTE.format(name="Night shift")
    assert messages[7].note == GROUP_NOTE.format(name="Late: shift")
    assert [m.text for m in messages[5:8]] == [
        "Bob left", "Anna hat den Gruppennamen zu „Late: shift“ geändert", "Anna changed the group description"]


def test_a_member_named_in_quotes_who_writes_is_still_a_sender(tmp_path):
    text = (f"[13/03/2024, 10:00:00] Depot crew: {LRM}Anna created group “Depot crew”\n"
            f"[13/03/2024, 10:00:01] Depot crew: {LRM}Anna changed the group name to “Bob”\n"
            "[13/03/2024, 10:01:00] Bob: hi all\n"
            f"[13/03/2024, 10:02:00] Bob: {LRM}Missed voice call, {LRM}Tap to call back\n")
    messages = _messages(tmp_path, text, "WhatsApp Chat - Bob.txt")
    assert [m.sender for m in messages] == [None, None, "Bob", "Bob"]


NOTES = [  # the app's words, as its iOS Localizable.strings and Android strings.xml write them
    "मिस्ड वॉइस कॉल", "मिस्ड वीडियो कॉल", "यह मैसेज डिलीट कर दिया गया है", "आपने यह संदेश मिटाया",  # Hindi
    "এই মেসেজটি বাদ দেওয়া হয়েছে।", "মিসড ভয়েস কল",  # Bengali, with its full stop
    "یہ میسج حذف کر دیا گیا ہے۔", "مسڈ وائس کال",  # Urdu
    "Esta mensagem foi apagada pelo remetente.", "Está a partilhar a sua localização",  # Portuguese
    "Nieodebrane poł. głosowe", "Trucada de vídeo perduda", "Zgrešen klic", "Vastamata häälkõne",
    "Neatbildēts balss zvans", "Praleistas balso skambutis", "Пропуштен гласовни позив", "Buraxılmış zəng",
    "Simu ya sauti uliyoikosa", "Ushbu xabar o‘chirildi", "Бұл хат жойылды", "Hierdie boodskap was uitgevee",
    "தவறிய குரல் அழைப்பு", "ഈ സന്ദേശം ഇല്ലാതാക്കിയതാണ്", "ತಪ್ಪಿದ ಧ್ವನಿ ಕರೆ", "ਮਿਸ ਹੋਈ ਵੀਡੀਓ ਕਾਲ",
    "Itong mensahe ay binura na", "Scriosadh an teachtaireacht seo", "locație în timp real distribuită",
]
LEFT_OUT = [
    ("sticker non incluso", "sticker"), ("لم يتم إدراج صورة GIF", "animation"), ("ऑडियो हटाई गयी", "audio"),
    ("कॉन्टैक्ट कार्ड छोड़ा गया", "document"), ("ইমেজ বাদ দেওয়া হয়েছে", "image"), ("ویڈیو نظرانداز", "video"),
    ("<मीडिया वगळले>", "other"), ("<Media weggelaat>", "other"), ("<Pa media>", "other"),
    ("<Media çıxarılmışdır>", "other"), ("<Без фајл>", "other"), ("<Fayl o‘tkazib yuborildi>", "other"),
]


def test_the_apps_deletions_calls_and_files_left_out_in_more_languages_are_its_words(tmp_path):
    lines = [*NOTES, *(line for line, _ in LEFT_OUT)]
    text = "".join(f"13/03/2024, 10:{i:02d} - Anna: {line}\n" for i, line in enumerate(lines))
    messages = _messages(tmp_path, text + "13/03/2024, 11:00 - Bob: ok\n")
    assert [m.sender for m in messages] == ["Anna"] * len(lines) + ["Bob"]
    notes = messages[:len(NOTES)]
    assert [m.text for m in notes if not m.system] == []
    assert [m.text for m in notes] == NOTES  # kept as written
    left_out = messages[len(NOTES):-1]
    assert [(m.attachment.kind, m.attachment.missing, m.text) if m.attachment else m.text for m in left_out] == [
        (kind, True, "") for _, kind in LEFT_OUT]
    assert not messages[-1].system and messages[-1].attachment is None


def test_a_sender_writing_such_words_inside_a_sentence_is_still_the_sender():
    from app.core.chats.placeholders import find_attachment, is_system_note

    assert not is_system_note("मिस्ड वॉइस कॉल था, फिर से कॉल करो")
    assert find_attachment("sticker non incluso nel messaggio di ieri") is None


def test_the_timeline_says_each_chats_times_are_local_time_with_no_zone_or_carry_their_offset(tmp_path, case):
    """A WhatsApp export writes the phone's local time and no zone: the timeline gave its times with no word of
    that (a time in a daylight-saving change's repeated hour could be read as UTC, or an hour off)."""
    import json as jsonlib

    from app.core.chats.intake import take_in
    from app.core.chats.timeline import LOCAL_TIMES, OFFSET_TIMES, build_timeline, timeline_dict
    from app.core.export.timeline import provenance_items

    chat = tmp_path / "WhatsApp Chat with Anna.txt"
    chat.write_text("27/10/2024, 01:45 - Anna: before the change\n27/10/2024, 01:10 - Bob: after it\n",
                    encoding="utf-8")
    [taken] = take_in(case, chat)
    story = build_timeline(case, taken.exhibit_id)
    as_json = timeline_dict(story)
    assert [c["times"] for c in as_json["chats"]] == [LOCAL_TIMES]
    assert [(m["time"], m["datetime"]) for m in as_json["messages"]] == [
        ("27/10/2024, 01:45", "2024-10-27T01:45:00"), ("27/10/2024, 01:10", "2024-10-27T01:10:00")]
    assert f"times: {LOCAL_TIMES}" in dict(provenance_items(story))["Chats"]
    telegram = tmp_path / "result.json"
    telegram.write_text(jsonlib.dumps({"name": "Anna", "type": "personal_chat", "id": 1, "messages": [
        {"id": 1, "type": "message", "date": "2024-10-27T01:45:00", "date_unixtime": "1729989900",
         "from": "Anna", "from_id": "user1", "text": "hi"}]}), encoding="utf-8")
    [taken] = take_in(case, telegram)
    assert [c["times"] for c in timeline_dict(build_timeline(case, taken.exhibit_id))["chats"]] == [OFFSET_TIMES]


def test_clocks_marked_with_a_part_of_the_day_are_read_to_their_hour(tmp_path):
    """Chinese (Traditional) phones write the part of the day, not 上午/下午: 晚上9:05, 凌晨1:05, 中午12:05;
    English ones "9:05 in the evening". The chat was "no recognisable chat message", or the marker a sender."""
    chinese = _messages(tmp_path, "2023/5/14 晚上9:05 - Anna: 你好\n2023/5/14 凌晨1:05 - Bob: 好\n"
                                  "2023/5/15 中午12:05 - Anna: 午飯\n2023/5/15 中午1:05 - Bob: 嗯\n"
                                  "2023/5/15 早上8:05 - Anna: 早\n", "zh.txt")
    assert [(m.sender, m.datetime) for m in chinese] == [
        ("Anna", "2023-05-14T21:05:00"), ("Bob", "2023-05-14T01:05:00"), ("Anna", "2023-05-15T12:05:00"),
        ("Bob", "2023-05-15T13:05:00"), ("Anna", "2023-05-15T08:05:00")]
    ios = _messages(tmp_path, "[2023/5/14 晚上9:05:00] Anna: 你好\n[2023/5/15 凌晨12:30:00] Bob: 好\n", "_chat.txt")
    assert [(m.sender, m.datetime) for m in ios] == [("Anna", "2023-05-14T21:05:00"), ("Bob", "2023-05-15T00:30:00")]
    english = _messages(tmp_path, "14/05/2023, 9:05 in the evening - Anna: hi\n14/05/2023, 11:30 at night - Bob: ok\n"
                                  "15/05/2023, 1:10 at night - Anna: up?\n15/05/2023, 8:05 in the morning - Bob: x\n"
                                  "15/05/2023, 2:05 in the afternoon - Anna: y\n", "en.txt")
    assert [(m.sender, m.datetime) for m in english] == [
        ("Anna", "2023-05-14T21:05:00"), ("Bob", "2023-05-14T23:30:00"), ("Anna", "2023-05-15T01:10:00"),
        ("Bob", "2023-05-15T08:05:00"), ("Anna", "2023-05-15T14:05:00")]


def _two_chats_and_a_file_neither_names(folder: Path) -> None:
    (folder / "WhatsApp Chat with Anna.txt").write_text("14/03/2024, 10:00 - Anna: hi\n", encoding="utf-8")
    (folder / "WhatsApp Chat with Bob.txt").write_text("14/03/2024, 11:00 - Bob: yo\n", encoding="utf-8")
    (folder / "PTT-20240314-WA0009.opus").write_bytes((MEDIA / "en_voicenote.opus").read_bytes())


def test_a_file_no_message_names_where_two_chats_lie_is_not_said_to_be_the_first_chats(tmp_path):
    """Two chats in one folder or zip (a phone dump's Download/): a voice note neither names was kept in the first
    chat, placed among its messages as "a file of the export", as if of that conversation."""
    import zipfile


    folder = tmp_path / "Download"
    folder.mkdir()
    _two_chats_and_a_file_neither_names(folder)
    loose = [m for path in sorted(folder.glob("*.txt")) for [loaded] in [load_export(path)]
             for m in loaded.export.messages if m.attachment and not m.sender]
    assert len(loose) == 1 and SHARED_NOTE in loose[0].note and loose[0].attachment.name == "PTT-20240314-WA0009.opus"
    dump = tmp_path / "dump.zip"
    with zipfile.ZipFile(dump, "w") as z:
        for path in sorted(folder.iterdir()):
            z.write(path, f"sdcard/Download/{path.name}")
    loaded = load_export(dump, extract_root=tmp_path / "case")
    zipped = [m for one in loaded for m in one.export.messages if m.attachment and not m.sender]
    assert len(zipped) == 1 and SHARED_NOTE in zipped[0].note
    alone = tmp_path / "alone"
    alone.mkdir()
    (alone / "WhatsApp Chat with Anna.txt").write_text("14/03/2024, 10:00 - Anna: hi\n", encoding="utf-8")
    (alone / "PTT-20240314-WA0009.opus").write_bytes(b"OggS")
    [one] = load_export(alone / "WhatsApp Chat with Anna.txt")
    [kept] = [m for m in one.export.messages if m.attachment]
    assert SHARED_NOTE not in kept.note  # one chat there: the file is of its export


def test_a_line_history_cut_short_ends_in_a_note_saying_so_not_in_the_last_senders_words(tmp_path):
    from app.core.chats.line import CUT_NOTE as LINE_CUT_NOTE

    head = "[LINE] Chat history with Anna\nSaved on: 2024/01/16 08:00\n\n2024/01/15(Mon)\n21:05\tAnna\tHello\n21:06\tBob\tok\n"
    for cut in ("21:0", "21:07\tAn", "午後9:0"):
        messages = _messages(tmp_path, head + cut, "[LINE] Chat with Anna.txt")
        assert [(m.sender, m.text, m.note) for m in messages[1:]] == [("Bob", "ok", ""), (None, cut, LINE_CUT_NOTE)]
    whole = _messages(tmp_path, head + "21:07\tAnna joined the group", "[LINE] Chat with Anna.txt")
    assert [(m.sender, m.text, m.note) for m in whole[2:]] == [(None, "Anna joined the group", "")]
    quoted = _messages(tmp_path, head + '21:07\tAnna\t"the times:\n21:0', "[LINE] Chat with Anna.txt")
    assert [(m.sender, m.note) for m in quoted[2:]] == [("Anna", "")]


def test_a_signal_or_sigtop_chat_cut_short_ends_in_a_note_saying_so(tmp_path):
    from app.core.chats.whatsapp import CUT_NOTE

    signal = _messages(tmp_path, "[2024-03-13 10:00] Anna: hello\n[2024-03-13 10:01] Bob: ok\n[2024-03-13 10:0",
                       "chat.md")
    assert [(m.sender, m.text, m.note) for m in signal] == [
        ("Anna", "hello", ""), ("Bob", "ok", ""), (None, "[2024-03-13 10:0", CUT_NOTE)]
    sigtop = _messages(tmp_path, "2021-01-31 12:00 Alice: Hello there\n2021-01-31 12:01 Bob: ok\n"
                                 "2021-01-31 12:02 Bob: fine\n2021-01-31 12:0", "Alice.txt")
    assert [(m.sender, m.text, m.note) for m in sigtop[2:]] == [("Bob", "fine", ""), (None, "2021-01-31 12:0", CUT_NOTE)]
    typed = _messages(tmp_path, "[2024-03-13 10:00] Anna: hello\n[2024-03-13 10:01] Bob: meet on\n2024-03-14", "chat.md")
    assert [(m.sender, m.text, m.note) for m in typed[1:]] == [("Bob", "meet on\n2024-03-14", "")]


def test_a_marker_of_no_language_read_written_before_the_time_is_not_read_as_a_24_hour_clock(tmp_path):
    """Khmer writes its afternoon before the time (ល្ងាច 2:05): the word was taken for a connector such as
    Finnish "klo" and the message timed 02:05."""
    khmer = _messages(tmp_path, "13/3/24 ល្ងាច 2:05 - Anna: hi\n13/3/24 ល្ងាច 2:06 - Bob: ok\n", "km.txt")
    assert [(m.sender, m.time_as_written, m.datetime) for m in khmer] == [
        ("Anna", "13/3/24 ល្ងាច 2:05", None), ("Bob", "13/3/24 ល្ងាច 2:06", None)]
    assert khmer[0].note == UNREAD_MARKER_NOTE.format(marker="ល្ងាច")
    finnish = _messages(tmp_path, "13.6.2018 klo 9.25.15 - Anna: moi\n13.6.2018 klo 10.25.15 - Bob: hei\n", "fi.txt")
    assert [m.datetime for m in finnish] == ["2018-06-13T09:25:15", "2018-06-13T10:25:15"]  # a connector
    a_word = _messages(tmp_path, "13/3/24 abc 9:05 - Anna: hi\n13/3/24 abc 21:05 - Bob: ok\n", "x.txt")
    assert [m.datetime for m in a_word] == ["2024-03-13T09:05:00", "2024-03-13T21:05:00"]  # a 24-hour clock
