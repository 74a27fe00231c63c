"""Find speech in a stream of audio blocks and group it into decode windows.

Silero VAD (shipped inside faster-whisper) runs over a rolling buffer of a few
minutes, so memory stays flat for a recording of any length. Speech is grouped
into chunks of at most 30 s (one Whisper window), cut only at silences.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from app.core.asr.fw_internals import VadOptions, speech_timestamps
from app.core.media.decode import SAMPLE_RATE

WINDOW_S = 30.0
BUFFER_S = 180.0
TAIL_S = 1.0
SAMPLES_PER_MS = SAMPLE_RATE // 1000
SPEECH_PAD_MS = 400  # Silero's regions are widened by this much either side


@dataclass(frozen=True)
class SpeechChunk:
    start_ms: int  # absolute, in the source's timeline
    end_ms: int
    audio: np.ndarray  # contiguous 16 kHz mono audio from start_ms to end_ms
    regions: tuple[tuple[int, int], ...]  # speech regions inside it, absolute ms
    buffer_start_ms: int = 0  # where the VAD buffer it came from began: a resume anchor


def marker(at_ms: int) -> SpeechChunk:
    """No speech up to `at_ms`: a point to resume from, nothing to decode."""
    return SpeechChunk(at_ms, at_ms, np.zeros(0, dtype=np.float32), (), at_ms)


def is_marker(chunk: SpeechChunk) -> bool:
    return not chunk.regions and chunk.audio.size == 0


def vad_options(max_chunk_s: float = WINDOW_S) -> VadOptions:
    return VadOptions(
        threshold=0.5,
        min_speech_duration_ms=250,
        max_speech_duration_s=max_chunk_s,
        min_silence_duration_ms=500,
        speech_pad_ms=SPEECH_PAD_MS,
    )


def _ms(samples: int) -> int:
    return int(samples * 1000 // SAMPLE_RATE)


def _split_point(regions: list[dict], length: int, final: bool) -> int:
    """Where this buffer may be cut: nothing after it is emitted yet."""
    if final:
        return length
    cut = max(0, length - int(TAIL_S * SAMPLE_RATE))
    for region in regions:
        if region["end"] > cut:
            cut = min(cut, region["start"])
            break
    return cut - cut % SAMPLES_PER_MS  # whole milliseconds, so a resume lands exactly here


def _group(regions: list[dict], max_samples: int) -> list[tuple[int, int, list[dict]]]:
    groups: list[tuple[int, int, list[dict]]] = []
    for region in regions:
        if groups and region["end"] - groups[-1][0] <= max_samples:
            start, _, members = groups[-1]
            groups[-1] = (start, region["end"], members + [region])
        else:
            groups.append((region["start"], region["end"], [region]))
    return groups


def speech_chunks(
    blocks: Iterable[np.ndarray],
    offset_ms: int = 0,
    use_vad: bool = True,
    max_chunk_s: float = WINDOW_S,
    markers: bool = False,
) -> Iterator[SpeechChunk]:
    """Yield speech chunks in time order from 16 kHz mono blocks starting at offset_ms.

    With `markers`, a buffer of minutes that held no speech yields a marker instead (no audio,
    no regions, ending and anchored where the next buffer starts), so a long silence still
    moves progress, a resume point and a stop request along."""
    options = vad_options(max_chunk_s)
    max_samples = int(max_chunk_s * SAMPLE_RATE)
    buffer = np.zeros(0, dtype=np.float32)
    buffer_start = offset_ms * SAMPLES_PER_MS  # absolute sample index of buffer[0]
    iterator = iter(blocks)
    final = False
    while not final:
        block = next(iterator, None)
        final = block is None
        if block is not None:
            buffer = np.concatenate([buffer, block])
            if len(buffer) < BUFFER_S * SAMPLE_RATE:
                continue
        if len(buffer) == 0:
            continue
        if use_vad:
            regions = speech_timestamps(buffer, options)
            cut = _split_point(regions, len(buffer), final)
        else:
            cut = len(buffer) if final else (len(buffer) // max_samples) * max_samples
            regions = [{"start": s, "end": min(s + max_samples, cut)} for s in range(0, cut, max_samples)]
        ready = [r for r in regions if r["end"] <= cut]
        for start, end, members in _group(ready, max_samples):
            yield SpeechChunk(
                start_ms=_ms(buffer_start + start),
                end_ms=_ms(buffer_start + end),
                audio=buffer[start:end],
                regions=tuple((_ms(buffer_start + r["start"]), _ms(buffer_start + r["end"])) for r in members),
                buffer_start_ms=_ms(buffer_start),
            )
        if markers and not ready and not final:
            yield marker(_ms(buffer_start + cut))
        buffer = buffer[cut:].copy()
        buffer_start += cut
