"""Chat exports as phones write them (fourth round): placeholders and notes in the languages not
read before (European Portuguese, Swedish, Indonesian, Hebrew, Japanese, Chinese, Korean; contact
cards left out in French, Spanish, Italian, Dutch, Russian), an iOS poll, which iOS writes after
the left-to-right mark it puts before its own notes, files no message names placed by the time their
names carry, and Facebook Messenger's and Instagram's JSON downloads.

Each export is built here the way the app writes it.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import pytest

from app.core.chats import load_export, parse_text
from app.core.chats.intake import take_in
from app.core.chats.registry import chat_files, is_chat_export, is_chat_export_in_folder
from tests.chat_helpers import loaded_messages
from tests.conftest import MEDIA, REPO

FIXTURES = REPO / "tests" / "fixtures" / "chats"


def _messages(tmp_path: Path, text: str, name: str = "WhatsApp Chat with Anna.txt"):
    return loaded_messages(tmp_path, text, name)


def test_an_ios_poll_is_the_senders_question_not_the_apps_note(tmp_path):
    """iOS writes a poll after a left-to-right mark, as it writes its own notes: the poll was
    taken for the app's note, its question and options for no one's words."""
    lrm = "\u200e"
    poll, deleted, typed = _messages(tmp_path, (
        f"[01/03/2024, 10:19:00] Anna: {lrm}POLL:\n{lrm}Where?\n{lrm}OPTION: Pub (2 votes)\n"
        f"{lrm}OPTION: Park (0 votes)\n"
        f"[01/03/2024, 10:20:00] Ben: {lrm}This message was deleted.\n"
        "[14/03/2024, 10:21:00] Ben: POLL: who cares\n"), "_chat.txt")
    assert (poll.sender, poll.system) == ("Anna", False)
    assert poll.text == "POLL:\nWhere?\nOPTION: Pub (2 votes)\nOPTION: Park (0 votes)"
    assert deleted.system and not typed.system


LEFT_OUT = [
    ("<Multimédia omitido>", "other"),  # European Portuguese
    ("<Media tidak disertakan>", "other"),  # Indonesian
    ("<המדיה לא נכללה>", "other"),  # Hebrew
    ("<メディアは含まれていません>", "other"),  # Japanese: no spaces between words
    ("<省略多媒体文件>", "other"),  # Chinese
    ("<미디어 파일 제외됨>", "other"),  # Korean
    ("\u200ebild utelämnad", "image"),  # Swedish iOS
    ("\u200eljud utelämnat", "audio"),
    ("\u200ecarte de contact omise", "document"),  # contact cards left out
    ("\u200etarjeta de contacto omitida", "document"),
    ("\u200escheda contatto omessa", "document"),
    ("\u200econtactkaart weggelaten", "document"),
    ("\u200eкарточка контакта отсутствует", "document"),
]


@pytest.mark.parametrize(("line", "kind"), LEFT_OUT)
def test_a_file_left_out_is_said_in_more_languages(tmp_path, line, kind):
    """Each of these was read as the sender's own words, and the file it stands for not counted."""
    first, words = _messages(tmp_path, f"[01/03/2024, 10:00:00] Anna: {line}\n[13/03/2024, 10:01:00] Ben: <ok>\n",
                             "_chat.txt")
    assert first.attachment is not None and first.attachment.missing and first.attachment.name is None
    assert (first.attachment.kind, first.text, first.system) == (kind, "", False)
    assert words.attachment is None and words.text == "<ok>"


@pytest.mark.parametrize("note", [
    "Esta mensagem foi eliminada", "Eliminou esta mensagem", "Este mensaje fue eliminado",
    "삭제된 메시지입니다", "Pesan ini telah dihapus", "Missed group video call",
])
def test_deletions_and_missed_calls_in_more_languages_are_the_apps_notes(tmp_path, note):
    [m, _] = _messages(tmp_path, f"01/03/2024, 10:00 - Anna: {note}\n13/03/2024, 10:01 - Ben: ok\n")
    assert m.system and m.sender == "Anna" and m.text == note


def _ios_zip(path: Path, members: dict[str, bytes | Path]) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            z.write(data, name) if isinstance(data, Path) else z.writestr(name, data)
    return path


