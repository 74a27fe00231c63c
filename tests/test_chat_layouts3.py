"""Chat exports as phones and people hand them over (third round): placeholders and notes in more
languages, phone-number senders written two ways, a WhatsApp zip inside a phone dump's zip, the
same chat exported twice, and what every timeline says made it (attachment hashes, the voice
notes' transcription settings).

Each export is built the way the app writes it, with real voice notes from the shared media.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from app.core.chats import load_export
from tests.chat_helpers import loaded_messages
from tests.conftest import MEDIA, REPO


def _messages(tmp_path: Path, text: str, name: str = "WhatsApp Chat with Anna.txt"):
    return loaded_messages(tmp_path, text, name)


def test_attachment_left_out_view_once_and_hindi_notes_are_the_apps_not_the_senders_words(tmp_path):
    """German "<Anhang fehlt>", a view-once voice note, and Hindi's "media omitted", "message
    deleted" and "edited" were read as the sender's own words."""
    messages = _messages(tmp_path, (
        "13.03.24, 22:15 - Ben: <Anhang fehlt>\n"
        "13.03.24, 22:16 - Ben: <View once voice message omitted>\n"
        "13.03.24, 22:17 - Ben: <मीडिया हटा दिया गया>\n"
        "13.03.24, 22:18 - Ben: <मीडिया के बिना>\n"
        "13.03.24, 22:19 - Ben: यह संदेश हटा दिया गया था\n"
        "13.03.24, 22:20 - Ben: ठीक है <यह संदेश संपादित किया गया>\n"))
    [ios] = _messages(tmp_path, "[14/03/24, 9:16:00\u202fPM] Ben: \u200eइमेज हटाई गई\n", "_chat.txt")
    assert (ios.attachment.kind, ios.attachment.missing, ios.text) == ("image", True, "")
    left_out = [m.attachment for m in messages[:4]]
    assert all(a is not None and a.missing and a.name is None for a in left_out)
    assert left_out[1].kind == "audio" and all(m.text == "" for m in messages[:4])
    assert messages[4].system and messages[4].sender == "Ben"
    assert (messages[5].text, messages[5].note) == ("ठीक है", "edited (the export says <यह संदेश संपादित किया गया>)")


def test_a_sender_written_as_a_phone_number_two_ways_is_one_sender(tmp_path):
    """A sender not in the phone's contacts is written as the number, spaced as each phone spaces
    it: '+44 7700 900123' and '+447700900123' were two people."""
    messages = _messages(tmp_path, (
        "[13/03/2024, 21:15:00] \u200e+44\u00a07700\u00a0900123: first\n"
        "[13/03/2024, 21:16:00] +447700900123: second\n"
        "[13/03/2024, 21:17:00] Anna: third\n"
        "[13/03/2024, 21:18:00] 07700 900123: no country code\n"), "_chat.txt")
    assert [m.sender for m in messages] == ["+44 7700 900123", "+44 7700 900123", "Anna", "07700 900123"]
    assert messages[1].note == "sender written as '+447700900123'" and messages[0].note == ""


ANDROID_CHAT = ("12/03/2024, 21:14 - Anna: PTT-20240312-WA0001.opus (file attached)\n"
                "13/03/2024, 09:00 - +44 7700 900123: hi\n")


def _whatsapp_zip(archive: Path, chat: str = ANDROID_CHAT) -> Path:
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("WhatsApp Chat with Anna.txt", chat)
        z.write(MEDIA / "en_voicenote.opus", "PTT-20240312-WA0001.opus")
    return archive


def _phone_dump(tmp_path: Path, *inner: tuple[str, Path]) -> Path:
    dump = tmp_path / "evidence" / "Phone dump.zip"
    dump.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(dump, "w") as z:
        z.writestr("Android/data/notes.json", '{"title": "shopping"}')
        for name, path in inner:
            z.write(path, name)
    return dump


