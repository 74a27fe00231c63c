"""Speakers known across a case, on real voices (shared/eval/diar): a diarised run keeps its
speakers' voiceprints; a voice enrolled from marked segments of one conversation is offered
for the same person in another, never for a different person; confirming renames (undoable),
dismissing is remembered; merge and split speakers; the CLI."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from app.core.asr.runs import _diarise
from app.core.diarize.engine import DiarizeError
from app.core.diarize.profiles import MATCH_THRESHOLD
from app.core.editing import operations as editing
from app.core.editing.speaker_edits import merge_speakers, split_speaker
from app.core.evidence.provenance import software_info
from app.core.media.intake import find_media
from app.core.options import TranscribeOptions
from app.core.store import Case
from app.core.store.speakers import profile_list, run_voiceprints
from app.core.types import ModelInfo, Segment
from app.core.usecases import speakers as usecase
from tests.conftest import MODELS, SHARED
from tests.test_cli import run_cli

DIAR = SHARED / "eval" / "diar"
CONVERSATIONS = {c["name"]: c for c in json.loads((DIAR / "diar.json").read_text())["conversations"]}
NAMES = ("two_lj_bush", "three_lj_bush_osr", "two_reader1272_austen")


def turn_segments(name: str) -> tuple[Segment, ...]:
    """The reference turns as a transcript's segments (text where the source has one)."""
    return tuple(Segment(int(t["start"] * 1000), int(t["end"] * 1000), t["text"] or f"({t['speaker']})")
                 for t in CONVERSATIONS[name]["turns"])


def diarised_run(case: Case, name: str) -> int:
    """A finished run of a conversation's WAV whose speakers were found by the pipeline's own step."""
    found = next(iter(find_media([str(DIAR / f"{name}.wav")])))
    exhibit = case.add_exhibit(found.source, found_at=found.path)[0]
    run = case.start_run(exhibit.id, "transcribe", ModelInfo("base", str(MODELS / "base"), "00" * 32),
                         {"model": "base"}, software_info())
    case.append_segments(run, turn_segments(name), {}, "en", 0.99)
    engine = SimpleNamespace(info=SimpleNamespace(path=str(MODELS / "base")))
    _diarise(case, engine, exhibit, run, TranscribeOptions(diarize="on"))  # type: ignore[arg-type]
    case.finish_run(run)
    return run


def label_of(case: Case, run: int, name: str, who: str) -> str:
    """The label the diarisation gave most of a reference speaker's turns."""
    truth = [t["speaker"] for t in CONVERSATIONS[name]["turns"]]
    labels = [s.speaker for s in editing.current_segments(case, run)]
    assert len(labels) == len(truth)  # segments without words are never split
    return Counter(label for label, w in zip(labels, truth) if w == who).most_common(1)[0][0]


def segments_of(case: Case, run: int, name: str, who: str, count: int = 3) -> list[int]:
    truth = [t["speaker"] for t in CONVERSATIONS[name]["turns"]]
    ids = editing.segment_ids(case, run)
    return [i for i, w in zip(ids, truth) if w == who][:count]


@pytest.fixture(scope="module")
def built(diarised_case) -> Path:
    """The NAMES conversations diarised in one case: the session's (conftest; test_gui_speakers too)."""
    return diarised_case


@pytest.fixture()
def known(built, tmp_path):
    """A copy of the built case, and its runs by conversation name."""
    shutil.copytree(built, tmp_path / "case")
    case = Case.open(tmp_path / "case")
    runs = {name: case.latest_run(i + 1, "transcribe") for i, name in enumerate(NAMES)}
    yield case, runs
    case.close()


def test_a_diarised_run_keeps_each_speakers_voiceprint(known):
    case, runs = known
    run = runs["three_lj_bush_osr"]
    model_sha, voices = run_voiceprints(case, run)
    assert set(voices) == set(editing.speakers(case, run)) == {"Speaker 1", "Speaker 2", "Speaker 3"}
    assert model_sha == json.loads((MODELS / "speaker-campplus" / "parley-model.json").read_text()
                                   )["files"]["campplus.onnx"]
    assert all(abs(float(np.linalg.norm(v)) - 1) < 1e-4 for v in voices.values())
    entry = next(e for e in case.audit.entries(f"run/{run}") if e.action == "run.diarised")
    assert set(entry.details["voiceprints"]) == set(voices)


