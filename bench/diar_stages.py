"""Where diarisation's CPU goes on a recording (issue #13): each stage charged the process's CPU.

The turns are found as a run finds them (pipeline.find_turns: the file read in blocks), on the
calling thread, each stage charged getrusage over its calls (ONNX Runtime works on its own
threads: a thread's clock would miss it; stage_cpu.charged, a call's CPU less
that of any charged call inside it): Silero VAD, segmentation, fbank features, the CAM++
runs (1.5 s windows / region voiceprints), pitch, band energy, clustering ("finish"), the two
models' loading and the scipy imports made beside the decoding; "other" is the total less the
stages. Also counted: windows and regions embedded, seconds embedded.

    PYTHONPATH=$PWD .venv/bin/python bench/diar_stages.py /tmp/parley_long_10min.wav [--json OUT]
"""
from __future__ import annotations

import argparse
import json
import resource
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT  # puts the tree on sys.path
from stage_cpu import charged, cpu, stages
from threadpoolctl import threadpool_limits

from app.core.diarize import embedder as EMB
from app.core.diarize import engine as ENG
from app.core.diarize import onnx_model as ONNX
from app.core.diarize import segmentation as SEG
from app.core.diarize import stream as STREAM

counts = {"window_prints": 0, "window_s": 0.0, "region_prints": 0, "region_s": 0.0}
caller = ["windows"]


def instrument() -> None:
    # loading the two models and importing scipy happen once a search (once a process for the models):
    # they were in "other", read as Python and block reading (session 30's table)
    STREAM.load_embedder = charged("model loads", STREAM.load_embedder)
    STREAM.segmenter_for = charged("model loads", STREAM.segmenter_for)
    STREAM.load_segmenter = charged("model loads", STREAM.load_segmenter)
    STREAM._import_clustering_library = charged("scipy imports", STREAM._import_clustering_library)
    STREAM._import_pitch_test = charged("scipy imports", STREAM._import_pitch_test)
    ENG.speech_regions = charged("vad", ENG.speech_regions)
    EMB.fbank = charged(lambda: f"fbank[{caller[0]}]", EMB.fbank)
    ENG.median_f0 = charged("pitch", ENG.median_f0)
    ENG.band_energy = charged("band", ENG.band_energy)
    ENG.Collector.finish = charged("finish (clustering)", ENG.Collector.finish)
    real_embed = EMB.SpeakerEmbedder.embed

    def embed(self, pieces):
        counts[f"{caller[0][:-1]}_prints"] += len(pieces)
        counts[f"{caller[0][:-1]}_s"] += sum(len(p) for p in pieces) / EMB.SAMPLE_RATE
        return real_embed(self, pieces)

    EMB.SpeakerEmbedder.embed = embed
    real_regions = ENG.Collector._take_regions

    def take_regions(self, *args, **kwargs):
        caller[0] = "regions"
        try:
            return real_regions(self, *args, **kwargs)
        finally:
            caller[0] = "windows"

    ENG.Collector._take_regions = take_regions
    real_init = ONNX.OnnxModel.__init__

    def init(self, *args, **kwargs):  # each model run charged (runs at once are taken one at a time)
        real_init(self, *args, **kwargs)
        session = self._session
        name = "segmentation" if isinstance(self, SEG.Segmenter) else lambda: f"cam++[{caller[0]}]"
        run = charged(name, session.run)

        class Session:
            def __getattr__(self, name):
                return getattr(session, name)

        wrapped = Session()
        wrapped.run = run
        self._session = wrapped

    ONNX.OnnxModel.__init__ = init

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", type=Path)
    parser.add_argument("--model", default="base")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    # one BLAS thread, as the worker has (child.WORKER_ENVIRONMENT): on two, OpenBLAS's threads waiting for
    # work charged the clustering 2-3 times its CPU on the hour (3.3 s on one thread, 8.6 s read before)
    threadpool_limits(limits=1, user_api="blas")
    instrument()
    from app.core.diarize.model_dirs import speaker_model_dir
    from app.core.diarize.pipeline import find_turns
    from app.core.media.decode import probe
    from app.core.options import TranscribeOptions

    whisper_dir = ROOT / "models" / args.model
    source = probe(args.file)
    begin = cpu()
    result = find_turns(source, TranscribeOptions(model=args.model), whisper_dir, speaker_model_dir(whisper_dir))
    total = cpu() - begin
    minutes = source.duration_ms / 60000
    staged = sum(v[0] for v in stages.values())
    stages["other"] = [total - staged, 0.0, 0]
    print(f"{args.file.name}: {minutes:.1f} min, diarisation CPU {total:.1f} s, {result.speakers} speakers, "
          f"{len(result.turns)} turns; peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB")
    print(f"CAM++: {counts['window_prints']} windows ({counts['window_prints'] / minutes:.0f}/min, "
          f"{counts['window_s']:.0f} s), {counts['region_prints']} region prints ({counts['region_s']:.0f} s)")
    for name, (spent, _, calls) in sorted(stages.items(), key=lambda kv: -kv[1][0]):
        print(f"  {name:24s} cpu {spent:7.2f} s {100 * spent / total:5.1f}%  calls {calls}")
    if args.json:
        turns = [(t.start_ms, t.end_ms, t.speaker_index, t.overlap) for t in result.turns]
        args.json.write_text(json.dumps({"cpu": total, "counts": counts, "turns": turns,
                                         "stages": {k: v for k, v in stages.items()}}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
