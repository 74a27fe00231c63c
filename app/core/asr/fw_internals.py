"""Every call into faster-whisper beyond its documented API, in one place.

faster-whisper documents `WhisperModel(...)`, its `transcribe` and `detect_language`
(engine.py uses those directly). The batched decoder and the VAD chunker also need
what faster-whisper keeps for itself: its feature extractor and encoder, its
tokenizer and suppressed tokens, its segment splitting and word alignment, its
Silero VAD, its language list, and the CTranslate2 Whisper model it wraps. They are
reached here only, as small named functions, so that a faster-whisper upgrade is
checked against this one file (written against faster-whisper 1.2.1).

The tokenizer this returns is faster-whisper's `Tokenizer`; callers read its
`sot_sequence`, `timestamp_begin`, `eot`, `encode` and `decode`.
"""

from __future__ import annotations

import functools

import ctranslate2
import numpy as np
from faster_whisper import WhisperModel
from faster_whisper import vad as fw_vad
from faster_whisper.audio import pad_or_trim
from faster_whisper.tokenizer import _LANGUAGE_CODES, Tokenizer
from faster_whisper.transcribe import get_suppressed_tokens
from faster_whisper.vad import VadOptions, get_speech_timestamps

__all__ = ["Tokenizer", "VadOptions", "WhisperModel"]


# ---------------------------------------------------------------- the model


def ctranslate2_whisper(model: WhisperModel) -> ctranslate2.models.Whisper:
    """The CTranslate2 Whisper under faster-whisper's model (generate, align, detect_language)."""
    return model.model


def is_multilingual(model: WhisperModel) -> bool:
    return bool(model.model.is_multilingual)


def is_language_code(code: str) -> bool:
    """A language code Whisper knows ("de", "en", ...)."""
    return code in _LANGUAGE_CODES


def max_length(model: WhisperModel) -> int:
    """The most tokens (prompt included) the decoder may hold."""
    return model.max_length


# ---------------------------------------------------------------- features and encoder


def features(model: WhisperModel, audio: np.ndarray) -> np.ndarray:
    """Log-mel features of 16 kHz audio (mels x 10 ms frames), unpadded."""
    return model.feature_extractor(audio)


def window_features(model: WhisperModel, audio: np.ndarray) -> np.ndarray:
    """Log-mel features of audio of at most 30 s, padded (or trimmed) to one 30 s window."""
    return pad_or_trim(model.feature_extractor(audio))


def mel_bins(model: WhisperModel) -> int:
    return model.feature_extractor.mel_filters.shape[0]


def encode(model: WhisperModel, window: np.ndarray) -> np.ndarray:
    """Encoder states (frames x d) of one window of features."""
    return np.array(model.encode(window))[0]


# ---------------------------------------------------------------- tokens and decoding


def tokenizer(model: WhisperModel, multilingual: bool, task: str, language: str) -> Tokenizer:
    return Tokenizer(model.hf_tokenizer, multilingual, task=task, language=language)


def suppressed_tokens(tokens: Tokenizer) -> list[int]:
    """faster-whisper's default suppress list (`suppress_tokens=[-1]`) for this tokenizer."""
    return list(get_suppressed_tokens(tokens, [-1]))


def split_by_timestamps(model: WhisperModel, tokens: Tokenizer, sequence: list[int], frames: int) -> list[dict]:
    """A decoded token sequence cut into subsegments at its timestamp pairs (window
    seconds, for a window of `frames` mel frames): dicts with start, end, tokens."""
    subsegments, _, _ = model._split_segments_by_timestamps(
        tokenizer=tokens, tokens=sequence, time_offset=0.0,
        segment_size=frames, segment_duration=frames / 100, seek=0,
    )
    return subsegments


def add_word_timestamps(
    model: WhisperModel, segments: list[list[dict]], tokens: Tokenizer, encoder_output: ctranslate2.StorageView,
    frames: list[int], prepend_punctuations: str, append_punctuations: str,
) -> None:
    """Adds "words" (word, start, end, probability) to each subsegment, by cross-attention
    alignment over each sequence's encoder output (a batch)."""
    model.add_word_timestamps(
        segments, tokens, encoder_output, frames, prepend_punctuations, append_punctuations, 0.0,
    )


