"""Media intake: decode originals without ever changing them (probe: app/core/media/probing.py).

PyAV (the ffmpeg libraries, already a dependency of faster-whisper) does the
probing and decoding in-process, which is why no separate ffprobe binary is
needed: it reads every container and codec a phone produces (opus/ogg, m4a/aac,
amr, 3gp, mp3, wav, mp4/mov, caf). Every original is opened by us in binary
read-only mode and handed to ffmpeg as a file object, so nothing can be written
to it or beside it.

Audio is decoded in blocks, so memory stays flat however long a recording is.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import av
import numpy as np

from app.core.errors import MediaError
from app.core.media import (
    aac_config,
    adts,
    amr,
    boxes,
    caf_packets,
    edit_times,
    edits,
    flac,
    headerless,
    headroom,
    joined,
    mkv_clock,
    mpeg,
    ogg,
    ogg_clock,
    ogg_order,
    ogg_repeats,
    ogg_serials,
    timescale,
    ts_streams,
    wav_blocks,
)
from app.core.media import streams as audio_streams
from app.core.media.damage import LEAD_TOLERANCE_S, Ranges, Timeline, clock, format_damaged, to_ms
from app.core.media.edit_times import HeldBack
from app.core.media.headroom import Headroom
from app.core.media.mixing import ABSURD, Mixer, too_many_channels
from app.core.media.opening import cut_mark, header_fixes, open_container, wav_layout
from app.core.media.probing import probe  # noqa: F401  (intake's probe, long imported from here)
from app.core.media.resampling import Resampler
from app.core.media.stream_times import (
    TRUNCATION_TOLERANCE_S,
    is_cover_art,
    lead_s,
    origin_s,
    time_s,
)
from app.core.media.views import window

SAMPLE_RATE = 16000
GOOD_RUN = SAMPLE_RATE // 10  # good samples between two broken stretches that keep them apart (0.1 s)
TRAILING_JUNK = "data that is not audio follows the end of the recording (not transcribed)"


@dataclass
class AudioReader:
    """Decodes an original to 16 kHz float32 in blocks, each sample where its timestamp puts it.

    `mono=True` gives ffmpeg's downmix as 1-D blocks; `mono=False` keeps the
    channels as (channels, samples) blocks. The audio stream decoded is the one
    holding speech (see audio_streams) unless `stream_index` names one. After
    iteration, `decoded_ms` and `truncated` say how much of the file decoded,
    `damaged` lists the (start_ms, end_ms) ranges that were lost or jumped
    (filled with silence, so later audio keeps its true time) and `notes` gives
    the lines a run should carry as warnings.
    """

    path: str
    mono: bool = True
    block_seconds: float = 30.0
    start_ms: int = 0  # skip audio before this point (used to resume)
    expected_ms: int = 0
    stream_index: int | None = None  # container stream index; None = the one holding speech
    decoded_ms: int = 0
    truncated: bool = False
    errors: list[str] = field(default_factory=list)
    stream_note: str = ""
    cut_note: str = ""
    header_note: str = ""  # a header value left out (an Opus gain that silences the speech)
    stopped: bool = False  # unreadable data ended the decoding (the file cut there, or junk after its end)
    between: list[tuple[int, int]] = field(default_factory=list)  # a chain's junk between links: (bytes, where in ms)
    _timeline: Timeline = field(default_factory=Timeline, repr=False)
    _mixer: Mixer | None = field(default=None, repr=False)
    _layout: str = field(default="mono", repr=False)  # the channels handed on (mono=False)
    _headroom: Headroom | None = field(default=None, repr=False)  # a float file past full scale: scaled
    _held: HeldBack | None = field(default=None, repr=False)  # an MP4 track its edit list starts late

    @property
    def damaged(self) -> Ranges:
        return self._timeline.damaged

    @property
    def notes(self) -> tuple[str, ...]:
        """Warning lines for the run: damaged ranges, and which audio stream was transcribed."""
        lines = [format_damaged(self.damaged), self._timeline.skipped_note, _between_note(self.between), self.stream_note,
                 self.cut_note, self.header_note,
                 TRAILING_JUNK if self.stopped and not self.truncated else "", *(self._mixer.notes if self._mixer else ())]
        return tuple(line for line in lines if line)

    def blocks(self) -> Iterator[np.ndarray]:
        block_samples = int(self.block_seconds * SAMPLE_RATE)
        skip = int(self.start_ms * SAMPLE_RATE / 1000)
        pending: list[np.ndarray] = []
        pending_len = 0
        total = 0
        for chunk in self._unless_refused(self._decoded_chunks()):
            chunk = self._finite(chunk, total)
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
        self.decoded_ms = to_ms(total)
        self.expected_ms = max(0, self.expected_ms - sum(jump for _, jump in self._timeline.skipped))  # never placed
        if self.expected_ms and self.expected_ms - self.decoded_ms > TRUNCATION_TOLERANCE_S * 1000:
            self.truncated = True
            self._timeline.ranges.append((self.decoded_ms, self.expected_ms))
        self.truncated = self.truncated or (self.stopped and not self.expected_ms)  # no stated end to reach
        if pending_len:
            yield np.concatenate(pending, axis=-1)

    def _finite(self, chunk: np.ndarray, at: int) -> np.ndarray:
        """Samples that are not numbers (NaN, infinite) or absurd (a float file's garbage) are
        silenced and their stretch named damaged; loud float audio is clipped to full scale."""
        bad = ~np.isfinite(chunk) | (np.abs(chunk) > ABSURD)
        if bad.any():
            where = np.flatnonzero(bad.any(axis=0) if bad.ndim > 1 else bad)
            breaks = np.flatnonzero(np.diff(where) > GOOD_RUN) + 1  # a large packet may hold several stretches
            for run in np.split(where, breaks):
                self._timeline.ranges.append((to_ms(at + int(run[0])), to_ms(at + int(run[-1]) + 1)))
            chunk = np.where(bad, np.float32(0), chunk)
        chunk = chunk * self._headroom.gain if self._headroom is not None else chunk
        return np.clip(chunk, -1.0, 1.0, out=chunk if chunk.flags.writeable else None)

    def _unless_refused(self, chunks: Iterator[np.ndarray]) -> Iterator[np.ndarray]:
        """The chunks; a seek the system refuses (a W64 data size flipped past any file, met by ffmpeg
        mid-read) or a read it fails, intake's one line instead of a traceback failing a worker's batch."""
        try:
            yield from chunks
        except OSError as exc:
            raise MediaError(self.path, f"unreadable ({exc.strerror or exc})") from None

    def _decoded_chunks(self) -> Iterator[np.ndarray]:
        with open(self.path, "rb") as handle:
            try:
                container = open_container(handle)
            except ValueError as exc:
                raise MediaError(self.path, str(exc)) from None
            with container:
                stream = self._pick_stream(container)
                self._held = edit_times.held_back(handle, stream.index) if container.format.name.startswith("mov,") else None
                self._headroom = headroom.over_full_scale(self.path, stream.index, stream.codec_context.name)
                index = stream.index  # a closed container's streams hold no index
                links = _links(handle) if container.format.name == "ogg" else []
                if links:  # each link's stream is the chosen one's place among the audio streams
                    place = [s.index for s in container.streams if s.type == "audio"].index(index)
                    yield from self._decode_links(handle, links, place)
                else:  # an Ogg whose first audio pages were lost starts at its clock's start, the loss named
                    clock = _clock_start(handle) if container.format.name == "ogg" else None
                    end = _padded_end_s(handle) if container.format.name == "wav" else None
                    yield from self._decode_stream(container, stream, clock_s=clock, end_s=end)
            if self.stopped and container.format.name == "caf" and caf_packets.ends_with_its_table(joined.first_only(handle)):
                self.stopped = False  # ffmpeg's error at the end of audio running 'to the end of the file'
            gain = header_fixes(handle)
            fixed = [*timescale.damaged(handle), *aac_config.wrong_rate(handle)] if container.format.name.startswith("mov,") else []
            rate = flac.rate_fix(handle) if container.format.name == "flac" else headerless.assumed(container.format.name)
            frames = adts.mended(handle) if container.format.name == "aac" else None
            frames = ts_streams.renamed(handle) if container.format.name == "mpegts" else frames
            tick = mkv_clock.scale_fix(handle) if container.format.name.startswith("matroska") else None
            tick = ogg_clock.recount(ogg_order.in_order(ogg_repeats.read_once(handle))) if container.format.name == "ogg" else tick
            self.header_note = "; ".join(fix.note for fix in [*gain, rate, frames, tick, self._headroom, self._held, *fixed] if fix is not None)
            if container.format.name == "ogg":
                hidden_ms, self.cut_note = ogg.preskip_hidden(handle)  # a damaged header drops the start
                self.expected_ms = max(0, self.expected_ms - hidden_ms) if self.expected_ms else 0
            pages = ogg_serials.view(ogg_order.in_order(handle)) if container.format.name == "ogg" else None
            if pages is not None and ogg.is_cut(pages):  # its pages' checksums as ffmpeg reads them
                self.truncated, self.cut_note = True, ogg.end_note(pages)
            if container.format.name.startswith("mov,"):
                shown, self.cut_note = edits.edit_list_end(handle, index, to_ms(self._timeline.emitted) / 1000,
                                                           self.expected_ms / 1000)
                self.expected_ms = self.expected_ms if shown is None else round(shown * 1000)  # no cut
                if boxes.cut_inside_a_box(handle):  # a fragmented MP4 states no end to fall short of
                    self.truncated, self.cut_note = True, "; ".join(filter(None, (boxes.CUT_NOTE, self.cut_note)))
            if container.format.name == "wav" and (wav := wav_layout(handle)) is not None:
                self.cut_note = wav.note
            if cut := cut_mark(handle, container.format.name):  # an AMR, a live WebM: no stated length
                self.truncated, self.cut_note = True, "; ".join(filter(None, (cut, self.cut_note)))

    def _pick_stream(self, container):
        streams = audio_streams.describe(container)
        if not streams:
            raise MediaError(self.path, "no audio track")
        index = self.stream_index
        if index is None:
            index = audio_streams.speech_stream_index(self.path, streams)
            self.stream_note = audio_streams.choice_note(streams, index, self.path)
        if fault := too_many_channels(_channel_count(container.streams[index])):
            raise MediaError(self.path, fault)
        return container.streams[index]

    def _decode_links(self, handle, links: list[tuple[int, int]], place: int = 0) -> Iterator[np.ndarray]:
        """A chained Ogg: each link opened on its own, all placed on one timeline (each starts
        where the one before ended, however short that one was)."""
        timeline: Timeline | None = None
        for number, (start, end) in enumerate(links, 1):
            if number > 1 and start > links[number - 2][1]:  # junk or zeros after the link before: named where
                self.between.append((start - links[number - 2][1], to_ms(timeline.position if timeline else 0)))
            clock_start, stated = ogg.link_clock(window(handle, start, end))
            try:
                link = open_container(ogg.link_view(handle, start, end))
            except ValueError as exc:
                self.errors.append(str(exc))
                continue
            with link:
                audios = [s for s in link.streams if s.type == "audio"]
                if audios:
                    audio = audios[min(place, len(audios) - 1)]
                    begin = 0 if timeline is None else timeline.position
                    if timeline is not None:
                        timeline.link, timeline.link_start_s = True, clock_start
                        timeline.packets.clear()
                    yield from self._decode_stream(link, audio, timeline)
                    timeline = self._timeline
                    if number < len(links):  # its last pages lost: the links after it keep their places
                        yield from timeline.fill(timeline.close_link(begin, stated))

    def _decode_stream(self, container, stream, timeline: Timeline | None = None,
                       clock_s: float | None = None, end_s: float | None = None) -> Iterator[np.ndarray]:
        shape = _shape(self.mono, _channel_count(stream))
        layout = "mono" if shape == "mono" else _layout_for(stream)
        if timeline is not None and not self.mono:  # a chain's later link keeps the first link's channels
            layout = self._layout
        self._layout = layout
        if shape == "mix" and (self._mixer is None or self._mixer.channels != _channel_count(stream)):
            self._mixer = Mixer(_channel_count(stream))
        if timeline is None:
            lead = lead_s(container, stream)
            left_out = self._held is not None and self._held.seconds > lead + edit_times.ROUNDING_S
            self._held = self._held if left_out else None  # named where
            lead = self._held.seconds if self._held is not None else lead  # ffmpeg's clock left it out: a player's times
            timeline = self._timeline = Timeline(
                channels=None if self.mono else _channel_count(stream), limit=_limit(stream, self.expected_ms, lead),
                chained=container.format.name == "ogg",
                video=any(s.type == "video" and not is_cover_art(s) for s in container.streams),
            )
            timeline.start(origin_s(stream))
            timeline.end = round((end_s + lead) * SAMPLE_RATE) if end_s else 0
            if clock_s is not None and (origin_s(stream) or 0.0) - clock_s > LEAD_TOLERANCE_S:
                timeline.start(clock_s)
                timeline.held = True
            yield from timeline.lead(lead)
        fmt = _sample_format(shape == "mono")
        decoder = amr.reference_decoder(stream)
        resampler = Resampler(fmt, layout, SAMPLE_RATE)
        clock = mpeg.Clock(container.format.name == "aac")
        try:
            for packet in container.demux(stream):
                shift = clock.shift(packet, packet.time_base)
                for frame in _decode_packet(packet, self.errors, timeline, decoder):
                    frame_s = time_s(frame.pts, frame.time_base)
                    frame_s = None if frame_s is None else frame_s - shift
                    target = timeline.jump_to(frame_s)
                    if target is not None:  # a gap or an overlap: finish what was placed, then move
                        yield from _flushed(resampler, timeline, shape, self._mixer)
                        resampler = Resampler(fmt, layout, SAMPLE_RATE)
                        yield from timeline.fill(timeline.move(target))
                    timeline.advance(frame_s, frame.samples / (frame.sample_rate or SAMPLE_RATE))
                    for out in resampler.resample(frame):
                        yield timeline.emit(_planar(out, shape, self._mixer))
                start_s = time_s(packet.pts, packet.time_base)
                timeline.packet(None if start_s is None else start_s - shift,
                                clock.last_s or time_s(packet.duration, packet.time_base) or 0.0)
        except av.error.FFmpegError as exc:  # a damaged stream: keep what decoded (truncated if short of its end)
            self.errors.append(str(exc))
            self.stopped = True
        yield from _flushed(resampler, timeline, shape, self._mixer)


def _links(handle) -> list[tuple[int, int]]:
    """ogg.links, the handle left where ffmpeg had it (its reads assume it never moves)."""
    at = handle.tell()
    try:
        return ogg.links(handle)
    finally:
        handle.seek(at)


def _padded_end_s(handle) -> float | None:
    """wav_blocks.padded_end_s, the handle left where ffmpeg had it."""
    at = handle.tell()
    try:
        return wav_blocks.padded_end_s(handle)
    finally:
        handle.seek(at)


def _between_note(runs: list[tuple[int, int]]) -> str:
    """Junk or zeros between a chain's links (a carving running into another recording)."""
    if not runs:
        return ""
    named = "; ".join(f"{size:,} bytes that are not audio between recordings at {clock(at)}" for size, at in runs[:3])
    more = f" and {len(runs) - 3:,} more such runs" if len(runs) > 3 else ""
    return f"{named}{more} (not transcribed)"


def _clock_start(handle) -> float | None:
    """ogg.link_clock's start for a whole file, the handle left where ffmpeg had it."""
    at = handle.tell()
    try:
        return ogg.link_clock(handle)[0]
    finally:
        handle.seek(at)


def _flushed(resampler, timeline: Timeline, shape: str, mixer: Mixer | None = None) -> Iterator[np.ndarray]:
    for out in resampler.resample(None):
        yield timeline.emit(_planar(out, shape, mixer))


def _limit(stream, expected_ms: int, lead: float = 0.0) -> int:
    """No timestamp may move the output past the stream's stated end (a corrupt pts), or past the
    length intake measured when that is longer (an AMR's frames, counted: ffmpeg guesses it)."""
    stated = time_s(stream.duration, stream.time_base)
    duration_s = max(stated + lead, expected_ms / 1000) if stated else expected_ms / 1000
    return int(duration_s * SAMPLE_RATE) if duration_s > 0 else 0


def _decode_packet(packet, errors: list[str], timeline: Timeline, decoder=None) -> list:
    if timeline.empty(packet, errors):  # an MP4 sample of 0 bytes: never handed to the decoder
        return []
    try:
        data = bytes(packet) if decoder is not None else b""
        if data and not amr.holds_frames(data, decoder.name.endswith("wb")):
            raise av.error.InvalidDataError(1094995529, "not an AMR frame (garbage read as one)")
        return decoder.decode(packet) if decoder is not None else packet.decode()
    except av.error.FFmpegError as exc:  # one bad packet (invalid data, or garbage read as an
        # unsupported mode: PatchWelcomeError): skip it, note it, the next frame is placed
        errors.append(str(exc))
        timeline.note(time_s(packet.pts, packet.time_base), time_s(packet.duration, packet.time_base) or 0.0)
        return []


def _channel_count(stream) -> int:
    return int(stream.channels or 1)


def _layout_for(stream) -> str:
    """The stream's own layout, never remixed: a stereo pair whose header names other positions
    (LFE and back centre) cannot be rematrixed to stereo (ffmpeg: 'Invalid argument')."""
    channels = int(stream.channels or 1)
    return "mono" if channels == 1 else stream.layout.name or "stereo"


def _sample_format(mono: bool) -> str:
    """Interleaved float for several channels: PyAV's planar to_ndarray reads past the
    planes of a frame with 8 or more channels (a segfault on a 7.1 WAV), packed has one."""
    return "fltp" if mono else "flt"


def _shape(mono: bool, channels: int) -> str:
    """How decoded frames are handed on: 'channels' as (channels, samples); 'mono' for one
    channel; 'mix' for several, mixed here (app/core/media/mixing.py): a channel wired in opposite
    polarity is turned over rather than cancelling the voice, and every channel counts (ffmpeg's
    downmix of a 5.1 or 8-channel layout leaves out the LFE channel, the fourth, where a
    multitrack recorder with no channel positions keeps a microphone like any other)."""
    if not mono:
        return "channels"
    return "mix" if channels > 1 else "mono"


def _planar(frame, shape: str, mixer: Mixer | None = None) -> np.ndarray:
    """The frame as (channels, samples) float32, or 1-D samples (shape 'mono' or 'mix')."""
    data = frame.to_ndarray().astype(np.float32, copy=False)
    if shape == "mono":
        return data[0]
    channels = len(frame.layout.channels) or 1
    planes = np.ascontiguousarray(data.reshape(-1, channels).T)
    if shape != "mix":
        return planes
    return (mixer or Mixer(channels)).mix(planes)


def read_all(path: str, mono: bool = True, expected_ms: int = 0) -> tuple[np.ndarray, AudioReader]:
    """Decode a whole (short) file. Long recordings should use AudioReader.blocks()."""
    reader = AudioReader(path, mono=mono, expected_ms=expected_ms)
    blocks = list(reader.blocks())
    if not blocks:
        shape = (0,) if mono else (1, 0)
        return np.zeros(shape, dtype=np.float32), reader
    return np.concatenate(blocks, axis=-1), reader
