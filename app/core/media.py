"""Media intake: hash, probe and decode originals without ever changing them.

PyAV (the ffmpeg libraries, already a dependency of faster-whisper) does the
probing and decoding in-process, which is why no separate ffprobe binary is
needed: it reads every container and codec a phone produces (opus/ogg, m4a/aac,
amr, 3gp, mp3, wav, mp4/mov, caf). Every original is opened by us in binary
read-only mode and handed to ffmpeg as a file object, so nothing can be written
to it or beside it.

Audio is decoded in blocks, so memory stays flat however long a recording is.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import av
import numpy as np

from app.core.errors import MediaError
from app.core.hashing import sha256_file
from app.core.types import SourceInfo

SAMPLE_RATE = 16000
TRUNCATION_TOLERANCE_S = 0.5


def check_readable(path: str | Path) -> Path:
    """Return the path if it is a readable, non-empty regular file, else raise MediaError."""
    p = Path(path)
    if not p.exists():
        raise MediaError(str(path), "no such file")
    if p.is_dir():
        raise MediaError(str(path), "is a folder, not a file")
    if not os.access(p, os.R_OK):
        raise MediaError(str(path), "permission denied")
    if p.stat().st_size == 0:
        raise MediaError(str(path), "empty file (0 bytes)")
    return p


def _open_container(handle) -> av.container.InputContainer:  # type: ignore[name-defined]
    try:
        return av.open(handle, mode="r")
    except av.error.InvalidDataError as exc:
        raise ValueError("not a media file ffmpeg can read") from exc
    except av.error.FFmpegError as exc:
        raise ValueError(f"cannot read media ({exc.strerror or exc})") from exc


def probe(path: str | Path, sha256: str | None = None) -> SourceInfo:
    """Hash and probe an original. Raises MediaError with a one-line reason."""
    p = check_readable(path)
    try:
        with open(p, "rb") as handle, _open_container(handle) as container:
            info = _describe(container)
    except ValueError as exc:
        raise MediaError(str(path), str(exc)) from None
    except OSError as exc:
        raise MediaError(str(path), exc.strerror or str(exc)) from None
    if info["audio_codec"] == "":
        reason = "video has no audio track" if info["has_video"] else "no audio track"
        raise MediaError(str(path), reason)
    return SourceInfo(
        path=str(p.resolve()),
        sha256=sha256 or sha256_file(p),
        bytes=p.stat().st_size,
        **info,
    )


def _describe(container) -> dict:
    audio = next((s for s in container.streams if s.type == "audio"), None)
    has_video = any(
        s.type == "video" and not _is_cover_art(s) for s in container.streams
    )
    duration_ms = 0
    if audio is not None and audio.duration is not None and audio.time_base is not None:
        duration_ms = round(float(audio.duration * audio.time_base) * 1000)
    elif container.duration is not None:
        duration_ms = round(container.duration / 1000)
    return {
        "duration_ms": duration_ms,
        "container": container.format.name,
        "audio_codec": audio.codec_context.name if audio is not None else "",
        "sample_rate": int(audio.rate or 0) if audio is not None else 0,
        "channels": int(audio.channels or 0) if audio is not None else 0,
        "has_video": has_video,
    }


def _is_cover_art(stream) -> bool:
    disposition = getattr(stream, "disposition", None)
    try:
        return bool(disposition is not None and disposition & av.stream.Disposition.attached_pic)
    except (AttributeError, TypeError):
        return False


@dataclass
class AudioReader:
    """Decodes an original to 16 kHz float32 in blocks.

    `mono=True` gives ffmpeg's downmix as 1-D blocks; `mono=False` keeps the
    channels as (channels, samples) blocks. After iteration, `decoded_ms` and
    `truncated` say how much of the file actually decoded.
    """

    path: str
    mono: bool = True
    block_seconds: float = 30.0
    start_ms: int = 0  # skip audio before this point (used to resume)
    expected_ms: int = 0
    decoded_ms: int = 0
    truncated: bool = False
    errors: list[str] = field(default_factory=list)

    def blocks(self) -> Iterator[np.ndarray]:
        block_samples = int(self.block_seconds * SAMPLE_RATE)
        skip = int(self.start_ms * SAMPLE_RATE / 1000)
        pending: list[np.ndarray] = []
        pending_len = 0
        total = 0
        for chunk in self._decoded_chunks():
            total += chunk.shape[-1]
            if skip:
                drop = min(skip, chunk.shape[-1])
                chunk = chunk[..., drop:]
                skip -= drop
                if chunk.shape[-1] == 0:
                    continue
            pending.append(chunk)
            pending_len += chunk.shape[-1]
            while pending_len >= block_samples:
                joined = np.concatenate(pending, axis=-1)
                yield joined[..., :block_samples]
                rest = joined[..., block_samples:]
                pending, pending_len = [rest], rest.shape[-1]
        self.decoded_ms = int(total * 1000 / SAMPLE_RATE)
        if self.expected_ms and self.expected_ms - self.decoded_ms > TRUNCATION_TOLERANCE_S * 1000:
            self.truncated = True
        if pending_len:
            yield np.concatenate(pending, axis=-1)

    def _decoded_chunks(self) -> Iterator[np.ndarray]:
        with open(self.path, "rb") as handle:
            try:
                container = _open_container(handle)
            except ValueError as exc:
                raise MediaError(self.path, str(exc)) from None
            with container:
                stream = next((s for s in container.streams if s.type == "audio"), None)
                if stream is None:
                    raise MediaError(self.path, "no audio track")
                yield from self._decode_stream(container, stream)

    def _decode_stream(self, container, stream) -> Iterator[np.ndarray]:
        layout = "mono" if self.mono else _layout_for(stream)
        resampler = av.AudioResampler(format="fltp", layout=layout, rate=SAMPLE_RATE)
        try:
            for packet in container.demux(stream):
                for frame in _decode_packet(packet, self.errors):
                    for out in resampler.resample(frame):
                        yield _planar(out, self.mono)
        except av.error.FFmpegError as exc:  # a damaged stream: keep what decoded
            self.errors.append(str(exc))
            self.truncated = True
        for out in resampler.resample(None):
            yield _planar(out, self.mono)


def _decode_packet(packet, errors: list[str]) -> list:
    try:
        return packet.decode()
    except av.error.InvalidDataError as exc:  # one bad packet: skip it, note it
        errors.append(str(exc))
        return []


def _layout_for(stream) -> str:
    channels = int(stream.channels or 1)
    return {1: "mono", 2: "stereo"}.get(channels, stream.layout.name)


def _planar(frame, mono: bool) -> np.ndarray:
    data = frame.to_ndarray().astype(np.float32, copy=False)
    return data[0] if mono else data


def read_all(path: str, mono: bool = True, expected_ms: int = 0) -> tuple[np.ndarray, AudioReader]:
    """Decode a whole (short) file. Long recordings should use AudioReader.blocks()."""
    reader = AudioReader(path, mono=mono, expected_ms=expected_ms)
    blocks = list(reader.blocks())
    if not blocks:
        shape = (0,) if mono else (1, 0)
        return np.zeros(shape, dtype=np.float32), reader
    return np.concatenate(blocks, axis=-1), reader
