"""Session 33, what the day-one investigator's trial left: a folder's closing summary, search of
senders and phone numbers, `export --task` of a kind never run, a duplicate's record."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from tests.conftest import MEDIA
from tests.test_cli_mistakes import run

CHATS = Path(__file__).resolve().parent / "fixtures" / "chats"
TINY_NLLB = Path(__file__).resolve().parent / "fixtures" / "tiny_nllb"


def _phone(tmp_path: Path) -> Path:
    """A phone's folder: a WhatsApp chat with its voice note, the note forwarded under another name,
    a Romanian note (English-only model: speech, perhaps no words), silence, a file that is not audio,
    an empty one and a text."""
    phone = tmp_path / "phone"
    chat = phone / "WhatsApp Chat with Weekend"
    chat.mkdir(parents=True)
    shutil.copy(CHATS / "whatsapp_android_en.txt", chat / "WhatsApp Chat with Weekend.txt")
    shutil.copy(MEDIA / "en_voicenote.opus", chat / "PTT-20240313-WA0004.opus")
    (phone / "Download").mkdir()
    shutil.copy(MEDIA / "en_voicenote.opus", phone / "Download" / "forwarded copy.opus")
    for name in ("silence_30s.wav", "ro_voicenote.3gp", "not_audio.wav", "empty.wav"):
        shutil.copy(MEDIA / name, phone / "Download" / name)
    (phone / "Download" / "notes.txt").write_text("meet at eight\n", encoding="utf-8")
    return phone


def test_transcribe_of_a_folder_closes_with_one_line_adding_up_every_file_it_met(capsys, tmp_path, models_dir):
    """`transcribe phone/` named the skipped and unreadable files but said nothing of the recordings that
    gave no words: the user learnt of them only from `exhibits`. The closing line adds them all up, as
    `exhibits --all` tells them one by one."""
    case = str(tmp_path / "case")
    code, _, err = run(capsys, "transcribe", str(_phone(tmp_path)), "--case", case, "--out", str(tmp_path / "out"),
                       "--model", "tiny.en", "--diarize", "off", "--format", "txt")
    assert code == 1, err  # the unreadable files
    last = err.strip().splitlines()[-1]
    code, listing, _ = run(capsys, "exhibits", "--all", "--case", case)
    rows = [line for line in listing.splitlines() if not line.lstrip().startswith("-")]
    met = [line for line in listing.splitlines() if line.lstrip().startswith("-")]
    no_words = sum(1 for r in rows if "but no words recognised" in r)
    said = {
        "with words": sum(1 for r in rows if re.search(r"\s(done|edited)\b", r)) + sum(
            1 for r in rows if "language uncertain" in r and "but no words recognised" not in r),
        "no speech": sum(1 for r in rows if "no speech found" in r),
        "speech but no words recognised (see `exhibits`)": no_words,
        "chat": sum(1 for r in rows if "chat: see" in r),
        "duplicate": sum(1 for m in met if " duplicate " in m),
        "skipped": sum(1 for m in met if " skipped " in m),
        "unreadable": sum(1 for m in met if " failed " in m),
    }
    assert said["chat"] == 1 and said["duplicate"] == 1 and said["skipped"] == 1 and said["unreadable"] == 2, listing
    assert said["no speech"] == 1 and said["with words"] + no_words == 2, listing  # the English note; the Romanian
    parts = " + ".join(f"{n} {what}" for what, n in said.items() if n and what not in ("duplicate", "skipped",
                                                                                      "unreadable"))
    assert last == f"{len(rows)} exhibits = {parts}; besides them 1 duplicate, 1 skipped, 2 unreadable", (last, listing)
    assert ": " not in last  # not read as an `<input>: <reason>` failure line


def test_export_of_a_kind_few_exhibits_have_says_so_once_and_fails_only_when_none_has_it(capsys, tmp_path,
                                                                                      models_dir):
    """`export --task text-translate` of a phone's case printed "...: no text-translate run yet for this
    exhibit" once for each of 17 recordings, the 2 sets written lost among them. Now one line for them all
    and one adding up; exit 1 only when no exhibit has such a run."""
    case, notes = str(tmp_path / "case"), tmp_path / "notes"
    notes.mkdir()
    for name in ("en_voicenote.opus", "en_voicenote.mp3", "silence_30s.wav"):
        shutil.copy(MEDIA / name, notes / name)
    code, _, err = run(capsys, "transcribe", str(notes), "--case", case, "--out", str(tmp_path / "out"),
                       "--model", "tiny.en", "--diarize", "off", "--format", "txt")
    assert code == 0, err

    def export(out: str) -> tuple[int, list[str]]:
        code, _, err = run(capsys, "export", "--task", "text-translate", "--format", "txt", "--case", case,
                           "--out", str(tmp_path / out))
        return code, err.splitlines()

    code, lines = export("none")
    assert code == 1 and len(lines) == 2, lines
    assert lines[0] == ("skipped 3 exhibits (en_voicenote.mp3, en_voicenote.opus, silence_30s.wav): "
                        "no text-translate run yet for any of them"), lines
    assert lines[1] == "export: 0 set(s) of a text-translate run written; 3 exhibit(s) passed over", lines
    code, _, err = run(capsys, "translate", str(notes / "en_voicenote.opus"), "--to", "de", "--model",
                       str(TINY_NLLB), "--case", case, "--out", str(tmp_path / "tr"))
    assert code == 0, err
    code, lines = export("one")
    assert code == 0, lines
    assert lines == [("skipped 2 exhibits (en_voicenote.mp3, silence_30s.wav): no text-translate run yet for any "
                      "of them"), "export: 1 set(s) of a text-translate run written; 2 exhibit(s) passed over"]
    assert sorted(p.name for p in (tmp_path / "one").iterdir()) == ["en_voicenote.opus.manifest.json",
                                                                   "en_voicenote.opus.txt"]


def _chat_case(capsys, tmp_path: Path) -> str:
    case, chat = str(tmp_path / "case"), tmp_path / "chat" / "WhatsApp Chat with Weekend.txt"
    chat.parent.mkdir()
    shutil.copy(CHATS / "whatsapp_android_en.txt", chat)
    code, _, err = run(capsys, "timeline", str(chat), "--out", str(tmp_path / "tl"), "--format", "json",
                       "--case", case)
    assert code == 0, err
    return case


def _texts_found(capsys, case: str, *query: str) -> list[str]:
    import json

    code, out, err = run(capsys, "search", *query, "--json", "--case", case)
    assert code == 0, err
    return [hit["text"] for hit in json.loads(out)]


def _sent_by(tmp_path: Path, sender: str) -> list[str]:
    """The texts of the messages `sender` sent, as the timeline written by `timeline` lists them."""
    import json

    timeline = json.loads((tmp_path / "tl" / "WhatsApp Chat with Weekend.timeline.json").read_text("utf-8"))
    return [m["text"] for m in timeline["messages"] if m["sender"] == sender and m["text"]]


def test_a_phone_number_is_found_however_it_is_typed_and_however_the_text_writes_it(capsys, tmp_path):
    """`entities` listed +447700900123 for a WhatsApp chat's "+44 7700 900123 left", but `search +447700900123`
    and `search "07700 900123"` found nothing: only `search 900123` did. An investigator copying a number from
    `entities`, or typing it as a witness said it, was told "no hits". The number is also a sender: its
    messages are found too."""
    case = _chat_case(capsys, tmp_path)
    sent = _sent_by(tmp_path, "+44 7700 900123")
    assert sent, "the fixture's number sends messages"
    [left] = [t for t in _texts_found(capsys, case, "900123") if t not in sent]  # as before: digits as written
    assert "+44 7700 900123 left" in left, left
    for typed in ("+447700900123", "07700 900123", "(07700) 900-123", "+44 7700 900 123", "0044 7700 900123"):
        assert sorted(_texts_found(capsys, case, typed)) == sorted([*sent, left]), typed
    assert _texts_found(capsys, case, "07700 900124") == []  # another number: not this one


def test_a_sender_s_name_finds_the_messages_they_sent(capsys, tmp_path):
    """`search Dave` found only "Dave Miller created group": a message's sender is not in its text, so the
    investigator looking for what Dave said was shown none of it. A name finds its sender's messages, and
    the texts that mention it, as before; part of a name is no name."""
    case = _chat_case(capsys, tmp_path)
    sent = _sent_by(tmp_path, "Dave Miller")
    assert len(sent) >= 2, sent
    created = 'Dave Miller created group "Weekend"'
    for query in (("Dave",), ("dave", "miller"), ('"Dave Miller"',)):
        assert sorted(_texts_found(capsys, case, *query)) == sorted([*sent, created]), query
    assert _texts_found(capsys, case, "Dav") == []  # part of a name is no sender's name (nor a word)


def test_a_duplicate_s_record_says_whose_bytes_it_holds_and_where_the_copy_was_met(capsys, tmp_path, models_dir):
    """`forwarded copy.txt`/`.pdf` (the WhatsApp note's bytes under another name) named only the WhatsApp note
    as its source: a reader of "forwarded copy.pdf" was not told why. Its record now says it was written for
    the copy, the same bytes as the exhibit it names, and where each was met; the exhibit's own record does not."""
    import pypdf

    (tmp_path / "phone" / "Download").mkdir(parents=True)
    shutil.copy(MEDIA / "en_voicenote.opus", tmp_path / "phone" / "PTT-20240313-WA0004.opus")
    copy = tmp_path / "phone" / "Download" / "forwarded copy.opus"
    shutil.copy(MEDIA / "en_voicenote.opus", copy)
    out, case = tmp_path / "out", str(tmp_path / "case")
    code, _, err = run(capsys, "transcribe", str(tmp_path / "phone"), "--case", case, "--out", str(out),
                       "--model", "tiny.en", "--diarize", "off", "--format", "txt,pdf")
    assert code == 0, err
    note = (f"written for {copy}: the same bytes (SHA-256) as PTT-20240313-WA0004.opus, the exhibit this record "
            f"names, found at {tmp_path / 'phone' / 'PTT-20240313-WA0004.opus'}")
    assert f"Warning: {note}" in (out / "forwarded copy.txt").read_text("utf-8").splitlines()
    pdf = "".join("".join(p.extract_text().split()) for p in pypdf.PdfReader(str(out / "forwarded copy.pdf")).pages)
    assert "".join(note.split()) in pdf, pdf  # a long path is wrapped where the PDF's line ends
    assert "written for" not in (out / "PTT-20240313-WA0004.txt").read_text("utf-8")
    code, _, err = run(capsys, "check-export", str(out / "forwarded copy.manifest.json"), "--source", str(copy))
    assert code == 0, err
