"""Intake's probe: hash an original and read what its container says, in one open handle.

The bytes hashed are the bytes probed; what a header states (a length, a rate, a codec) is checked
against what the file holds before it is recorded. Decoding is app/core/media/decode.py's.
"""

from __future__ import annotations

import math
import os
from dataclasses import replace
from pathlib import Path

import av

from app.core.errors import MediaError
from app.core.hashing import sha256_handle
from app.core.media import (
    amr,
    amr_repeats,
    boxes,
    data_ends,
    edit_times,
    edits,
    flac,
    moovless,
    moovless_aac,
    mp4_samples,
    mpeg,
    ogg,
    ogg_clock,
    riff,
    rifx,
    unusable,
)
from app.core.media import streams as audio_streams
from app.core.media.held import held_ms
from app.core.media.mixing import too_many_channels
from app.core.media.opening import (
    CUT_BEFORE_AUDIO,
    EMPTY_VIDEO_TRACK,
    holds_no_packet,
    open_container,
)
from app.core.media.readable import check_readable
from app.core.media.stream_times import TRUNCATION_TOLERANCE_S, is_cover_art, lead_s
from app.core.types import SourceInfo

UNKNOWN_CODEC = "its audio is in a codec or sample format ffmpeg cannot decode"


def probe(path: str | Path, sha256: str | None = None) -> SourceInfo:
    """Hash and probe an original. Raises MediaError with a one-line reason.

    The bytes hashed are the bytes probed, read through one open handle; a file that changes
    while it is read (still being written) is refused, never recorded under a hash of other bytes."""
    p = check_readable(path)
    try:
        with open(p, "rb") as handle:
            before = os.fstat(handle.fileno())
            info, streams, no_tracks = _read_header(p, handle)
            unusable.refuse(str(path), info, no_tracks, handle)
            info.pop("codec_tag")
            digest, hashed = (sha256, before.st_size) if sha256 else sha256_handle(handle)
            _check_unchanged_while_read(str(path), before, os.fstat(handle.fileno()), hashed)
    except av.error.FFmpegError as exc:  # never '[Errno 1094995529] ... /the/path' as a reason
        raise MediaError(str(path), f"cannot read media ({exc.strerror or type(exc).__name__})") from None
    except ValueError as exc:
        raise MediaError(str(path), str(exc)) from None
    except ArithmeticError as exc:  # a header's number past any arithmetic (an infinite length)
        raise MediaError(str(path), f"its header states a value that cannot be right ({exc})") from None
    except OSError as exc:  # an I/O error on a damaged disk: one line, never a traceback
        raise MediaError(str(path), f"unreadable ({exc.strerror or exc})") from None
    # as named (absolute; links kept), the spelling intake records it under (`found_at`): it was resolved here, so
    # the exhibit's path and where it was found differed under a symlink (`store/spelling.where_met`)
    return SourceInfo(path=os.path.abspath(p), sha256=digest, bytes=before.st_size, audio_streams=streams, **info)


def _read_header(p: Path, handle) -> tuple[dict, tuple, bool]:
    """What the container says: its description, its audio streams, whether it holds no track at all."""
    with open_container(handle) as container:
        streams = audio_streams.describe(container)
        if not streams and any(s.type == "audio" for s in container.streams):
            raise ValueError(CUT_BEFORE_AUDIO if boxes.cut_inside_a_box(handle) else UNKNOWN_CODEC)  # an MP4 cut in its moov
        chosen = audio_streams.speech_stream_index(p, streams)
        held = edit_times.held_back(handle, chosen) if chosen is not None and _is_iso(container) else None
        info = _describe(container, chosen, held.seconds if held else 0.0)
        if fault := too_many_channels(info["channels"]):
            raise ValueError(fault)
        guessed = mpeg.length_is_guessed(handle, info["container"])  # an MP3 without a Xing header, ADTS
        framed = info["container"] == "wav" and info["audio_codec"].startswith("mp3")  # its byte rate a claim
        guessed = guessed or framed
        if (guessed or not info["duration_ms"]) and chosen is not None:  # or a header stating 0 s (MP4's mdhd)
            info["duration_ms"] = round(edits.packets_end_s(container, chosen) * 1000) or info["duration_ms"]
        if chosen is not None and held is None:  # a clock starting at 10:00:00 is no 10 hours of audio
            info["duration_ms"] = edits.late_start_ms(container, chosen, info["duration_ms"])
        if info["container"] == "flac" and chosen is not None and (closed := flac.closed_length_s(container, chosen)):
            info["duration_ms"] = round(closed * 1000)  # whole: a damaged header's rate gave hours, or 0.1 s
        no_tracks = not any(s.type in ("audio", "video") for s in container.streams)
    if info["container"] == "amr" and _starts_caf(handle):  # AMR-WB read out of a CAF
        info["container"] = "caf"
    if info["container"] in rifx.RAW_FORMATS.values() and _starts_rifx(handle):  # read by the raw reader
        info["container"] = "rifx"
    if info["container"] == "ogg" and ogg_clock.recount(handle) is None:  # recounted: ffmpeg's length stands
        info["duration_ms"] = ogg.chained_duration_ms(handle) or info["duration_ms"]
    if info["container"] in ("amrnb", "amrwb") and (bare := moovless.found(handle)) is not None:  # a 3GP's frames
        info["container"], info["duration_ms"] = moovless.CONTAINER, moovless.duration_ms(handle, bare)
    elif info["container"] == "aac" and (aac := moovless_aac.found(handle)) is not None:  # an M4A's frames
        info["container"], info["duration_ms"] = moovless.CONTAINER, aac.duration_ms
        streams = tuple(replace(s, duration_ms=aac.duration_ms) for s in streams)  # not a bitrate's guess
    elif info["container"] in ("amr", "amrnb", "amrwb", "caf") and info["audio_codec"].startswith("amr"):
        info["duration_ms"] = amr.duration_ms(amr_repeats.view(handle)) or info["duration_ms"]
    if info["container"] in ("wav", "w64"):
        info["duration_ms"] = riff.length_ms(handle, info["duration_ms"], framed)  # a cut file's claim; no fact's
    if info["container"] == "caf" and (stated := data_ends.caf_stated_ms(handle)) is not None:  # not a size's guess
        info["duration_ms"] = stated  # (cut short: the bytes present's; a chunk after the audio: counted)
    if chosen is not None and (held := held_ms(handle, chosen, info["duration_ms"])) is not None:
        info["duration_ms"] = held  # timestamps days ahead in a file of seconds: its sound, not the claim
        streams = tuple(replace(s, duration_ms=min(s.duration_ms, held)) if s.index == chosen else s for s in streams)
    if chosen is not None and ((not info["duration_ms"] and holds_no_packet(handle, chosen))  # '#!AMR\n' alone
                               or mp4_samples.starts_past_end(handle, chosen)):  # an MP4 cut before its samples
        raise ValueError(EMPTY_VIDEO_TRACK if info["has_video"] and not boxes.cut_inside_a_box(handle) else CUT_BEFORE_AUDIO)
    return info, audio_streams.measure(p, streams), no_tracks


