"""Open an original for ffmpeg (PyAV), reading past what a phone, a tagger or a carving tool
put in its way, and naming in one line why it cannot be opened when it cannot.

Read past: an ID3 tag before an MP4/M4A, junk inside an Ogg longer than ffmpeg searches
across, AMR frames saved without their header, AMR-WB in a CAF, a WAV chunk missing its pad
byte or samples split over several data chunks, an ID3 tag before an MP4 or a WAV or one whose
stated length runs past the file. Each is opened through a
read-only view of the file (app/core/media/views.py); the file itself is never changed.
"""

from __future__ import annotations

import re
import struct

import av

from app.core.media import (
    aac_config,
    adts,
    amr,
    amr_frames,
    amr_repeats,
    box_sizes,
    boxes,
    caf_packets,
    data_ends,
    ebml,
    edit_times,
    file_kinds,
    flac,
    headerless,
    id3_tags,
    joined,
    mkv_clock,
    mkv_entry,
    mkv_lacing,
    mkv_private,
    moov_twice,
    moovless,
    moovless_aac,
    moovless_video,
    ogg,
    ogg_clock,
    ogg_order,
    ogg_repeats,
    ogg_serials,
    opus_gain,
    opus_head,
    opus_mapping,
    opus_tags,
    riff,
    rifx,
    stated_rate,
    timescale,
    ts_streams,
    wav_blocks,
    wav_names,
    zeroed_start,
)
from app.core.media.av_files import open_av
from app.core.media.views import Patched, Spliced, window

IMAGE_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"avif", b"avis"}
NO_PACKET_TABLE = "a CAF file ffmpeg cannot read: damaged, or cut before its packet table (written last)"
APPLE_DOUBLE = "macOS metadata (an AppleDouble '._' file a Mac writes beside a file it copies), not a recording"
CUT_BEFORE_AUDIO = "the file ends before any audio (cut short in its headers)"
NO_INDEX = "an MP4/MOV without its index (the moov atom is missing or cut: an unfinished or truncated recording)"
BROKEN_INDEX = "an MP4/MOV whose index (moov atom) is whole but damaged: ffmpeg cannot read its track tables"
NOT_FRAMES = ("its media data was read without it as AMR and as AAC-LC frames (8-96 kHz, mono or stereo; a video's "
              "between its pictures) and is neither (sound of another coding, such as a video's Opus or PCM, or "
              "damage): it cannot be read")


def open_container(handle) -> av.container.InputContainer:  # type: ignore[name-defined]
    """The file open in ffmpeg; ValueError with a one-line reason when it cannot be, naming a file joined after
    it (a WebM cut in its headers, then a whole WAV: the WAV went unmentioned)."""
    try:
        return _open_first(joined.first_only(handle))  # a file joined after it: read on into it, or lost
    except ValueError as exc:
        second = joined.found(handle)
        if second is None or second.opens_as == "id3":
            raise
        raise ValueError(f"{exc}; {second.note}") from exc


