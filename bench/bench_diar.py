"""Diarisation error rate, speaker count and cost: Parley's engine against senko's.

    .venv/bin/python bench/bench_diar.py                  # all of eval/diar + interview_mono
    .venv/bin/python bench/bench_diar.py --no-reference   # ours only
    .venv/bin/python bench/bench_diar.py --memory         # also peak memory, 2.5 vs 20 min
    .venv/bin/python bench/bench_diar.py --asr            # also CPU of transcribing the WAVs (base)
    .venv/bin/python bench/bench_diar.py --only-extras --pipeline FILE  # the command, diarisation off/on

For every file of <shared>/eval/diar (WAV, AMR-NB, Opus copies; diar.json) both
pipelines get the same decoded 16 kHz mono audio in the same process:

* OURS: app.core.diarize.diarize (Silero regions cut at the speaker changes that
  segmentation-3.0 hears -> 1.5 s windows -> CAM++ via ONNX Runtime -> seeded spectral
  clustering; overlapped speech from segmentation-3.0 given to both voices), 2 threads,
  speaker count found. --before: the same without segmentation-3.0.
* REF: senko 0.2.2's Diarizer on CPU (see diar_reference.py), its merged segments.

DER: pyannote.metrics, 0.25 s collar, overlapped speech scored. s/min: seconds of
diarisation per minute of audio, wall clock and process CPU (the machine may be
shared: CPU seconds are the steadier figure; wall on 2 threads is about CPU / 2 when
the cores are free). Model loading is excluded. <shared> is $PARLEY_SHARED, else the
`shared` folder beside the repository.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import tracemalloc
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import itertools

from common import ROOT, shared_dir
from diar_reference import load_reference, reference_turns
from pyannote.core import Annotation
from pyannote.core import Segment as Span
from pyannote.metrics.diarization import DiarizationErrorRate

from app.core.diarize import diarize
from app.core.media.decode import read_all

warnings.filterwarnings("ignore", message=".*'uem' was approximated.*")
MODEL = ROOT / "models" / "speaker-campplus"


@dataclass(frozen=True)
class Run:
    turns: list[tuple[float, float, str]]
    speakers: int
    wall: float
    cpu: float


def timed(fn, audio: np.ndarray) -> Run:
    wall, cpu = time.perf_counter(), time.process_time()
    turns = fn(audio)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return Run(turns, len({t[2] for t in turns}), wall, cpu)


def ours(audio: np.ndarray, threads: int = 2, segmentation: bool = True) -> list[tuple[float, float, str]]:
    result = diarize(audio, MODEL, threads=threads, segmentation=segmentation)
    return [(t.start_ms / 1000, t.end_ms / 1000, f"S{t.speaker_index}") for t in result.turns]


def before(audio: np.ndarray) -> list[tuple[float, float, str]]:
    """Ours without the segmentation model (no overlaps, fixed windows): the earlier pipeline."""
    return ours(audio, segmentation=False)


def annotation(turns) -> Annotation:
    ann = Annotation()
    for i, (start, end, speaker) in enumerate(turns):
        ann[Span(start, end), i] = speaker
    return ann


def read_rttm(path: Path) -> Annotation:
    turns = []
    for line in path.read_text(encoding="utf-8").splitlines():
        fields = line.split()
        start = float(fields[3])
        turns.append((start, start + float(fields[4]), fields[7]))
    return annotation(turns)


def der(reference: Annotation, turns) -> float:
    metric = DiarizationErrorRate(collar=0.25, skip_overlap=False)
    return 100 * metric(reference, annotation(turns))


def eval_files() -> list[tuple[Path, Annotation, int]]:
    folder = shared_dir() / "eval" / "diar"
    data = json.loads((folder / "diar.json").read_text(encoding="utf-8"))
    files = []
    for conversation in data["conversations"]:
        reference = read_rttm(folder / conversation["rttm"])
        for name in conversation["files"]:
            files.append((folder / name, reference, conversation["speakers"]))
    return files


def interview() -> tuple[Path, Annotation, int, list[float]]:
    media = shared_dir() / "media"
    turns = json.loads((media / "MANIFEST.json").read_text(encoding="utf-8"))["interview"]["turns"]
    changes = [b["start"] for a, b in itertools.pairwise(turns) if a["speaker"] != b["speaker"]]
    spans = [(t["start"], t["end"], t["speaker"]) for t in turns]
    return media / "interview_mono.wav", annotation(spans), len({t[2] for t in spans}), changes


def boundary_error(turns, changes: list[float]) -> float:
    """Largest distance from a true speaker change to the nearest change found, seconds."""
    found = [b[0] for a, b in itertools.pairwise(turns) if a[2] != b[2]]
    if not found:
        return float("inf")
    return max(min(abs(c - f) for f in found) for c in changes)


def row(name: str, minutes: float, true_count: int, reference: Annotation, mine: Run, ref: Run | None,
        old: Run | None = None) -> str:
    cells = [f"{name:<36}", f"{der(reference, mine.turns):6.1f}", f"{mine.speakers}/{true_count}",
             f"{mine.wall / minutes:6.2f}", f"{mine.cpu / minutes:6.2f}"]
    if old is not None:
        cells += [f"{der(reference, old.turns):6.1f}", f"{old.speakers}/{true_count}", f"{old.cpu / minutes:6.2f}"]
    if ref is not None:
        cells += [f"{der(reference, ref.turns):6.1f}", f"{ref.speakers}/{true_count}",
                  f"{ref.wall / minutes:6.2f}", f"{ref.cpu / minutes:6.2f}"]
    return " | ".join(cells)


def memory_check() -> None:
    """Peak traced allocation (numpy included) of diarize on 2.5 and 20 minutes."""
    audio, _ = read_all(str(shared_dir() / "eval" / "diar" / "four_lj_bush_1272_austen.wav"))
    for minutes in (2.5, 20.0):
        long = np.tile(audio, int(np.ceil(minutes * 60 * 16000 / len(audio))))[: int(minutes * 960000)]
        tracemalloc.start()
        diarize(long, MODEL)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"memory: {minutes:5.1f} min of audio ({long.nbytes / 1e6:6.1f} MB of samples): "
              f"peak allocation inside diarize {peak / 1e6:6.1f} MB")


def asr_cost(paths: list[Path]) -> None:
    """Process CPU seconds per audio minute of transcribing with base, 2 threads, against ours."""
    from app.core.asr import load_engine, transcribe_source
    from app.core.media.decode import probe
    from app.core.options import TranscribeOptions

    options = TranscribeOptions(model="base", threads=2, device="cpu", compute_type="int8")
    engine = load_engine(options, ROOT / "models")
    asr_cpu = diar_cpu = minutes = 0.0
    for path in paths:
        audio, _ = read_all(str(path))
        cpu = time.process_time()
        list(transcribe_source(engine, probe(str(path)), options))
        asr_cpu += time.process_time() - cpu
        diar_cpu += timed(ours, audio).cpu
        minutes += len(audio) / 16000 / 60
    print(f"transcription (base, 2 threads): {asr_cpu / minutes:.2f} s CPU per audio minute; "
          f"diarisation {diar_cpu / minutes:.2f} s CPU = +{100 * diar_cpu / asr_cpu:.0f}% on the WAVs")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-reference", action="store_true", help="skip senko")
    parser.add_argument("--memory", action="store_true", help="also measure peak memory")
    parser.add_argument("--asr", action="store_true", help="also the CPU cost of transcription")
    parser.add_argument("--only-extras", action="store_true", help="skip the DER table")
    parser.add_argument("--pipeline", type=Path, metavar="FILE",
                        help="also: the transcribe command on FILE (fresh case, base, 2 threads) with "
                             "--diarize off and on, alternating, 3 runs each: the wall time diarisation adds")
    parser.add_argument("--before", action="store_true",
                        help="also ours without the segmentation model (no overlaps), side by side")
    args = parser.parse_args()
    if args.only_extras:
        _extras(args)
        return
    reference = None if args.no_reference else load_reference()
    diarize(np.zeros(16000, dtype=np.float32), MODEL)  # load the model outside the timing
    header = ["file", "DER%", "count", "wall/min", "cpu/min"]
    if args.before:
        header += ["BEFORE DER%", "count", "cpu/min"]
    if reference is not None:
        header += ["REF DER%", "count", "wall/min", "cpu/min"]
    print(" | ".join(header))
    totals = {"ours": [0.0, 0.0], "ref": [0.0, 0.0], "minutes": 0.0}
    cases = [(path, ann, count) for path, ann, count in eval_files()]
    mono, mono_ref, mono_count, changes = interview()
    for path, ann, count in [*cases, (mono, mono_ref, mono_count)]:
        audio, _ = read_all(str(path))
        minutes = len(audio) / 16000 / 60
        mine = timed(ours, audio)
        ref = timed(lambda a: reference_turns(reference, a), audio) if reference else None
        old = timed(before, audio) if args.before else None
        print(row(path.name, minutes, count, ann, mine, ref, old), flush=True)
        totals["minutes"] += minutes
        totals["ours"] = [totals["ours"][0] + mine.wall, totals["ours"][1] + mine.cpu]
        if ref is not None:
            totals["ref"] = [totals["ref"][0] + ref.wall, totals["ref"][1] + ref.cpu]
        if path == mono:
            print(f"interview_mono: largest speaker-change error ours {boundary_error(mine.turns, changes):.2f} s"
                  + (f", ref {boundary_error(ref.turns, changes):.2f} s" if ref else ""))
    m = totals["minutes"]
    print(f"all {m:.1f} min: ours {totals['ours'][0] / m:.2f} s wall, {totals['ours'][1] / m:.2f} s CPU "
          f"per audio minute" + (f"; ref {totals['ref'][0] / m:.2f} s wall, {totals['ref'][1] / m:.2f} s CPU"
                                  if reference else ""))
    _extras(args)


def pipeline_cost(path: Path, runs: int = 3) -> None:
    """What diarisation adds to the transcribe command's wall time, as a user meets it."""
    from e2e import run_parley, spread

    walls: dict[str, list[float]] = {"off": [], "on": []}
    for number in range(runs):
        for mode in (("off", "on") if number % 2 == 0 else ("on", "off")):
            walls[mode].append(run_parley([path], "base", 2, ("--diarize", mode)).wall)
            print(f"  run {number + 1} diarize {mode}: {walls[mode][-1]:.1f} s", flush=True)
    (off, *_), (on, *_) = spread(walls["off"]), spread(walls["on"])
    print(f"{path.name}: transcribe command median {off:.1f} s without diarisation, {on:.1f} s with: "
          f"+{100 * (on - off) / off:.0f}% (runs off {walls['off']}, on {walls['on']})")


def _extras(args: argparse.Namespace) -> None:
    if args.pipeline:
        pipeline_cost(args.pipeline)
    if args.asr:
        asr_cost([path for path, _, _ in eval_files() if path.suffix == ".wav"])
    if args.memory:
        memory_check()


if __name__ == "__main__":
    main()
