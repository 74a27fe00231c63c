"""Work that is not the model's, overlapped with work that is (issue #15: the hour's wall seconds with a core
idle). Asserted by the order of events, never by a clock: real models on real audio, the calls recorded."""

from __future__ import annotations

import pytest

from app.core.asr import load_engine, runs
from app.core.diarize.pipeline import speaker_model_dir
from app.core.errors import MediaError
from app.core.media.decode import probe
from app.core.options import TranscribeOptions
from app.core.store import Case
from tests.conftest import MEDIA

pytestmark = pytest.mark.slow

TINY = TranscribeOptions(model="tiny.en", threads=2, diarize="on")


def _recording(monkeypatch, events: list[str]) -> None:
    """Each speaker search started and each hash of the source checked, in `events`."""
    real_search, real_check = runs.start_background, runs.check_unchanged

    def search(*args, **kwargs):
        found = real_search(*args, **kwargs)
        events.append("search started" if found is not None else "no search")
        return found

    def check(source):
        events.append("source hashed")
        return real_check(source)

    monkeypatch.setattr(runs, "start_background", search)
    monkeypatch.setattr(runs, "check_unchanged", check)


def test_the_speakers_are_searched_while_the_recording_is_hashed_again(tmp_path, models_dir, monkeypatch):
    """Before: the run's first check of the file's bytes (a SHA-256 of the whole file: a 2 GB phone video is
    seconds on one core) ran before the speaker search started, the other core idle; the search now runs beside
    it. The file is still checked before any word is stored, and again after the last."""
    if speaker_model_dir(models_dir / "tiny.en") is None:
        pytest.skip("no speaker model installed")
    events: list[str] = []
    _recording(monkeypatch, events)
    case = Case.open(tmp_path / "case")
    try:
        exhibit, _ = case.add_exhibit(probe(MEDIA / "interview_mono.wav"))
        stored: list[int] = []
        done = runs.transcribe_exhibit(case, load_engine(TINY, models_dir), exhibit, TINY,
                                       on_progress=lambda _f, n: stored.append(len(events)))
        assert events[:3] == ["search started", "source hashed", "source hashed"], events
        assert stored and min(stored) >= 2  # the first stored words came after the first check
        assert case.run(done.run_id).status == "complete"
        assert {s.speaker for s in case.segments(done.run_id)} >= {"Speaker 1", "Speaker 2"}
    finally:
        case.close()


def test_a_recording_changed_since_intake_stores_no_words_and_its_search_is_stopped(tmp_path, models_dir,
                                                                                    monkeypatch):
    """The search started before the check is stopped when the check fails: no words stored, the run set aside."""
    if speaker_model_dir(models_dir / "tiny.en") is None:
        pytest.skip("no speaker model installed")
    copy = tmp_path / "note.wav"
    copy.write_bytes((MEDIA / "interview_mono.wav").read_bytes())
    case = Case.open(tmp_path / "case")
    cancelled: list[bool] = []
    real_search = runs.start_background

    def search(*args, **kwargs):
        found = real_search(*args, **kwargs)
        real_cancel = found.cancel
        found.cancel = lambda timeout=None: cancelled.append(True) or real_cancel(timeout)
        return found

    monkeypatch.setattr(runs, "start_background", search)
    try:
        exhibit, _ = case.add_exhibit(probe(copy))
        data = bytearray(copy.read_bytes())
        data[-1000] ^= 0xFF  # the same size and name, other bytes
        copy.write_bytes(bytes(data))
        engine = load_engine(TINY, models_dir)
        run_id = runs.run_for(case, engine, exhibit, TINY)
        with pytest.raises(MediaError, match="content changed"):
            runs.transcribe_exhibit(case, engine, exhibit, TINY, run_id=run_id)
        assert cancelled == [True]
        assert case.segment_count(run_id) == 0
        assert case.run(run_id).status != "complete"
    finally:
        case.close()


def test_a_recording_changed_after_its_last_check_gets_no_speakers_and_the_run_is_set_aside(tmp_path, models_dir,
                                                                                            monkeypatch):
    """Review 2: the search reads on after the run's last check of the file's bytes (it lags the decoder),
    and its turns were stored unchecked, sealed under the intake SHA-256. The file changed after that check
    (same size, other bytes) is now hashed again before any speaker is stored: none is, and the run is set
    aside with the reason, as a mismatch does for words."""
    if speaker_model_dir(models_dir / "tiny.en") is None:
        pytest.skip("no speaker model installed")
    copy = tmp_path / "note.wav"
    copy.write_bytes((MEDIA / "interview_mono.wav").read_bytes())
    real_check = runs.check_unchanged
    checks: list[int] = []

    def check_then_change(source):
        real_check(source)
        checks.append(1)
        if len(checks) == 2:  # the last check passed: the bytes change while the search may still read them
            data = bytearray(copy.read_bytes())
            data[-1000] ^= 0xFF
            copy.write_bytes(bytes(data))

    monkeypatch.setattr(runs, "check_unchanged", check_then_change)
    case = Case.open(tmp_path / "case")
    try:
        exhibit, _ = case.add_exhibit(probe(copy))
        engine = load_engine(TINY, models_dir)
        run_id = runs.run_for(case, engine, exhibit, TINY)
        with pytest.raises(MediaError, match="content changed"):
            runs.transcribe_exhibit(case, engine, exhibit, TINY, run_id=run_id)
        assert len(checks) == 2  # the third hash, after the search, failed
        assert case.segment_count(run_id) > 0  # the words, checked, are kept
        assert all(s.speaker is None for s in case.segments(run_id))
        assert case.run(run_id).status != "complete"
        assert runs.run_for(case, engine, exhibit, TINY) != run_id  # set aside: never resumed
    finally:
        case.close()
