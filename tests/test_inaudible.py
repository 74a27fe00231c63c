"""[inaudible hh:mm:ss] where speech was heard but no words recognised, and an honest exhibit status.

Two real runs of the CLI: the whole shared media folder (as a user would run it), and
a clip of real read speech (FLEURS) whose middle sentence is played backwards: speech
to the VAD, no words to Whisper.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import numpy as np
import pytest
import soundfile

from tests.conftest import REPO, SHARED

pytestmark = pytest.mark.slow
SPEECH = SHARED / "eval" / "speech"


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "app", *args], cwd=REPO, capture_output=True, check=False,
                          text=True, timeout=900)


@pytest.fixture(scope="module")
def media_run(media_folder_run):
    """The whole shared media folder transcribed (base, 2 threads): the session's run (conftest)."""
    root, result = media_folder_run
    assert "Traceback" not in result.stderr
    return root


@pytest.fixture(scope="module")
def clip_run(tmp_path_factory, models_dir):
    """First sentence, 2 s silence, the second sentence reversed (7.04-11.84 s), 2 s silence,
    the third sentence, 2 s silence, then 0.5 s of the first sentence reversed (a blip)."""
    from app.core.media.decode import read_all

    root = tmp_path_factory.mktemp("clip")
    a, b, c = (read_all(SPEECH / n)[0] for n in ("SONAR__audio_1.wav", "SONAR__audio_2.wav",
                                                 "coqui-STT__LDC93S1.wav"))
    gap = np.zeros(32000, np.float32)
    blip = a[24000:32000][::-1]  # 0.5 s from the middle of a word stream
    (root / "evidence").mkdir()
    clip = root / "evidence" / "garbled.wav"
    soundfile.write(clip, np.concatenate([a, gap, b[::-1], gap, c, gap, blip, gap]), 16000)
    result = run_cli("transcribe", str(clip), "--out", str(root / "out"), "--case",
                     str(root / "case"), "--format", "json,txt,srt,vtt,docx,pdf", "--language", "en",
                     "--threads", "2")
    assert result.returncode == 0, result.stderr
    return root


def segments(folder, name: str) -> list[dict]:
    return json.loads((folder / "out" / f"{name}.json").read_text())["segments"]


def test_unreadable_speech_is_marked_inaudible_at_its_time(clip_run):
    found = segments(clip_run, "garbled")
    marked = [s for s in found if s.get("inaudible")]
    assert len(marked) == 1, found  # the reversed sentence; not the 0.5 s blip
    mark = marked[0]
    assert mark["text"] == "" and mark["words"] == [] and "inaudible" in mark["flags"]
    assert 7.0 <= mark["start"] <= 9.0 and mark["end"] <= 12.0
    said = " ".join(s["text"] for s in found).lower()
    assert "smoke" in said and "suit" in said  # the sentences either side keep their words
    marker = f"[inaudible 00:00:{int(mark['start']):02d}]"
    txt = (clip_run / "out" / "garbled.txt").read_text()
    assert sum(marker in line for line in txt.splitlines()) == 1
    for fmt in ("srt", "vtt"):
        assert marker in (clip_run / "out" / f"garbled.{fmt}").read_text()


def test_record_of_interview_shows_the_marker(clip_run):
    import docx
    from pypdf import PdfReader

    mark = next(s for s in segments(clip_run, "garbled") if s.get("inaudible"))
    marker = f"[inaudible 00:00:{int(mark['start']):02d}]"
    pdf = "\n".join(p.extract_text() for p in PdfReader(clip_run / "out" / "garbled.pdf").pages)
    assert marker in pdf
    doc = docx.Document(clip_run / "out" / "garbled.docx")
    assert any(marker in p.text for p in doc.paragraphs)


def test_shared_media_still_give_what_the_manifest_says(media_run, manifest):
    out = media_run / "out"
    for name in ("noise_10s", "silence_30s"):  # no speech: an honest empty result, no markers
        data = json.loads((out / f"{name}.json").read_text())
        assert data["segments"] == [] and "no speech found: the transcript is empty" in data["warnings"]
    for stem in ("en_voicenote.opus", "en_voicenote.m4a", "interview_mono", "interview_stereo", "interview",
                 "es_voicenote", "pl_voicenote"):
        found = segments(media_run, stem)
        assert found and all(s["text"] and not s.get("inaudible") for s in found), stem


def test_speech_in_a_wrongly_detected_language_is_inaudible_not_empty(media_run):
    data = json.loads((media_run / "out" / "de_voicenote.json").read_text())
    assert data["language"] != "de"  # misdetected (Latin), as the manifest warns
    assert data["segments"] and all(s.get("inaudible") and s["text"] == "" for s in data["segments"])
    assert data["segments"][0]["start"] < 0.5 and data["segments"][-1]["end"] > 5.0
    assert "[inaudible 00:00:00]" in (media_run / "out" / "de_voicenote.txt").read_text()
    assert any("no words were recognised" in w for w in data["warnings"])


def test_exhibit_status_is_language_uncertain_for_speech_and_no_speech_for_noise(media_run):
    pytest.importorskip("PySide6")
    from app.core.store import Case
    from app.core.store.views import latest_speech_run, latest_speech_runs
    from app.gui.exhibits_view import run_status

    case = Case.open(media_run / "case")
    try:
        status = {}
        for exhibit in case.exhibits():
            status[exhibit.source.name] = run_status(case, exhibit, latest_speech_run(case, exhibit.id))
        every = latest_speech_runs(case)  # the window's one query gives each exhibit's the same
        assert every == {e.id: latest_speech_run(case, e.id) for e in case.exhibits() if e.id in every}
        assert any(run.inaudible_ms > 0 for run in every.values()) and len(every) == len(status)
    finally:
        case.close()
    assert status["de_voicenote.opus"][0] == "language uncertain"
    assert "no words recognised" in status["de_voicenote.opus"][1]
    assert status["noise_10s.wav"][0] == "no speech found"
    assert status["silence_30s.wav"][0] == "no speech found"
    assert status["en_voicenote.opus"][0] == "done" and status["interview_mono.wav"][0] == "done"


def test_typing_into_an_inaudible_segment_makes_it_text(media_run, tmp_path, qapp):
    from PySide6.QtCore import Qt

    from app.core.editing import operations as editing
    from app.core.export import get_exporter
    from app.core.store import Case
    from app.gui.editor_model import TEXT_COL, EditSession, SegmentModel

    shutil.copytree(media_run / "case", tmp_path / "case")
    case = Case.open(tmp_path / "case")
    try:
        exhibit = case.find_exhibit("de_voicenote.opus")
        run_id = case.latest_run(exhibit.id)
        session = EditSession(case, lambda: "DC Tester")
        session.set_run(run_id)
        model = SegmentModel(session)
        model.reload()
        cell = model.index(0, TEXT_COL)
        assert cell.data() == "[inaudible 00:00:00]" and cell.data(Qt.ItemDataRole.EditRole) == ""
        assert cell.data(Qt.ItemDataRole.FontRole).italic()
        assert model.setData(cell, "Wir treffen uns morgen um acht Uhr")
        seg = editing.current_segments(case, run_id)[0]
        assert seg.text == "Wir treffen uns morgen um acht Uhr" and not seg.inaudible and "inaudible" not in seg.flags
        assert model.index(0, TEXT_COL).data() == "Wir treffen uns morgen um acht Uhr"
        txt = get_exporter("txt").render(editing.current_transcript(case, run_id)).decode()
        assert "Wir treffen uns" in txt and "[inaudible" not in txt
    finally:
        case.close()
