"""Audio an MP4/MOV's edit list hides.

An edit list tells a player which stretch of each track to show: a video trimmed in place (by
an app, or a recorder's own pre-roll) keeps every sample it recorded, and ffmpeg, like any
player, decodes only the stretch shown. What is hidden is still in the evidence: it is named
here, so a transcript never passes it over in silence.
"""

from __future__ import annotations

from typing import BinaryIO

import av

from app.core.media import boxes, edit_times, mp4_samples, mpeg
from app.core.media.av_files import open_av

HIDDEN_TOLERANCE_S = 1.0  # an encoder's priming, or a stream copy's pre-roll, hides less


def packets_end_s(container, index: int) -> float:
    """Where the last packet of stream `index` ends, read from the packets themselves (no
    decoding): the length of a track whose header states none (an MP4's mdhd left 0, an Ogg
    whose last page is lost in garbage after it), or 0. A packet stating the same time as the one
    before follows it: a RealAudio file whose packets all state 0 was recorded as 20 ms long."""
    stream = container.streams[index]
    end = 0.0
    clock = mpeg.Clock(container.format.name == "aac")  # an ADTS stream's frames timed by their own rate
    stamp, follows = None, 0.0  # the packet before's timestamp, and where it ended
    try:
        for packet in container.demux(stream):
            if packet.pts is not None and stream.time_base is not None:
                start = float(packet.pts * stream.time_base) - clock.shift(packet, stream.time_base)
                length = clock.last_s if clock.last_s is not None else float((packet.duration or 0) * stream.time_base)
                start = follows if packet.pts == stamp else start  # a timestamp restated (RealMedia's 0 at
                stamp, follows = packet.pts, start + length  # every packet): it follows the one before
                end = max(end, follows)
    except av.error.FFmpegError:  # garbage after the last packet (a carved file): the packets before it
        pass
    return end


def _duration_s(handle: BinaryIO, index: int, options: dict[str, str]) -> float | None:
    """The stream's stated length, or where its packets end when it states none."""
    handle.seek(0)
    with open_av(handle, options=options) as container:
        stream = container.streams[index]
        if stream.duration and stream.time_base is not None:
            return float(stream.duration * stream.time_base)
        return packets_end_s(container, index) or None


def _samples_held_s(handle: BinaryIO, index: int) -> float | None:
    """How long the stream's packets can last by their codec's frame size (1024 samples an AAC
    packet), whatever their timestamps say: a damaged header (an mdhd timescale of 0) has ffmpeg
    read each 64 ms AAC packet as 1024 s, and the audio 'hidden' as a day. None for a codec of no
    fixed frame size (PCM)."""
    handle.seek(0)
    with open_av(handle, options={"ignore_editlist": "1"}) as container:
        stream = container.streams[index]
        frame, rate = stream.codec_context.frame_size, stream.codec_context.sample_rate
        if not frame or not rate:
            return None
        try:
            packets = sum(1 for packet in container.demux(stream) if packet.size)
        except av.error.FFmpegError:
            return None
    return packets * frame / rate


def edit_list_end(handle: BinaryIO, index: int, decoded_s: float, stated_s: float) -> tuple[float | None, str]:
    """Where the audio an edit list shows ends when that is well before the track's stated length
    (else None: a shortfall is a cut), and the warning naming what the edit list hides, repeats or
    plays out of the order it was recorded in. A track whose index lists samples past the end of
    the file was cut short (a fast-start file, its index before its samples): no edit list's doing."""
    if mp4_samples.past_end(handle, index):  # boxes.CUT_NOTE says so when the file ends inside its mdat
        return None, "" if boxes.cut_inside_a_box(handle) else samples_cut_note(decoded_s, stated_s)
    if edit_times.damaged(handle) is not None:  # read whole, its own note says so: nothing is hidden
        return None, ""
    repeated, backwards = _replayed(handle, index) if boxes.most_edits(handle) > 1 else (0.0, 0.0)
    early = edits_end_early(handle, index, decoded_s, stated_s)
    note = hidden_note(handle, index, decoded_s if early or repeated > HIDDEN_TOLERANCE_S else None, repeated)
    if backwards > HIDDEN_TOLERANCE_S:
        order = (f"the file's edit list plays {backwards:.1f} s of its audio before audio recorded ahead of it: "
                 "the transcript follows the edit list's order")
        note = "; ".join(filter(None, (note, order)))
    return (decoded_s if early else None), note


def samples_cut_note(decoded_s: float, stated_s: float) -> str:
    return (f"the file ends before the samples its index lists ({decoded_s:.1f} s of the {stated_s:.1f} s it "
            "states are there): the recording was cut short, or its index is damaged")


