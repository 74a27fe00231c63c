"""Every table, column, export and source of a small case, tampered with one way after another;
whether `verify` catches each (exit 1), and the first line it says.

    python bench/tamper_sweep.py BASE [--only TEXT] [--out RESULTS.tsv]

BASE is a folder made by bench/tamper_case.py (never changed: each tampering is done on a fresh
copy of it at BASE + '.work'). A forger is assumed to know SQLite: the guard triggers (append-only,
sealed) are dropped for the change and put back after it, so the schema looks as Parley left it;
the search triggers stay, so the index follows the change as Parley's own writes would.
Prints one line per tampering (caught / MISSED / PASS for an untouched control) and a summary.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import redirect_stderr, redirect_stdout
from io import StringIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.cli import main

GENESIS = "0" * 64
PLAUSIBLE = {  # a value a forger would write instead, where any other string is not plausible
    "status": ["failed", "verified", "edited", "complete", "media", "skipped"],
    "state": ["done", "failed", "queued"], "task": ["translate", "transcribe"], "kind": ["chat", "media"],
    "track": ["ch0", "mix"], "flags": ["low_confidence", ""], "speaker": ["DC Harris", "Speaker 2"],
    "language": ["fr", "en"], "source_language": ["de", "en"], "op": ["edit_text", "set_verified"],
    "container": ["whatsapp", "mp3"], "actor": ["DS Brown", "DC Jones"], "sender": ["Dave Miller", "Ana"],
}
Tamper = Callable[[Path], None]


# ------------------------------------------------------------------ the store, as a forger edits it

def _connect(work: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(work / "case" / "case.sqlite", isolation_level=None)
    conn.row_factory = sqlite3.Row
    return conn


def forged(work: Path, *statements: str | tuple[str, tuple], params: tuple = ()) -> None:
    """The statements (each alone, or with its parameters) run with the guard triggers dropped, and
    the triggers put back after; `params` for a lone statement."""
    conn = _connect(work)
    guards = [(r[0], r[1]) for r in conn.execute("SELECT name, sql FROM sqlite_master WHERE type='trigger'")
              if "RAISE" in r[1]]
    try:
        conn.execute("BEGIN")
        for name, _ in guards:
            conn.execute(f'DROP TRIGGER "{name}"')
        for statement in statements:
            sql, args = statement if isinstance(statement, tuple) else (statement, params)
            conn.execute(sql, args)
        for _, sql in guards:
            conn.execute(sql)
        conn.execute("COMMIT")
    finally:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        conn.close()


def tables(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute("SELECT name, sql FROM sqlite_master WHERE type='table' ORDER BY name")
            if not r[1].upper().startswith("CREATE VIRTUAL")]


def columns(conn: sqlite3.Connection, table: str) -> list[tuple[str, str, bool]]:
    """(name, declared type, part of the primary key) of each column a statement can set."""
    return [(r["name"], (r["type"] or "").upper(), bool(r["pk"])) for r in conn.execute(
        f'PRAGMA table_xinfo("{table}")') if r["hidden"] == 0]


def row_keys(conn: sqlite3.Connection, table: str) -> list[int]:
    try:
        return [r[0] for r in conn.execute(f'SELECT rowid FROM "{table}" ORDER BY rowid')]
    except sqlite3.OperationalError:  # WITHOUT ROWID (none in Parley's schema)
        return []


def other_value(column: str, declared: str, value: object) -> object:
    """A different value of the same kind, as a forger would write it."""
    if isinstance(value, bytes):
        return bytes([value[0] ^ 1]) + value[1:] if value else b"\x01"
    if value is None:
        return 1 if "INT" in declared or "REAL" in declared else "DC Harris"
    if isinstance(value, int):
        return 1 - value if value in (0, 1) else value + 1
    if isinstance(value, float):
        return round(value + 0.25, 6)
    text = str(value)
    for choice in PLAUSIBLE.get(column, []):
        if choice != text:
            return choice
    if text[:1] in "[{":
        try:
            return json.dumps(_changed_json(json.loads(text)), sort_keys=True, ensure_ascii=False)
        except ValueError:
            pass
    if len(text) == 64 and all(c in "0123456789abcdef" for c in text):
        return ("0" if text[0] != "0" else "1") + text[1:]
    digits = [i for i, c in enumerate(text) if c.isdigit()]
    if digits and (text[:2] in ("19", "20") or column.endswith(("_at", "date", "time_written", "datetime"))):
        i = digits[min(len(digits) - 1, 8)]  # a time: a later digit, so it stays a time
        return text[:i] + str((int(text[i]) + 1) % 10) + text[i + 1:]
    return text + " (not)" if text else "x"


def _changed_json(data: object) -> object:
    if isinstance(data, dict):
        if not data:
            return {"x": 1}
        key = min(data)
        return {**data, key: _changed_json(data[key])}
    if isinstance(data, list):
        return [_changed_json(data[0]), *data[1:]] if data else ["x"]
    if isinstance(data, bool):
        return not data
    if isinstance(data, (int, float)):
        return data + 1
    if data is None:
        return 1
    return f"{data} (not)"


def store_tampers(base: Path) -> Iterator[tuple[str, str, Tamper]]:
    conn = sqlite3.connect(base / "case" / "case.sqlite")
    conn.row_factory = sqlite3.Row
    for table in tables(conn):
        keys = row_keys(conn, table)
        if not keys:
            yield "insert", table, _insert_first_row(table)
            continue
        picked = sorted({keys[0], keys[-1]})
        cols = columns(conn, table)
        for name, declared, _pk in cols:
            for key in picked:
                value = conn.execute(f'SELECT "{name}" FROM "{table}" WHERE rowid=?', (key,)).fetchone()[0]
                new = other_value(name, declared, value)
                yield "change", f"{table}.{name} row {key}", _update(table, name, key, new)
        for key in picked:
            yield "delete", f"{table} row {key}", lambda w, t=table, k=key: forged(w, f'DELETE FROM "{t}" WHERE rowid={k}')
        yield "insert", f"{table} (copy of row {keys[-1]})", _copy_row(table, cols, keys[-1])
        if len(keys) > 1:
            yield "swap", f"{table} rows {keys[0]},{keys[-1]}", _swap(table, cols, keys[0], keys[-1])
    conn.close()


def _update(table: str, column: str, key: int, value: object) -> Tamper:
    return lambda work: forged(work, f'UPDATE "{table}" SET "{column}"=? WHERE rowid={key}', params=(value,))


def _copy_row(table: str, cols: list[tuple[str, str, bool]], key: int) -> Tamper:
    """A row added: the copy of another, as it is where the table allows it, else with one column of
    its unique key changed (a second path for an exhibit, a second attachment on a message...)."""
    keep = [n for n, _d, pk in cols if not (pk and sum(c[2] for c in cols) == 1)]

    def tamper(work: Path) -> None:
        conn = _connect(work)
        row = dict(conn.execute(f'SELECT * FROM "{table}" WHERE rowid=?', (key,)).fetchone())
        conn.close()
        if not keep:  # the key is the whole row (entity_scanned): one more key
            keep.extend(n for n, _d, _pk in cols)
        insert = f'INSERT INTO "{table}" ({", ".join(chr(34) + n + chr(34) for n in keep)}) VALUES ({", ".join("?" for _ in keep)})'
        tries = [dict(row)] + [{**row, n: other_value(n, d, row[n])} for n, d, _pk in cols if n in keep]
        for attempt in tries:
            try:
                forged(work, insert, params=tuple(attempt[n] for n in keep))
                return
            except sqlite3.IntegrityError:
                continue
        raise sqlite3.IntegrityError("every copy refused by a constraint")
    return tamper


def _insert_first_row(table: str) -> Tamper:
    def tamper(work: Path) -> None:
        conn = _connect(work)
        cols = [(r["name"], r["notnull"], (r["type"] or "").upper()) for r in conn.execute(f'PRAGMA table_info("{table}")')]
        conn.close()
        values = [("x" if "TEXT" in t or not t else 0) if nn else None for _n, nn, t in cols]
        forged(work, f'INSERT INTO "{table}" VALUES ({", ".join("?" for _ in cols)})', params=tuple(values))
        # (an empty table: a row of placeholders)
    return tamper


def _swap(table: str, cols: list[tuple[str, str, bool]], a: int, b: int) -> Tamper:
    """Two rows trade everything but their keys (two exhibits' hashes, two messages' texts...)."""
    names, keys = [n for n, _d, pk in cols if not pk], [n for n, _d, _pk in cols]

    def tamper(work: Path) -> None:
        conn = _connect(work)
        rows = {k: dict(conn.execute(f'SELECT * FROM "{table}" WHERE rowid=?', (k,)).fetchone()) for k in (a, b)}
        conn.close()
        insert = (f'INSERT INTO "{table}" (rowid, {", ".join(chr(34) + n + chr(34) for n in keys)}) '
                  f'VALUES (?, {", ".join("?" for _ in keys)})')
        forged(work, f'DELETE FROM "{table}" WHERE rowid IN ({a},{b})',
               *[(insert, (k, *[rows[o][n] if n in names else rows[k][n] for n in keys])) for k, o in ((a, b), (b, a))])
    return tamper


# ------------------------------------------------------------------ the audit log and its head file

def _entry_hash(prev: str, row: sqlite3.Row) -> str:
    canonical = json.dumps([prev, row["at"], row["actor"], row["action"], row["subject"], row["details_json"]],
                           ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def rechained(work: Path, *statements: str | tuple[str, tuple], mend_head: bool = True) -> None:
    """The statements, then every entry's hash computed again from the first (a forger who knows the
    chain's recipe), and the head file written to match: the chain agrees with itself."""
    forged(work, *statements)
    conn = _connect(work)
    prev, fixes = GENESIS, []
    for row in conn.execute("SELECT * FROM audit_log ORDER BY id").fetchall():
        digest = _entry_hash(prev, row)
        fixes.append(("UPDATE audit_log SET prev_hash=?, hash=? WHERE id=?", (prev, digest, row["id"])))
        prev = digest
    last = conn.execute("SELECT max(id) FROM audit_log").fetchone()[0]
    conn.close()
    forged(work, *fixes)
    if mend_head:
        (work / "case" / "audit-head.json").write_text(json.dumps({"entry": last, "hash": prev}))


