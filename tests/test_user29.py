"""Session 29's user walk: a seized phone's chats, a proofreader in the window, a typist."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from app.core.chats.intake import take_in
from app.core.chats.timeline import build_timeline, timeline_dict
from app.core.export.timeline import message_cell
from tests.conftest import MEDIA
from tests.test_hostile_media23 import without_moov

CHAT = ("02/12/2026, 09:15 - Ben: PTT-20261202-WA0004.3gp (file attached)\n"
        "02/12/2026, 09:16 - Ana: VID-20261202-WA0005.3gp (file attached)\n"
        "02/12/2026, 09:17 - Ben: VID-20261202-WA0006.mp4 (file attached)\n"
        "02/12/2026, 09:18 - Ana: PTT-20261202-WA0007.3gp (file attached)\n")


def _export(folder: Path) -> Path:
    """A WhatsApp zip: a voice note in a .3gp (sound only), a video in a .3gp, a video in an .mp4, and a
    .3gp the export left out."""
    video_3gp = folder / "VID-20261202-WA0005.3gp"
    zipped = folder / "WhatsApp Chat with Ana.zip"
    with zipfile.ZipFile(zipped, "w") as z:
        z.writestr("WhatsApp Chat with Ana.txt", CHAT)
        z.write(MEDIA / "ro_voicenote.3gp", "PTT-20261202-WA0004.3gp")
        z.write(MEDIA / "interview.mp4", "VID-20261202-WA0005.3gp")  # an MP4 is a 3GP's sibling: ffmpeg reads both
        z.write(MEDIA / "interview.mp4", "VID-20261202-WA0006.mp4")
    assert not video_3gp.exists()
    return zipped


def test_a_voice_note_in_a_3gp_is_a_voice_note_in_the_timeline_not_a_video(case, tmp_path):
    """`PTT-….3gp` (sound only: the exhibit is audio) was labelled "Video" in the timeline's JSON
    ("kind": "video"), DOCX, PDF and window: the kind came from the file's extension alone."""
    [taken] = take_in(case, _export(tmp_path))
    entries = build_timeline(case, taken.exhibit_id).entries
    kinds = [e.attachment.kind for e in entries]
    assert kinds == ["audio", "video", "video", "audio"]  # the missing PTT-….3gp: its name says a voice note
    assert message_cell(entries[0]).startswith("[Voice note PTT-")
    assert message_cell(entries[1]).startswith("[Video VID-") and message_cell(entries[2]).startswith("[Video VID-")
    timeline = build_timeline(case, taken.exhibit_id)
    assert [m["attachment"]["kind"] for m in timeline_dict(timeline)["messages"]] == kinds


def test_mark_uncertain_with_no_docx_or_pdf_says_it_marked_nothing(case, tmp_path, capsys):
    """`export --mark-uncertain 0.5` with the default formats (json,txt,srt,vtt) wrote its files, exit 0,
    and marked nothing, unsaid: the option only acts on DOCX and PDF. It now says so in one line."""
    from app.cli import main
    from app.core.types import Segment, Word
    from tests.test_record_of_interview import _finished_run

    words = (Word(0, 500, " at", 0.9), Word(500, 1000, " home.", 0.2))
    _finished_run(case, (Segment(0, 1000, "at home.", words=words),))
    case.close()
    out, case_dir = tmp_path / "out", str(tmp_path / "case")
    assert main(["export", "--case", case_dir, "--out", str(out), "--mark-uncertain", "0.5"]) == 0
    err = capsys.readouterr().err
    assert "--mark-uncertain marks words in DOCX and PDF only" in err and "json,txt,srt,vtt" in err
    assert "[home?]" not in (out / "interview_17.txt").read_text(encoding="utf-8")
    assert main(["export", "--case", case_dir, "--out", str(out), "--format", "txt,pdf", "--mark-uncertain", "0.5"]) == 0
    assert "--mark-uncertain" not in capsys.readouterr().err  # a PDF among them: marked there, nothing to say


