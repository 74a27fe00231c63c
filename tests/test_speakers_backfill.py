"""Voiceprints computed later, on real voices (shared/eval/diar): a run diarised before voiceprints
were kept gets one per speaker from its own segments, and with it the suggestions a newer run
gets (the right person, never a wrong voice); a run whose speakers the proofreader split gets
fresh ones for the speakers changed, kept by what they were made from (an undo or a rename
finds them again); each computation is audited with the model's SHA-256; the CLI does it too."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from app.core.asr.runs import _diarise
from app.core.diarize.pipeline import diarise_segments
from app.core.diarize.profiles import MATCH_THRESHOLD, match
from app.core.editing import operations as editing
from app.core.editing.speaker_edits import split_speaker
from app.core.evidence.provenance import software_info
from app.core.media.intake import find_media
from app.core.options import TranscribeOptions
from app.core.store import Case
from app.core.store.speakers import profiles, run_voiceprints
from app.core.types import ModelInfo
from app.core.usecases import speakers as usecase
from app.core.usecases import voiceprints
from tests.conftest import MODELS
from tests.test_cli import run_cli
from tests.test_speakers import DIAR, label_of, segments_of, turn_segments

SPEAKER_SHA = None if not (MODELS / "speaker-campplus" / "parley-model.json").is_file() else json.loads(
    (MODELS / "speaker-campplus" / "parley-model.json").read_text())["files"]["campplus.onnx"]


def add_run(case: Case, name: str, suffix: str = "wav", keep_voiceprints: bool = True) -> int:
    """A finished run of a conversation, its speakers found by the pipeline's own step; without
    `keep_voiceprints`, as a run diarised before voiceprints were kept (migration 011)."""
    found = next(iter(find_media([str(DIAR / f"{name}.{suffix}")])))
    exhibit = case.add_exhibit(found.source, found_at=found.path)[0]
    run = case.start_run(exhibit.id, "transcribe", ModelInfo("base", str(MODELS / "base"), "00" * 32),
                         {"model": "base"}, software_info())
    case.append_segments(run, turn_segments(name), {}, "en", 0.99)
    options = TranscribeOptions(diarize="on")
    if keep_voiceprints:
        engine = SimpleNamespace(info=SimpleNamespace(path=str(MODELS / "base")))
        _diarise(case, engine, exhibit, run, options)  # type: ignore[arg-type]
    else:
        diarised = diarise_segments(exhibit.source, case.segments(run), options, MODELS / "base")
        assert diarised is not None
        case.replace_segments(run, diarised.segments, {"speakers": diarised.result.speakers,
                                                       "model_sha256": diarised.result.model_sha256})
    case.finish_run(run)
    return run


def enrol_from(case: Case, run: int) -> None:
    """Linda Johnson and George Bush enrolled from their first three turns in `run` (two_lj_bush)."""
    for who, person in (("lj", "Linda Johnson"), ("bush", "George Bush")):
        usecase.enrol_segments(case, run, segments_of(case, run, "two_lj_bush", who), person)


@pytest.fixture(scope="module")
def built(backfill_case) -> Path:
    """1 two_lj_bush with voiceprints, Linda Johnson and George Bush enrolled from it; 2 three_lj_bush_osr
    and 3 two_reader1272_austen as old runs (no voiceprints); 4 three_lj_bush_osr.opus with voiceprints:
    the session's case (conftest; test_gui_speakers_backfill too)."""
    return backfill_case


@pytest.fixture()
def case(built, tmp_path):
    shutil.copytree(built, tmp_path / "case")
    opened = Case.open(tmp_path / "case")
    yield opened
    opened.close()


def run_of(case: Case, exhibit: int) -> int:
    run = case.latest_run(exhibit, "transcribe")
    assert run is not None
    return run


def computed(case: Case, run: int) -> list:
    return [e for e in case.audit.entries(f"run/{run}") if e.action == "speaker.voiceprints_computed"]


def test_an_old_run_gets_voiceprints_from_its_segments_and_the_right_suggestions(case):
    three = run_of(case, 2)
    assert run_voiceprints(case, three) == ("", {})
    assert usecase.suggestions(case, three) == []  # suggestions only read: nothing kept yet
    plan = voiceprints.plan_voiceprints(case, three)
    assert plan is not None and plan.reason == "no voiceprints kept with the run"
    assert [s.label for s in plan.speakers] == editing.speakers(case, three) == ["Speaker 1", "Speaker 2", "Speaker 3"]
    voices, model_sha = voiceprints.compute_voiceprints(plan)  # no store: a thread may run it
    assert model_sha == SPEAKER_SHA and set(voices) == {"Speaker 1", "Speaker 2", "Speaker 3"}
    assert all(abs(float(np.linalg.norm(v)) - 1) < 1e-4 and n >= 3 for v, n in voices.values())
    voiceprints.save_voiceprints(case, plan, voices, model_sha, actor="DC Test")

    offers = {s.speaker: s for s in usecase.suggestions(case, three)}
    lj, bush, osr = (label_of(case, three, "three_lj_bush_osr", w) for w in ("lj", "bush", "osr"))
    assert offers[lj].profile == "Linda Johnson" and offers[lj].score >= MATCH_THRESHOLD
    assert offers[bush].profile == "George Bush" and offers[bush].score >= MATCH_THRESHOLD
    assert osr not in offers  # a third voice is offered no one
    assert editing.speakers(case, three) == ["Speaker 1", "Speaker 2", "Speaker 3"]  # offered, not applied

    [entry] = computed(case, three)
    assert entry.actor == "DC Test" and entry.details["model_sha256"] == SPEAKER_SHA
    assert entry.details["sha256"] == case.exhibit(2).source.sha256
    assert set(entry.details["speakers"]) == set(voices)
    assert voiceprints.plan_voiceprints(case, three) is None  # kept: not computed again
    assert run_voiceprints(case, three) == ("", {})  # the diarisation's own record is untouched
    assert case.audit.verify() == []


