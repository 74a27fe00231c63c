"""What a defence expert tries that bench/tamper_sweep.py does not: whole records exchanged between exhibits,
a run's resume state edited key by key, the log rewritten and re-chained and verified on an account that never
worked on the case (no heads kept), a store put back to a copy taken with its -wal while Parley was writing.
Since session 28, forgeries kept consistent with the code's own functions, each verified twice: by the account that
worked on the case (its heads kept) and on another machine (none): a run's recorded beam changed with its
`run.started` entry, a translation's text changed with the digests its entries log, the last entries and what they
logged (a voice profile, a timeline) deleted, and the whole case made again by Parley from the same evidence.

    python bench/tamper_expert.py BASE [ONLY]

BASE is a folder made by bench/tamper_case.py (never changed: each tampering is done on a fresh copy).
Prints one line per tampering (caught / MISSED / PASS for an untouched control) and a summary.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.tamper_sweep import Tamper, _connect, _verify, forged, rechained


def _runs(work: Path) -> list[sqlite3.Row]:
    conn = _connect(work)
    rows = conn.execute("SELECT id, exhibit_id, task, state_json FROM runs WHERE task='transcribe' ORDER BY id").fetchall()
    conn.close()
    return rows


def _swap_column(table: str, column: str, a: int, b: int, key: str = "id") -> Tamper:
    """Two rows' `column` exchanged (a run's exhibit: two exhibits' transcripts swapped)."""
    def tamper(work: Path) -> None:
        conn = _connect(work)
        va, vb = (conn.execute(f"SELECT {column} FROM {table} WHERE {key}=?", (k,)).fetchone()[0] for k in (a, b))
        conn.close()
        forged(work, (f"UPDATE {table} SET {column}=? WHERE {key}=?", (vb, a)),
               (f"UPDATE {table} SET {column}=? WHERE {key}=?", (va, b)))
    return tamper


def _segments_swapped(a: int, b: int) -> Tamper:
    return lambda w: forged(w, f"UPDATE segments SET run_id=-1 WHERE run_id={a}",
                            f"UPDATE segments SET run_id={a} WHERE run_id={b}",
                            f"UPDATE segments SET run_id={b} WHERE run_id=-1")


def _state_edit(run: int, edit) -> Tamper:  # edit: dict -> None
    def tamper(work: Path) -> None:
        conn = _connect(work)
        state = json.loads(conn.execute("SELECT state_json FROM runs WHERE id=?", (run,)).fetchone()[0])
        conn.close()
        edit(state)
        forged(work, ("UPDATE runs SET state_json=? WHERE id=?", (json.dumps(state), run)))
    return tamper


def record_tampers(base: Path) -> Iterator[tuple[str, str, Tamper]]:
    runs = _runs(base)
    a, b = runs[0]["id"], runs[-1]["id"]
    yield "records", f"runs {a} and {b}: exhibits exchanged (two exhibits' transcripts swapped)", _swap_column(
        "runs", "exhibit_id", a, b)
    yield "records", f"runs {a} and {b}: segments exchanged", _segments_swapped(a, b)
    yield "records", f"run {a}: its resume state's done_ms set back to 0 (a resume decodes again)", _state_edit(
        a, lambda s: s["done_ms"].update({k: 0 for k in s["done_ms"]}))
    yield "records", f"run {a}: its resume state's batch reordered", _state_edit(
        a, lambda s: s["batch"].reverse())
    yield "records", f"run {a}: its resume state emptied", _state_edit(a, lambda s: s.clear())
    packed = next((r["id"] for r in runs if "packed_with" in json.loads(r["state_json"])), None)
    if packed is not None:
        yield "records", f"run {packed}: packed_with removed from its resume state", _state_edit(
            packed, lambda s: s.pop("packed_with"))


def _rechained_edit(entry: int) -> Tamper:
    return lambda w: rechained(w, f"UPDATE audit_log SET actor='DS Brown' WHERE id={entry}")


def _last_exported(base: Path) -> int:
    conn = _connect(base)
    last = conn.execute("SELECT max(id) FROM audit_log WHERE action='export.written'").fetchone()[0]
    conn.close()
    return int(last)