def _open_first(handle) -> av.container.InputContainer:  # type: ignore[name-defined]
    if rifx.is_rifx(_head(handle, 12)) and (big := rifx.samples(handle)) is not None:  # read as noise
        return _open_as(window(handle, big.start, big.end), big.raw_format, big.options)
    if (head := opus_head.lost(handle)) is not None:  # OpusHead wiped or damaged: 'not a media file'
        if not head.channels:  # surround: one decoder reads its streams as noise
            raise ValueError(opus_head.SURROUND)
        handle = head.view(handle)
    if _head(handle, 4) == b"OggS":  # a page written twice in a row (heard twice), pages shuffled
        handle = ogg_order.in_order(ogg_repeats.read_once(handle))
    if _head(handle, 4) == b"OggS":  # pages under a serial no stream began: 4 s of 6 lost
        handle = ogg_serials.view(handle)
    if _head(handle, 4) == b"OggS" and (tagless := opus_tags.missing(handle)) is not None:  # 'not a media file'
        handle = opus_tags.with_tags(handle, tagless)
    if _head(handle, 4) == b"OggS" and (runs := ogg.junk_runs(handle)):
        handle = Spliced(handle, _between(runs, handle.seek(0, 2)))
    if _head(handle, 4) == b"OggS" and (recounted := ogg_clock.recount(handle)) is not None:  # granules -1
        handle = Patched(handle, recounted.patches)
    if _head(handle, 4) == b"OggS" and (end := ogg.end_after_a_loss(handle)) is not None:  # heard a page early
        handle = Patched(handle, end)
    if (gain := opus_gain.absurd_gain(handle)) is not None:  # -128 dB: speech decoded as silence
        handle = opus_gain.without_gain(handle, gain)
    if (laces := mkv_lacing.damaged(handle)) is not None:  # a lace bit flipped: 3 s of its cluster lost
        handle = Patched(handle, laces.patches)
    if (entry := mkv_entry.damaged(handle)) is not None:  # a size field damaged: 'no audio track'
        handle = Patched(handle, entry.patches)
    if (private := mkv_private.unusable(handle)) is not None:  # an OpusHead zeroed: nothing decoded
        handle = Patched(handle, private.patches)
    if (mapping := opus_mapping.unusable(handle)) is not None:  # 3 channels in family 0: nothing decoded
        handle = Patched(handle, mapping.patches(handle))
    if (names := wav_names.damaged(handle)) is not None:  # 'RIFE', a 'data' chunk renamed: 'not a media file'
        handle = Patched(handle, names.patches)
    if (blocks := wav_blocks.damaged(handle)) is not None:  # ADPCM blocks of 1 byte: nothing decoded
        handle = Patched(handle, blocks.patches)
    if (wav := wav_layout(handle)) is not None and wav.needs_rebuilding:  # a pad byte left out, data split
        handle = Spliced(handle, list(wav.data), prefix=wav.header())
    if _is_iso_media(handle) and (sizes := box_sizes.damaged(handle)) is not None:  # ftyp's size: 'not media'
        handle = Patched(handle, sizes.patches)
    if _is_iso_media(handle) and (copy := moov_twice.found(handle)) is not None:  # every sample read from the copy
        handle = copy.view(handle)
    if _is_iso_media(handle) and (fixes := timescale.damaged(handle)):  # a timescale of 1: packets 1,024 s long
        handle = Patched(handle, timescale.patches(fixes))
    if (table := ts_streams.renamed(handle)) is not None:  # MP3 named over AAC: nothing decoded
        handle = Patched(handle, table.patches)
    handle = adts.view(handle)  # a frame length damaged: ffmpeg lost its way
    if _is_iso_media(handle) and (rates := aac_config.wrong_rate(handle)):  # every AAC packet failed
        handle = Patched(handle, aac_config.patches(rates))
    if _is_iso_media(handle) and (edit := edit_times.damaged(handle)) is not None:  # media time -5,000: a shift
        handle = Patched(handle, edit.patches())
    if (tick := mkv_clock.scale_fix(handle)) is not None:  # a 1 ns tick: 6 s of sound stated as 14 ms
        handle = Patched(handle, {tick.at: tick.packed})
    if (rate := flac.rate_fix(handle)) is not None:  # STREAMINFO's rate is not its frames'
        handle = Patched(handle, {flac.RATE_AT: rate.packed})
    handle = data_ends.mended(handle)  # a CAF/W64 data size that lost a bit: heard short, or not, by its bytes
    if _head(handle, 4) == b"caff" and (table := caf_packets.damaged(handle)) is not None:  # refused whole
        handle = table.view(handle)
    if (tag := _after_id3(handle)) > BIG_TAG:  # ffmpeg took 4 s to read a 20 MB tag, at each of 4 openings
        handle = window(handle, tag, handle.seek(0, 2))
    if (wiped := zeroed_start.found(handle)) is not None:  # an ftyp wiped to zeros: 'not a media file'
        return _open(Patched(handle, wiped.patches))  # read by its index (its frames are no headerless AMR's)
    handle, whole = amr_repeats.read_past(handle), handle  # '#!AMR' again inside: read as frames, every word after it late
    if fault := amr.header_only(handle, whole.seek(0, 2) - handle.seek(0, 2)):  # zeros alone: never written, or zeroed
        raise ValueError(fault)
    if (tail := amr.unwritten_tail(handle)) is not None:  # zeros to the end: no frames, never written
        handle = window(handle, 0, tail)
    if (tocs := amr_frames.mended(handle)) is not None:  # a frame header damaged: every word after it late
        handle = Patched(handle, tocs.patches)
    if (frames := amr.misheaded(handle)) is not None:  # '#!AMR-WB' before AMR-NB frames: noise
        return _open_as(window(handle, frames.start, handle.seek(0, 2)), frames.kind)
    if (bare := moovless.found(handle)) is not None:  # a 3GP note or video without its index: refused whole
        return _open_as(bare.view(handle), bare.kind)
    if (aac := moovless_aac.found(handle)) is not None:  # an M4A note without its index: refused whole
        return _open_as(aac.view(handle), "aac")
    if cut := adts.cut_in_first_frame(handle):  # 'not a media file', or 0 s heard as 'damaged'
        raise ValueError(cut)
    container = _open(handle)
    if headerless.fault(container.format.name) or headerless.assumed(container.format.name):  # ffmpeg's 44.1 kHz
        return _at_its_rate(handle, container)
    unknown = container.format.name == "caf" and not any(s.codec_context for s in container.streams.audio)
    if unknown and (frames := amr.caf_amr_wb(handle)) is not None:  # AMR-WB: a tag ffmpeg's CAF reader lacks
        container.close()
        return _open(Spliced(handle, [frames], prefix=amr.WB_HEADER))
    return container