def hidden_note(handle: BinaryIO, index: int, shown_s: float | None = None, repeated_s: float = 0.0) -> str:
    """A warning line when the edit list of stream `index` hides over a second of its audio
    (`shown_s`: how much it was found to show, when not what the track states), or plays over a
    second of it more than once (`repeated_s`): its words are then transcribed as often."""
    try:
        shown = _duration_s(handle, index, {}) or 0.0
        shown = shown if shown_s is None else shown_s  # played twice: more than the track states (its header's)
        held = _duration_s(handle, index, {"ignore_editlist": "1"})
    except (av.error.FFmpegError, OSError, IndexError, ValueError):
        return ""
    repeated = repeated_s if repeated_s > HIDDEN_TOLERANCE_S else 0.0
    if held is None or held - shown + repeated <= HIDDEN_TOLERANCE_S and not repeated:
        return ""
    try:
        held = min(held, _samples_held_s(handle, index) or held)
    except (av.error.FFmpegError, OSError, IndexError, ValueError):
        return ""
    hidden = held - (shown - repeated)
    if hidden <= HIDDEN_TOLERANCE_S and not repeated:
        return ""
    line = f"the file's edit list shows {shown:.1f} s of the {held:.1f} s of audio it holds"
    if hidden > HIDDEN_TOLERANCE_S:
        line += f": the {hidden:.1f} s it hides are not transcribed"
    if repeated:
        line += f"; it plays {repeated:.1f} s of that audio more than once, and its words are transcribed as often"
    return line


def _replayed(handle: BinaryIO, index: int) -> tuple[float, float]:
    """How long the packets last that the edit list shows more than once (the same bytes played
    again), and those it shows before audio recorded ahead of them (out of order)."""
    handle.seek(0)
    seen: set[int] = set()
    again = backwards = 0.0
    try:
        with open_av(handle) as container:
            stream = container.streams[index]
            for packet in container.demux(stream):
                if not (packet.size and packet.duration and not packet.is_discard and stream.time_base is not None):
                    continue
                lasts = float(packet.duration * stream.time_base)
                if packet.pos in seen:
                    again += lasts
                elif seen and packet.pos < max(seen):
                    backwards += lasts
                seen.add(packet.pos)
    except (av.error.FFmpegError, OSError, IndexError, ValueError):
        return 0.0, 0.0
    return again, backwards


LATE_START_S = 1.0  # a clock starting later than this is a recording's own, not an encoder's priming


def late_start_ms(container, index: int, stated_ms: int) -> int:
    """The length of a recording whose clock starts well past 0 (an Ogg cut out of a live stream,
    its granule positions running on from where the broadcast began; a Matroska file keeping its
    source's timestamps), measured from its packets. ffmpeg states some such as where they end,
    not how long they last: 6 s of speech starting at 10:00:00 was recorded as 10 hours long,
    flagged truncated and named 'damaged 00:06.1-10:00:06.2'. Any other length stands."""
    start = container.start_time / av.time_base if container.start_time is not None else 0.0
    if start < LATE_START_S or stated_ms / 1000 <= start:
        return stated_ms
    return round(max(0.0, packets_end_s(container, index) - start) * 1000) or stated_ms


def shown_s(handle: BinaryIO, index: int, options: dict[str, str] | None = None) -> float:
    """How long the packets of stream `index` last that its edit list shows (those ffmpeg does not
    mark to be discarded), from the file's index: all of them whether or not the bytes are there.
    With {"ignore_editlist": "1"}: how long all the packets it holds last."""
    handle.seek(0)
    with open_av(handle, options=options or {}) as container:
        stream = container.streams[index]
        if stream.time_base is None:
            return 0.0
        try:
            return sum(float(p.duration * stream.time_base) for p in container.demux(stream)
                       if p.size and p.duration and not p.is_discard)
        except av.error.FFmpegError:
            return 0.0


def edits_end_early(handle: BinaryIO, index: int, decoded_s: float, stated_s: float) -> bool:
    """Whether audio ending well before the track's stated length ends there because its edit list
    shows no more (an edit starting late, an empty edit, one pointing past the samples), not because
    the file was cut: ffmpeg states such a track's length from the edits' durations."""
    if stated_s - decoded_s <= HIDDEN_TOLERANCE_S / 2:
        return False
    try:
        shown = shown_s(handle, index)
        if shown > decoded_s + HIDDEN_TOLERANCE_S / 2:
            return False
        # the edit list leaves out packets the track holds; when it holds no more than it shows (an
        # index listing no samples: samples per chunk 0), they are missing, not hidden
        return shown_s(handle, index, {"ignore_editlist": "1"}) > shown + HIDDEN_TOLERANCE_S / 2
    except (av.error.FFmpegError, OSError, IndexError, ValueError):
        return False