def unseen_account_tampers(base: Path) -> Iterator[tuple[str, str, Tamper]]:
    """Verified with no heads kept (another account, the expert's own machine): only manifests can show it."""
    exported = _last_exported(base)
    for entry in (2, exported - 1):
        yield "unseen", f"entry {entry} changed, whole chain recomputed, head file mended", _rechained_edit(entry)
    yield "unseen", "every entry's time moved a day, chain recomputed", lambda w: rechained(
        w, "UPDATE audit_log SET at = strftime('%Y-%m-%dT%H:%M:%fZ', at, '-1 day')")


def _quiet_cli(*words: str) -> None:
    from app.cli import main

    with open(os.devnull, "w") as null:
        sys.stdout, sys.stderr, saved = null, null, (sys.stdout, sys.stderr)
        try:
            main(list(words))
        finally:
            sys.stdout, sys.stderr = saved


def _entries(work: Path, sql: str) -> list[sqlite3.Row]:
    conn = _connect(work)
    rows = conn.execute(sql).fetchall()
    conn.close()
    return rows


def _details(row: sqlite3.Row, **changes) -> tuple[str, tuple]:
    details = {**json.loads(row["details_json"]), **changes}
    return "UPDATE audit_log SET details_json=? WHERE id=?", (json.dumps(details, sort_keys=True), row["id"])


def _beam_forged(work: Path) -> None:
    """Run 1 recorded as decoded with beam 1: its record and its run.started entry both, the chain recomputed."""
    run = _runs(work)[0]["id"]
    settings = json.loads(_entries(work, f"SELECT settings_json FROM runs WHERE id={run}")[0][0])
    started = _entries(work, f"SELECT * FROM audit_log WHERE subject='run/{run}' AND action='run.started'")[0]
    logged = json.loads(started["details_json"])
    rechained(work, ("UPDATE runs SET settings_json=? WHERE id=?", (json.dumps({**settings, "beam_size": 1}), run)),
              _details(started, settings={**logged["settings"], "beam_size": 1}))


def _translation_forged(work: Path) -> None:
    """A translation's words changed, and the content digest its entries log made again with Parley's own
    function (evidence.content), the chain recomputed."""
    from app.core.evidence.content import content_sha256
    from app.core.store import Case

    run = _entries(work, "SELECT id FROM runs WHERE task LIKE '%translate' ORDER BY id")[0][0]
    forged(work, f"UPDATE segments SET text='Il a avoué.' WHERE run_id={run}")
    kept, os.environ["PARLEY_HEADS_DIR"] = os.environ["PARLEY_HEADS_DIR"], tempfile.mkdtemp()  # the forger's own
    case = Case.open_as_found(work / "case")
    try:
        digest = content_sha256(case.segments(run))
    finally:
        case.close()
        shutil.rmtree(os.environ["PARLEY_HEADS_DIR"])
        os.environ["PARLEY_HEADS_DIR"] = kept
    logged = _entries(work, f"SELECT * FROM audit_log WHERE subject='run/{run}' AND details_json LIKE '%content_sha256%'")
    rechained(work, *[_details(row, content_sha256=digest) for row in logged])


def _last_cut(count: int) -> Tamper:
    """The last `count` entries deleted with what they logged (voice profiles, a timeline's files), the head file
    mended to the entry before them: consistent with itself."""
    def tamper(work: Path) -> None:
        last = _entries(work, "SELECT max(id) FROM audit_log")[0][0]
        cut = _entries(work, f"SELECT * FROM audit_log WHERE id > {last - count}")
        profiles = [int(r["subject"].split(":")[1]) for r in cut if r["action"] == "speaker.enrol"]
        statements = [f"DELETE FROM audit_log WHERE id > {last - count}"]
        statements += [f"DELETE FROM speaker_profiles WHERE id={p}" for p in profiles]
        for row in cut:
            if row["action"] == "export.timeline_written":
                Path(json.loads(row["details_json"])["file"]).unlink(missing_ok=True)
        rechained(work, *statements)
    return tamper


def _case_made_again(work: Path) -> None:
    """The case folder replaced by one Parley makes from the same evidence (no edits, no sign-off): a log
    consistent from its first entry, made by the code's own functions."""
    shutil.rmtree(work / "case")
    _quiet_cli("transcribe", str(work / "evidence" / "phone"), "--case", str(work / "case"), "--model", "tiny.en",
               "--out", str(work / "remade"))


