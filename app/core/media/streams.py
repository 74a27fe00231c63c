"""Every audio stream of a container, and which one holds the speech.

A phone video or a call recorder may carry several audio streams, the first of
which can be silent. Intake lists them all; decoding takes the one in which
Silero VAD finds the most speech over the first minutes (the first stream on a
tie, so a plain file decodes as before), and says so when it is not the first.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from app.core.media.opening import open_container
from app.core.media.resampling import Resampler

SAMPLE_RATE = 16000
SCAN_S = 120.0
_MEASURED: dict[tuple[str, int, int], tuple[AudioStream, ...]] = {}


@dataclass(frozen=True)
class AudioStream:
    index: int  # the container's stream index
    codec: str
    sample_rate: int
    channels: int
    duration_ms: int
    language: str = ""
    speech_ms: int = -1  # speech found in the first minutes; -1 = not measured


def describe(container) -> tuple[AudioStream, ...]:
    """Every audio stream ffmpeg can decode (one in a codec it does not know has no codec context)."""
    return tuple(_describe_one(s) for s in container.streams if s.type == "audio" and s.codec_context is not None)


def _describe_one(stream) -> AudioStream:
    duration_ms = 0
    if stream.duration is not None and stream.time_base is not None:
        duration_ms = round(float(stream.duration * stream.time_base) * 1000)
    return AudioStream(
        index=stream.index,
        codec=stream.codec_context.name,
        sample_rate=int(stream.rate or 0),
        channels=int(stream.channels or 0),
        duration_ms=duration_ms,
        language=str(stream.metadata.get("language", "")),
    )


def _scan(handle, index: int) -> np.ndarray:
    """The first SCAN_S seconds of one stream, 16 kHz mono."""
    handle.seek(0)
    pieces: list[np.ndarray] = []
    total = 0
    try:
        with open_container(handle) as container:
            resampler = Resampler("fltp", None, SAMPLE_RATE)  # channels as they are, averaged here:
            for packet in container.demux(container.streams[index]):  # ffmpeg cannot downmix every layout
                for frame in _safe_decode(packet):
                    for out in resampler.resample(frame):
                        pieces.append(out.to_ndarray().mean(axis=0))
                        total += out.samples
                if total >= SCAN_S * SAMPLE_RATE:
                    break
    except (av.error.FFmpegError, ValueError):  # a damaged stream counts what decoded before the damage
        pass
    return np.concatenate(pieces).astype(np.float32) if pieces else np.zeros(0, np.float32)


def _safe_decode(packet) -> list:
    try:
        return packet.decode()
    except av.error.FFmpegError:
        return []


def speech_ms(audio: np.ndarray) -> int:
    if audio.size == 0:
        return 0
    # Imported here: only files with several audio streams need it, and faster-whisper's
    # package import loads CTranslate2 into the CLI's parent process.
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    options = VadOptions(threshold=0.5, min_speech_duration_ms=250, min_silence_duration_ms=500)
    regions = get_speech_timestamps(audio, options)
    return int(sum(r["end"] - r["start"] for r in regions) * 1000 // SAMPLE_RATE)


def measure(path: str | Path, streams: tuple[AudioStream, ...]) -> tuple[AudioStream, ...]:
    """The streams with speech_ms filled in (only when there are several), remembered per file state."""
    if len(streams) < 2:
        return streams
    stat = Path(path).stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key not in _MEASURED:
        with open(path, "rb") as handle:
            _MEASURED[key] = tuple(_with_speech(s, speech_ms(_scan(handle, s.index))) for s in streams)
    return _MEASURED[key]


def _with_speech(stream: AudioStream, found_ms: int) -> AudioStream:
    return AudioStream(stream.index, stream.codec, stream.sample_rate, stream.channels,
                       stream.duration_ms, stream.language, found_ms)


def choose(streams: tuple[AudioStream, ...]) -> AudioStream | None:
    """The stream with the most speech; the first on a tie (or when none was measured)."""
    if not streams:
        return None
    best = max(s.speech_ms for s in streams)
    return next(s for s in streams if s.speech_ms == best)


def speech_stream_index(path: str | Path, streams: tuple[AudioStream, ...]) -> int | None:
    """The container index of the stream to decode: the only one, or the one holding speech."""
    chosen = choose(measure(path, streams))
    return chosen.index if chosen else None


def choice_note(streams: tuple[AudioStream, ...], chosen: int | None, path: str | Path = "") -> str:
    """One line for the run's warnings when there was a choice to make, else ''."""
    if len(streams) < 2 or chosen is None:
        return ""
    position = next(n for n, s in enumerate(streams) if s.index == chosen)
    others = ", ".join(f"#{n}" for n, s in enumerate(streams) if s.index != chosen)
    measured = measure(path, streams) if path else streams
    if all(s.speech_ms == 0 for s in measured):
        return (f"{len(streams)} audio streams and none holds speech; transcribed audio stream #{position}; "
                f"not transcribed: {others}")
    return (f"{len(streams)} audio streams; transcribed audio stream #{position} (the one holding the most "
            f"speech); not transcribed: {others}")


def describe_streams(streams: tuple[AudioStream, ...]) -> str:
    """'2 audio streams: #0 aac 16000 Hz 1 ch, no speech; #1 aac 16000 Hz 1 ch, speech 6.0 s' ('' for one)."""
    if len(streams) < 2:
        return ""
    parts = []
    for n, s in enumerate(streams):
        speech = "" if s.speech_ms < 0 else (", no speech" if s.speech_ms == 0 else f", speech {s.speech_ms / 1000:.1f} s")
        language = f" [{s.language}]" if s.language and s.language != "und" else ""
        parts.append(f"#{n} {s.codec} {s.sample_rate} Hz {s.channels} ch{language}{speech}")
    return f"{len(streams)} audio streams: " + "; ".join(parts)