def audit_tampers(base: Path) -> Iterator[tuple[str, str, Tamper]]:
    conn = sqlite3.connect(base / "case" / "case.sqlite")
    conn.row_factory = sqlite3.Row
    rows = conn.execute("SELECT id, action FROM audit_log ORDER BY id").fetchall()
    conn.close()
    last = rows[-1]["id"]
    kinds = {}
    for row in rows:
        kinds.setdefault(row["action"], row["id"])
    for n in (1, 3, 20):
        yield "audit", f"last {n} entries cut, head file mended", lambda w, n=n: rechained(
            w, f"DELETE FROM audit_log WHERE id > {last - n}")
        yield "audit", f"last {n} entries cut, head file left", lambda w, n=n: forged(
            w, f"DELETE FROM audit_log WHERE id > {last - n}")
    for action, entry in sorted(kinds.items(), key=lambda kv: kv[1]):
        yield "audit", f"entry {entry} ({action}) removed, re-chained", lambda w, e=entry: rechained(
            w, f"DELETE FROM audit_log WHERE id = {e}")
        yield "audit", f"entry {entry} ({action}) details changed, re-chained", lambda w, e=entry: rechained(
            w, f"UPDATE audit_log SET details_json = replace(details_json, '\"', '\"') || '' WHERE id = {e}",
            f"UPDATE audit_log SET actor = 'DS Brown' WHERE id = {e}")
        yield "audit", f"entry {entry} ({action}) details changed, chain left", lambda w, e=entry: forged(
            w, f"UPDATE audit_log SET actor = 'DS Brown' WHERE id = {e}")
    for a, b in ((rows[1]["id"], rows[2]["id"]), (rows[-2]["id"], rows[-1]["id"])):
        yield "audit", f"entries {a} and {b} swapped, re-chained", lambda w, a=a, b=b: rechained(w, *_swap_entries(w, a, b))
    yield "audit", "an entry added at the end, chained", lambda w: rechained(
        w, f"INSERT INTO audit_log (at, actor, action, subject, details_json, prev_hash, hash) SELECT at, actor, "
           f"'queue.paused', 'queue', '{{}}', '', '' FROM audit_log WHERE id = {last}")
    yield "head", "head file deleted", lambda w: (w / "case" / "audit-head.json").unlink()
    yield "head", "head file set back 5 entries", lambda w: _head_back(w, 5)
    yield "head", "head file names a hash not in the chain", lambda w: (w / "case" / "audit-head.json").write_text(
        json.dumps({"entry": last, "hash": "0" * 64}))


