"""Offline speaker diarisation: who spoke when on one microphone.

    from app.core.diarize import diarize, assign_speakers
    result = diarize(audio_16k_mono_float32, models_dir / "speaker-campplus")
    segments = assign_speakers(segments, result.turns)

Pure Python over numpy, onnxruntime and kaldi-native-fbank; no torch, no network.
"""

from app.core.diarize.engine import DiarizeError, diarize, load_embedder
from app.core.diarize.records import DiarResult, Turn, speaker_label
from app.core.diarize.stream import diarize_blocks

__all__ = [
    "DiarResult", "DiarizeError", "Turn", "diarize", "diarize_blocks", "load_embedder",
    "speaker_label",
]