def test_an_old_run_of_other_voices_is_offered_no_one(case):
    austen = run_of(case, 3)
    plan = voiceprints.fill_voiceprints(case, austen)
    assert plan is not None and len(computed(case, austen)) == 1
    known = profiles(case, SPEAKER_SHA)
    now = voiceprints.voices_now(case, austen, SPEAKER_SHA)
    assert len(now.voices) == 2 and not now.missing
    assert max(match(p, v) for p in known.values() for v in now.voices.values()) < MATCH_THRESHOLD
    assert usecase.suggestions(case, austen) == []


def test_speakers_split_by_the_proofreader_get_fresh_voiceprints_and_keep_them(case):
    run = run_of(case, 4)
    lj, bush = (label_of(case, run, "three_lj_bush_osr", w) for w in ("lj", "bush"))
    assert voiceprints.plan_voiceprints(case, run) is None  # the diarisation's voiceprints fit
    before = {s.profile: s for s in usecase.suggestions(case, run)}
    assert before["Linda Johnson"].speaker == lj and before["George Bush"].speaker == bush

    lj_ids = [i for i, s in zip(editing.segment_ids(case, run), editing.current_segments(case, run))
              if s.speaker == lj]
    split = split_speaker(case, run, lj_ids[3:], "Speaker 4", actor="DC Test")
    assert [s.profile for s in usecase.suggestions(case, run)] == ["George Bush"]  # lj's no longer fits
    plan = voiceprints.fill_voiceprints(case, run, actor="DC Test")
    assert plan is not None and plan.reason == "speakers edited since the voiceprints were kept"
    assert sorted(s.label for s in plan.speakers) == sorted([lj, "Speaker 4"])  # bush's still fits
    offers = {s.profile: s for s in usecase.suggestions(case, run)}
    assert offers["Linda Johnson"].speaker in (lj, "Speaker 4") and offers["Linda Johnson"].score >= MATCH_THRESHOLD
    assert offers["George Bush"].speaker == bush and offers["George Bush"].score == before["George Bush"].score
    assert computed(case, run)[-1].details["revision"] == split.revision_id

    editing.undo(case, split.revision_id)  # back to the diarisation's speakers: nothing to compute
    assert voiceprints.plan_voiceprints(case, run) is None
    assert {s.profile: s for s in usecase.suggestions(case, run)} == before
    editing.redo(case, split.revision_id)  # the split again: its voiceprints are kept
    assert voiceprints.plan_voiceprints(case, run) is None
    editing.rename_speaker(case, run, bush, "Speaker 7")  # same segments, another label
    assert voiceprints.plan_voiceprints(case, run) is None
    assert {s.speaker for s in usecase.suggestions(case, run) if s.profile == "George Bush"} == {"Speaker 7"}
    assert len(computed(case, run)) == 1
    assert case.audit.verify() == []


def test_cli_suggest_computes_what_an_old_run_lacks(built, tmp_path):
    shutil.copytree(built, tmp_path / "case")
    case_dir = str(tmp_path / "case")
    case = Case.open(tmp_path / "case")
    lj = label_of(case, run_of(case, 2), "three_lj_bush_osr", "lj")
    case.close()
    suggest = run_cli("speakers", "suggest", "--case", case_dir, "--exhibit", "three_lj_bush_osr.wav")
    assert suggest.returncode == 0, suggest.stderr
    assert suggest.stderr.startswith("computing voiceprints of Speaker 1, Speaker 2, Speaker 3 (no voiceprints")
    lines = dict(line.split(" -> ") for line in suggest.stdout.strip().splitlines())
    assert lines[lj].startswith("Linda Johnson, ") and float(lines[lj].rsplit(" ", 1)[1]) >= MATCH_THRESHOLD
    assert len(lines) == 2
    again = run_cli("speakers", "confirm", "--case", case_dir, "--exhibit", "2", "--speaker", lj, "--by", "DC Test")
    assert again.returncode == 0 and "renamed Linda Johnson" in again.stdout and again.stderr == ""
    none = run_cli("speakers", "suggest", "--case", case_dir, "--exhibit", "two_reader1272_austen.wav")
    assert none.returncode == 0 and none.stdout.startswith("no suggestion")