def test_files_no_message_names_are_counted_and_placed_by_the_time_their_names_carry(tmp_path):
    """A voice note whose line was lost was kept after the chat's last message, days after the time
    its name gives, and, its name carrying a time, counted among the attachments messages name."""
    lrm = "\u200e"
    chat = (f"[01/03/2024, 10:12:33] Anna: {lrm}<attached: 00000012-AUDIO-2024-03-01-10-12-33.opus>\n"
            f"[01/03/2024, 10:13:00] Ben: {lrm}<attached: 00000013-PHOTO-2024-03-01-10-13-00.jpg>\n"
            "[28/03/2024, 10:14:00] Anna: bye\n")
    archive = _ios_zip(tmp_path / "WhatsApp Chat - Ben.zip", {
        "_chat.txt": chat.encode(), "00000013-PHOTO-2024-03-01-10-13-00.jpg": b"\xff\xd8\xff\xd9",
        "00000015-AUDIO-2024-03-02-11-00-00.opus": MEDIA / "en_voicenote.opus",
        "PTT-20240301-WA0009.opus": MEDIA / "en_voicenote.opus", "notes.txt": b"hello"})
    [loaded] = load_export(archive)
    shown = [(m.sender, m.datetime, m.attachment.name if m.attachment else m.text) for m in loaded.export.messages]
    assert shown == [
        ("Anna", "2024-03-01T10:12:33", "00000012-AUDIO-2024-03-01-10-12-33.opus"),
        ("Ben", "2024-03-01T10:13:00", "00000013-PHOTO-2024-03-01-10-13-00.jpg"),
        (None, "2024-03-01", "PTT-20240301-WA0009.opus"),  # a date only: after that day's messages
        (None, "2024-03-02T11:00:00", "00000015-AUDIO-2024-03-02-11-00-00.opus"),
        ("Anna", "2024-03-28T10:14:00", "bye"),
        (None, None, "notes.txt")]  # no time in its name: at the end
    assert [m.index for m in loaded.export.messages] == list(range(6))
    assert loaded.export.accounting() == ("2 attachment(s) named, 1 of them not in the export, "
                                          "3 file(s) no message names (kept in the chat)")


def test_a_telegram_reply_still_names_its_message_when_a_file_is_placed_before_it(tmp_path):
    messages = [
        {"id": 1, "type": "message", "date": "2024-03-01T10:00:00", "from": "Oleg", "text": "where?"},
        {"id": 2, "type": "message", "date": "2024-03-01T10:01:00", "from": "Nina", "text": "here",
         "reply_to_message_id": 1},
    ]
    (tmp_path / "voice_messages").mkdir()
    shutil.copy(MEDIA / "en_voicenote.opus", tmp_path / "voice_messages" / "audio_5@01-03-2024_09-59-30.ogg")
    (tmp_path / "result.json").write_text(json.dumps({"name": "Crew", "type": "private_group", "id": 1,
                                                      "messages": messages}), encoding="utf-8")
    [loaded] = load_export(tmp_path / "result.json")
    voice, first, reply = loaded.export.messages  # recorded before the chat's first message
    assert (voice.attachment.name, voice.index, first.index) == ("audio_5@01-03-2024_09-59-30.ogg", 0, 1)
    assert reply.note == "reply to message 2 (Oleg: where?)"


def _moji(text: str) -> str:
    """How Meta's exports write text: its UTF-8 bytes as Latin-1 characters ("MÃ¼ller")."""
    return text.encode("utf-8").decode("latin-1")


def _ms(iso: str) -> int:
    return int(datetime.fromisoformat(iso).replace(tzinfo=timezone.utc).timestamp() * 1000)


THREAD = "your_facebook_activity/messages/inbox/annamuller_10158123456789"
CLIP = "audioclip17092879530004567_1234567890123456.mp4"


