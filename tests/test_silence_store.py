"""The encoder states of silence are encoded once per model and machine, not once per command.

Every `transcribe` of short files encoded a silent window for each log-mel floor its packed
windows met (six full encoder passes on the 112 clips of bench_packing, on top of 50 windows);
now they are kept beside the model folder with their SHA-256 and the next command reads them:
no encoder pass of silence, the same text; a stored state whose bytes do not match is encoded again.
"""
# The models folder's own store is not used here: $PARLEY_SILENCE_STORE points each test at an empty one.

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from app.core.asr import decoder as decoder_module
from app.core.asr import load_engine, transcribe_clips
from app.core.asr.silence_store import ENVIRONMENT
from app.core.media.decode import probe
from app.core.options import TranscribeOptions
from tests.conftest import MEDIA

NOTES = ("en_voicenote.opus", "en_voicenote.m4a", "en_voicenote.mp3")  # packed into one window


@pytest.fixture()
def store(tmp_path, monkeypatch) -> Path:
    """A silence store of its own, empty at the start."""
    monkeypatch.setenv(ENVIRONMENT, str(tmp_path / "silence"))
    return tmp_path / "silence"


@pytest.fixture(scope="module")
def sources():
    return [probe(MEDIA / name) for name in NOTES]


def _run(models: Path, sources) -> tuple[list[str], int, int, dict[int, np.ndarray]]:
    """Texts, encoder passes of silence and of speech, and the silence states the engine held."""
    options = TranscribeOptions(model="tiny.en", threads=2, device="cpu", compute_type="int8", beam_size=5)
    engine = load_engine(options, models)
    counts = {"silence": 0, "speech": 0}
    real = decoder_module.fw.encode

    def counted(model, features):
        counts["silence" if float(np.ptp(features)) == 0.0 else "speech"] += 1
        return real(model, features)

    decoder_module.fw.encode = counted
    try:
        results = list(transcribe_clips(engine, sources, options))
    finally:
        decoder_module.fw.encode = real
    texts = [" ".join(s.text for s in r.segments) for r in results]
    return texts, counts["silence"], counts["speech"], dict(engine.silence_states)


def test_a_second_command_reads_the_silence_states_kept_beside_the_model(models_dir, store, sources):
    texts, silence, speech, states = _run(models_dir, sources)
    assert silence >= 1 and speech >= 1 and all(texts)  # packed together: their composites need silence
    kept = list(store.glob("tiny.en-*/floor*.npy"))
    assert len(kept) == silence

    again, silence_again, speech_again, states_again = _run(models_dir, sources)
    assert silence_again == 0 and speech_again == speech
    assert again == texts
    assert states_again.keys() == states.keys()
    assert all(np.array_equal(states[k], states_again[k]) for k in states)  # bit for bit what was encoded


def test_a_stored_state_changed_on_disk_is_encoded_again_not_used(models_dir, store, sources):
    texts, _, _, states = _run(models_dir, sources)
    for path in store.glob("tiny.en-*/floor*.npy"):
        data = bytearray(path.read_bytes())
        data[-8:] = b"\x00\x00\x80\x7f" * 2  # two states set to infinity
        path.write_bytes(bytes(data))
    again, silence, _, states_again = _run(models_dir, sources)
    assert silence == len(states)
    assert again == texts
    assert all(np.array_equal(states[k], states_again[k]) for k in states)