def test_a_voice_enrolled_in_one_conversation_is_offered_in_another_and_not_for_others(known):
    case, runs = known
    first = runs["two_lj_bush"]
    for who, person in (("lj", "Linda Johnson"), ("bush", "George Bush")):
        profile_id, plan = usecase.enrol_segments(case, first, segments_of(case, first, "two_lj_bush", who),
                                                  person, actor="DC Test")
        assert plan.speech_s > 10 and profile_id > 0
    enrolled = [e for e in case.audit.entries() if e.action == "speaker.enrol"]
    assert [e.actor for e in enrolled] == ["DC Test", "DC Test"]
    assert enrolled[0].details["source"]["exhibit"] == 1
    assert [p["name"] for p in profile_list(case)] == ["George Bush", "Linda Johnson"]

    three = runs["three_lj_bush_osr"]
    offers = {s.speaker: s for s in usecase.suggestions(case, three)}
    lj, bush, osr = (label_of(case, three, "three_lj_bush_osr", w) for w in ("lj", "bush", "osr"))
    assert offers[lj].profile == "Linda Johnson" and offers[lj].score >= MATCH_THRESHOLD
    assert offers[bush].profile == "George Bush" and offers[bush].score >= MATCH_THRESHOLD
    assert osr not in offers
    assert usecase.suggestions(case, runs["two_reader1272_austen"]) == []  # neither voice is there
    assert editing.speakers(case, three) == ["Speaker 1", "Speaker 2", "Speaker 3"]  # offered, not applied


def test_confirm_renames_undoably_and_dismiss_is_remembered(known):
    case, runs = known
    first, three = runs["two_lj_bush"], runs["three_lj_bush_osr"]
    usecase.enrol_segments(case, first, segments_of(case, first, "two_lj_bush", "lj"), "Linda Johnson")
    usecase.enrol_segments(case, first, segments_of(case, first, "two_lj_bush", "bush"), "George Bush")
    by_profile = {s.profile: s for s in usecase.suggestions(case, three)}
    change = usecase.confirm(case, three, by_profile["Linda Johnson"], actor="DC Test")
    assert "Linda Johnson" in editing.speakers(case, three)
    assert editing.history(case, three)[-1].op == "rename_speaker"
    assert case.audit.entries(f"run/{three}")[-1].action == "speaker.suggestion_confirmed"
    assert [s.profile for s in usecase.suggestions(case, three)] == ["George Bush"]
    editing.undo(case, change.revision_id)
    assert by_profile["Linda Johnson"].speaker in editing.speakers(case, three)
    usecase.dismiss(case, three, by_profile["George Bush"], actor="DC Test")
    assert [s.profile for s in usecase.suggestions(case, three)] == ["Linda Johnson"]
    assert case.audit.verify() == []


def test_too_little_marked_speech_is_a_clear_error(known):
    case, runs = known
    run = runs["two_lj_bush"]
    short = min(editing.current_segments(case, run), key=lambda s: s.end_ms - s.start_ms)
    with pytest.raises(DiarizeError, match="at least 3 s"):
        usecase.enrol_segments(case, run, [short.id], "Nobody")
    assert profile_list(case) == []


def test_merge_and_split_speakers_are_undoable_revisions(known):
    case, runs = known
    run = runs["three_lj_bush_osr"]
    before = editing.current_segments(case, run)
    change = merge_speakers(case, run, "Speaker 3", "Speaker 1", actor="DC Test")
    assert editing.speakers(case, run) == ["Speaker 1", "Speaker 2"]
    assert editing.history(case, run)[-1].op == "merge_speakers"
    editing.undo(case, change.revision_id)
    assert [s.speaker for s in editing.current_segments(case, run)] == [s.speaker for s in before]
    ids = [i for i, s in zip(editing.segment_ids(case, run), editing.current_segments(case, run))
           if s.speaker == "Speaker 2"][:2]
    split = split_speaker(case, run, ids, actor="DC Test")
    assert [editing.get_segment(case, run, i).speaker for i in ids] == ["Speaker 4", "Speaker 4"]
    assert sum(s.speaker == "Speaker 2" for s in editing.current_segments(case, run)) > 0
    editing.undo(case, split.revision_id)
    assert "Speaker 4" not in editing.speakers(case, run)
    with pytest.raises(editing.EditError, match="one speaker"):
        split_speaker(case, run, [editing.segment_ids(case, run)[0], *ids])
    with pytest.raises(editing.EditError, match="not a speaker"):
        merge_speakers(case, run, "Nobody", "Speaker 1")