def _at_its_rate(handle, container) -> av.container.InputContainer:  # type: ignore[name-defined]
    """A headerless telephone stream opened again at its coding's rate; a linear one refused."""
    name = container.format.name
    container.close()
    if fault := headerless.fault(name):
        raise ValueError(fault)
    return _open_as(handle, name, {"sample_rate": str(headerless.TELEPHONE_RATE)})


def header_fixes(handle) -> tuple:
    """What was read past in the file's headers (each None, or with a note for the run)."""
    if (wiped := zeroed_start.found(handle)) is not None:  # read by its index alone (open_container): no other
        return (wiped,)  # view is made, so no other fix's note applies
    first = joined.first_only(handle)  # a CAF's: bare MP3 frames after it are no audio of its own
    return (box_sizes.damaged(handle) if _is_iso_media(handle) else None, moov_twice.found(handle) if _is_iso_media(handle) else None, opus_gain.absurd_gain(handle), opus_mapping.unusable(handle), opus_tags.missing(handle),
            ogg_repeats.found(handle), ogg_order.found(ogg_repeats.read_once(handle)), amr.misheaded(handle),
            ogg_serials.found(ogg_order.in_order(ogg_repeats.read_once(handle))),
            data_ends.found(first), caf_packets.damaged(data_ends.view(first)), edit_times.damaged(handle) if _is_iso_media(handle) else None,
            wav_blocks.damaged(handle), amr_repeats.found(handle), amr_frames.mended(amr_repeats.read_past(handle)),
            mkv_private.unusable(mkv_entry.view(handle)),
            mkv_lacing.damaged(handle), moovless.found(handle), mkv_entry.damaged(handle), moovless_aac.found(handle),
            wav_names.damaged(handle), joined.found(handle), opus_head.lost(handle))


def cut_mark(handle, format_name: str) -> str:
    """Why a recording that states no length was cut short (an AMR ending inside a frame, a WebM
    written as it went ending inside a block), or ''."""
    if format_name in ("amrnb", "amrwb") and (bare := moovless.found(handle)) is not None:
        return bare.cut_note
    if format_name == "aac" and (aac := moovless_aac.found(handle)) is not None:
        return aac.cut_note
    if format_name in ("amr", "amrnb", "amrwb", "caf") and amr.cut_mid_frame(amr_repeats.view(handle)):
        return amr.TAIL_NOTE if amr.unwritten_tail(amr_repeats.read_past(handle)) is not None else amr.CUT_NOTE
    if format_name == "aac" and adts.cut_mid_frame(handle):
        return adts.CUT_NOTE
    if format_name.startswith("matroska") and ebml.ends_inside_an_element(joined.first_only(handle)):  # to a file after
        return ebml.CUT_NOTE
    return ""


