"""Speech regions for diarisation: Silero VAD (shipped inside faster-whisper), block by block.

Tighter than the transcription VAD (short pauses split regions, little padding) so
that turn boundaries fall where the talking stops. The audio is scanned in blocks of
BLOCK_S seconds, so the VAD's working memory does not grow with the recording.
"""

from __future__ import annotations

import numpy as np

SAMPLE_RATE = 16000
BLOCK_S = 120

VAD_SETTINGS = {
    "threshold": 0.5,
    "min_speech_duration_ms": 250,
    "max_speech_duration_s": float("inf"),
    "min_silence_duration_ms": 120,
    "speech_pad_ms": 40,  # windows stay on speech; turns get EDGE_PAD_MS more (engine)
}


def speech_regions(audio: np.ndarray, offset: int = 0) -> list[tuple[int, int]]:
    """(start, end) sample indices of speech in `audio`, shifted by `offset`."""
    # Imported here: faster-whisper's package loads CTranslate2, which only a diarising process needs.
    from app.core.asr.fw_internals import VadOptions, speech_timestamps

    options = VadOptions(**VAD_SETTINGS)
    regions: list[tuple[int, int]] = []
    block = BLOCK_S * SAMPLE_RATE
    for start in range(0, len(audio), block):
        for found in speech_timestamps(audio[start : start + block], options):  # digital silence: none
            regions.append((offset + start + found["start"], offset + start + found["end"]))
    return _join_block_edges(regions, block, offset)


def _join_block_edges(regions: list[tuple[int, int]], block: int, offset: int) -> list[tuple[int, int]]:
    """A region cut by a block edge is put back together."""
    joined: list[tuple[int, int]] = []
    for start, end in regions:
        if joined and start - offset > 0 and (start - offset) % block == 0 and joined[-1][1] == start:
            joined[-1] = (joined[-1][0], end)
        else:
            joined.append((start, end))
    return joined