def _check_unchanged_while_read(path: str, before: os.stat_result, after: os.stat_result, hashed: int) -> None:
    if hashed == before.st_size == after.st_size and before.st_mtime_ns == after.st_mtime_ns:
        return
    sizes = f"{before.st_size:,} bytes, then {max(hashed, after.st_size):,}" if after.st_size != before.st_size \
        or hashed != before.st_size else "written to"
    raise MediaError(path, f"the file changed while it was read ({sizes}: still being written, or replaced); "
                           "not taken in")


def _starts_caf(handle) -> bool:
    handle.seek(0)
    return handle.read(4) == b"caff"


def _starts_rifx(handle) -> bool:
    handle.seek(0)
    return rifx.is_rifx(handle.read(12))


def _is_iso(container) -> bool:
    return container.format.name.startswith("mov,")


def _describe(container, chosen: int | None, held_s: float = 0.0) -> dict:
    """What the container says of stream `chosen`; its length counts the time an MP4's edit list holds it
    back (`held_s`: edit_times.held_back) where ffmpeg's clock starts later."""
    audio = None if chosen is None else container.streams[chosen]
    has_video = any(
        s.type == "video" and not is_cover_art(s) for s in container.streams
    )
    duration_ms = 0
    if audio is not None and (tagged := _tagged_end_s(audio, container)) is not None:
        duration_ms = round(tagged * 1000)
    elif audio is not None and audio.duration is not None and audio.time_base is not None:
        duration_ms = round((float(audio.duration * audio.time_base) + max(lead_s(container, audio), held_s)) * 1000)
    elif container.duration is not None:
        duration_ms = round(container.duration / 1000)
    return {
        "duration_ms": duration_ms,
        "container": container.format.name,
        "audio_codec": audio.codec_context.name if audio is not None else "",
        "sample_rate": int(audio.rate or 0) if audio is not None else 0,
        "channels": int(audio.channels or 0) if audio is not None else 0,
        "has_video": has_video,
        "codec_tag": _codec_tag(audio),
    }


def _codec_tag(stream) -> str:
    """The stream's four-letter sample entry ('mp4a'; 'enca' for encrypted AAC), or ''."""
    try:
        return str(stream.codec_context.codec_tag) if stream is not None else ""
    except (AttributeError, TypeError, ValueError):
        return ""


def _tagged_end_s(stream, container) -> float | None:
    """Where a Matroska/WebM track's sound ends, from its DURATION tag ('00:00:03.008000000'): the
    file's duration is its longest track's (ffmpeg gives every track that length), a video's sound
    may end well before the picture. ffmpeg writes the time the track's last frame ends, counted
    from the file's start; mkvmerge (its statistics tags) the track's own length, so the time it
    starts is added. The end was taken for a length and the start added again: sound starting
    3 s into a video was called cut 3 s short of an end it never had, sound starting minutes in
    (past what ffmpeg probes) was as long as the picture, both named damaged to there.
    A tag is text anyone can write: one saying 'inf', 'nan', '1e300' or longer than the file
    (999999 hours of a 6 s note) is no length (it failed the file, or the whole command, or
    called the note cut short by a million hours)."""
    tagged = _tagged_s(stream)
    if tagged is None:
        return None
    if "_STATISTICS_WRITING_APP" in stream.metadata:
        tagged += lead_s(container, stream)
    longest = container.duration / av.time_base if container.duration is not None else None
    if not math.isfinite(tagged) or tagged < 0 or (longest is not None and tagged > longest + TRUNCATION_TOLERANCE_S):
        return None
    return tagged


def _tagged_s(stream) -> float | None:
    hours, _, rest = str(stream.metadata.get("DURATION", "")).partition(":")
    minutes, _, seconds = rest.partition(":")
    try:
        tagged = int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    except ValueError:
        return None
    return tagged