def test_cli_enrol_suggest_confirm_list(built, tmp_path):
    shutil.copytree(built, tmp_path / "case")
    case_dir = str(tmp_path / "case")
    case = Case.open(tmp_path / "case")
    run = case.latest_run(1, "transcribe")
    truth = [t["speaker"] for t in CONVERSATIONS["two_lj_bush"]["turns"]]
    numbers = ",".join(str(n) for n, w in enumerate(truth, 1) if w == "lj")
    lj = label_of(case, case.latest_run(2, "transcribe"), "three_lj_bush_osr", "lj")
    case.close()
    listing = run_cli("speakers", "segments", "--case", case_dir, "--exhibit", "1")
    assert listing.returncode == 0 and listing.stdout.splitlines()[0].lstrip().startswith("1  00:00.8")
    enrol = run_cli("speakers", "enrol", "--case", case_dir, "--exhibit", "two_lj_bush.wav",
                    "--segments", numbers, "--name", "Linda Johnson", "--by", "DC Test")
    assert enrol.returncode == 0, enrol.stderr
    assert enrol.stdout.startswith(f"enrolled 'Linda Johnson' (profile 1) from {truth.count('lj')} segment(s)")
    suggest = run_cli("speakers", "suggest", "--case", case_dir, "--exhibit", "2")
    assert suggest.returncode == 0, suggest.stderr
    line = suggest.stdout.strip()
    assert line.startswith(f"{lj} -> Linda Johnson, ") and float(line.rsplit(" ", 1)[1]) >= MATCH_THRESHOLD
    none = run_cli("speakers", "suggest", "--case", case_dir, "--exhibit", "3")
    assert none.stdout.startswith("no suggestion")
    confirm = run_cli("speakers", "confirm", "--case", case_dir, "--exhibit", "2", "--speaker", lj)
    assert confirm.returncode == 0 and "renamed Linda Johnson" in confirm.stdout, confirm.stderr
    assert run_cli("speakers", "list", "--case", case_dir).stdout.split()[:3] == ["1", "Linda", "Johnson"]
    case = Case.open(tmp_path / "case")
    assert "Linda Johnson" in editing.speakers(case, case.latest_run(2, "transcribe"))
    assert run != case.latest_run(2, "transcribe")
    case.close()
    bad = run_cli("speakers", "enrol", "--case", case_dir, "--exhibit", "1", "--segments", "3,x", "--name", "A")
    assert bad.returncode == 1 and bad.stderr.count("\n") == 1 and "segment numbers" in bad.stderr
    missing = run_cli("speakers", "enrol", "--case", case_dir, "--exhibit", "1", "--segments", "999", "--name", "A")
    assert missing.returncode == 1 and "no segment 999" in missing.stderr
    again = run_cli("speakers", "enrol", "--case", case_dir, "--exhibit", "1", "--segments", numbers + ",2",
                    "--name", "Linda Johnson")  # the name taken by a voice from other segments
    assert again.returncode == 1 and "already exists" in again.stderr and "Traceback" not in again.stderr


def test_speaker_names_carry_into_every_export(known, tmp_path):
    from docx import Document
    from pypdf import PdfReader

    from app.core.usecases.exporting import export_run

    case, runs = known
    first, three = runs["two_lj_bush"], runs["three_lj_bush_osr"]
    usecase.enrol_segments(case, first, segments_of(case, first, "two_lj_bush", "lj"), "Linda Johnson")
    offer = next(s for s in usecase.suggestions(case, three) if s.profile == "Linda Johnson")
    usecase.confirm(case, three, offer)
    osr = label_of(case, three, "three_lj_bush_osr", "osr")
    merge_speakers(case, three, osr, "Linda Johnson")  # a deliberate mistake, to see it carried
    export_run(case, three, tmp_path / "out", ["json", "txt", "srt", "vtt", "docx", "pdf"])
    out = tmp_path / "out"
    data = json.loads((out / "three_lj_bush_osr.json").read_text())
    named = {s["speaker"] for s in data["segments"]}
    assert "Linda Johnson" in named and offer.speaker not in named and osr not in named
    for suffix in ("txt", "srt", "vtt"):
        text = (out / f"three_lj_bush_osr.{suffix}").read_text()
        assert "Linda Johnson" in text and f"{offer.speaker}:" not in text, suffix
    document = Document(str(out / "three_lj_bush_osr.docx"))
    docx_text = "\n".join(p.text for p in document.paragraphs)
    docx_text += "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    pdf_text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(str(out / "three_lj_bush_osr.pdf")).pages)
    assert "Linda Johnson" in docx_text and offer.speaker not in docx_text
    # the PDF's speaker column is as wide as the longest name: it once wrapped onto the next numbered line
    assert "Linda Johnson" in pdf_text and offer.speaker not in pdf_text