def _swap_entries(work: Path, a: int, b: int) -> list[tuple[str, tuple]]:
    conn = _connect(work)
    rows = {k: dict(conn.execute("SELECT * FROM audit_log WHERE id=?", (k,)).fetchone()) for k in (a, b)}
    conn.close()
    cols = ("at", "actor", "action", "subject", "details_json")
    return [(f"UPDATE audit_log SET {', '.join(c + '=?' for c in cols)} WHERE id=?", (*[rows[o][c] for c in cols], k))
            for k, o in ((a, b), (b, a))]


def _head_back(work: Path, n: int) -> None:
    conn = _connect(work)
    row = conn.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1 OFFSET ?", (n,)).fetchone()
    conn.close()
    (work / "case" / "audit-head.json").write_text(json.dumps({"entry": row["id"], "hash": row["hash"]}))


# ------------------------------------------------------------------ files: exports, sources, whole folders

def _flip(path: Path, at: float = 0.5) -> None:
    data = bytearray(path.read_bytes())
    if data:
        data[int(len(data) * at)] ^= 0x01
    path.write_bytes(bytes(data))


def _manifest_field(path: Path) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    data["status"] = "verified by DS Patel"
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")


def _resealed(path: Path) -> None:
    """An export changed and its manifest's SHA-256 for it written to match."""
    manifest = path.with_name(path.name.split(".")[0] + ".manifest.json")
    _flip(path)
    data = json.loads(manifest.read_text(encoding="utf-8"))
    for entry in data.get("files", []):
        if entry.get("file") == path.name:
            entry["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    manifest.write_text(json.dumps(data, indent=2), encoding="utf-8")


def file_tampers(base: Path) -> Iterator[tuple[str, str, Tamper]]:
    for folder in ("out", "timeline", "translated"):
        for path in sorted((base / folder).iterdir()):
            rel = path.relative_to(base)
            yield "export", f"{rel}: a byte changed", lambda w, r=rel: _flip(w / r)
            yield "export", f"{rel}: deleted", lambda w, r=rel: (w / r).unlink()
            if path.name.endswith(".manifest.json"):
                yield "export", f"{rel}: its status edited", lambda w, r=rel: _manifest_field(w / r)
            elif ".timeline." not in path.name:
                yield "export", f"{rel}: changed, manifest resealed", lambda w, r=rel: _resealed(w / r)
        yield "export", f"{folder}/: a file slipped in beside a set", lambda w, f=folder: _slip(w / f)
    older = base / "stages" / "out-1"
    if older.is_dir():
        for path in sorted(older.iterdir()):
            if (base / "out" / path.name).is_file() and path.read_bytes() != (base / "out" / path.name).read_bytes():
                yield "export", f"out/{path.name}: put back to the first export's", lambda w, n=path.name: shutil.copy(
                    w / "stages" / "out-1" / n, w / "out" / n)
    for path in sorted(p for p in (base / "evidence").rglob("*") if p.is_file()):
        rel = path.relative_to(base)
        yield "source", f"{rel}: a byte changed", lambda w, r=rel: _flip(w / r, 0.9)
        yield "source", f"{rel}: cut short", lambda w, r=rel: (w / r).write_bytes((w / r).read_bytes()[:-100])
        yield "source", f"{rel}: renamed", lambda w, r=rel: (w / r).rename((w / r).with_name("x" + r.name))
    yield "source", "two sources' bytes swapped", _swap_sources
    yield "source", "a source's bytes replaced, its size and mtime kept", _same_size_and_time
    for folder, path in [(f, p) for f in ("out", "timeline") for p in sorted((base / f).iterdir())]:  # a copy handed on
        COPIED.add(what := f"{folder}/ copied to usb/, the copy of {path.name}: a byte changed")
        yield "export", what, lambda w, f=folder, n=path.name: (shutil.copytree(w / f, w / "usb"), _flip(w / "usb" / n))
    yield "source", "evidence folder moved", lambda w: (w / "evidence").rename(w / "evidence-moved")


def _slip(folder: Path) -> None:
    sets = sorted(folder.glob("*.manifest.json")) or sorted(folder.iterdir())
    stem = sets[0].name.split(".")[0]
    (folder / f"{stem}.extra.txt").write_text("said by nobody\n")


def _same_size_and_time(work: Path) -> None:
    note = work / "evidence" / "phone" / "note.opus"
    st = note.stat()
    note.write_bytes(bytes(255 - b for b in note.read_bytes()))
    os.utime(note, ns=(st.st_atime_ns, st.st_mtime_ns))


def _swap_sources(work: Path) -> None:
    a, b = work / "evidence" / "phone" / "note.opus", work / "evidence" / "phone" / "interview.wav"
    data = a.read_bytes()
    a.write_bytes(b.read_bytes())
    b.write_bytes(data)


def rollback_tampers(base: Path) -> Iterator[tuple[str, str, Tamper]]:
    for stage in sorted((base / "stages").glob("[0-9]-*")):
        yield "rollback", f"case folder put back to {stage.name}", lambda w, s=stage.name: _rollback(w, s)
        yield "rollback", f"store alone put back to {stage.name} (head file kept)", lambda w, s=stage.name: _rollback(
            w, s, keep_head=True)
        if stage.name.startswith("1") and (base / "stages" / "out-1").is_dir():
            yield "rollback", f"case folder and out/ put back to {stage.name}, later exports removed", lambda w, s=stage.name: (
                _rollback(w, s), shutil.rmtree(w / "out"), shutil.copytree(w / "stages" / "out-1", w / "out"),
                shutil.rmtree(w / "timeline"), shutil.rmtree(w / "translated"))


def _rollback(work: Path, stage: str, keep_head: bool = False) -> None:
    head = (work / "case" / "audit-head.json").read_bytes()
    shutil.rmtree(work / "case")
    shutil.copytree(work / "stages" / stage, work / "case")
    if keep_head:
        (work / "case" / "audit-head.json").write_bytes(head)


def controls(base: Path) -> Iterator[tuple[str, str, Tamper]]:
    """Not tampering: verify must pass each."""
    yield "control", "untouched", lambda w: None
    yield "control", "every file's times touched", lambda w: [os.utime(p) for p in w.rglob("*") if p.is_file()]
    yield "control", "verify run twice", lambda w: _verify(w)
    for maintenance in ("VACUUM", "ANALYZE", "REINDEX", "PRAGMA journal_mode=DELETE",
                        "INSERT INTO search_words(search_words) VALUES('optimize')"):
        yield "control", f"store maintained: {maintenance}", lambda w, m=maintenance: _maintained(w, m)
    if shutil.which("sqlite3"):
        yield "control", "store rebuilt by the sqlite3 tool's .dump", _rebuilt
    yield "control", MOVED_CONTROL, _moved
    for folder in ("out", "timeline"):
        COPIED.add(what := f"{folder}/ copied to usb/ (verify --exports usb)")
        yield "control", what, lambda w, f=folder: shutil.copytree(w / f, w / "usb")


MOVED = ("evidence", "out", "translated", "timeline")
COPIED: set[str] = set()  # a tampering or control checked with `verify --exports usb` (a set copied there)
MOVED_CONTROL = "evidence and export folders moved (verify --sources, --exports)"


def _maintained(work: Path, statement: str) -> None:
    conn = _connect(work)
    conn.execute(statement)
    conn.close()


def _rebuilt(work: Path) -> None:
    """What a user "repairing" the store does: dumped to SQL and loaded into a new file (no schema number)."""
    store = work / "case" / "case.sqlite"
    dump = subprocess.run(["sqlite3", str(store), ".dump"], capture_output=True, text=True, check=True).stdout
    store.unlink()
    subprocess.run(["sqlite3", str(store)], input=dump, text=True, check=True)


def _moved(work: Path) -> None:
    (work / "moved").mkdir()
    for name in MOVED:
        (work / name).rename(work / "moved" / name)


def _moved_args(work: Path) -> list[str]:
    return ["--sources", str(work / "moved" / "evidence"),
            *[arg for name in MOVED[1:] for arg in ("--exports", str(work / "moved" / name))]]


# ------------------------------------------------------------------ the sweep

def _verify(work: Path, *extra: str) -> tuple[int, list[str]]:
    out, err = StringIO(), StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["verify", "--case", str(work / "case"), *extra])
    lines = [line for line in err.getvalue().splitlines() if line and not line.endswith("finding(s)")]
    return code, lines