def _messenger_export(root: Path) -> Path:
    """A Facebook download: the chat over two files, newest first, a voice clip written as .mp4."""
    thread = root / THREAD
    (thread / "audio").mkdir(parents=True)
    shutil.copy(MEDIA / "en_voicenote.m4a", thread / "audio" / CLIP)
    shutil.copy(MEDIA / "en_voicenote.m4a", thread / "audio" / "audioclip17093000000001234_99.mp4")  # no message
    (root / "your_facebook_activity/messages/autofill_information.json").write_text('{"autofill_information_v2": {}}')
    head = {"participants": [{"name": _moji("Anna Müller")}, {"name": "Ben"}], "title": _moji("Anna Müller"),
            "is_still_participant": True, "thread_path": "inbox/annamuller_10158123456789", "magic_words": []}
    newest = [{"sender_name": _moji("Anna Müller"), "timestamp_ms": _ms("2024-03-02T09:00:00"),
               "content": _moji("Cześć ❤"), "reactions": [{"reaction": _moji("❤"), "actor": "Ben"}]},
              {"sender_name": "Ben", "timestamp_ms": _ms("2024-03-01T10:15:00"), "content": "Ben called you.",
               "call_duration": 35}]
    older = [{"sender_name": _moji("Anna Müller"), "timestamp_ms": _ms("2024-03-01T10:12:33"),
              "audio_files": [{"uri": f"{THREAD}/audio/{CLIP}", "creation_timestamp": 1709287953}]},
             {"sender_name": "Ben", "timestamp_ms": _ms("2024-03-01T10:12:00"), "content": "see",
              "share": {"link": "https://example.org/a"}}]
    (thread / "message_1.json").write_text(json.dumps({**head, "messages": newest}), encoding="utf-8")
    (thread / "message_2.json").write_text(json.dumps({**head, "messages": older}), encoding="utf-8")
    return thread


def test_a_messenger_download_is_read_in_time_order_its_text_decoded_and_its_voice_clips_audio(tmp_path):
    """Messenger's export was passed over as 'no Telegram export': its chats, written newest first
    over several files with every letter beyond ASCII garbled, were lost from the timeline."""
    thread = _messenger_export(tmp_path / "facebook-annam-2024-03-30")
    [loaded] = load_export(tmp_path / "facebook-annam-2024-03-30")
    export = loaded.export
    assert (export.container, export.chats[0].name) == ("messenger-json", "Anna Müller")
    shown = [(m.sender, m.datetime, m.text, m.system) for m in export.messages]
    assert shown == [
        ("Ben", "2024-03-01T10:12:00+00:00", "see", False),
        ("Anna Müller", "2024-03-01T10:12:33+00:00", "", False),
        ("Ben", "2024-03-01T10:15:00+00:00", "Ben called you.", True),
        ("Anna Müller", "2024-03-02T09:00:00+00:00", "Cześć ❤", False),
        (None, None, "", True)]
    clip, extra = export.messages[1].attachment, export.messages[4].attachment
    assert (clip.name, clip.kind, clip.missing) == (CLIP, "audio", False)
    assert (extra.name, extra.kind) == ("audioclip17093000000001234_99.mp4", "audio")
    assert [m.note for m in export.messages[:4:3]] == ["link shared: https://example.org/a", "reactions: ❤ Ben"]
    [alone] = load_export(thread / "message_2.json")  # a later file given alone: the whole chat
    assert len(alone.export.messages) == 5


def test_an_instagram_download_zipped_gives_its_voice_note_out_to_be_transcribed(tmp_path):
    thread = "your_instagram_activity/messages/inbox/anna_17841400000000000"
    chat = {"participants": [{"name": "anna"}, {"name": "bobby.k"}], "title": "anna",
            "messages": [{"sender_name": "anna", "timestamp_ms": _ms("2024-03-05T18:01:00"), "content": _moji("ok 👍")},
                         {"sender_name": "bobby.k", "timestamp_ms": _ms("2024-03-05T18:00:00"),
                          "audio_files": [{"uri": f"{thread}/audio/aud_1.mp4"}]}]}
    archive = _ios_zip(tmp_path / "instagram-bobby.k-2024-03-30.zip", {
        f"{thread}/message_1.json": json.dumps(chat).encode(), f"{thread}/audio/aud_1.mp4": MEDIA / "en_voicenote.m4a",
        "personal_information/personal_information.json": b'{"profile_user": []}'})
    [loaded] = load_export(archive, extract_root=tmp_path / "case")
    voice, ok = loaded.export.messages
    assert loaded.export.container == "instagram-json-zip"
    assert (voice.sender, voice.attachment.kind, ok.text) == ("bobby.k", "audio", "ok 👍")
    assert loaded.files[f"{thread}/audio/aud_1.mp4"].read_bytes() == (MEDIA / "en_voicenote.m4a").read_bytes()


