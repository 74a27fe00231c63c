"""Throughput of Parley against plain faster-whisper, end to end and queue only.

    .venv/bin/python bench/bench_throughput.py --skip-long     # short clips: end to end x3, then queue only
    .venv/bin/python bench/bench_throughput.py --skip-queue --skip-long --runs 3   # the headline figure only
    .venv/bin/python bench/bench_throughput.py --skip-short --long-hours 1 --long-beam 5

END TO END (the headline; bench/e2e.py): `python -m app transcribe CLIPS --out OUT
--format json --model base --threads 2` on a fresh case against bench/peer_cli.py
(plain faster-whisper, model loaded once, file by file, VAD on, beam 5, int8, 2
threads), each timed from its command's start to its exit, one after the other in
the same run, --runs times (the order alternating), with the median and spread.

Short clips: every clip of at most 30 s in <shared>/eval/speech.json (the
per-channel references of the two-speaker stereo file excluded) and the voice
notes of <shared>/media. QUEUE ONLY: every file added to a new case as a
transcribe job, worked by the worker process (which batches short files across
files with app.core.asr.clips), timed from the first claim to the last job done,
model already loaded; PEER = faster-whisper `WhisperModel(base, cpu, int8, 2 threads)
.transcribe(file, vad_filter=True, beam_size=5)` file by file, model loaded once.
Both: language detected, WER with app.evaluation.wer per language.

Long recording: English files (interview + English speech.json items) decoded and
concatenated in a loop into a 16 kHz mono WAV in /tmp until it is --long-hours
long (and a ~10-minute one from the same files), with the matching reference.
OURS = the transcribe command on a fresh case, start to exit (the worker streams
VAD chunks, packs and batch-decodes them: app.core.asr.PackedDecoder), with
--long-beam (default 5, the application's default); peak RSS = the process tree's
summed resident memory. PEER-LONG (--peer-long) = faster-whisper on the whole
file, in its own process.

xRT = audio seconds / wall seconds. "cpu xRT" = audio seconds / (process CPU
seconds / threads): less sensitive to other load on the machine.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
import wave
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (
    ROOT,
    EvalItem,
    command_line,
    eval_items,
    media_clips,
    peak_rss_mb,
    peer_model,
    peer_transcribe,
    shared_dir,
)
from e2e import run_parley, run_peer, spread

from app.evaluation import normalise, wer

LONG_DIR = Path("/tmp")


# ---------------------------------------------------------------- scoring


def by_language(refs: list[str], hyps: list[str], languages: list[str]) -> dict[str, float]:
    """WER per language code."""
    return {lang: pooled_wer(*zip(*[(r, h, c) for r, h, c in zip(refs, hyps, languages) if c == lang]))
            for lang in sorted(set(languages))}


def pooled_wer(refs: list[str], hyps: list[str], languages: list[str]) -> float:
    words = errors = 0.0
    for lang in sorted(set(languages)):
        idx = [i for i, code in enumerate(languages) if code == lang]
        n = sum(len(normalise(refs[i], lang).split()) for i in idx)
        words += n
        errors += wer([refs[i] for i in idx], [hyps[i] for i in idx], lang) * n
    return errors / words if words else 0.0


class Clock:
    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu


# ---------------------------------------------------------------- short clips


def short_clips() -> list[EvalItem]:
    items = [i for i in eval_items() if i.duration <= 30 and i.channel is None]
    return items + media_clips(30.0)


def run_short(args) -> dict:
    from app.core.media.decode import probe
    from app.core.options import TranscribeOptions

    items = short_clips()
    options = TranscribeOptions(model=args.model, threads=args.threads, device="cpu", compute_type="int8",
                                beam_size=args.beam)
    sources = [probe(i.path) for i in items]  # intake (hashing, probing), done when files are added: not timed
    ours = through_the_queue(sources, options, probe(str(shared_dir() / "media" / "en_voicenote.m4a")))
    results = ours.results
    hyps = [" ".join(s.text for s in segments) for segments, _ in results]
    for item, source, (segments, _) in zip(items, sources, results):  # attribution: every word inside its own file
        assert all(0 <= w.start_ms <= w.end_ms <= source.duration_ms for s in segments for w in s.words), item.key
    out = {"files": len(items), "audio_s": sum(i.duration for i in items),
           "ours": {"wall": ours.wall, "cpu": ours.cpu, "hyps": hyps,
                    "languages": [language for _, language in results]}}
    engine_path = ROOT / "models" / args.model
    if not args.no_peer:
        model = peer_model(str(engine_path), args.threads)
        peer_transcribe(model, items[0])  # warm-up
        peer_hyps, peer_langs = [], []
        with Clock() as peer:
            for item in items:
                text, language = peer_transcribe(model, item)
                peer_hyps.append(text)
                peer_langs.append(language)
        out["peer"] = {"wall": peer.wall, "cpu": peer.cpu, "hyps": peer_hyps, "languages": peer_langs}
    refs, langs = [i.text for i in items], [i.language for i in items]
    for system in ("ours", "peer"):
        if system in out:
            out[system]["wer"] = pooled_wer(refs, out[system]["hyps"], langs)
            out[system]["wer_by_language"] = {
                lang: wer([r for r, code in zip(refs, langs) if code == lang],
                          [h for h, code in zip(out[system]["hyps"], langs) if code == lang], lang)
                for lang in sorted(set(langs))
            }
            out[system]["language_misses"] = sum(a != b for a, b in zip(out[system]["languages"], langs))
    return out


def run_end_to_end(args) -> dict:
    """--runs alternating runs of both commands on the short clips; per run wall, CPU, WER, ratio."""
    items = short_clips()
    files = [i.path for i in items]
    refs, langs = [i.text for i in items], [i.language for i in items]
    runs = []
    for n in range(args.runs):
        order = ("peer", "ours") if n % 2 == 0 else ("ours", "peer")
        got = {}
        for system in order:
            got[system] = run_peer(files, args.model, args.threads) if system == "peer" \
                else run_parley(files, args.model, args.threads, ("--beam-size", str(args.beam)))
        run = {"order": order}
        for system, timed in got.items():
            hyps = [timed.texts[str(f)] for f in files]
            run[system] = {"wall": timed.wall, "cpu": timed.cpu, "peak_rss_mb": timed.peak_rss_mb,
                           "wer": pooled_wer(refs, hyps, langs), "wer_by_language": by_language(refs, hyps, langs),
                           "language_misses": sum(timed.languages[str(f)] != lang for f, lang in zip(files, langs))}
        run["ratio"] = run["peer"]["wall"] / run["ours"]["wall"]
        run["wer_gap"] = (run["ours"]["wer"] - run["peer"]["wer"]) * 100
        runs.append(run)
        print(f"end-to-end run {n + 1}: peer {run['peer']['wall']:.1f} s, ours {run['ours']['wall']:.1f} s, "
              f"{run['ratio']:.2f}x, WER {run['ours']['wer']:.1%} vs {run['peer']['wer']:.1%}", file=sys.stderr)
    return {"files": len(items), "audio_s": sum(i.duration for i in items), "runs": runs}


def end_to_end_lines(e2e: dict, threads: int) -> list[str]:
    audio = e2e["audio_s"]
    lines = ["", (f"END TO END (command start to exit, fresh case): {e2e['files']} files <= 30 s, "
                  f"{audio / 60:.1f} min of audio, {len(e2e['runs'])} runs"),
             (f"{'run':4s} {'system':6s} {'wall s':>7s} {'xRT':>8s} {'cpu s':>7s} {'WER':>6s} {'lang miss':>9s} "
              f"{'peak MB':>8s}")]
    for n, run in enumerate(e2e["runs"], 1):
        for system in ("peer", "ours"):
            r = run[system]
            lines.append(f"{n:<4d} {system:6s} {r['wall']:7.1f} {xrt(audio, r['wall'])} {r['cpu']:7.1f} "
                         f"{r['wer']:6.1%} {r['language_misses']:9d} {r['peak_rss_mb']:8.0f}  "
                         + " ".join(f"{k} {v:.1%}" for k, v in r.get("wer_by_language", {}).items()))
        lines.append(f"{'':4s} ours/peer {run['ratio']:.2f}x wall, {run['peer']['cpu'] / run['ours']['cpu']:.2f}x cpu, "
                     f"WER {run['wer_gap']:+.1f} points")
    ratio = spread([r["ratio"] for r in e2e["runs"]])
    gap = spread([r["wer_gap"] for r in e2e["runs"]])
    lines.append(f"median ours/peer {ratio[0]:.2f}x (spread {ratio[1]:.2f}-{ratio[2]:.2f}); "
                 f"WER gap median {gap[0]:+.1f} points (spread {gap[1]:+.1f} to {gap[2]:+.1f})")
    return lines


@dataclass
class QueueRun:
    results: list[tuple[list, str]]  # per source: stored segments, detected language
    wall: float
    cpu: float  # the worker's
    worker_peak_mb: float  # the worker's peak resident memory over the whole run
    worker_loaded_mb: float  # ... with the model loaded, before the timed work


def through_the_queue(sources, options, warm_up) -> QueueRun:
    """Queue every source in a new case and time the worker from its first claim to an empty queue.

    The model is loaded and the worker warmed up on `warm_up` (a short file) before
    the clock starts, as in a workstation that keeps its worker. CPU time and memory
    are the worker process's, from /proc.
    """
    import tempfile

    from app.core.options import to_dict
    from app.core.store import Case
    from app.core.store.jobs import JobQueue
    from app.worker.supervisor import Supervisor

    with tempfile.TemporaryDirectory(prefix="parley-bench-") as tmp:
        case = Case.open(Path(tmp) / "case")
        queue = JobQueue(case.conn)
        queue.add(case.add_exhibit(warm_up)[0].id, "transcribe", {**to_dict(options), "seed": 1})
        supervisor = Supervisor(case.folder, worker_options={"preload": to_dict(options)})
        supervisor.run_until_idle()
        loaded = worker_memory_mb(supervisor.pid, "VmRSS")
        queue.pause()
        jobs = [queue.add(case.add_exhibit(s)[0].id, "transcribe", to_dict(options)) for s in sources]
        cpu_before = worker_cpu_s(supervisor.pid)
        with Clock() as clock:
            queue.resume()
            supervisor.run_until_idle(until=jobs)
        cpu, peak = worker_cpu_s(supervisor.pid) - cpu_before, worker_memory_mb(supervisor.pid, "VmHWM")
        supervisor.stop()
        results = []
        for job_id in jobs:
            job = queue.get(job_id)
            assert job.state == "done", (job_id, job.state, job.error)
            results.append((case.segments(job.run_id), case.run(job.run_id).language or ""))
        case.close()
    return QueueRun(results, clock.wall, cpu, peak, loaded)


def worker_memory_mb(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def worker_cpu_s(pid: int) -> float:
    import os

    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------- long recordings


def long_parts() -> list[tuple[Path, str]]:
    manifest = json.loads((shared_dir() / "media" / "MANIFEST.json").read_text(encoding="utf-8"))
    parts = [(shared_dir() / "media" / "interview_mono.wav",
              " ".join(t["text"] for t in manifest["interview"]["turns"]))]
    parts += [(i.path, i.text) for i in eval_items(["en"]) if i.channel is None]
    return parts


def build_long(seconds: float, path: Path) -> tuple[Path, str]:
    """Concatenate the English parts in a loop (16 kHz mono 16-bit WAV); returns it and its reference."""
    import numpy as np

    from app.core.media.decode import read_all

    ref_path = path.with_suffix(".ref.txt")
    if path.is_file() and ref_path.is_file():
        return path, ref_path.read_text(encoding="utf-8")
    decoded = [(read_all(str(p))[0], text) for p, text in long_parts()]
    written, refs = 0, []
    tmp = path.with_suffix(".part")
    with wave.open(str(tmp), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        while written < seconds * 16000:
            for audio, text in decoded:
                pcm = (np.clip(audio, -1, 1) * 32767).astype("<i2")
                out.writeframes(pcm.tobytes() + bytes(2 * 8000))  # and 0.5 s of silence
                written += len(pcm) + 8000
                refs.append(text)
                if written >= seconds * 16000:
                    break
    tmp.rename(path)
    ref_path.write_text(" ".join(refs), encoding="utf-8")
    return path, " ".join(refs)


def run_long_child(args) -> dict:
    """In its own process: transcribe one long file, report speed, WER and peak RSS."""
    from app.core.asr import ChunkByChunk, load_engine, transcribe_source
    from app.core.media.decode import probe
    from app.core.options import TranscribeOptions

    path = Path(args.child_file)
    reference = path.with_suffix(".ref.txt").read_text(encoding="utf-8")
    options = TranscribeOptions(model=args.model, threads=args.threads, device="cpu", compute_type="int8",
                                beam_size=args.beam, language=None)
    source = probe(path)
    if args.child_system == "ours":  # through the queue: the worker process does the work
        run = through_the_queue([source], options, probe(str(shared_dir() / "media" / "en_voicenote.m4a")))
        text = " ".join(s.text for s in run.results[0][0])
        return {"audio_s": source.duration_ms / 1000, "wall": run.wall, "cpu": run.cpu,
                "wer": wer([reference], [text], "en"), "peak_rss_mb": run.worker_peak_mb + peak_rss_mb(),
                "rss_after_load_mb": run.worker_loaded_mb}
    with Clock() as clock:
        if args.child_system == "peer":
            model = peer_model(str(ROOT / "models" / args.model), args.threads)
            rss_loaded = peak_rss_mb()
            segments, _ = model.transcribe(str(path), vad_filter=True, beam_size=5)
            text = " ".join(s.text.strip() for s in segments)
        else:  # ours-unbatched: faster-whisper's transcribe chunk by chunk, in this process
            engine = load_engine(options)
            rss_loaded = peak_rss_mb()
            done = transcribe_source(engine, source, options, decoder=ChunkByChunk(engine, options))
            text = " ".join(s.text for d in done for s in d.segments)
    return {"audio_s": source.duration_ms / 1000, "wall": clock.wall, "cpu": clock.cpu,
            "wer": wer([reference], [text], "en"), "peak_rss_mb": peak_rss_mb(), "rss_after_load_mb": rss_loaded}


def run_long_end_to_end(args, path: Path) -> dict:
    """`python -m app transcribe LONG --out OUT --format json` on a fresh case, start to exit."""
    reference = path.with_suffix(".ref.txt").read_text(encoding="utf-8")
    timed = run_parley([path], args.model, args.threads, ("--beam-size", str(args.long_beam)))
    with wave.open(str(path)) as w:
        audio_s = w.getnframes() / w.getframerate()
    return {"audio_s": audio_s, "wall": timed.wall, "cpu": timed.cpu,
            "wer": wer([reference], [timed.texts[str(path)]], "en"), "peak_rss_mb": timed.peak_rss_mb,
            "rss_after_load_mb": 0.0}


def run_long(args, path: Path, system: str) -> dict:
    cmd = [sys.executable, __file__, "--child-file", str(path), "--child-system", system,
           "--model", args.model, "--threads", str(args.threads), "--beam", str(args.long_beam),
           "--decode-batch", str(args.decode_batch)]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- report


def xrt(audio: float, seconds: float) -> str:
    return f"{audio / seconds:7.1f}x" if seconds > 0 else "      -"


def cpu_xrt(audio: float, cpu: float, threads: int) -> str:
    return f"{audio / (cpu / threads):7.1f}x" if cpu > 0 else "      -"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="base")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--beam", type=int, default=5, help="our beam size (the peer always uses 5)")
    parser.add_argument("--long-beam", type=int, default=5, help="our beam size on the long files (the app's default)")
    parser.add_argument("--decode-batch", type=int, default=8)
    parser.add_argument("--long-hours", type=float, default=3.0)
    parser.add_argument("--runs", type=int, default=3, help="end-to-end runs of both systems")
    parser.add_argument("--skip-e2e", action="store_true", help="no end-to-end runs")
    parser.add_argument("--skip-queue", action="store_true", help="no queue-only run of the short clips")
    parser.add_argument("--skip-short", action="store_true")
    parser.add_argument("--skip-long", action="store_true")
    parser.add_argument("--no-peer", action="store_true")
    parser.add_argument("--peer-long", action="store_true", help="also run the peer on the long file (slow)")
    parser.add_argument("--json", type=Path, help="write all figures here")
    parser.add_argument("--child-file", help=argparse.SUPPRESS)
    parser.add_argument("--child-system", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child_file:
        print(json.dumps(run_long_child(args)))
        return 0

    report: dict = {"command": command_line()}
    lines = [(f"model {args.model}, int8, {args.threads} threads, our beam {args.beam} (short clips), "
              f"{args.long_beam} (long files), decode batch {args.decode_batch}; "
              "peer = faster-whisper transcribe(vad_filter=True, beam_size=5) file by file")]
    if not args.skip_short and not args.skip_e2e:
        report["end_to_end"] = run_end_to_end(args)
        lines += end_to_end_lines(report["end_to_end"], args.threads)
    if not args.skip_short and not args.skip_queue:
        short = run_short(args)
        report["short"] = {k: v for k, v in short.items()}
        audio = short["audio_s"]
        lines += ["", (f"QUEUE ONLY (first claim to last job, model loaded): {short['files']} files <= 30 s, "
                       f"{audio / 60:.1f} min of audio"),
                  (f"{'system':8s} {'WER':>6s} {'wall s':>8s} {'xRT':>8s} {'cpu xRT':>8s} {'lang miss':>9s}"
                   "  WER by language")]
        for system in ("peer", "ours"):
            if system not in short:
                continue
            s = short[system]
            by = " ".join(f"{k} {v:.1%}" for k, v in s["wer_by_language"].items())
            lines.append(f"{system:8s} {s['wer']:6.1%} {s['wall']:8.1f} {xrt(audio, s['wall'])} "
                         f"{cpu_xrt(audio, s['cpu'], args.threads)} {s['language_misses']:9d}  {by}")
        if "peer" in short:
            p, o = short["peer"], short["ours"]
            lines.append(f"throughput ours/peer: {p['wall'] / o['wall']:.2f}x wall, {p['cpu'] / o['cpu']:.2f}x cpu; "
                         f"WER ours - peer: {(o['wer'] - p['wer']) * 100:+.1f} points")
        for system in ("ours", "peer"):
            short.get(system, {}).pop("hyps", None)
    if not args.skip_long:
        ten, _ = build_long(600, LONG_DIR / "parley_long_10min.wav")
        big, _ = build_long(args.long_hours * 3600, LONG_DIR / f"parley_long_{args.long_hours:g}h.wav")
        runs = [("ours", ten), ("ours", big)]
        if not args.no_peer:
            runs.insert(1, ("peer", ten))
            if args.peer_long:
                runs.append(("peer", big))
        lines += ["", ("LONG RECORDINGS (English, looped interview + speech files; ours: the transcribe command "
                       "start to exit, peak RSS of its process tree; peer: in its own process)"),
                  (f"{'system':8s} {'file':26s} {'audio min':>9s} {'WER':>6s} {'wall s':>8s} {'xRT':>8s} "
                   f"{'cpu xRT':>8s} {'peak RSS MB':>11s} {'RSS loaded':>10s}")]
        report["long"] = []
        for system, path in runs:
            r = run_long_end_to_end(args, path) if system == "ours" else run_long(args, path, system)
            report["long"].append({"system": system, "file": str(path), **r})
            lines.append(f"{system:8s} {path.name:26s} {r['audio_s'] / 60:9.1f} {r['wer']:6.1%} {r['wall']:8.1f} "
                         f"{xrt(r['audio_s'], r['wall'])} {cpu_xrt(r['audio_s'], r['cpu'], args.threads)} "
                         f"{r['peak_rss_mb']:11.0f} {r['rss_after_load_mb']:10.0f}")
    lines += ["", f"peak RSS of this (parent) process {peak_rss_mb():.0f} MB; command: {report['command']}"]
    print("\n".join(lines))
    if args.json:
        args.json.write_text(json.dumps(report, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