def test_a_phone_video_without_its_index_stays_a_video(case, tmp_path):
    """A phone video killed before its index (moov) was written is taken in from its sound alone: ffmpeg lists
    no picture, and it was labelled "Voice note" (JSON "kind": "audio") though its pictures are in the file.
    An MP4's name says "video" unless its own index was read and lists no picture."""
    zipped = tmp_path / "WhatsApp Chat with Ana.zip"
    with zipfile.ZipFile(zipped, "w") as z:
        z.writestr("WhatsApp Chat with Ana.txt", "02/12/2026, 09:16 - Ana: VID-20261202-WA0005.mp4 (file attached)\n")
        z.writestr("VID-20261202-WA0005.mp4", without_moov((MEDIA / "interview.mp4").read_bytes()))
    [taken] = take_in(case, zipped)
    timeline = build_timeline(case, taken.exhibit_id)
    [entry] = timeline.entries
    assert entry.attachment.exhibit_id is not None and entry.attachment.kind == "video"
    assert message_cell(entry).startswith("[Video VID-20261202-WA0005.mp4")
    assert [m["attachment"]["kind"] for m in timeline_dict(timeline)["messages"]] == ["video"]


def test_whatsapps_voice_notes_missing_or_unreadable_are_voice_notes(case, tmp_path):
    """`PTT-….3gp` (and `AUD-…`) is WhatsApp's own name for a voice note: one the export left out read
    "[Video PTT-…: MISSING from the export]", one cut short "[Video PTT-… (an MP4/MOV without its index …)]";
    a case taken in before this kept "video" for them in its store."""
    zipped = tmp_path / "WhatsApp Chat with Ben.zip"
    with zipfile.ZipFile(zipped, "w") as z:
        z.writestr("WhatsApp Chat with Ben.txt", "02/12/2026, 09:15 - Ben: PTT-20261202-WA0008.3gp (file attached)\n"
                                                 "02/12/2026, 09:16 - Ben: AUD-20261202-WA0009.mp4 (file attached)\n")
        z.writestr("PTT-20261202-WA0008.3gp", (MEDIA / "ro_voicenote.3gp").read_bytes()[:600])  # cut short
    [taken] = take_in(case, zipped)
    cells = [message_cell(e) for e in build_timeline(case, taken.exhibit_id).entries]
    assert cells[0].startswith("[Voice note PTT-20261202-WA0008.3gp (an MP4/MOV without its index")
    assert cells[1] == "[Voice note AUD-20261202-WA0009.mp4: MISSING from the export]"
    case.conn.execute("UPDATE chat_attachments SET kind = 'video'")  # as an older version stored them
    assert [e.attachment.kind for e in build_timeline(case, taken.exhibit_id).entries] == ["audio", "audio"]


def test_mark_uncertain_out_of_range_or_with_nothing_written_says_no_note(case, tmp_path, capsys):
    """The note was printed before the threshold was checked (`--mark-uncertain 1.5`: the note, then the
    range refused, exit 2) and when nothing was written (no translation to export: exit 1, and the note)."""
    from app.cli import main
    from app.core.types import Segment, Word
    from tests.test_record_of_interview import _finished_run

    _finished_run(case, (Segment(0, 1000, "at home.", words=(Word(0, 1000, " at home.", 0.2),)),))
    case.close()
    export = ["export", "--case", str(tmp_path / "case"), "--out", str(tmp_path / "out")]
    for bad in ("1.5", "0", "nan", "half"):
        with pytest.raises(SystemExit) as refused:
            main([*export, "--mark-uncertain", bad])
        err = capsys.readouterr().err
        assert refused.value.code == 2 and "probability above 0 and at most 1" in err and "note:" not in err
    assert main([*export, "--task", "translate", "--mark-uncertain", "0.5"]) == 1
    err = capsys.readouterr().err
    assert "no translate run" in err and "note:" not in err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
