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
SCAN_BUDGET_S = 960.0  # all streams together: eight streams of two minutes each
MIN_SCAN_S = 1.0
PAST_MARGIN_S = 5.0
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
    return _scan_all(handle, (index,), SCAN_S)[index]


def scan_seconds(count: int) -> float:
    """How much of each of `count` streams is listened to: SCAN_S each while they fit in SCAN_BUDGET_S,
    then an equal share of it (a file of 100 two-minute tracks, 10 MB, took 7.5 minutes to open when
    each was read in a pass over the file of its own)."""
    return max(MIN_SCAN_S, min(SCAN_S, SCAN_BUDGET_S / max(1, count)))


def _scan_all(handle, indexes: tuple[int, ...], seconds: float) -> dict[int, np.ndarray]:
    """The first `seconds` of each stream, 16 kHz mono, read in one pass over the file that ends
    once every stream has its share (or its packets are past that time)."""
    handle.seek(0)
    want = int(seconds * SAMPLE_RATE)
    pieces: dict[int, list[np.ndarray]] = {i: [] for i in indexes}
    totals = dict.fromkeys(indexes, 0)
    try:
        with open_container(handle) as container:
            resamplers = {i: Resampler("fltp", None, SAMPLE_RATE) for i in indexes}  # channels averaged here:
            for packet in container.demux(*(container.streams[i] for i in indexes)):  # ffmpeg cannot downmix all
                index = packet.stream.index
                if totals[index] >= want or _past(packet, seconds):
                    totals[index] = max(totals[index], want)  # done: nothing more is needed of it
                    if all(total >= want for total in totals.values()):
                        break
                    continue
                for frame in _safe_decode(packet):
                    for out in resamplers[index].resample(frame):
                        pieces[index].append(out.to_ndarray().mean(axis=0))
                        totals[index] += out.samples
    except (av.error.FFmpegError, ValueError):  # a damaged stream counts what decoded before the damage
        pass
    return {i: np.concatenate(pieces[i]).astype(np.float32)[:want] if pieces[i] else np.zeros(0, np.float32)
            for i in indexes}


def _past(packet, seconds: float) -> bool:
    """Whether the packet starts past the first `seconds` of its stream (a stream of no such
    length would otherwise have the whole file read to find its end)."""
    if packet.pts is None or packet.time_base is None or packet.stream.start_time is None:
        return False
    return float((packet.pts - packet.stream.start_time) * packet.time_base) > seconds + PAST_MARGIN_S


def _safe_decode(packet) -> list:
    try:
        return packet.decode()
    except av.error.FFmpegError:
        return []


def speech_ms(audio: np.ndarray) -> int:
    # Imported here: only files with several audio streams need it, and faster-whisper's
    # package import loads CTranslate2 into the CLI's parent process.
    from app.core.asr.fw_internals import VadOptions, speech_timestamps

    options = VadOptions(threshold=0.5, min_speech_duration_ms=250, min_silence_duration_ms=500)
    regions = speech_timestamps(audio, options)
    return int(sum(r["end"] - r["start"] for r in regions) * 1000 // SAMPLE_RATE)


def measure(path: str | Path, streams: tuple[AudioStream, ...]) -> tuple[AudioStream, ...]:
    """The streams with speech_ms filled in (only when there are several), remembered per file state."""
    if len(streams) < 2:
        return streams
    stat = Path(path).stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key not in _MEASURED:
        with open(path, "rb") as handle:
            heard = _scan_all(handle, tuple(s.index for s in streams), scan_seconds(len(streams)))
            _MEASURED[key] = tuple(_with_speech(s, speech_ms(heard[s.index])) for s in streams)
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
    transcribed = next(f"#{n}{_language_tag(s)}" for n, s in enumerate(streams) if s.index == chosen)
    not_transcribed = ", ".join(f"#{n}{_language_tag(s)}" for n, s in enumerate(streams) if s.index != chosen)
    measured = measure(path, streams) if path else streams
    if all(s.speech_ms == 0 for s in measured):
        return (f"{len(streams)} audio streams and none holds speech; transcribed audio stream {transcribed}; "
                f"not transcribed: {not_transcribed}")
    return (f"{len(streams)} audio streams; transcribed audio stream {transcribed} (the one holding the most "
            f"speech); not transcribed: {not_transcribed}")


def _language_tag(stream: AudioStream) -> str:
    """' [spa]' for a stream whose language is stated (two languages, or each side of a call), else ''."""
    return f" [{stream.language}]" if stream.language and stream.language != "und" else ""


def describe_streams(streams: tuple[AudioStream, ...]) -> str:
    """'2 audio streams: #0 aac 16000 Hz 1 ch, no speech; #1 aac 16000 Hz 1 ch, speech 6.0 s' ('' for one)."""
    if len(streams) < 2:
        return ""
    parts = []
    for n, s in enumerate(streams):
        speech = "" if s.speech_ms < 0 else (", no speech" if s.speech_ms == 0 else f", speech {s.speech_ms / 1000:.1f} s")
        parts.append(f"#{n} {s.codec} {s.sample_rate} Hz {s.channels} ch{_language_tag(s)}{speech}")
    return f"{len(streams)} audio streams: " + "; ".join(parts)
