"""`python -m app`: every capability without a window.

Exit status: 0 when every input succeeded, 1 when any failed (each failure is
one line on stderr: `<input>: <reason>`), 2 for a usage error.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from app import __version__

FORMATS_DEFAULT = "json,txt,srt,vtt"


COMMAND_MODULES = ("app.commands", "app.queue_commands", "app.translate_commands", "app.search_commands")


def add_case_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--case", type=Path, default=None,
                   help="case folder holding the store (default: a per-user default case)")


def add_transcribe_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", default="base", help="model name under models/ or a model folder")
    p.add_argument("--language", default="auto", help="auto, or a language code to force (e.g. de)")
    p.add_argument("--languages", default="", help="allow-list for detection, e.g. en,pl,ro")
    p.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    p.add_argument("--compute-type", default="auto", help="auto, int8, float16, float32, ...")
    p.add_argument("--threads", type=int, default=0, help="CPU threads (0 = all cores)")
    p.add_argument("--channels", default="auto", choices=("auto", "mix", "split"),
                   help="stereo: auto-detect one speaker per channel, always mix, or always split")
    p.add_argument("--task", default="transcribe", choices=("transcribe", "translate"),
                   help="translate = Whisper's own speech-to-English")
    p.add_argument("--beam-size", type=int, default=5)
    p.add_argument("--no-vad", action="store_true", help="decode all audio, not only speech")
    p.add_argument("--no-batch", action="store_true",
                   help="decode each file on its own: slower on many short files, but a file's result "
                        "then depends on that file alone (see README, reproducibility)")


def build_parser() -> argparse.ArgumentParser:
    """Each module in COMMAND_MODULES adds its sub-commands with set_defaults(handler=...)."""
    parser = argparse.ArgumentParser(prog="python -m app", description="Parley: offline transcription "
                                     "and translation for investigators.")
    parser.add_argument("--version", action="version", version=f"Parley {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from app.commands import run_handler

    try:
        return run_handler(args)
    except KeyboardInterrupt:
        print("interrupted; stored work is kept and resumes on the next run", file=sys.stderr)
        return 130


class Progress:
    """One line per update on stderr (redrawn in place on a terminal)."""

    def __init__(self, total_items: int) -> None:
        self.total = total_items
        self.tty = sys.stderr.isatty()
        self.started = time.monotonic()
        self.last_print = 0.0

    def update(self, index: int, name: str, fraction: float, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last_print < (0.2 if self.tty else 2.0):
            return
        self.last_print = now
        fraction = min(1.0, max(0.0, fraction))
        overall = (index + fraction) / max(1, self.total)
        elapsed = now - self.started
        eta = elapsed * (1 - overall) / overall if overall > 0.01 else None
        eta_text = f" ETA {int(eta // 60)}:{int(eta % 60):02d}" if eta is not None else ""
        line = f"[{index + 1}/{self.total}] {name} {fraction:4.0%} | overall {overall:4.0%}{eta_text}"
        if self.tty:
            print("\r" + line.ljust(78), end="", file=sys.stderr, flush=True)
        else:
            print(line, file=sys.stderr, flush=True)

    def done(self) -> None:
        if self.tty:
            print(file=sys.stderr)
