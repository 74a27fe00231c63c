"""A small case made the way an investigator makes one, for the tampering sweep (bench/tamper_sweep.py).

    python bench/tamper_case.py FOLDER

FOLDER/evidence   two shared voice notes, one again under another name, a WhatsApp chat export (folder)
                  carrying a voice note, a file that is not media
FOLDER/case       transcribed with tiny.en through the CLI; an edit, a speaker renamed, a segment
                  split, a translation (the tiny M2M test model), the record of interview's
                  details, a transcript verified, a voice profile when the speaker model is installed,
                  the entities listed, a timeline of the chat
FOLDER/out        the export sets in every format, FOLDER/timeline the chat's timeline
FOLDER/stages     copies of the case folder after transcribing, editing and translating (rollbacks)
"""

from __future__ import annotations

import shutil
import sys
from contextlib import redirect_stderr, redirect_stdout
from io import StringIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.cli import main
from app.core.editing import operations as editing
from app.core.store import Case

MEDIA = Path(__import__("os").environ.get("PARLEY_SHARED", ROOT.parent / "shared")) / "media"
M2M = ROOT / "tests" / "fixtures" / "tiny_m2m"
FORMATS = "json,txt,srt,vtt,docx,pdf"


def cli(*args: str) -> tuple[int, str]:
    out, err = StringIO(), StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main([str(a) for a in args])
    return code, out.getvalue() + err.getvalue()


def evidence(folder: Path) -> Path:
    ev = folder / "evidence"
    (ev / "phone" / "WhatsApp Chat").mkdir(parents=True)
    shutil.copy(MEDIA / "en_voicenote.opus", ev / "phone" / "note.opus")
    shutil.copy(MEDIA / "en_voicenote.opus", ev / "phone" / "note copy.opus")  # the same bytes: one exhibit
    shutil.copy(MEDIA / "interview_mono.wav", ev / "phone" / "interview.wav")
    (ev / "phone" / "readme.txt").write_text("not media\n")
    chat = ev / "phone" / "WhatsApp Chat"
    shutil.copy(MEDIA / "de_voicenote.opus", chat / "PTT-20240313-WA0004.opus")
    (chat / "_chat.txt").write_text(
        "12/03/2024, 21:15 - Dave Miller: Are we still on for Saturday? Call 07700 900123\n"
        "13/03/2024, 08:02 - +44 7700 900123: Yes. Meet at the car park, bring £500.\n"
        "13/03/2024, 08:03 - +44 7700 900123: PTT-20240313-WA0004.opus (file attached)\n", encoding="utf-8")
    return ev


def build(folder: Path) -> dict:
    ev, case_dir, out = evidence(folder), folder / "case", folder / "out"
    code, said = cli("transcribe", ev / "phone", "--case", case_dir, "--out", out, "--model", "tiny.en",
                     "--format", FORMATS)
    assert code in (0, 1), said
    snapshot(case_dir, folder / "stages" / "1-transcribed")
    shutil.copytree(out, folder / "stages" / "out-1")  # the exports as they were then
    case = Case.open(case_dir)
    try:
        exhibits = {e.source.name: e for e in case.exhibits()}
        interview = exhibits["interview.wav"].id
        run = case.latest_run(interview, "transcribe")
        ids = editing.segment_ids(case, run)
        editing.edit_text(case, run, ids[0], "I was never at the docks.", actor="DC Jones")
        speakers = editing.speakers(case, run)
        editing.set_speaker(case, run, ids[-1], "Officer", actor="DC Jones")
        editing.rename_speaker(case, run, "Officer", "DC Harris", actor="DC Jones")
        if len(ids) > 1:
            editing.split(case, run, ids[1], 3, actor="DC Jones")
        note = next(e.id for name, e in exhibits.items() if name.startswith("note"))
        note_run = case.latest_run(note, "transcribe")
        editing.set_verified(case, note_run, "DS Patel", actor="DS Patel")
    finally:
        case.close()
    steps = [
        ("interview", "interview.wav", "--case-ref", "OP/2024/17", "--exhibit-ref", "AB/1", "--interviewee",
         "John Smith", "--officer", "DC Jones", "--officer", "DC Harris", "--place", "Leeds", "--date",
         "2024-03-14", "--start", "10:00", "--end", "10:40", "--by", "DC Jones", "--case", case_dir),
        ("translate", ev / "phone" / "note copy.opus", "--case", case_dir, "--model", M2M, "--to", "fr", "--out",
         folder / "translated", "--format", "json,txt", "--whisper-model", "tiny.en"),
        ("export", "--case", case_dir, "--out", out, "--format", FORMATS, "--by", "DC Jones"),
        ("timeline", ev / "phone" / "WhatsApp Chat", "--case", case_dir, "--out", folder / "timeline",
         "--format", "json,docx"),
        ("speakers", "enrol", "--exhibit", "interview.wav", "--segments", "1,2", "--name", "John Smith",
         "--by", "DC Jones", "--case", case_dir),
        ("entities", "--case", case_dir),
        ("search", "docks", "--case", case_dir),
    ]
    said_all = {"speakers before": speakers}
    snapshot(case_dir, folder / "stages" / "2-edited")
    for step in steps:
        said_all[" ".join(map(str, step[:2]))] = cli(*step)
        if step[0] == "translate":
            snapshot(case_dir, folder / "stages" / "3-translated")
    return said_all


def snapshot(case_dir: Path, to: Path) -> None:
    """The whole case folder as it stands (store, its -wal, the head file): what a rollback puts back."""
    shutil.copytree(case_dir, to)


if __name__ == "__main__":
    target = Path(sys.argv[1])
    if target.exists():
        sys.exit(f"{target}: exists; give a new folder")
    for name, said in build(target).items():
        print(name, said if name == "speakers before" else f"exit {said[0]}: {said[1].strip()[:400]}")