def test_a_whatsapp_zip_inside_a_phone_dump_zip_is_opened_and_its_voice_note_taken_in(tmp_path, case):
    """A zipped WhatsApp export inside a phone dump's zip: 'no chat found in this zip'."""
    from app.core.chats.intake import take_in
    from app.core.chats.timeline import build_timeline, timeline_dict
    from app.core.export.timeline import provenance_items

    inner = _whatsapp_zip(tmp_path / "WhatsApp Chat with Anna.zip")
    backup = tmp_path / "backup.zip"
    with zipfile.ZipFile(backup, "w") as z:
        z.writestr("settings.txt", "nothing here\n")
    dump = _phone_dump(tmp_path, ("Download/WhatsApp Chat with Anna.zip", inner), ("Download/backup.zip", backup))
    [loaded] = load_export(dump)
    assert loaded.export.container == "whatsapp-zip" and loaded.original == dump
    assert loaded.found_in == (str(dump), "Download/WhatsApp Chat with Anna.zip")
    assert [m.sender for m in loaded.export.messages] == ["Anna", "+44 7700 900123"]
    [taken] = take_in(case, dump)
    assert taken.shown == f"{dump} → Download/WhatsApp Chat with Anna.zip"
    assert case.exhibit(taken.exhibit_id).source.sha256 == _sha256(inner)  # the inner zip, as it was zipped
    [media] = taken.media
    assert Path(media.path).read_bytes() == (MEDIA / "en_voicenote.opus").read_bytes()
    copies = sorted(p.name for p in (case.folder / "exports").rglob("*.zip"))
    assert copies == ["WhatsApp Chat with Anna.zip"]  # the backup holding no chat is not left copied
    entries = [e for e in case.audit.entries() if e.action == "chat.export_found_in_zip"]
    assert entries[-1].details["outer_zip_sha256"] == _sha256(dump)
    source = timeline_dict(build_timeline(case, taken.exhibit_id))["source"]  # the timeline says it too
    assert source["found_in"] == {"outer_zip": str(dump), "outer_zip_sha256": _sha256(dump),
                                  "members": ["Download/WhatsApp Chat with Anna.zip"]}
    assert dict(provenance_items(build_timeline(case, taken.exhibit_id)))["Found in"] == (
        f"{dump} (SHA-256 {_sha256(dump)}) → Download/WhatsApp Chat with Anna.zip")


def test_a_damaged_zip_inside_a_phone_dump_is_one_line_and_the_rest_is_read(tmp_path):
    good = _whatsapp_zip(tmp_path / "WhatsApp Chat with Anna.zip")
    broken = tmp_path / "broken.zip"
    broken.write_bytes(good.read_bytes()[:200])
    dump = _phone_dump(tmp_path, ("a/WhatsApp Chat with Anna.zip", good), ("b/WhatsApp Chat with Ben.zip", broken))
    refused = []
    [loaded] = load_export(dump, refused=refused)
    assert loaded.export.messages[0].sender == "Anna"
    [error] = refused
    assert str(error).startswith(f"{dump}: b/WhatsApp Chat with Ben.zip: not a readable zip")
    twice = _phone_dump(tmp_path / "again", ("old/Phone dump.zip", dump))  # a dump zipped into another
    try:
        load_export(twice)
    except Exception as exc:  # noqa: BLE001 - the one line the user reads
        assert str(exc).startswith(f"{twice}: old/Phone dump.zip: b/WhatsApp Chat with Ben.zip: not a readable zip")
    else:
        raise AssertionError("a damaged zip was passed over in silence")
    nothing = _phone_dump(tmp_path / "nothing", ("backup.zip", _phone_dump(tmp_path / "empty")))
    try:
        load_export(nothing)
    except Exception as exc:  # noqa: BLE001
        assert str(exc) == f"{nothing}: no chat found in this zip, nor in the zips inside it"
    else:
        raise AssertionError("a dump without a chat was read")


def _sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_every_file_a_chat_carries_is_named_by_its_sha256_in_the_timeline(tmp_path, case):
    """A photo, a document or a sticker had no SHA-256 in the timeline: only voice notes and videos
    (taken in as exhibits) were hashed. Zipped and unzipped alike; a file left out has none."""
    from app.core.chats.intake import take_in
    from app.core.chats.timeline import build_timeline, timeline_dict

    photo = b"\xff\xd8\xff\xe0 a photo"
    chat = ("[01/03/2024, 10:11:12] Anna: \u200e<attached: 00000012-PHOTO-2024-03-01-10-11-12.jpg>\n"
            "[01/03/2024, 10:11:13] Anna: \u200e<attached: 00000013-AUDIO-2024-03-01-10-11-13.opus>\n"
            "[13/03/2024, 10:12:00] Ben: \u200eimage omitted\n")
    archive = tmp_path / "WhatsApp Chat - Anna.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("_chat.txt", chat)
        z.writestr("00000012-PHOTO-2024-03-01-10-11-12.jpg", photo)
        z.writestr("00000099-PHOTO-2024-03-13-10-20-00.jpg", photo + b"2")  # no message names it
        z.write(MEDIA / "en_voicenote.opus", "00000013-AUDIO-2024-03-01-10-11-13.opus")
    loose = tmp_path / "loose"
    loose.mkdir()
    (loose / "_chat.txt").write_text(chat, encoding="utf-8")
    (loose / "00000012-PHOTO-2024-03-01-10-11-12.jpg").write_bytes(photo)
    import hashlib

    for given in (loose / "_chat.txt", archive):  # the loose one first: met after its zip it is the zip's exhibit
        [taken] = take_in(case, given)
        story = timeline_dict(build_timeline(case, taken.exhibit_id))
        hashes = [m["attachment"]["sha256"] for m in story["messages"]]
        assert hashes[0] == hashlib.sha256(photo).hexdigest()
        voice = _sha256(MEDIA / "en_voicenote.opus") if given == archive else None  # not beside the loose chat
        assert hashes[1] == voice
        assert hashes[2] is None  # left out of the export
        if given == archive:
            assert hashes[3] == hashlib.sha256(photo + b"2").hexdigest()


