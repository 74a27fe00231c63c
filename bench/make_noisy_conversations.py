"""Conversations and one-voice recordings with non-speech sounds in their pauses.

    .venv/bin/python bench/make_noisy_conversations.py /tmp/diarn [--set holdout12] [--only NAME ...]
    .venv/bin/python bench/bench_conversations.py /tmp/diarn --no-reference

Each conversation of the set (bench/conversation_sets.py), and one-voice recordings of six
people, is built as make_conversations.py builds it (--edges clip), then sounds that are no
speaker are put into some of its pauses, each between 0.3 s of silence, the later turns moved on:
a burst of white and of pink noise, a stretch of the shared noise_10s.wav, music (a melody over
chords with a beat), a door slammed, two coughs, laughter ("ha ha ha": voiced pulses, the kind
of sound a voiceprint can take for a voice), a phone ringing. The references hold the people's
turns only, so a sound taken for speech is false alarm in the DER, and a sound taken for a
person is a speaker too many. WAV, AMR-NB and Opus copies, diar.json as make_conversations writes.
Seeded: the same files every run.
"""

from __future__ import annotations

import argparse
import itertools
import json
import subprocess
import sys
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import soundfile

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import shared_dir
from conversation_sets import SETS, VOICES, Spec, person
from make_conversations import RATE, build, encode, overlap_share, write_recording

MARGIN_S = 0.3  # silence either side of a sound put in
EVENTS_PER_FILE = 4
ONE_VOICE = ("ljf", "bushm", "austenm", "jfkm", "osr8k", "r1272m")  # one person, talking on
# name -> (ffmpeg lavfi source, audio filter or "", peak)
SOUNDS = {
    "white_noise": ("anoisesrc=d=2.0:c=white:a=0.5:r=16000:s=7", "", 0.4),
    "pink_noise": ("anoisesrc=d=3.0:c=pink:a=0.5:r=16000:s=8", "", 0.5),
    "music": (("aevalsrc='0.25*sin(2*PI*t*220*pow(2,floor(mod(t*3,6))/6))"
               "+0.12*sin(4*PI*t*220*pow(2,floor(mod(t*3,6))/6))"
               "+0.1*sin(2*PI*t*110)+0.1*sin(2*PI*t*138.6)+0.1*sin(2*PI*t*164.8)"
               "+0.3*random(0)*exp(-30*mod(t,0.5))':s=16000:d=4.0"), "", 0.6),
    "door": ("aevalsrc='0.9*random(0)*exp(-18*t)+0.5*random(1)*exp(-30*(t-0.35))*gte(t,0.35)':s=16000:d=0.8",
             "lowpass=f=900", 0.9),
    "coughs": (("aevalsrc='(0.6*random(0)+0.5*sin(2*PI*170*t))*(exp(-14*t)*(1-exp(-300*t))"
                "+gte(t,0.55)*exp(-14*(t-0.55))*(1-exp(-300*(t-0.55))))':s=16000:d=1.1"),
               "bandpass=f=1200:width_type=h:w=1800", 0.7),
    "laughter": (("aevalsrc='(0.7*(2*mod(t*(250-40*t),1)-1)+0.3*random(0))*pow(sin(PI*mod(t*4.5,1)),2)"
                  "*(1-t/3)':s=16000:d=2.6"), "bandpass=f=900:width_type=h:w=1400", 0.6),
    "ringing": ("aevalsrc='0.4*(sin(2*PI*440*t)+sin(2*PI*480*t))*lt(mod(t,3),2)':s=16000:d=2.0", "", 0.5),
    "shared_noise": ("", "", 0.5),  # noise_10s.wav of the shared media, 2.5 s of it
}


