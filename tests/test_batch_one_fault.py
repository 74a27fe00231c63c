"""A short file whose decoding raises an unexpected error (a CAF whose chunk size pointed past any file
crashed in a raw OSError) failed its whole batch: the worker failed every file of it as an unexpected
error and retried its good files to their third attempt. That file alone fails, in one line; its
batch-mates are transcribed once."""

from __future__ import annotations

import pytest

from tests.conftest import MEDIA

pytestmark = pytest.mark.slow


def test_one_file_that_raises_in_decoding_fails_alone_and_its_batch_is_transcribed(models_dir, monkeypatch):
    """tiny.en (the English notes are the ones transcribed): base took 10 s for the same check."""
    from app.core.asr import BatchOptions, clips, load_engine, transcribe_clips
    from app.core.media.decode import probe
    from app.core.options import TranscribeOptions

    notes = [probe(MEDIA / name) for name in ("en_voicenote.opus", "es_voicenote.ogg", "en_voicenote.amr")]
    faulty = notes[1].path
    real_read_all = clips.read_all

    def read_all(path, **kwargs):  # the fault a file brings (an OSError past a seek ffmpeg let through)
        if path == faulty:
            raise OSError(22, "Invalid argument")
        return real_read_all(path, **kwargs)

    monkeypatch.setattr(clips, "read_all", read_all)
    options = TranscribeOptions(model="tiny.en", threads=2)
    results = {r.source.path: r for r in transcribe_clips(load_engine(options, models_dir), notes, options, BatchOptions())}
    assert set(results) == {n.path for n in notes}
    failed = results[faulty]
    assert failed.error and "OSError" in failed.error and "\n" not in failed.error and not failed.segments
    for note in (notes[0], notes[2]):
        assert results[note.path].error is None and " ".join(s.text for s in results[note.path].segments).strip()
