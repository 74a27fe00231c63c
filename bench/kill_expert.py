"""The commands bench/kill_sweep.py does not kill: `export` (every format), `edit`, `signoff`, `models import` and,
since session 28, `translate` (a stored transcript's text translation), `timeline` of a chat not yet taken in and
`speakers enrol`, each SIGKILLed (its whole process group) at a random moment, then checked as a defence expert would: the case
opens, `verify` names nothing but what the kill left ("left by an export that was stopped"), the command run again
succeeds, `verify` is then clean and the text is as an uninterrupted run's.

    python bench/kill_expert.py BASE WORK [--rounds 4] [--seed 27] [--only translate,timeline,...]

BASE is a folder made by bench/tamper_case.py (copied, never changed); WORK is where each round runs.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEADS = "/nonexistent"  # set in main_: the heads kept for the case copied, put back each round


def app(*args: str, wait: bool = True) -> subprocess.Popen | subprocess.CompletedProcess:
    command = [sys.executable, "-m", "app", *args]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PARLEY_HEADS_DIR": HEADS}
    if not wait:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False, timeout=900)


EXHIBIT = "interview.wav"  # edited, not yet signed off, in the case tamper_case.py makes


def _texts(out: Path) -> dict[str, list[str]]:
    return {p.name: [s["text"] for s in json.loads(p.read_text(encoding="utf-8"))["segments"]]
            for p in sorted(out.glob("*.json")) if not p.name.endswith(".manifest.json")}


def _findings(case: Path) -> tuple[int, list[str]]:
    done = app("verify", "--case", str(case))
    return done.returncode, [x for x in done.stderr.splitlines() if x and not x.startswith("note:")
                             and not x.endswith("finding(s)")]


def _commands(work: Path, exhibit: str) -> dict[str, list[str]]:
    case = str(work / "case")
    return {
        "export": ["export", "--case", case, "--out", str(work / "out2"), "--format", "json,txt,srt,vtt,docx,pdf",
                   "--by", "DC Jones"],
        "edit": ["edit", exhibit, "--segment", "2", "--text", "we met at the docks at nine", "--by", "DC Jones",
                 "--case", case],
        "signoff": ["signoff", exhibit, "--by", "DS Patel", "--case", case],
        "models import": ["models", "import", str(work.parent / "bundle"), "--name", "tiny-copy",
                          "--models-dir", str(work / "models")],
        "translate": ["translate", str(work / "evidence" / "phone" / "interview.wav"), "--case", case, "--model",
                      str(ROOT / "tests" / "fixtures" / "tiny_m2m"), "--to", "fr", "--out", str(work / "tr2"),
                      "--format", "json,txt", "--whisper-model", "tiny.en"],
        "timeline": ["timeline", str(_second_chat(work)), "--case", case, "--out", str(work / "timeline2"),
                     "--format", "json,docx"],
        "speakers enrol": ["speakers", "enrol", "--exhibit", exhibit, "--segments", "4,6,10,14", "--name", "Daniel Price",
                           "--by", "DC Jones", "--case", case],
    }


def _second_chat(work: Path) -> Path:
    """A chat the case has not taken in: the WhatsApp export again, one more message in it."""
    chat = work / "evidence" / "phone2" / "WhatsApp Chat"
    if (work / "evidence").is_dir() and not chat.exists():
        shutil.copytree(work / "evidence" / "phone" / "WhatsApp Chat", chat)
        with (chat / "_chat.txt").open("a", encoding="utf-8") as text:
            text.write("13/03/2024, 08:05 - Dave Miller: See you there.\n")
    return chat


def _timed(base: Path, work: Path, name: str) -> tuple[float, object]:
    """The command uninterrupted on a fresh copy: how long it takes and what it leaves (the reference)."""
    _fresh(base, work)
    words = _commands(work, EXHIBIT)[name]
    began = time.monotonic()
    done = app(*words)
    assert done.returncode == 0, done.stderr
    return time.monotonic() - began, _result(work, name)


def _result(work: Path, name: str) -> object:
    if name == "export":
        return _texts(work / "out2")
    if name == "translate":
        return _texts(work / "tr2")
    if name == "timeline":
        made = json.loads((work / "timeline2" / "WhatsApp Chat.timeline.json").read_text(encoding="utf-8"))
        made["provenance"].pop("created_at")  # when it was written: the one field a rerun writes otherwise
        return json.dumps(made, sort_keys=True)
    if name == "speakers enrol":
        return re.sub(r"; enrolled [^)]*", "", app("speakers", "list", "--case", str(work / "case")).stdout)
    if name == "models import":
        listed = app("models", "verify", "tiny-copy", "--models-dir", str(work / "models"))
        return listed.returncode
    shown = app("speakers", "segments", "--exhibit", EXHIBIT, "--case", str(work / "case"))
    status = app("exhibits", "--case", str(work / "case"))
    return shown.stdout, [line for line in status.stdout.splitlines() if line.endswith(EXHIBIT)]


def _fresh(base: Path, work: Path) -> None:
    """A fresh copy of the case, and fresh heads for it (this account never saw the copy at this path)."""
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(base, work, symlinks=True)
    shutil.rmtree(HEADS, ignore_errors=True)
    (work / "models").mkdir(exist_ok=True)


def after_the_fault(work: Path, words: list[str], name: str, reference: object) -> tuple:
    """What a case shows after a fault: verify's code and findings, the command run again, verify after it, and
    whether the result is the uninterrupted run's."""
    code, found = _findings(work / "case")
    again = app(*words)
    after, left = _findings(work / "case")
    return code, found, again, after, left, _result(work, name) == reference


def one_round(base: Path, work: Path, name: str, at: float, reference: object) -> str:
    _fresh(base, work)
    words = _commands(work, EXHIBIT)[name]
    started = app(*words, wait=False)
    time.sleep(at)
    os.killpg(started.pid, signal.SIGKILL)
    started.wait()
    opens = app("exhibits", "--case", str(work / "case")).returncode == 0
    code, found, again, after, left, same = after_the_fault(work, words, name, reference)
    return (f"{name} killed at {at:.2f} s: opens {opens}; verify {code} {found[:1]}; rerun {again.returncode}"
            f"{' ' + again.stderr.strip()[:120] if again.returncode else ''}; verify after {after} {left[:1]}; "
            f"result {'as uninterrupted' if same else 'DIFFERS'}")


def main_() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("base", type=Path)
    parser.add_argument("work", type=Path)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--seed", type=int, default=27)
    parser.add_argument("--only", default="export,edit,signoff,models import,translate,timeline,speakers enrol")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    global HEADS
    HEADS = str(args.work / "heads")
    if not (args.work / "bundle").exists():
        made = app("models", "bundle", "tiny.en", str(args.work / "bundled"))
        assert made.returncode == 0, made.stderr
        next((args.work / "bundled").rglob("SHA256SUMS")).parent.rename(args.work / "bundle")
    rng = random.Random(args.seed)
    work = args.work / "round"
    for name in args.only.split(","):
        span, reference = _timed(args.base, work, name)
        print(f"{name}: uninterrupted in {span:.2f} s", flush=True)
        for _ in range(args.rounds):
            print("  " + one_round(args.base, work, name, rng.uniform(0.2, span), reference), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main_())