EMPTY_VIDEO_TRACK = "a video whose audio track holds no sound at all (empty)"


def holds_no_packet(handle, index: int) -> bool:
    """True when the stream holds not one packet (a header and nothing after it, '#!AMR\\n' alone):
    no recording to give an empty transcript of."""
    try:
        with open_container(handle) as container:
            return not any(packet.size for packet in container.demux(container.streams[index]))
    except (av.error.FFmpegError, ValueError):
        return False


def _between(runs: list[tuple[int, int]], size: int) -> list[tuple[int, int]]:
    """The byte ranges of a file of `size` bytes that lie outside the runs."""
    edges = [0] + [edge for run in runs for edge in run] + [size]
    return list(zip(edges[::2], edges[1::2]))


# No protocol is allowed to a file's own demuxer: an ffconcat list, an SDP description or a
# playlist under a recording's name would otherwise have ffmpeg open the files or network
# streams it names (another file's words under this file's hash, or a wait on a socket).
OWN_BYTES_ONLY = {"protocol_whitelist": "none"}
SCRIPTS = (
    (re.compile(rb"\A(?:\xef\xbb\xbf)?\s*ffconcat version"), "an ffconcat list naming other files to play"),
    (re.compile(rb"^c=IN IP", re.MULTILINE), "an SDP session description pointing at a network stream"),
    (re.compile(rb"\A(?:\xef\xbb\xbf)?\s*#EXTM3U"), "an M3U/HLS playlist naming other files or addresses"),
)
SCRIPT_FORMATS = {"concat": SCRIPTS[0][1], "sdp": SCRIPTS[1][1], "hls": SCRIPTS[2][1], "rtp": SCRIPTS[1][1],
                  "rtsp": SCRIPTS[1][1]}


def script_fault(kind: str) -> str:
    return f"a text file, not a recording: {kind} (what it names was not opened: it is not in this file)"


def _script_kind(handle) -> str:
    """What a text file ffmpeg would follow to other files or the network is, or ''."""
    head = _head(handle, ZERO_CHECK)
    return next((kind for pattern, kind in SCRIPTS if pattern.search(head)), "")


def _open(handle) -> av.container.InputContainer:  # type: ignore[name-defined]
    if kind := _script_kind(handle):
        raise ValueError(script_fault(kind))
    handle.seek(0)
    try:
        return _own_format(_in_large_packets(handle, _probed_to_the_audio(handle, open_av(handle, options=dict(OWN_BYTES_ONLY)))))
    except av.error.InvalidDataError as exc:
        if _id3_only(handle):
            raise ValueError(ID3_ONLY) from exc
        if tag := _after_id3(handle):  # an M4A, a WAV a tagger put an ID3 tag before; a tag's size run past the end
            return _open(window(handle, tag, handle.seek(0, 2)))
        if raw := amr.raw_format(_head(handle, amr.SNIFF_BYTES)):  # too few frames for ffmpeg to tell
            return _open_as(handle, raw)
        if _is_iso_media(handle) and (cut := boxes.cut_fragment(handle)):  # the fragments before the cut one
            return _open(window(handle, 0, cut))
        raise ValueError(_iso_fault(handle) if _is_iso_media(handle) else NO_PACKET_TABLE if _head(handle, 4) == b"caff"
                         else APPLE_DOUBLE if _head(handle, 4) == b"\x00\x05\x16\x07"
                         else _riff_fault(handle) or wav_names.fault(handle) or stated_rate.fault(handle) or ogg.damaged_start(handle)
                         or _not_media(_head(handle, ZERO_CHECK))) from exc
    except av.error.EOFError as exc:  # an Ogg holding only its headers, a file cut in its first page
        zeroed = _head(handle, zeroed_start.LEAD) == bytes(zeroed_start.LEAD)  # an Ogg's first page wiped: no cut
        raise ValueError(ogg.damaged_start(handle) or (_not_media(_head(handle, ZERO_CHECK)) if zeroed
                                                       else CUT_BEFORE_AUDIO)) from exc
    except av.error.FFmpegError as exc:  # a WebM cut in its headers: 'Input/output error'
        raise ValueError(CUT_BEFORE_AUDIO if ebml.cut_in_headers(handle) else f"cannot read media ({exc.strerror or exc})") from exc