def forgery_tampers(base: Path) -> Iterator[tuple[str, str, Tamper]]:
    yield "forgery", "run 1's beam recorded as 1, its run.started entry too, chain recomputed", _beam_forged
    yield "forgery", "a translation's words changed, its logged digests made again, chain recomputed", \
        _translation_forged
    yield "forgery", "the last entry (a voice profile enrolled) and the profile deleted, head mended", _last_cut(1)
    yield "forgery", "the last 4 entries (a timeline written, a profile) and what they logged deleted", _last_cut(4)
    yield "forgery", "the whole case made again by Parley from the same evidence, exports left", _case_made_again


def _held_copy(work: Path) -> None:
    """The store copied (with its -wal and -shm) while a program held it open with commits not yet in the
    store file; edits after; then that copy put back."""
    store = work / "case" / "case.sqlite"
    copy = Path(tempfile.mkdtemp(dir=work))
    conn = sqlite3.connect(store)
    conn.execute("PRAGMA wal_autocheckpoint=0")
    conn.execute("BEGIN IMMEDIATE")  # held: no checkpoint can empty the -wal
    for name in ("case.sqlite", "case.sqlite-wal", "case.sqlite-shm", "audit-head.json"):
        if (work / "case" / name).exists():
            shutil.copy2(work / "case" / name, copy / name)
    conn.rollback()
    conn.close()
    from app.cli import main

    with open(os.devnull, "w") as null:
        sys.stdout, saved = null, sys.stdout
        try:
            main(["edit", str(_runs(work)[0]["exhibit_id"]), "--segment", "1", "--text", "later words", "--by", "DC Jones",
                  "--case", str(work / "case")])
        finally:
            sys.stdout = saved
    for name in ("case.sqlite-wal", "case.sqlite-shm"):
        (work / "case" / name).unlink(missing_ok=True)
    for each in copy.iterdir():
        shutil.copy2(each, work / "case" / each.name)
    shutil.rmtree(copy)


def rollback_tampers(base: Path) -> Iterator[tuple[str, str, Tamper]]:
    yield "rollback", "store put back to a copy taken with its -wal and -shm, after an edit", _held_copy


def controls(base: Path) -> Iterator[tuple[str, str, Tamper]]:
    yield "control", "untouched (no heads kept)", lambda w: None
    yield "control", "evidence times touched only", lambda w: [os.utime(p, (1, 1)) for p in (w / "evidence").rglob("*")
                                                              if p.is_file()]


def main_() -> int:
    base = Path(sys.argv[1]).resolve()
    pristine = base.with_name(base.name + ".pristine")
    if not pristine.exists():
        shutil.copytree(base, pristine, symlinks=True)
    kept_heads = base.with_name(base.name + ".heads")
    heads = Path(tempfile.mkdtemp())
    os.environ["PARLEY_HEADS_DIR"] = str(heads)
    tally = {"caught": 0, "MISSED": 0, "PASS": 0, "FALSE-ALARM": 0}
    makers = ((controls, False), (record_tampers, True), (unseen_account_tampers, False), (rollback_tampers, True),
              (forgery_tampers, True), (forgery_tampers, False))
    only = sys.argv[2] if len(sys.argv) > 2 else ""
    for make, with_heads in makers:
        for kind, what, tamper in make(pristine):
            if only and only not in f"{kind} {what}":
                continue
            if kind == "forgery":
                what += "; heads kept by this account" if with_heads else "; verified on another machine (no heads)"
            shutil.rmtree(base)
            shutil.copytree(pristine, base, symlinks=True)
            shutil.rmtree(heads)
            shutil.copytree(kept_heads, heads) if with_heads and kept_heads.exists() else heads.mkdir()
            tamper(base)
            code, lines = _verify(base)
            if code == 0 and kind == "forgery":  # what the expert tries next: the exports handed over, a head kept
                head = json.loads((pristine / "case" / "audit-head.json").read_text())["hash"][:16]
                for extra, said in ((["--exports", str(base / "out")], "verify --exports out"),
                                    (["--head", head], "verify --head (noted at the end)")):
                    if code == 0:
                        code, lines = _verify(base, *extra)
                        what += f"; {said}" if code else ""
            verdict = ("PASS" if code == 0 else "FALSE-ALARM") if kind == "control" else (
                "caught" if code else "MISSED")
            tally[verdict] += 1
            print(f"{verdict:11} {kind:8} {what} | {(lines[0] if lines else '')[:200]}", flush=True)
    shutil.rmtree(base)
    shutil.copytree(pristine, base, symlinks=True)
    print(", ".join(f"{n} {v}" for v, n in tally.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main_())
