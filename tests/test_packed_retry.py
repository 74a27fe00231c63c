"""A voice note that shares its decode window with other files' speech and comes out with no
words where speech was heard is decoded again alone. A user's phone folder taken in in another
order (the window's drop, WhatsApp's notes first) packed the Polish note after an English and
a Spanish one: "[inaudible 00:00:00] [inaudible 00:00:03]", where the command line's order gave
its words. A note whose language is in doubt (the French read as Thai) stays inaudible."""

from __future__ import annotations

import json
import shutil

import pytest

from tests.conftest import MEDIA
from tests.test_cli import run_cli

pytestmark = pytest.mark.slow

# the user's folder, in the order the window took it in: the Polish note third of six
PHONE = (("a/PTT-20240312-WA0001.opus", "en_voicenote.opus"), ("a/PTT-20240312-WA0002.opus", "es_voicenote.ogg"),
         ("a/PTT-20240313-WA0003.opus", "pl_voicenote.opus"), ("b/VID-20240313.mp4", "interview.mp4"),
         ("b/note.m4a", "fr_voicenote.m4a"), ("b/rec1.amr", "en_voicenote.amr"))


def test_a_packed_note_heard_without_words_is_decoded_again_alone(tmp_path, models_dir):
    evidence = tmp_path / "phone"
    for name, shared in PHONE:
        (evidence / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(MEDIA / shared, evidence / name)
    out = tmp_path / "out"
    done = run_cli("transcribe", str(evidence), "--out", str(out), "--case", str(tmp_path / "case"),
                   "--model", "base", "--format", "json", "--diarize", "off")
    assert done.returncode == 0, done.stderr
    polish = json.loads((out / "PTT-20240313-WA0003.json").read_text(encoding="utf-8"))
    assert polish["language"] == "pl" and polish["settings"]["batch"] is True
    words = " ".join(s["text"] for s in polish["segments"]).lower()
    assert not any(s.get("inaudible") for s in polish["segments"]), polish["segments"]
    assert "się" in words and "komu" in words, words  # "Spotkajmy się jutro ... i nikomu nic nie mów."
    french = json.loads((out / "note.json").read_text(encoding="utf-8"))
    assert french["language"] != "fr" and all(s["text"] == "" for s in french["segments"])  # in doubt: no words


def test_a_note_read_again_alone_reads_as_the_note_alone_whatever_it_was_packed_with(base_engine, manifest):
    """The Polish note packed after the Romanian one (Polish 33% in its window, 89% on its own audio) came out as
    silence and was read again alone, but kept its packed place, 9 s into an empty window: silence again (-1.53),
    "[inaudible]" twice, where the note alone reads at -0.72. Read again from the window's start, it is the same
    reading as the note alone, whatever shared its first window."""
    from app.core.asr import BatchOptions, transcribe_clips
    from app.core.media.decode import probe
    from app.core.options import TranscribeOptions

    opts = TranscribeOptions(model="base", threads=2)
    notes = [probe(MEDIA / name) for name in ("ro_voicenote.3gp", "pl_voicenote.opus", "es_voicenote.ogg")]
    [alone] = transcribe_clips(base_engine, notes[1:2], opts, BatchOptions())
    packed = {r.source.name: r for r in transcribe_clips(base_engine, notes, opts, BatchOptions())}
    polish = packed["pl_voicenote.opus"]
    assert [s.text for s in polish.segments] == [s.text for s in alone.segments], polish.segments
    assert (polish.language, round(polish.language_probability, 2)) == (alone.language, round(alone.language_probability, 2))
    assert "komu" in " ".join(s.text for s in polish.segments)
