"""Who spoke when: speech regions -> short windows -> voiceprints -> clusters -> turns.

Memory is flat in duration: the VAD scans blocks, windows are embedded in groups,
and only one 192-float voiceprint per 1.5 s window is kept (about 30 KB per minute).
Same input, same output: no dithering, a seeded k-means and stable sorting.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.core.diarize import cluster as clustering
from app.core.diarize.band import NARROW_SHIFT, band_energy, is_narrowband
from app.core.diarize.embedder import SAMPLE_RATE, SpeakerEmbedder
from app.core.diarize.heard_split import split_heard_apart
from app.core.diarize.lone import split_lone
from app.core.diarize.long_split import split_minorities
from app.core.diarize.model_dirs import SEGMENTATION_MODEL
from app.core.diarize.onnx_model import RUN_THREAD, cached
from app.core.diarize.overlap import LocalSpeakers, change_points
from app.core.diarize.pitch import median_f0
from app.core.diarize.records import DiarResult, Turn
from app.core.diarize.region_split import split_by_regions
from app.core.diarize.repeats import fresh_seconds, repeated_copies, twins
from app.core.diarize.same_voice import LocalKey, merge_same_voice
from app.core.diarize.scraps import fold_scraps
from app.core.diarize.segmentation import Segmenter, load_segmenter
from app.core.diarize.vad import speech_regions
from app.core.diarize.vectors import unit
from app.core.errors import ParleyError

WINDOW_S = 1.5  # target window length; a region is cut into equal windows near this
MIN_WINDOW_S = 0.4  # regions shorter than this are not embedded, they take a neighbour's label
MIN_SPEECH_S = 0.6  # less speech than this in the whole recording: no speakers
EDGE_PAD_MS = 110  # VAD trims soft onsets and endings: a turn gets them back
MERGE_GAP_MS = 1500  # same speaker again after a pause this short: one turn
EMBED_GROUP = 256  # windows embedded per call, bounding feature memory
MIN_PIECE_S = 0.3  # a change point this close to a region's edge does not cut it
FRAGMENT_S = 0.8  # a window shorter than this has a noisy voiceprint ...
TOUCH_MS = 150  # ... and follows a long window this close to it (one breath, not a turn)
JOIN_GAP_MS = 200  # a lone window between two of one voice, this close to both, is that voice
MAX_REGION_S = 6  # a speech region's own voiceprint is taken from its first this many seconds
MEAN_WINDOWS = 3  # ... as its windows' mean voiceprint when it has this many there (_take_regions)


class DiarizeError(ParleyError):
    """Audio or settings that diarisation cannot use."""


@dataclass(frozen=True)
class Window:
    start: int  # samples
    end: int
    region: int  # index of the speech region it was cut from

    @property
    def embeddable(self) -> bool:
        return self.end - self.start >= MIN_WINDOW_S * SAMPLE_RATE


_EMBEDDERS: dict[tuple[str, int], SpeakerEmbedder] = {}


def load_embedder(model_dir: Path, threads: int = 2) -> SpeakerEmbedder:
    """One loaded speaker model per (folder, threads) in a process, checked against its manifest."""
    key = (str(Path(model_dir).resolve()), threads)
    return cached(_EMBEDDERS, key, lambda: SpeakerEmbedder(Path(model_dir), threads))  # type: ignore[return-value]


def segmenter_for(model_dir: Path, threads: int = 2) -> Segmenter | None:
    """The segmentation model installed beside the speaker model, else None (no overlaps)."""
    folder = Path(model_dir).parent / SEGMENTATION_MODEL
    return load_segmenter(folder, threads) if (folder / "segmentation-model.json").is_file() else None


def scan(audio: np.ndarray, segmenter: Segmenter | None):
    """Speech regions of `audio` (sample indices) and the segmentation frames (or None)."""
    if segmenter is None:
        return speech_regions(audio), None
    # Silero still finds the speech (measured better on the interview), on a thread of its own beside the
    # segmentation's runs (made by this thread, so at its priority): after the decoding, both cores share them.
    # A stopped segmentation (stream.stoppable) does not wait for it: it ends with its block, its result unused.
    pool = ThreadPoolExecutor(1, thread_name_prefix=RUN_THREAD)
    try:
        regions = pool.submit(speech_regions, audio)
        frames = segmenter.frames(audio)
        return split_at(regions.result(), change_points(frames, SAMPLE_RATE)), frames
    finally:
        pool.shutdown(wait=False)


def split_at(regions: Sequence[tuple[int, int]], points: Sequence[int]) -> list[tuple[int, int]]:
    """Regions cut at each point inside them (not within MIN_PIECE_S of an edge)."""
    margin = int(MIN_PIECE_S * SAMPLE_RATE)
    out = []
    for start, end in regions:
        for point in points:
            if start + margin <= point <= end - margin:
                out.append((start, point))
                start = point
        out.append((start, end))
    return out


class Collector:
    """Windows and voiceprints gathered piece by piece; only voiceprints are kept."""

    def __init__(self, embedder: SpeakerEmbedder, segmenter: Segmenter | None = None) -> None:
        self.embedder = embedder
        self.segmenter = segmenter
        self.local = LocalSpeakers.empty()
        self.windows: list[Window] = []
        self.embedded: list[Window] = []
        self.parts: list[np.ndarray] = []
        self.heard: list[LocalKey] = []  # per embedded window: its local speaker, if any
        self.pitches: list[float] = []  # per embedded window: median pitch (Hz) or NaN
        self.region_prints: list[np.ndarray] = []  # each speech region's voiceprint (_take_regions)
        self.region_seconds: list[float] = []  # ... and its length
        self.region_of: list[int] = []  # per embedded window: its region's index in region_prints
        self.band = [0.0, 0.0]  # the embedded speech's energy above 4 kHz, and in all (band.py)
        self.speech = 0  # samples of speech found
        self.regions = 0

    def take(self, audio: np.ndarray, offset: int, regions: Sequence[tuple[int, int]],
             frames=None, until: int | None = None) -> None:
        """Embed the windows of `regions` (sample indices into `audio`, which starts at `offset`);
        keep the local speakers of `frames` up to sample `until` of `audio`."""
        since = len(self.local.runs)
        if frames is not None:
            self.local.take(frames, _ms(offset), _ms(len(audio) if until is None else until))
        windows = cut_windows(regions)
        embeddable = [w for w in windows if w.embeddable]
        prints = _embed(self.embedder, audio, embeddable)
        if embeddable:
            self.parts.append(prints)
        spans = [(_ms(w.start + offset), _ms(w.end + offset)) for w in embeddable]
        self.heard.extend(self.local.heard_in(spans, since))
        self.pitches.extend(median_f0(audio[w.start : w.end]) for w in embeddable)
        for w in embeddable:
            self.band = [a + b for a, b in zip(self.band, band_energy(audio[w.start : w.end]), strict=True)]
        self._take_regions(audio, embeddable, prints)
        self.windows.extend(self._shift(w, offset) for w in windows)
        self.embedded.extend(self._shift(w, offset) for w in embeddable)
        self.speech += sum(end - start for start, end in regions)
        self.regions += len(regions)

    def _take_regions(self, audio: np.ndarray, embeddable: Sequence[Window], prints: np.ndarray) -> None:
        """One voiceprint per speech region, of its first MAX_REGION_S: the unit mean of its windows'
        voiceprints when it has MEAN_WINDOWS or more there, its audio embedded whole when two, its
        one window's voiceprint when one. Embedding every region of two windows or more again was a
        quarter of diarisation's CPU; the mean of two 1.5 s windows lost a speaker that the whole
        region kept (the tuning set's four_librispeech on AMR: 4 -> 3), three or more lost none."""
        first = len(self.region_prints)
        regions = region_windows(embeddable)
        index = {region: first + i for i, region in enumerate(dict.fromkeys(w.region for w in embeddable))}
        self.region_of.extend(index[w.region] for w in embeddable)
        pairs = [(a, b) for used, a, b in regions if len(used) == 2]
        whole = iter(_embed_pieces(self.embedder, [audio[a:b] for a, b in pairs]))
        for used, a, b in regions:
            if len(used) >= MEAN_WINDOWS:
                self.region_prints.append(unit(prints[used].mean(axis=0)).astype(np.float32))
            else:
                self.region_prints.append(next(whole) if len(used) == 2 else prints[used[0]])
            self.region_seconds.append((b - a) / SAMPLE_RATE)

    def _shift(self, window: Window, offset: int) -> Window:
        return Window(window.start + offset, window.end + offset, window.region + self.regions)

    def finish(self, length: int, speakers: int | None, min_speakers: int | None,
               max_speakers: int | None, settings: tuple) -> DiarResult:
        sha = self.embedder.sha256
        if self.speech < MIN_SPEECH_S * SAMPLE_RATE or not self.embedded:
            return DiarResult((), 0, (), sha, settings)
        emb = np.concatenate(self.parts)
        shift = NARROW_SHIFT if is_narrowband(*self.band) else 0.0  # phone band: people sound more alike
        spans = np.array([(w.start, w.end) for w in self.embedded], dtype=np.int64)
        copies = repeated_copies(emb, spans, clustering.copy_of(emb))  # the same sound heard again
        labels = clustering.cluster(
            emb, speakers, min_speakers or 1, max_speakers or clustering.MAX_SPEAKERS, shift, copies, self.heard
        )
        if speakers is None:
            seconds = [(w.end - w.start) / SAMPLE_RATE for w in self.embedded]
            weighed = pitches_to_weigh(self.pitches, seconds)
            labels = merge_same_voice(labels, emb, self.heard, weighed, min_speakers or 1, shift, twins(emb, spans, copies))
            most = max_speakers or clustering.MAX_SPEAKERS
            labels = split_heard_apart(labels, emb, self.heard, most, shift, copies)  # two voices heard apart in one cluster
            labels = fold_scraps(labels, emb, seconds, copies, min_speakers or 1)  # no speaker of scraps
            regions = (np.array(self.region_of), np.array(self.region_prints), np.array(self.region_seconds))
            pitches = np.array(self.pitches, dtype=np.float64)  # the splits weigh short windows too: a split
            # needs a minority's every window (a lone answer is often under 0.8 s), a join its steady ones
            fresh = fresh_seconds(regions[2], regions[0], copies)  # a region heard again holds no new speech
            labels = split_by_regions(labels, *regions, most, shift, pitches, fresh)
            labels = split_minorities(labels, *regions, most, shift, pitches)
            labels = split_lone(labels, emb, seconds, most)
        labels = smooth(self.embedded, labels)
        labels = attach_fragments(self.embedded, labels)
        window_labels = _label_all(self.windows, self.embedded, labels)
        order = first_appearance(window_labels)
        window_labels = [order[label] for label in window_labels]
        turns = pad_turns(build_turns(self.windows, window_labels), _ms(length))
        extra = self.local.overlap_turns(turns)
        turns = tuple(sorted(turns + extra, key=lambda t: (t.start_ms, t.speaker_index)))
        voiceprints = _voiceprints(emb, np.array([order[x] for x in labels]), len(order))
        return DiarResult(turns, len(order), voiceprints, sha, settings)


def diarize(
    audio: np.ndarray,
    model_dir: Path,
    speakers: int | None = None,
    min_speakers: int | None = None,
    max_speakers: int | None = None,
    threads: int = 2,
    segmentation: bool = True,
) -> DiarResult:
    """Speech turns of 16 kHz mono float32 `audio`, speakers numbered by first appearance.
    With the segmentation model installed (and `segmentation`), overlapped speech is found
    and given to both voices, and speech regions are cut where the speaker changes."""
    check_settings(audio, speakers, min_speakers, max_speakers)
    segmenter = segmenter_for(model_dir, threads) if segmentation else None
    collector = Collector(load_embedder(model_dir, threads), segmenter)
    regions, frames = scan(audio, collector.segmenter)
    collector.take(audio, 0, regions, frames)
    settings = settings_of(speakers, min_speakers, max_speakers)
    return collector.finish(len(audio), speakers, min_speakers, max_speakers, settings)


def check_settings(audio: np.ndarray, speakers, min_speakers, max_speakers) -> None:
    check_block(audio)
    for name, value in (("speakers", speakers), ("min speakers", min_speakers),
                        ("max speakers", max_speakers)):
        if value is not None and not 1 <= value <= clustering.MAX_SPEAKERS:
            raise DiarizeError(f"{name} must be between 1 and {clustering.MAX_SPEAKERS}, not {value}")
    if min_speakers and max_speakers and min_speakers > max_speakers:
        raise DiarizeError(f"min speakers ({min_speakers}) is above max speakers ({max_speakers})")


def check_block(audio: np.ndarray) -> None:
    if not isinstance(audio, np.ndarray) or audio.ndim != 1:
        raise DiarizeError("diarisation needs 16 kHz mono audio as a one-dimensional array")
    if audio.dtype != np.float32:
        raise DiarizeError(f"diarisation needs float32 samples, not {audio.dtype}")


def settings_of(speakers, min_speakers, max_speakers) -> tuple[tuple[str, object], ...]:
    return (
        ("speakers", speakers), ("min_speakers", min_speakers), ("max_speakers", max_speakers),
        ("window_s", WINDOW_S), ("min_silhouette", clustering.MIN_SILHOUETTE),
    )


def cut_windows(regions: Sequence[tuple[int, int]]) -> list[Window]:
    """Each region cut into equal windows of about WINDOW_S."""
    size = WINDOW_S * SAMPLE_RATE
    windows = []
    for index, (start, end) in enumerate(regions):
        count = max(1, round((end - start) / size))
        edges = np.linspace(start, end, count + 1).round().astype(np.int64)
        windows.extend(Window(int(a), int(b), index) for a, b in itertools.pairwise(edges))
    return windows


def region_windows(windows: Sequence[Window]) -> list[tuple[list[int], int, int]]:
    """Per speech region, in order of its first window: the indices of its windows that start in
    its first MAX_REGION_S, and the (start, end) samples of that stretch."""
    members: dict[int, list[int]] = {}
    for i, window in enumerate(windows):
        members.setdefault(window.region, []).append(i)
    out = []
    for m in members.values():
        start = windows[m[0]].start
        end = min(windows[m[-1]].end, start + MAX_REGION_S * SAMPLE_RATE)
        out.append(([i for i in m if windows[i].start < end], start, end))
    return out


def _embed(embedder: SpeakerEmbedder, audio: np.ndarray, windows: Sequence[Window]) -> np.ndarray:
    return _embed_pieces(embedder, [audio[w.start : w.end] for w in windows])


def _embed_pieces(embedder: SpeakerEmbedder, pieces: Sequence[np.ndarray]) -> np.ndarray:
    parts = [embedder.embed(pieces[first : first + EMBED_GROUP]) for first in range(0, len(pieces), EMBED_GROUP)]
    return np.concatenate(parts) if parts else np.zeros((0, embedder.dim), dtype=np.float32)


def pitches_to_weigh(pitches: Sequence[float], seconds: Sequence[float]) -> list[float]:
    """Each window's pitch for same_voice's test of two clusters, NaN (not weighed) for a fragment:
    shorter than FRAGMENT_S, its pitch is as unsteady as its voiceprint. Two 0.5 s scraps of the
    interview's lower voice (one a copy of the other) in the higher voice's cluster were 58 of its 435
    window pairs: the pitches' separation fell from 0.98 to 0.85, under the 0.9 line same_voice had
    then, and the two voices were joined into one speaker (the interview, a long silence, faint hiss
    and a repeat of its start; the interview's own AMR 4.75 kbit/s and 8 kHz Opus copies 1 -> 2 too)."""
    return [float("nan") if second < FRAGMENT_S else pitch for pitch, second in zip(pitches, seconds, strict=True)]


def smooth(windows: Sequence[Window], labels: np.ndarray) -> np.ndarray:
    """A lone window whose two neighbours agree takes their label, when it runs on from both:
    in the same region, or across a pause of at most JOIN_GAP_MS (a breath, not a turn)."""
    labels = labels.copy()
    for i in range(1, len(windows) - 1):
        before, after = windows[i - 1], windows[i + 1]
        if labels[i - 1] == labels[i + 1] != labels[i] and _runs_on(before, windows[i]) and _runs_on(windows[i], after):
            labels[i] = labels[i - 1]
    return labels


def _runs_on(first: Window, second: Window) -> bool:
    return first.region == second.region or 0 < second.start - first.end <= JOIN_GAP_MS * SAMPLE_RATE // 1000


def attach_fragments(windows: Sequence[Window], labels: np.ndarray) -> np.ndarray:
    """A window too short for a steady voiceprint, all but touching a long one, takes its label."""
    labels = labels.copy()
    touching = TOUCH_MS * SAMPLE_RATE // 1000
    for i, window in enumerate(windows):
        if window.end - window.start >= FRAGMENT_S * SAMPLE_RATE:
            continue
        for j in (i + 1, i - 1):
            if 0 <= j < len(windows):
                other = windows[j]
                gap = other.start - window.end if j > i else window.start - other.end
                if 0 <= gap <= touching and other.end - other.start >= WINDOW_S * SAMPLE_RATE * 0.66:
                    labels[i] = labels[j]
                    break
    return labels


def _label_all(windows: Sequence[Window], embedded: Sequence[Window], labels: np.ndarray) -> list[int]:
    """Labels for every window; one too short to embed takes the nearest embedded one's."""
    centres = np.array([(w.start + w.end) / 2 for w in embedded])
    known = {(w.start, w.end): int(label) for w, label in zip(embedded, labels)}
    result = []
    for w in windows:
        if (w.start, w.end) in known:
            result.append(known[(w.start, w.end)])
        else:
            nearest = int(np.argmin(np.abs(centres - (w.start + w.end) / 2)))
            result.append(int(labels[nearest]))
    return result


def first_appearance(labels: Sequence[int]) -> dict[int, int]:
    """Cluster id -> speaker index, numbered in order of first appearance."""
    order: dict[int, int] = {}
    for label in labels:
        order.setdefault(int(label), len(order))
    return order


def build_turns(windows: Sequence[Window], labels: Sequence[int]) -> tuple[Turn, ...]:
    """Consecutive windows of one speaker joined into turns across short pauses."""
    turns: list[Turn] = []
    for window, label in zip(windows, labels):
        start, end = _ms(window.start), _ms(window.end)
        last = turns[-1] if turns else None
        if last and last.speaker_index == label and start - last.end_ms <= MERGE_GAP_MS:
            turns[-1] = Turn(last.start_ms, end, label)
        else:
            turns.append(Turn(start, end, label))
    return tuple(turns)


def pad_turns(turns: Sequence[Turn], length_ms: int) -> tuple[Turn, ...]:
    """Each turn widened by EDGE_PAD_MS into the silence around it, never over a neighbour."""
    padded = []
    for i, turn in enumerate(turns):
        before = turns[i - 1].end_ms if i else 0
        after = turns[i + 1].start_ms if i + 1 < len(turns) else length_ms
        start = max(turn.start_ms - EDGE_PAD_MS, (before + turn.start_ms) // 2 if i else 0)
        end = min(turn.end_ms + EDGE_PAD_MS, (turn.end_ms + after) // 2 if i + 1 < len(turns) else length_ms)
        padded.append(Turn(min(start, turn.start_ms), max(end, turn.end_ms), turn.speaker_index, turn.overlap))
    return tuple(padded)


def _voiceprints(emb: np.ndarray, labels: np.ndarray, count: int) -> tuple[np.ndarray, ...]:
    return tuple(unit(emb[labels == index].mean(axis=0)).astype(np.float32) for index in range(count))


def _ms(samples: int) -> int:
    return int(samples * 1000 // SAMPLE_RATE)
