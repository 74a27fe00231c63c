"""Helpers shared by the speech benchmarks: where the shared data is, the eval
items, the peer (plain faster-whisper) and peak memory of the run."""

from __future__ import annotations

import json
import os
import resource
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def shared_dir() -> Path:
    env = os.environ.get("PARLEY_SHARED")
    return Path(env) if env else ROOT.parent / "shared"


@dataclass(frozen=True)
class EvalItem:
    path: Path
    language: str
    text: str
    duration: float
    channel: int | None = None  # 0 = left, 1 = right, for a two-speaker stereo file

    @property
    def key(self) -> str:
        return self.path.name + ("" if self.channel is None else f"#ch{self.channel}")


def eval_items(languages: list[str] | None = None, limit: int = 0) -> list[EvalItem]:
    """speech.json items, optionally per language and the first `limit` of each language."""
    data = json.loads((shared_dir() / "eval" / "speech.json").read_text(encoding="utf-8"))
    items: list[EvalItem] = []
    counts: dict[str, int] = {}
    for raw in data["items"]:
        lang = raw["language"]
        if languages and lang not in languages:
            continue
        if limit and counts.get(lang, 0) >= limit:
            continue
        counts[lang] = counts.get(lang, 0) + 1
        channel = {"left": 0, "right": 1}.get(raw.get("channel", ""), None)
        items.append(EvalItem(shared_dir() / "eval" / "speech" / raw["file"], lang,
                              raw["text"], float(raw["duration"]), channel))
    return items


def media_clips(max_seconds: float = 30.0) -> list[EvalItem]:
    """Speech clips of the shared test media with a reference (voice notes, interview)."""
    media = shared_dir() / "media"
    manifest = json.loads((media / "MANIFEST.json").read_text(encoding="utf-8"))
    items = []
    for note in manifest["voicenotes"].values():
        if note["duration"] <= max_seconds:
            for name in note["files"]:
                items.append(EvalItem(media / name, note["language"], note["text"], note["duration"]))
    interview = manifest["interview"]
    end = max(t["end"] for t in interview["turns"])
    if end <= max_seconds:
        text = " ".join(t["text"] for t in interview["turns"])
        items += [EvalItem(media / n, "en", text, end) for n in interview["files"]]
    return items


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB.

    VmHWM from /proc (reset when a process execs) where there is one: on Linux
    ru_maxrss survives fork+exec, so a child started by a big parent would report
    the parent's peak.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def peer_model(model_dir: str, threads: int = 2):
    from faster_whisper import WhisperModel

    return WhisperModel(model_dir, device="cpu", compute_type="int8", cpu_threads=threads)


def peer_transcribe(model, item: EvalItem, language: str | None = None) -> tuple[str, str]:
    """The peer: plain faster-whisper, file by file, vad_filter=True, beam 5, its defaults."""
    audio: object = str(item.path)
    if item.channel is not None:
        from faster_whisper.audio import decode_audio

        audio = decode_audio(str(item.path), split_stereo=True)[item.channel]
    segments, info = model.transcribe(audio, vad_filter=True, beam_size=5, language=language)
    return " ".join(s.text.strip() for s in segments), info.language


def command_line() -> str:
    import shlex

    return " ".join(shlex.quote(a) for a in [".venv/bin/python", *sys.argv])