# ---------------------------------------------------------------- voice activity

VAD_STEPS_AT_ONCE = 625  # Silero's 512-sample steps per model run: 20 s of audio


class SlicedSilero:
    """faster-whisper's Silero VAD (its session) run VAD_STEPS_AT_ONCE steps at a time, its state carried from
    one run to the next as faster-whisper carries it between its own runs of 10,000 steps: the same probabilities
    to the bit (tests/test_vad_slices.py). faster-whisper ran a whole 180 s VAD buffer (5,625 steps) at once, and
    ONNX Runtime's buffers for it (56-80 MB, 113 MB on a first run; freed after) came on the read-ahead thread beside
    the decoder's and the speaker search's, raising the worker's peak wherever they met (issue #15); 20 s at once,
    19-31 MB. tests/test_vad_slices.py fails if a Silero run on any of its four paths (the pipeline, the speaker
    search, the stream choice, speech_probabilities) is given more than 30 s."""

    def __init__(self, model: fw_vad.SileroVADModel) -> None:
        self.session = model.session

    def __call__(self, audio: np.ndarray, num_samples: int = 512, context_size_samples: int = 64) -> np.ndarray:
        assert audio.ndim == 1, "Silero takes one channel of samples"
        h = np.zeros((1, 1, 128), dtype=np.float32)
        c = np.zeros((1, 1, 128), dtype=np.float32)
        steps = audio.reshape(-1, num_samples)
        context = steps[..., -context_size_samples:]
        context[-1] = 0  # as faster-whisper does (a view: the last step's own end too)
        steps = np.concatenate([np.roll(context, 1, 0), steps], 1)
        outputs = []
        for start in range(0, len(steps), VAD_STEPS_AT_ONCE):
            output, h, c = self.session.run(None, {"input": steps[start : start + VAD_STEPS_AT_ONCE], "h": h, "c": c})
            outputs.append(output)
        return np.concatenate(outputs, axis=0)


@functools.lru_cache(maxsize=1)
def sliced_vad_model() -> SlicedSilero:
    """The VAD model every Silero call of Parley runs."""
    return SlicedSilero(whole_vad_model())


# faster-whisper's own model, run whole; kept on the replacement, so a reload of this module finds the original
whole_vad_model = getattr(fw_vad.get_vad_model, "parley_whole", fw_vad.get_vad_model)
sliced_vad_model.parley_whole = whole_vad_model  # type: ignore[attr-defined]


def speech_timestamps(audio: np.ndarray, options: VadOptions) -> list[dict]:
    """Silero VAD's speech regions of 16 kHz audio: dicts of start and end samples. The one way Parley
    finds speech (transcription, the speaker search's regions, the choice among audio streams).
    Audio whose samples are all one value (digital silence: a sparse file, a recorder that wrote
    nothing) holds no sound and is not searched: a 9 h WAV of zeros ran the model over every sample."""
    if is_constant(audio):
        return []
    fw_vad.get_vad_model = sliced_vad_model  # get_speech_timestamps looks its model up when called
    return get_speech_timestamps(audio, options)


CONSTANT_RIPPLE = 3e-5  # of a constant's size: the resampler's float ripple on a steady value (u8 or A-law zeros)


def is_constant(audio: np.ndarray) -> bool:
    """Whether every sample holds one value (no sound at all; an empty array too): exactly, or
    for a steady offset (a u8 or A-law file of zero bytes) within the resampler's float ripple.
    Audio around zero must be exactly zero: a quiet room's faint noise is still searched."""
    if audio.size == 0:
        return True
    low, high = float(audio.min()), float(audio.max())
    return high - low <= CONSTANT_RIPPLE * min(abs(low), abs(high))


def speech_probabilities(audio: np.ndarray) -> np.ndarray:
    """Silero VAD's speech probability of each 32 ms step (512 samples) of 16 kHz audio: where speech
    is lowest, a piece holding two languages is cut (language_check.mixed_pieces)."""
    padded = np.pad(audio.astype(np.float32), (0, 512 - len(audio) % 512))
    return np.asarray(sliced_vad_model()(padded), dtype=np.float32).reshape(-1)