def test_the_timeline_says_what_made_each_voice_notes_transcript(tmp_path, models_dir):
    """The timeline named the speech model, not the language, the settings (beam, VAD, device,
    compute type ...) or the run each transcript came from: it could not be said how it was made."""
    from docx import Document
    from pypdf import PdfReader

    (tmp_path / "evidence").mkdir()
    archive = _whatsapp_zip(tmp_path / "evidence" / "WhatsApp Chat with Anna.zip")
    done = subprocess.run(
        [sys.executable, "-m", "app", "timeline", str(archive), "--out", str(tmp_path / "out"), "--format",
         "json,docx,pdf", "--case", str(tmp_path / "case"), "--model", "tiny.en", "--beam-size", "2"],
        cwd=REPO, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    story = json.loads((tmp_path / "out" / "WhatsApp Chat with Anna.timeline.json").read_text(encoding="utf-8"))
    voice = story["messages"][0]["attachment"]
    [run] = story["provenance"]["runs"]
    assert run["run_id"] == voice["run_id"] and run["task"] == "transcribe"
    assert run["model"]["name"] == "tiny.en" and len(run["model"]["sha256"]) == 64
    assert run["language"] == voice["language"] == "en"
    assert run["settings"]["beam_size"] == 2 and run["settings"]["device"] == "cpu" and "vad" in run["settings"]
    assert len(story["provenance"]["software"]["components"]["parley-source"]) == 64
    cells = [c.text for t in Document(str(tmp_path / "out" / "WhatsApp Chat with Anna.timeline.docx")).tables
             for row in t.rows for c in row.cells]
    [line] = [cells[i + 1] for i, c in enumerate(cells) if c == "Transcription"]
    # "language en": an English-only model never detects a language; the record says so, as the transcript's does
    said = "language en (not detected: English-only model)"
    assert line.startswith(f"tiny.en SHA-256 {run['model']['sha256']}; {said}; run(s) {run['run_id']}; ")
    assert "beam_size=2" in line and "compute_type=" in line
    pdf = PdfReader(str(tmp_path / "out" / "WhatsApp Chat with Anna.timeline.pdf"))
    text = " ".join(" ".join(page.extract_text().split()) for page in pdf.pages)
    assert said in text and "language en;" not in text


def test_the_same_chat_exported_twice_marks_each_message_the_other_export_holds_too(tmp_path):
    """Two exports of one chat (a week apart, the second zipped, its iOS file numbers different) gave
    two timelines repeating the same messages, nothing saying so."""
    first = tmp_path / "evidence" / "week1" / "_chat.txt"
    first.parent.mkdir(parents=True)
    first.write_text(
        "[01/03/2024, 10:11:12] Anna: \u200e<attached: 00000012-AUDIO-2024-03-01-10-11-12.opus>\n"
        "[13/03/2024, 10:12:00] +447700900123: meet at 6\n", encoding="utf-8")
    second = tmp_path / "evidence" / "WhatsApp Chat - Anna.zip"
    with zipfile.ZipFile(second, "w") as z:
        z.writestr("_chat.txt",
                   "[01/03/2024, 10:11:12] Anna: \u200e<attached: 00000031-AUDIO-2024-03-01-10-11-12.opus>\n"
                   "[13/03/2024, 10:12:00] +44 7700 900123: meet at 6\n[14/03/2024, 09:00:00] Anna: new\n")
    done = subprocess.run(
        [sys.executable, "-m", "app", "timeline", str(first), str(second), "--out", str(tmp_path / "out"),
         "--case", str(tmp_path / "case"), "--format", "json,pdf"],
        cwd=REPO, capture_output=True, text=True, timeout=600, check=False)
    assert "Traceback" not in done.stderr, done.stderr
    assert (f"{second}: warning: 2 of 3 messages are also in exhibit 1 (_chat.txt), each marked 'also in' "
            "(the same chat exported twice?)") in done.stderr
    later = json.loads((tmp_path / "out" / "WhatsApp Chat - Anna.timeline.json").read_text(encoding="utf-8"))
    assert [m["also_in"] for m in later["messages"]] == [
        [{"exhibit_id": 1, "export": "_chat.txt", "index": 0}], [{"exhibit_id": 1, "export": "_chat.txt", "index": 1}], []]
    earlier = json.loads((tmp_path / "out" / "_chat.timeline.json").read_text(encoding="utf-8"))
    assert [len(m["also_in"]) for m in earlier["messages"]] == [1, 1]
    from app.core.chats.timeline import build_timeline
    from app.core.store import Case
    from app.gui.timeline_view import message_text

    case = Case.open(tmp_path / "case")  # the window's Timeline tab says it too
    try:
        shown = [message_text(e) for e in build_timeline(case, 2).entries]
    finally:
        case.close()
    assert shown[1] == "meet at 6\n(also in exhibit 1 (_chat.txt), message 2)"  # counted from 1


TELEGRAM_HTML = REPO / "tests" / "fixtures" / "chats" / "telegram_html"


def test_a_telegram_reply_names_the_message_it_answers(tmp_path):
    """JSON said only Telegram's id ('reply to message id 2'), which the timeline shows nowhere;
    the HTML export said nothing at all, even across its pages (messages2.html answering messages.html).
    A pinned message was not said, nor a sticker's emoji."""
    chat = {"name": "Anna", "type": "personal_chat", "id": 111, "messages": [
        {"id": 2, "type": "message", "date": "2024-03-01T10:11:12", "from": "Anna", "text": "where are you"},
        {"id": 3, "type": "message", "date": "2024-03-01T10:12:00", "from": None, "from_id": "user222",
         "reply_to_message_id": 2, "text": [{"type": "bold", "text": "station"}]},
        {"id": 4, "type": "message", "date": "2024-03-01T10:13:00", "from": "Anna", "reply_to_message_id": 1,
         "text": "?"},
        {"id": 5, "type": "service", "date": "2024-03-01T10:14:00", "actor": "Anna", "action": "pin_message",
         "message_id": 3, "text": ""},
        {"id": 6, "type": "message", "date": "2024-03-01T10:15:00", "from": "Anna", "file": "stickers/s.webp",
         "media_type": "sticker", "sticker_emoji": "\U0001f44d", "text": ""}]}
    (tmp_path / "result.json").write_text(json.dumps(chat), encoding="utf-8")
    [loaded] = load_export(tmp_path / "result.json")
    _, answer, lost, pin, sticker = loaded.export.messages
    assert (answer.sender, answer.text) == ("Deleted Account", "station")  # "from": null (session 26)
    assert answer.note.startswith("reply to message 1 (Anna: where are you); the export names this sender only by "
                                  "the account id user222")
    assert lost.note == "reply to message id 1 (not in this export)"
    assert (pin.text, pin.note) == ("pin message", "pinned message 2 (Deleted Account: station)")  # which one it was
    assert sticker.note == "sticker \U0001f44d" and sticker.attachment.kind == "sticker"
    html = tmp_path / "html"
    html.mkdir()
    shutil.copy(TELEGRAM_HTML / "messages.html", html / "messages.html")
    page = (TELEGRAM_HTML / "messages2.html").read_text(encoding="utf-8")
    reply = ('<div class="reply_to details">In reply to <a href="messages.html#go_to_message2" '
             'onclick="return GoToMessage(2)">this message</a></div>\n       <div class="text">\nthe car')
    (html / "messages2.html").write_text(page.replace('<div class="text">\nthe car', reply, 1), encoding="utf-8")
    [pages] = load_export(html / "messages.html")
    first = next(m for m in pages.export.messages if m.text.startswith("Привет"))
    [car] = [m for m in pages.export.messages if m.text == "the car"]
    assert car.note == f"reply to message {first.index + 1} ({first.sender}: {' '.join(first.text.split())[:60]})"


def test_a_later_page_of_a_telegram_html_chat_given_alone_reads_the_whole_chat(tmp_path):
    """Given messages2.html (dragged in, or named on the command line), only that page was read:
    the messages on messages.html were left out without a word."""
    for page in ("messages.html", "messages2.html"):
        shutil.copy(TELEGRAM_HTML / page, tmp_path / page)
    [whole] = load_export(tmp_path / "messages.html")
    [given] = load_export(tmp_path / "messages2.html")
    assert given.original == tmp_path / "messages.html"
    assert [(m.sender, m.text) for m in given.export.messages] == [(m.sender, m.text) for m in whole.export.messages]