def sound(name: str) -> np.ndarray:
    """A sound's 16 kHz samples, levelled to its peak."""
    source, filters, peak = SOUNDS[name]
    if name == "shared_noise":
        audio, rate = soundfile.read(shared_dir() / "media" / "noise_10s.wav", dtype="float32", always_2d=True)
        audio = audio.mean(axis=1)
        audio = np.interp(np.arange(0, len(audio), rate / RATE), np.arange(len(audio)), audio).astype(np.float32)
        audio = audio[RATE : RATE * 7 // 2]
    else:
        args = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", source]
        args += ["-af", filters] if filters else []
        raw = subprocess.run([*args, "-ac", "1", "-ar", str(RATE), "-f", "f32le", "-"], check=True,
                             capture_output=True).stdout
        audio = np.frombuffer(raw, dtype=np.float32).copy()
    return (audio * (peak / max(float(np.abs(audio).max()), 1e-6))).astype(np.float32)


def pauses(turns: list[dict]) -> list[float]:
    """Times (s) between turns where no one speaks: the middle of each gap between them."""
    out, reach = [], 0.0
    for a, b in itertools.pairwise(turns):
        reach = max(reach, a["end"])
        if b["start"] - reach >= 0.2:
            out.append((reach + b["start"]) / 2)
    return out


def with_sounds(mix: np.ndarray, turns: list[dict], rng: np.random.Generator) -> tuple[np.ndarray, list[dict], list]:
    """`mix` with EVENTS_PER_FILE sounds put into pauses (the turns after each moved on)."""
    gaps = pauses(turns)
    chosen = sorted(rng.choice(len(gaps), size=min(EVENTS_PER_FILE, len(gaps)), replace=False)) if gaps else []
    names = list(rng.choice(sorted(SOUNDS), size=len(chosen), replace=False))
    pieces, placed, cursor, moved = [], [], 0, 0.0
    original, turns = turns, [dict(t) for t in turns]
    for index, name in zip(chosen, names):
        at = round(gaps[index] * RATE)
        insert = np.concatenate([np.zeros(round(MARGIN_S * RATE), np.float32), sound(name),
                                 np.zeros(round(MARGIN_S * RATE), np.float32)])
        pieces += [mix[cursor:at], insert]
        placed.append((name, round(gaps[index] + moved + MARGIN_S, 3), round(len(insert) / RATE - 2 * MARGIN_S, 3)))
        for t, before in zip(turns, original):
            if before["start"] >= gaps[index]:
                t["start"] = round(t["start"] + len(insert) / RATE, 3)
                t["end"] = round(t["end"] + len(insert) / RATE, 3)
        moved += len(insert) / RATE
        cursor = at
    pieces.append(mix[cursor:])
    out = np.concatenate(pieces)
    return out * min(1.0, 0.95 / float(np.abs(out).max())), turns, placed


def write(spec: Spec, out: Path) -> dict:
    mix, turns = build(spec, "clip")
    mix, turns, placed = with_sounds(mix, turns, np.random.default_rng(spec.seed + 50000))
    wav = write_recording(spec.name, mix, turns, out)
    duration = round(len(mix) / RATE, 2)
    return {"name": spec.name, "files": encode(wav), "rttm": f"{spec.name}.rttm",
            "speakers": len({person(v) for v in spec.voices}), "duration": duration,
            "overlap_share": overlap_share(turns, duration), "short": spec.short,
            "voices": {v: VOICES[v].note for v in spec.voices}, "turns": turns,
            "sounds": [{"sound": n, "start": s, "length": length} for n, s, length in placed]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder to write (outside the repository and shared/)")
    parser.add_argument("--set", choices=tuple(SETS), default="holdout12")
    parser.add_argument("--only", nargs="*", help="these conversations of the set (and no one-voice ones)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    specs = [Spec(f"n_{s.name}", s.voices, s.overlap, s.short, s.seed) for s in SETS[args.set]
             if not args.only or s.name in args.only]
    if not args.only:
        specs += [Spec(f"n_one_{v}", (v,), seed=5100 + i) for i, v in enumerate(ONE_VOICE)]
    conversations = []
    for spec in specs:
        conversations.append(write(spec, args.out))
        c = conversations[-1]
        print(f"{spec.name}: {c['duration']:.1f} s, {len(c['turns'])} turns, sounds "
              + ", ".join(f"{s['sound']}@{s['start']}" for s in c["sounds"]), flush=True)
    (args.out / "diar.json").write_text(json.dumps({"conversations": conversations}, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
