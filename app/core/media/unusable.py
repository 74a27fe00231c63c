"""Why an original that opened cannot be transcribed, in one line naming what it is.

A video without sound, a picture, a file of subtitles under a recording's name, a header stating
channels or a rate no recording has, and audio locked by DRM or Common Encryption: ffmpeg opens
each, and would decode the last to noise (reported as a recording damaged from its first second,
or cut short), so each is refused here by what it is.
"""

from __future__ import annotations

from app.core.errors import MediaError
from app.core.media import boxes, riff, stated_rate
from app.core.media.opening import NO_INDEX

SILENT_VIDEO = "video has no audio track"  # a video recorded or sent without sound (a GIF)
NO_SOUND_TRACKS = "no audio or video track: its tracks hold only subtitles, timecode or other data"
NO_TRACK_LISTED = ("no audio or video track: its index (moov) lists no track at all (a recording stopped before any "
                   "sound was written, or its index damaged)")
# An MP4 sample entry naming protected audio: iTunes FairPlay ('drms', 'drmi' for video), Common
# Encryption ('enca', 'encv'), Marlin/OMA ('encs' is systems data, left alone).
ENCRYPTED_TAGS = {"drms": "Apple FairPlay DRM", "enca": "Common Encryption (CENC)", "drmi": "Apple FairPlay DRM",
                  "drac": "Apple FairPlay DRM"}
SUBTITLE_FORMATS = {"srt", "ass", "webvtt", "microdvd", "subviewer", "subviewer1", "sami", "realtext", "mpl2",
                    "pjs", "jacosub", "vplayer", "stl", "lrc", "scc", "mcc", "aqtitle", "sup", "vobsub", "pgssub"}


def encrypted(tag: str) -> str:
    scheme = ENCRYPTED_TAGS[tag]
    return (f"encrypted audio, {scheme} (sample entry '{tag}'): it cannot be decoded without the key "
            "(not damaged); not transcribed")


def refuse(path: str, info: dict, no_tracks: bool, handle) -> None:
    """MediaError with the reason when the original holds nothing to transcribe; None otherwise."""
    if info["audio_codec"] == "":
        raise MediaError(path, _no_audio(info, no_tracks, handle))
    if (tag := info.get("codec_tag", "")) in ENCRYPTED_TAGS:
        raise MediaError(path, encrypted(tag))
    rate = info["sample_rate"]
    if (not rate or riff.rate_fault(rate)) and (fault := stated_rate.fault(handle)):  # a CAF's NaN: not '0 channels'
        raise MediaError(path, fault)
    if info["channels"] == 0 and info["audio_codec"].startswith("pcm_"):  # 0, or more than ffmpeg lays out
        stated = (riff.channel_count(handle) if info["container"] == "wav" else None) or 0
        raise MediaError(path, f"the header declares {stated:,} audio channels (damaged): its samples cannot be laid out")
    if info["sample_rate"] and (fault := riff.rate_fault(info["sample_rate"])):  # 7 Hz: 100 kB read as 4 hours
        raise MediaError(path, fault)


def _no_audio(info: dict, no_tracks: bool, handle) -> str:
    container = info["container"]
    if container.endswith("_pipe") or container in ("image2", "gif"):
        return f"a picture ({container.removesuffix('_pipe').upper()}), not a recording"
    if no_tracks and container.startswith("mov,"):
        if (moov := boxes.read_moov(handle)) is None:
            return f"no audio or video track: {NO_INDEX}"
        return NO_SOUND_TRACKS if _lists_a_track(moov[1]) else NO_TRACK_LISTED
    if info["has_video"] and container.startswith("mov,") and not boxes.holds_top_level(handle, b"moov"):
        return f"no audio track read: {NO_INDEX}"  # the file ends inside its index, in the sound's track
    if info["has_video"]:
        return SILENT_VIDEO
    if container in SUBTITLE_FORMATS:  # an .srt saved or renamed as .mp3: text, never a recording
        return f"a subtitle file ({container.upper()}): lines of text to show over a video, no sound; not a recording"
    return "no audio track"


def _lists_a_track(moov: bytes) -> bool:
    """Whether an index (a moov box's bytes) holds a track box ('trak') among its children."""
    at = 8
    while at + 8 <= len(moov):
        size = int.from_bytes(moov[at:at + 4], "big")
        if moov[at + 4:at + 8] == b"trak":
            return True
        if size < 8:
            return False
        at += size
    return False