def sweep(base: Path, only: str = "") -> Iterator[tuple[str, str, int, list[str]]]:
    """`base` is put back before each tampering, and so are the heads this account keeps for its cases
    (verify's own closing of the case writes them: a forged entry appended is taken as the new head)."""
    pristine = base.with_name(base.name + ".pristine")
    if not pristine.exists():
        shutil.copytree(base, pristine, symlinks=True)
    heads = Path(os.environ.get("PARLEY_HEADS_DIR") or Path.home() / ".local" / "share" / "parley" / "heads")
    kept_heads, work_heads = base.with_name(base.name + ".heads"), base.with_name(base.name + ".heads-work")
    if not kept_heads.exists():
        shutil.copytree(heads, kept_heads)
    os.environ["PARLEY_HEADS_DIR"] = str(work_heads)
    head = json.loads((pristine / "case" / "audit-head.json").read_text())["hash"][:16]
    makers = (controls, store_tampers, audit_tampers, file_tampers, rollback_tampers)
    for kind, what, tamper in [t for make in makers for t in make(pristine)]:
        if only and only not in f"{kind} {what}":
            continue
        shutil.rmtree(base)
        shutil.copytree(pristine, base, symlinks=True)
        shutil.rmtree(work_heads, ignore_errors=True)
        shutil.copytree(kept_heads, work_heads)
        try:
            tamper(base)
        except (sqlite3.Error, OSError, ValueError) as exc:
            yield kind, what, -1, [f"not applied: {exc}"]
            continue
        extra = _moved_args(base) if what == MOVED_CONTROL else ["--exports", str(base / "usb")] if what in COPIED else []
        code, lines = _verify(base, *extra)
        yield kind, what, code, lines
        if kind == "rollback":  # the head noted down off the machine at the end (verify prints it)
            code, lines = _verify(base, "--head", head)
            yield kind, f"{what}; verify --head (noted at the end)", code, lines
    shutil.rmtree(base)
    shutil.copytree(pristine, base, symlinks=True)


def main_() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", type=Path)
    parser.add_argument("--only", default="")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    tally: dict[str, list[int]] = {}
    rows = []
    for kind, what, code, lines in sweep(args.base.resolve(), args.only):
        if code == -1:
            verdict = "n/a"
        elif kind == "control":
            verdict = "PASS" if code == 0 else "FALSE-ALARM"
        else:
            verdict = "caught" if code != 0 else "MISSED"
        tally.setdefault(kind, [0, 0])[verdict in ("caught", "PASS")] += 1
        first = lines[0] if lines else ""
        print(f"{verdict:11} {kind:8} {what} | {first[:160]}", flush=True)
        rows.append("\t".join((verdict, kind, what, " || ".join(lines))))
    if args.out:
        args.out.write_text("\n".join(rows) + "\n", encoding="utf-8")
    for kind, (bad, good) in tally.items():
        print(f"{kind}: {good} caught or passed, {bad} missed, false alarm or not applied")
    return 0


if __name__ == "__main__":
    sys.exit(main_())
