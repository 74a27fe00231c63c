"""A note whose words were all withheld does not report its language as confident.

In a run of the whole shared media folder, the German voice note (read as Latin) came out
`[inaudible]` and reported "la 0.92" (Latin, from its own frames) in its JSON, the exhibits list
and the exports: a reader takes that for a sure language. Its full 30 s pass said Latin 50%.
A file with speech heard and no word kept now reports the lowest reading of its language, and a
warning "language uncertain: ... it was read as la 92% on its own frames, la 50% on a full 30 s
pass, ..." that the exhibits list repeats.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import numpy as np
import pytest

from tests.conftest import REPO


def piece(language, heard, text="", inaudible=False):
    from app.core.asr.packing import Piece
    from app.core.asr.speech import SpeechChunk
    from app.core.types import FLAG_INAUDIBLE, Segment

    audio = np.zeros(16000, np.float32)
    p = Piece(0, SpeechChunk(0, 1000, audio, ((0, 1000),)), audio, language=language, heard=list(heard))
    p.segments = [Segment(0, 1000, text, flags=(FLAG_INAUDIBLE,) if inaudible else ())]
    return p


def test_a_withheld_piece_lists_every_reading_and_reports_the_lowest():
    from app.core.asr.language_check import withheld_confidence, withheld_note

    readings = [("de", 0.61, "in its packed window"), ("la", 0.92, "on its own frames"),
                ("la", 0.50, "on a full 30 s pass")]
    pieces = [piece(("la", 0.92), readings, inaudible=True)]
    note = withheld_note(pieces)
    assert note == ("language uncertain: speech was heard but no words were kept; it was read as "
                    "la 92% on its own frames, de 61% in its packed window, la 50% on a full 30 s pass")
    assert withheld_confidence(pieces, "la", 0.92) == 0.50


def test_a_file_with_words_or_without_speech_has_no_such_note():
    from app.core.asr.language_check import withheld_note

    readings = [("la", 0.92, "on its own frames")]
    assert withheld_note([piece(("de", 0.9), readings, text="Guten Tag")]) is None
    assert withheld_note([piece(("la", 0.92), readings, inaudible=False)]) is None  # nothing heard


@pytest.mark.slow
def test_the_german_note_in_a_folder_run_says_its_language_is_uncertain(media_folder_run, tmp_path):
    from app.core.asr.batched import LANGUAGE_IN_DOUBT

    root, _ = media_folder_run
    german = json.loads((root / "out" / "de_voicenote.json").read_text(encoding="utf-8"))
    if any(s["text"].strip() for s in german["segments"]):
        pytest.skip(f"the German note kept words on this CPU: {german['language']}")
    warned = [w for w in german["warnings"] if w.startswith("language uncertain: ")]
    assert warned and warned[0].count("%") >= 2, german["warnings"]  # every reading, not one
    assert german["language_probability"] < LANGUAGE_IN_DOUBT, (german["language"], german["language_probability"])
    shutil.copytree(root / "case", tmp_path / "case")
    listed = subprocess.run([sys.executable, "-m", "app", "exhibits", "--case", str(tmp_path / "case")],
                            cwd=REPO, capture_output=True, text=True, timeout=300, check=False).stdout
    line = next(row for row in listed.splitlines() if "de_voicenote" in row)
    assert "language uncertain" in line and "it was read as" in line, listed
