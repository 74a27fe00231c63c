"""`check-export` as the defence's expert meets it: a set handed over in one format alone (the record of interview's
DOCX or PDF, a TXT, a VTT, an SRT), its manifest edited to name another model, recording, beam width, status or
run, the files' hashes left right. Prints one line per edit (caught / MISSED / PASS for the untouched set).

    python bench/check_export_sweep.py BASE [--more]

--more adds nine facts more (who verified it, the language, the recording's name and size, two settings, the
software, when it was made) and, since session 30, four more (who exported it and when, the task, the language
translated from).

BASE is a folder made by bench/tamper_case.py (copied, never changed). Its interview (with the record of
interview's details) and a voice note are exported once per format from a copy of the case.

Controls (session 29, review 2): untouched sets must stay quiet whatever the recording and its verifier are called
(a row label first, a control character, Chinese, Arabic) and where the record's table crosses a page: a case of
one note per name, signed off, exported in each format alone (PASS / FALSE-ALARM). Since session 31 also as JSON
alone and in the CLI's and the window's default sets (each with a JSON), and a run whose settings.language is ""
(its JSON writes "": the CLI's default set of such a run failed untouched).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from contextlib import redirect_stderr, redirect_stdout
from io import StringIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.cli import main

EDITS = {
    "model.name": lambda d: d["model"].update(name="large-v3"),
    "model.sha256": lambda d: d["model"].update(sha256="9" * 64),
    "source.sha256": lambda d: d["source"].update(sha256="a" * 64),
    "settings.beam_size": lambda d: d["settings"].update(beam_size=1),
    "status": lambda d: d.update(status="verified" if d.get("status") != "verified" else "machine draft"),
    "run_id": lambda d: d.update(run_id=int(d["run_id"]) + 7),
}
MORE_EDITS = {  # session 29: the other facts a reader takes from the manifest (--more)
    "verified_by": lambda d: d.update(verified_by="DS Brown"),
    "language": lambda d: d.update(language="pl"),
    "source.name": lambda d: d["source"].update(name="other.wav"),
    "source.bytes": lambda d: d["source"].update(bytes=int(d["source"]["bytes"]) + 1),
    "settings.vad": lambda d: d["settings"].update(vad=not d["settings"].get("vad")),
    "settings.language": lambda d: d["settings"].update(language="pl"),
    "software.parley-source": lambda d: d["software"]["components"].update({"parley-source": "b" * 64}),
    "software.version": lambda d: d["software"].update(version="9.9.9"),
    "created_at": lambda d: d.update(created_at="2020-01-01T00:00:00.000Z"),
    # session 30: who exported the set and when, the task, the language translated from
    "exported_by": lambda d: d.update(exported_by="DCI Somebody"),
    "exported_at": lambda d: d.update(exported_at="2020-01-01T00:00:00.000Z"),
    "task": lambda d: d.update(task="translate"),
    "source_language": lambda d: d.update(source_language="de"),
}
FORMATS = ("docx", "pdf", "txt", "vtt", "srt")
CONTROLS = (("Recording 12.m4a", "DS Patel", 0), ("Software call.m4a", "DS Patel", 0),
            ("Produced evidence.m4a", "DS Patel", 0), ("Model statement DC Hale.m4a", "DS Patel", 0),
            ("Status update from Mike.m4a", "DS Patel", 0), ("bell\x07name.m4a", "DS Patel", 0),
            ("录音 2024-03-13 证人.m4a", "王伟 警官", 0), ("تسجيل صوتي ١.m4a", "محمد علي", 0),
            ("interview.m4a", "DS Patel", 18), ("interview.m4a", "DS Patel", 29),  # name, verifier, people present
            ("detected.m4a", "DS Patel", 0, ""))  # and the run's settings.language: "" is none set (session 31)
CONTROL_SETS = (*FORMATS[:4], "json", "json,txt,srt,vtt", "pdf,docx,json")  # alone, the CLI's and window's defaults
MEDIA = Path(os.environ.get("PARLEY_SHARED", ROOT.parent / "shared")) / "media"
PERSON = "Ms Jane Doe-Appleby, appropriate adult from the county council, attending for the whole interview"


def _quiet(*words: str) -> int:
    return _said(*words)[0]


def _said(*words: str) -> tuple[int, str]:
    out = StringIO()
    with redirect_stdout(out), redirect_stderr(StringIO()):
        return main(list(words)), out.getvalue()


def main_() -> int:
    base = Path(sys.argv[1]).resolve()
    work = Path(tempfile.mkdtemp())
    os.environ["PARLEY_HEADS_DIR"] = str(work / "heads")
    shutil.copytree(base / "case", work / "case")
    tally = {"caught": 0, "MISSED": 0, "SAID-UNCHECKED": 0, "PASS": 0, "FALSE-ALARM": 0}
    for fmt in FORMATS:
        for exhibit in ("3", "4"):  # the interview (record of interview details), the verified voice note
            out = work / f"{fmt}-{exhibit}"
            assert _quiet("export", exhibit, "--case", str(work / "case"), "--out", str(out), "--format", fmt) == 0
            manifest = next(out.glob("*.manifest.json"))
            pristine = manifest.read_text(encoding="utf-8")
            for fact, edit in {"untouched": None, **EDITS, **(MORE_EDITS if "--more" in sys.argv else {})}.items():
                data = json.loads(pristine)
                if edit is not None:
                    edit(data)
                manifest.write_text(json.dumps(data, indent=2), encoding="utf-8")
                code, said = _said("check-export", str(manifest))
                verdict = ("PASS" if code == 0 else "FALSE-ALARM") if edit is None else ("caught" if code else "MISSED")
                if verdict == "MISSED" and "says nothing of what made it" in said:
                    verdict = "SAID-UNCHECKED"
                tally[verdict] += 1
                print(f"{verdict:11} {fmt:5} exhibit {exhibit} {fact}", flush=True)
            manifest.write_text(pristine, encoding="utf-8")
    for number, control in enumerate(CONTROLS):
        for fmt in CONTROL_SETS:
            code, _ = _said("check-export", str(_control_set(work / f"control{number}", fmt, *control)))
            tally["PASS" if code == 0 else "FALSE-ALARM"] += 1
            print(f"{'PASS' if code == 0 else 'FALSE-ALARM':11} {fmt:5} control {control[0]!r} present {control[2]}")
    shutil.rmtree(work)
    print(", ".join(f"{n} {v}" for v, n in tally.items()))
    return 0


def _control_set(work: Path, fmt: str, name: str, verifier: str, present: int, language: str | None = None) -> Path:
    """One note called `name` (its text typed in, no model run, `language` its run's settings.language when
    given), signed off by `verifier`, `present` people in the record's details, exported as `fmt`: the set's
    manifest."""
    from app.core.evidence.provenance import software_info
    from app.core.media.decode import probe
    from app.core.store import Case
    from app.core.types import ModelInfo, Segment

    if not (work / "case").exists():
        (work / "evidence").mkdir(parents=True)
        shutil.copy(MEDIA / "en_voicenote.opus", work / "evidence" / name)
        case = Case.open(work / "case")
        try:
            exhibit, _ = case.add_exhibit(probe(work / "evidence" / name))
            run = case.start_run(exhibit.id, "transcribe", ModelInfo("tiny.en", "/models/tiny.en", "ab" * 32),
                                 {"beam_size": 5} | ({} if language is None else {"language": language}),
                                 software_info())
            case.append_segments(run, (Segment(0, 1500, "meet me at the docks"),), {}, "en", 0.98)
            case.finish_run(run)
        finally:
            case.close()
        people = [word for i in range(present) for word in ("--present", f"{PERSON} {i}")]
        if present:
            assert _quiet("interview", "1", "--case-ref", "OP/2024/17", "--interviewee", "John Smith", "--by", "DC Jones",
                          "--case", str(work / "case"), *people) == 0
        assert _quiet("signoff", "1", "--by", verifier, "--case", str(work / "case")) == 0
    out = work / fmt
    assert _quiet("export", "1", "--case", str(work / "case"), "--out", str(out), "--format", fmt,
                  "--by", verifier) == 0
    return next(out.glob("*.manifest.json"))  # exported by the verifier too: a name in any script (session 30)


if __name__ == "__main__":
    sys.exit(main_())