PROBED_FORMATS = ("mpegts", "mpeg", "flv")  # formats whose streams are known only from their packets
LONG_PROBE = {"analyzeduration": str(24 * 3600 * 1_000_000), "probesize": str(1 << 30),  # the first GiB
              "fflags": "nobuffer"}  # what the look read is not kept: memory stays flat


def _probed_to_the_audio(handle, container) -> av.container.InputContainer:  # type: ignore[name-defined]
    """The container, opened again looking as far into the file as its audio lies when ffmpeg's
    first look (5 s) did not reach it: sound starting minutes into a camcorder's or a dash
    camera's MPEG-TS was recorded as 0 Hz, no channels, placed 0.1 s off with that stretch
    named damaged. ffmpeg reads only until every stream is known (up to 1 GiB: an audio track that
    never holds a packet, beside one that does, is not looked for)."""
    audio = [s for s in container.streams if s.type == "audio" and s.codec_context is not None]
    if container.format.name not in PROBED_FORMATS or not audio or any(s.codec_context.sample_rate for s in audio):
        return container
    handle.seek(0)
    try:
        longer = open_av(handle, options={**OWN_BYTES_ONLY, **LONG_PROBE})
    except av.error.FFmpegError:  # no better for looking further: as first opened
        return container
    container.close()
    return longer


LARGE_PACKETS = {"max_size": str(1 << 18)}  # a WAV's PCM read 256 kB a packet, not ffmpeg's 4 kB


def _in_large_packets(handle, container) -> av.container.InputContainer:  # type: ignore[name-defined]
    """A PCM WAV opened again to be read in 256 kB packets: in ffmpeg's 4 kB ones each packet's
    passage through decoding cost more than its samples, about 50 s a GiB (a recorder's 4 GB
    WAV of nothing but a header over zeros took minutes to say there was no speech). Only plain
    PCM: a block-coded WAV (ADPCM, GSM) keeps ffmpeg's packets, one block each."""
    audio = [s for s in container.streams if s.type == "audio" and s.codec_context is not None]
    if container.format.name != "wav" or not audio or not all(s.codec_context.name.startswith("pcm_") for s in audio):
        return container
    handle.seek(0)
    try:
        larger = open_av(handle, options={**OWN_BYTES_ONLY, **LARGE_PACKETS})
    except av.error.FFmpegError:  # as first opened
        return container
    container.close()
    return larger


ZERO_CHECK = 1 << 16
OTHER_KINDS = (
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive: an app, an Office document or a chat export may be one"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"\x1f\x8b", "a gzip archive"),
)


def _not_media(head: bytes) -> str:
    """'not a media file ffmpeg can read', with what the file is when its first bytes say (a PDF
    or a ZIP under a recording's name), or that it starts with nothing but zero bytes."""
    kind = next((name for magic, name in OTHER_KINDS if head.startswith(magic)), "")
    if not kind and head and not head.strip(b"\x00"):
        kind = f"its first {len(head):,} bytes are all zero: never written, wiped, or a disk's empty space"
    elif not kind and (zeros := len(head) - len(head.lstrip(b"\x00"))) >= zeroed_start.LEAD:
        kind = (f"its first {zeros:,} bytes are zeros where its header belongs (wiped, or never written: it may be "
                f"damaged), and nothing after them states its format (for a WAV: its rate, channels and sample size, held in "
                f"those bytes): the rest cannot be read without guessing")
    return f"not a media file ffmpeg can read ({kind})" if kind else "not a media file ffmpeg can read"


