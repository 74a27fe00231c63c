"""`check-export` as the defence's expert meets it: a set handed over in one format alone (the record of interview's
DOCX or PDF, a TXT, a VTT, an SRT), its manifest edited to name another model, recording, beam width, status or
run, the files' hashes left right. Prints one line per edit (caught / MISSED / PASS for the untouched set).

    python bench/check_export_sweep.py BASE [--more]

--more adds nine facts more (who verified it, the language, the recording's name and size, two settings, the
software, when it was made).

BASE is a folder made by bench/tamper_case.py (copied, never changed). Its interview (with the record of
interview's details) and a voice note are exported once per format from a copy of the case.
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
}
FORMATS = ("docx", "pdf", "txt", "vtt", "srt")


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
    shutil.rmtree(work)
    print(", ".join(f"{n} {v}" for v, n in tally.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main_())
