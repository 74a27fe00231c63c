"""A stop asked while the speakers are found (Ctrl-C, pause, cancel) is heard within one model call
(issue #15/#13: a Ctrl-C during the diarisation of a long file waited for the whole search, about 6 s
on an hour, until the worker was killed), and leaves the run open: run again, it finishes with its
speakers. Real models, real audio; stops are set from what the code reports, never after a sleep."""

from __future__ import annotations

import threading

import pytest

from app.core.asr import load_engine
from app.core.asr.runs import FINDING_SPEAKERS, transcribe_exhibit
from app.core.diarize import engine as diar_engine
from app.core.diarize import pipeline
from app.core.diarize.pipeline import DiarisationStopped, find_turns, speaker_model_dir
from app.core.media import decode
from app.core.media.decode import probe
from app.core.options import TranscribeOptions
from app.core.store import Case
from tests.conftest import MEDIA

pytestmark = pytest.mark.slow

TINY = TranscribeOptions(model="tiny.en", threads=2, diarize="on")


class _Counting:
    """An ONNX session that counts its runs, and sets `stop` at the `at`-th."""

    def __init__(self, session, stop: threading.Event, at: int) -> None:
        self.session, self.stop, self.at, self.calls = session, stop, at, 0

    def run(self, *args, **kwargs):
        self.calls += 1
        if self.calls == self.at:
            self.stop.set()
        return self.session.run(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.session, name)


def test_a_stopped_speaker_search_makes_no_model_call_after_the_stop_and_no_clustering(
        tmp_path, models_dir, monkeypatch):
    """Before: the stop was read only between 30 s blocks read, and then the part read was still
    clustered: the 120 s buffer being embedded went on, call after call, and its clustering after it."""
    whisper = models_dir / "tiny.en"
    folder = speaker_model_dir(whisper)
    if folder is None:
        pytest.skip("no speaker model installed")
    wav = MEDIA / "interview_mono.wav"  # its voiceprints come in many batches (one per window length)
    embedder = diar_engine.load_embedder(folder, 2)
    stop = threading.Event()
    counting = _Counting(embedder._session, stop, at=2)  # in the first buffer's voiceprints
    monkeypatch.setattr(embedder, "_session", counting)
    clustered: list[int] = []
    real_finish = diar_engine.Collector.finish
    monkeypatch.setattr(diar_engine.Collector, "finish",
                        lambda self, *a, **k: clustered.append(1) or real_finish(self, *a, **k))
    with pytest.raises(DiarisationStopped):
        find_turns(probe(wav), TINY, whisper, folder, stop=stop)
    assert counting.calls == 2, f"{counting.calls - 2} voiceprint batches embedded after the stop"
    assert clustered == []


def test_a_run_stopped_while_its_speakers_are_found_stays_open_and_a_rerun_finishes_it(tmp_path, models_dir):
    """Before: the stop was not read once the words were decoded: the run waited for the speakers and
    was sealed (from the CLI: the worker was killed after 5 s, the run left open only by the kill)."""
    if speaker_model_dir(models_dir / "tiny.en") is None:
        pytest.skip("no speaker model installed")
    case = Case.open(tmp_path / "case")
    try:
        exhibit, _ = case.add_exhibit(probe(MEDIA / "interview_mono.wav"))
        engine = load_engine(TINY, models_dir)
        stages: list[str] = []
        stopped = transcribe_exhibit(case, engine, exhibit, TINY, on_stage=stages.append,
                                     should_stop=lambda: FINDING_SPEAKERS in stages)
        assert stages == [FINDING_SPEAKERS]
        assert stopped.stopped and case.run(stopped.run_id).status != "complete"
        words = [(s.start_ms, s.text) for s in case.segments(stopped.run_id)]
        assert words and all(s.speaker is None for s in case.segments(stopped.run_id))
        again = transcribe_exhibit(case, engine, exhibit, TINY)
        assert again.run_id == stopped.run_id and not again.stopped
        assert case.run(again.run_id).status == "complete"
        segments = case.segments(again.run_id)
        assert {s.speaker for s in segments} == {"Speaker 1", "Speaker 2"}
        assert " ".join(s.text for s in segments).split() == " ".join(t for _, t in words).split()
    finally:
        case.close()


def test_a_search_stopped_before_it_began_reads_no_block_and_ends_within_the_cancel_wait(models_dir, monkeypatch):
    """Review 2: a run whose file failed its first check cancels the search started beside it. The
    search went on: it imported scipy (not stoppable) and read and decoded a 30 s block of the changed
    file before it saw the stop, the worker on its next job. Now it opens nothing."""
    whisper = models_dir / "tiny.en"
    folder = speaker_model_dir(whisper)
    if folder is None:
        pytest.skip("no speaker model installed")
    read: list[int] = []
    real_blocks = decode.AudioReader.blocks

    def blocks(self):
        for block in real_blocks(self):
            read.append(len(block))
            yield block

    monkeypatch.setattr(decode.AudioReader, "blocks", blocks)
    begin = threading.Event()  # the search waits here, once lowered in priority, until its stop is set
    monkeypatch.setattr(pipeline, "_yield_to_decoding", begin.wait)
    search = pipeline.Background(probe(MEDIA / "interview_mono.wav"), TINY, whisper, folder)
    search.cancel(0)  # the stop set (the run failed its check); not waited for
    begin.set()
    search.cancel(pipeline.CANCEL_WAIT_S)
    assert not search._thread.is_alive()
    assert read == []
    with pytest.raises(DiarisationStopped):
        search.result()