def _own_format(container) -> av.container.InputContainer:  # type: ignore[name-defined]
    """The container, unless its format is one that only names media held elsewhere."""
    kind = SCRIPT_FORMATS.get(container.format.name)
    if kind:
        container.close()
        raise ValueError(script_fault(kind))
    return container


def _open_as(handle, format_name: str, options: dict[str, str] | None = None) -> av.container.InputContainer:  # type: ignore[name-defined]
    handle.seek(0)
    try:
        return open_av(handle, format=format_name, options={**OWN_BYTES_ONLY, **(options or {})})
    except av.error.FFmpegError as exc:
        raise ValueError(f"cannot read media ({exc.strerror or exc})") from exc


def _head(handle, size: int) -> bytes:
    try:
        handle.seek(0)
        return handle.read(size)
    except (OSError, ValueError):
        return b""


ID3_HEADER = file_kinds.ID3_HEADER
BIG_TAG = 1 << 20  # an ID3 tag past this (a file, a picture, private data in it) is not handed to ffmpeg


def _after_id3(handle) -> int:
    """Where what the ID3v2 tags at the start of the file are put before begins, or 0 (no tag, or a
    HEIF/AVIF photo after them). ffmpeg reads past a tag only before MP3 and a few raw streams: an
    MP4/M4A or a WAV a tagger put one before is 'invalid'. A tag whose stated size runs past the end of
    the file (damaged, mis-written) would have the whole file skipped: its frames are walked instead
    (id3_tags.py)."""
    if not id3_tags.opens_tag(_head(handle, ID3_HEADER)):
        return 0
    size = handle.seek(0, 2)
    at = id3_tags.tags_end(handle, 0)
    handle.seek(at)
    box = handle.read(12)
    return 0 if at >= size or (box[4:8] == b"ftyp" and box[8:12] in IMAGE_BRANDS) else at


ID3_ONLY_READ = 1 << 22
ID3_ONLY = "an ID3 tag (a title, an artist, a picture) with no audio after it: a download or copy that stopped there"


def _id3_only(handle) -> bool:
    """ID3v2 tags and nothing after them but zero bytes: the audio never came."""
    if _head(handle, 3) != b"ID3":
        return False
    size = handle.seek(0, 2)
    at = min(size, id3_tags.tags_end(handle, 0))
    if size - at > ID3_ONLY_READ:
        return False
    handle.seek(at)
    return not handle.read(ID3_ONLY_READ).strip(b"\x00")


def wav_layout(handle) -> riff.Layout | None:
    """A RIFF WAV's chunks (riff.layout), None for any other file or one that cannot be read."""
    if _head(handle, 4) not in riff.WAV_MAGIC:
        return None
    try:
        return riff.layout(handle)
    except (OSError, ValueError, struct.error):
        return None


def _riff_fault(handle) -> str | None:
    try:
        return riff.header_fault(handle)
    except (OSError, ValueError):
        return None


def _iso_fault(handle) -> str:
    """Why ffmpeg could not open an MP4/MOV: its index missing or cut, or there and damaged (an empty
    sample description: it was called missing)."""
    if boxes.locate_top_level(handle, b"moov") is not None:
        return BROKEN_INDEX
    if (data := boxes.payload(handle, b"mdat")) is None:
        return NO_INDEX
    if data[1] - data[0] > moovless_aac.most_bytes(handle, data):
        return f"{NO_INDEX}; its media data ({(data[1] - data[0]) >> 20:,} MB) is past what is searched for frames without it"
    if (video := moovless_video.video_at(handle, data[0], data[1])) is not None:
        return f"{NO_INDEX}; {moovless_video.no_sound(video[0])}"
    return f"{NO_INDEX}; {NOT_FRAMES}"


def _is_iso_media(handle) -> bool:
    """An MP4/MOV/3GP/M4A by its first box (ftyp), whatever its name says; not a HEIF/AVIF
    photo, which shares the box layout."""
    head = _head(handle, 12)
    return head[4:8] == b"ftyp" and head[8:12] not in IMAGE_BRANDS