def test_cli_timeline_transcribes_a_messenger_chats_voice_clips_in_their_place(tmp_path, models_dir):
    _messenger_export(tmp_path / "evidence" / "facebook-annam")
    done = subprocess.run(
        [sys.executable, "-m", "app", "timeline", str(tmp_path / "evidence" / "facebook-annam"), "--out",
         str(tmp_path / "out"), "--case", str(tmp_path / "case"), "--model", "tiny.en"],
        cwd=REPO, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    assert ("messenger-json, 5 messages, 2 voice notes or videos; 1 attachment(s) named, 0 of them not in the "
            "export, 1 file(s) no message names") in done.stderr
    [story] = [json.loads(p.read_text(encoding="utf-8")) for p in (tmp_path / "out").glob("*.timeline.json")]
    voice = story["messages"][1]
    assert (voice["sender"], voice["datetime"]) == ("Anna Müller", "2024-03-01T10:12:33+00:00")
    assert "station" in voice["attachment"]["transcript"].lower()
    assert "station" in story["messages"][4]["attachment"]["transcript"].lower()


def test_a_later_page_given_alone_is_a_chat_export_and_met_in_a_folder_is_read_with_the_first(tmp_path):
    """`transcribe messages2.html` (or Messenger's message_2.json) said 'not a media file ffmpeg can
    read': a later page given alone is the whole chat; in a folder it is read once, with the first."""
    shutil.copytree(FIXTURES / "telegram_html", tmp_path / "tg")
    thread = _messenger_export(tmp_path / "fb")
    for later in (tmp_path / "tg" / "messages2.html", thread / "message_2.json"):
        assert is_chat_export(later) and not is_chat_export_in_folder(later)
    met = {p.name for p in chat_files(tmp_path)}
    assert {"message_1.json", "messages.html"} <= met and not {"message_2.json", "messages2.html"} & met
    (tmp_path / "tg" / "messages.html").unlink()  # a later page whose first is not there: a chat of its own
    assert is_chat_export_in_folder(tmp_path / "tg" / "messages2.html")


def test_a_pin_in_a_telegram_html_export_names_the_message_pinned(tmp_path):
    """The JSON export's pin named the message pinned; the HTML export's said only 'this message'."""
    page = ('<html><body><div class="page_body chat_page"><div class="history">'
            '<div class="message default clearfix" id="message1"><div class="body">'
            '<div class="pull_right date details" title="01.04.2024 10:00:00 UTC+02:00">10:00</div>'
            '<div class="from_name">Ivan</div><div class="text">meet at 8</div></div></div>'
            '<div class="message service" id="message2"><div class="body details">Ivan pinned '
            '<a href="#go_to_message1" onclick="return GoToMessage(1)">this message</a></div></div>'
            '</div></div></body></html>')
    (tmp_path / "messages.html").write_text(page, encoding="utf-8")
    [loaded] = load_export(tmp_path / "messages.html")
    _, pin = loaded.export.messages
    assert (pin.text, pin.system) == ("Ivan pinned this message", True)
    assert pin.note.startswith("pinned message 1 (Ivan: meet at 8)")  # then why it has no time (session 24)


def test_dotted_dates_that_read_both_ways_are_day_first_slashed_ones_stay_undecided(tmp_path):
    """A German chat over three days early in a month ('01.02.24' to '03.02.24') had every date-time
    but one left empty: no locale writes the month first between dots."""
    dotted = parse_text("01.02.24, 10:00 - Jonas: x\n02.02.24, 10:00 - Lena: y\n03.02.24, 11:00 - Jonas: z\n",
                        "WhatsApp Chat mit Lena.txt")[0]
    assert dotted.date_order == "day-first (dotted dates)"
    assert [m.datetime for m in dotted.messages] == ["2024-02-01T10:00:00", "2024-02-02T10:00:00", "2024-02-03T11:00:00"]
    slashed = parse_text("01/02/2024, 10:00 - A: x\n03/02/2024, 10:00 - B: y\n", "WhatsApp Chat with B.txt")[0]
    assert slashed.date_order == "ambiguous" and slashed.messages[0].datetime is None


def test_the_later_pages_read_with_a_chat_are_hashed_in_the_audit_log(case, tmp_path):
    """Only the first page was the exhibit: the messages of messages2.html (or message_2.json) came
    into the case with no record of the file they were read from."""
    shutil.copytree(FIXTURES / "telegram_html", tmp_path / "tg")
    thread = _messenger_export(tmp_path / "fb")
    for given, later in ((tmp_path / "tg" / "messages2.html", "messages2.html"), (thread, "message_2.json")):
        [taken] = take_in(case, given)
        [entry] = [e for e in case.audit.entries() if e.action == "chat.pages_read"
                   and e.subject == f"exhibit/{taken.exhibit_id}"]
        [page] = entry.details["pages"]
        assert Path(page["path"]).name == later
        assert page["sha256"] == hashlib.sha256(Path(page["path"]).read_bytes()).hexdigest()


def test_telegram_reactions_are_said_in_the_note(tmp_path):
    chat = {"name": "Crew", "type": "private_group", "id": 1, "messages": [
        {"id": 1, "type": "message", "date": "2024-03-01T10:00:00", "from": "Oleg", "text": "at 8",
         "reactions": [{"type": "emoji", "count": 2, "emoji": "👍",
                        "recent": [{"from": "Nina", "from_id": "user2", "date": "2024-03-01T10:01:00"},
                                   {"from": "Ivan", "from_id": "user3", "date": "2024-03-01T10:02:00"}]},
                       {"type": "custom_emoji", "count": 1, "document_id": "5368324170671202286"}]}]}
    (tmp_path / "result.json").write_text(json.dumps(chat), encoding="utf-8")
    [loaded] = load_export(tmp_path / "result.json")
    assert loaded.export.messages[0].note == "reactions: 👍 2 (Nina, Ivan), custom emoji 5368324170671202286 1"


def test_arabic_dates_that_read_both_ways_are_day_first(tmp_path):
    """An Arabic chat over two days early in a month had its date-times left empty: Arabic writes the
    day first (Persian digits, which write the year first, are not taken for it)."""
    rlm = "\u200f"
    text = (f"٢{rlm}/٣{rlm}/٢٠٢٤، ١٠:٠٥ م - عمار: السلام\n"
            f"٣{rlm}/٣{rlm}/٢٠٢٤، ٩:٠٠ ص - سارة: أهلا\n")
    [chat] = parse_text(text, "WhatsApp Chat with سارة.txt")
    assert chat.date_order == "day-first (Arabic-Indic digits, year last)"
    assert [m.datetime for m in chat.messages] == ["2024-03-02T22:05:00", "2024-03-03T09:00:00"]


def test_dates_typed_at_the_start_of_several_lines_stay_in_their_messages(tmp_path):
    """Typed often enough (a schedule), such lines were taken for a second layout of the file: each
    became a message of its own with no sender, cut out of the message its sender wrote."""
    schedule = "".join(f"0{d}/04/2024 10:00 shift at the depot\n" for d in range(1, 5))
    text = ("12/03/2024, 21:14 - Anna: the plan:\n" + schedule + "12/03/2024, 21:15 - Bob: ok\n"
            "13/03/2024, 08:00 - Anna: and\n0" + schedule[1:] + "13/03/2024, 08:01 - Bob: fine\n")
    messages = parse_text(text, "WhatsApp Chat with Bob.txt")[0].messages
    assert [(m.sender, m.datetime) for m in messages] == [
        ("Anna", "2024-03-12T21:14:00"), ("Bob", "2024-03-12T21:15:00"), ("Anna", "2024-03-13T08:00:00"),
        ("Bob", "2024-03-13T08:01:00")]
    assert messages[0].text == "the plan:\n" + schedule.strip()
