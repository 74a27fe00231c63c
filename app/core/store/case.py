"""A case: its folder, its SQLite store, and the records kept in it."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from app.core.errors import StoreError
from app.core.evidence.content import (
    RESUME_LOGGED,
    content_sha256,
    resume_sha256,
    scores_sha256,
    state_sha256,
)
from app.core.paths import user_data_dir
from app.core.store import db
from app.core.store.as_found import AsFound, open_as_found
from app.core.store.audit import AuditLog
from app.core.store.case_head import HeadKeeper
from app.core.store.open_file import opened_with_descriptor
from app.core.store.records import Exhibit, RunRecord
from app.core.store.spelling import as_listed, where_met
from app.core.types import ModelInfo, Segment, SoftwareInfo, SourceInfo, Transcript, Word


def default_case_dir() -> Path:
    env = os.environ.get("PARLEY_CASE")
    return Path(env) if env else user_data_dir() / "default-case"


SET_ASIDE = "run.set_aside"  # an unfinished run never to be resumed (what it stored may be of other bytes)


def _identity(store: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(store)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _source_from_row(r: sqlite3.Row) -> SourceInfo:
    return SourceInfo(
        path=r["path"], sha256=r["sha256"], bytes=r["bytes"], duration_ms=r["duration_ms"],
        container=r["container"], audio_codec=r["audio_codec"], sample_rate=r["sample_rate"],
        channels=r["channels"], has_video=bool(r["has_video"]), truncated=bool(r["truncated"]),
        kind=r["kind"],
    )


class Case(HeadKeeper):
    """Open with Case.open(folder). One connection; writes happen in short transactions."""

    def __init__(self, folder: Path, conn: sqlite3.Connection) -> None:
        self.folder = folder
        self.named = folder  # the folder as named (`Case.open`): a symlink there is not followed
        self.conn = conn
        self.audit = AuditLog(conn)
        self.wal_found = True  # whether the store's -wal was beside it when opened (Case.open says)
        self.as_found: AsFound | None = None  # opened for `verify` (open_as_found): what the file itself showed
        self.opened = _identity(folder / db.STORE_NAME)  # written to only while it is still the store at its path
        self.store_fd: int | None = None  # the connection's descriptor on it, where told (`Case.open`, `open_file`)
        db.guard_writes(conn, self.refuse_if_replaced)  # the queue's writes on this connection too
        try:  # a new case: whatever case this account last saw in this folder, this one is new there
            self._began_empty = self.audit.head() is None
        except sqlite3.Error:
            self._began_empty = False

    @classmethod
    def open(cls, folder: Path | None = None) -> Case:
        named = as_listed(Path(folder or default_case_dir()).expanduser().absolute())  # as the disk spells it
        folder = as_listed(named.resolve())
        wal = (folder / f"{db.STORE_NAME}-wal").exists()  # before opening makes one
        conn, fd = opened_with_descriptor(folder / db.STORE_NAME, lambda: db.connect(folder))
        case = cls(folder, conn)
        case.wal_found, case.named, case.store_fd = wal, named, fd
        return case

    @classmethod
    def open_as_found(cls, folder: Path) -> Case:
        """For `verify`: opening it never changes the store (a hot journal or a -wal beside it), and a
        schema SQLite cannot read is a finding (`as_found.problems`), not an error."""
        named = as_listed(Path(folder).expanduser().absolute())
        folder = as_listed(named.resolve())
        wal = (folder / f"{db.STORE_NAME}-wal").exists()
        found = open_as_found(folder)
        case = cls(folder, found.conn)
        case.wal_found, case.as_found, case.named = wal, found, named
        return case

    def close(self) -> None:
        if self.as_found is None or not self.as_found.view_only:
            self.write_head()
        db.guard_writes(self.conn, None)
        self.store_fd = None  # its number is another file's once closed
        self.conn.close()
        if self.as_found is not None and self.as_found.guard is not None:
            self.as_found.guard.close()  # after the store's own: the last to close, and read-only, so moves no -wal

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; the audit head file follows each commit that changed a row (not an idle poll's).
        Inside another of this connection's transactions it is part of that one (kept whole, or nothing)."""
        if self.conn.in_transaction:
            yield self.conn
            return
        changes = self.conn.total_changes
        with db.transaction(self.conn) as conn:  # refused for a store no longer at its path (`guard_writes`)
            yield conn
        if self.conn.total_changes != changes:
            self.write_head()

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Reads that see the store at one moment (one read transaction), whatever another process (the
        worker) commits meanwhile; inside a transaction of this connection, that one's."""
        if self.conn.in_transaction:
            yield
            return
        self.conn.execute("BEGIN")
        try:
            yield
        finally:
            if self.conn.in_transaction:
                self.conn.execute("COMMIT")  # a read: only the snapshot let go

    # ------------------------------------------------------------ exhibits

    def add_exhibit(self, source: SourceInfo, found_at: str | None = None) -> tuple[Exhibit, bool]:
        """Store an exhibit once per SHA-256; a duplicate is linked. Returns (exhibit, is_new)."""
        path, now = found_at or source.path, db.utc_now()
        with self.transaction():
            row = self.conn.execute("SELECT id FROM exhibits WHERE sha256=?", (source.sha256,)).fetchone()
            is_new = row is None
            if is_new:
                cur = self.conn.execute(
                    "INSERT INTO exhibits (sha256, path, name, bytes, duration_ms, kind, container,"
                    " audio_codec, sample_rate, channels, has_video, truncated, added_at)"
                    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (source.sha256, source.path, source.name, source.bytes, source.duration_ms,
                     source.kind, source.container, source.audio_codec, source.sample_rate,
                     source.channels, int(source.has_video), int(source.truncated), now),
                )
                exhibit_id = int(cur.lastrowid)
                self.audit.record("exhibit.added", f"exhibit/{exhibit_id}",
                                  {"sha256": source.sha256, "path": path, "bytes": source.bytes, "added_at": now,
                                   "name": source.name, "truncated": source.truncated,  # both since session 12
                                   "path_added_at": now, **exhibit_facts(source)})  # since session 13
            else:
                exhibit_id = int(row["id"])
            linked_at = now if is_new else db.utc_now()
            linked = self.conn.execute(
                "INSERT OR IGNORE INTO exhibit_paths (exhibit_id, path, added_at) VALUES (?,?,?)",
                (exhibit_id, path, linked_at),
            ).rowcount
            if linked and not is_new:
                self.audit.record("exhibit.duplicate_linked", f"exhibit/{exhibit_id}",
                                  {"path": path, "added_at": linked_at})  # the time since session 13
        return self.exhibit(exhibit_id), is_new

    def paths_of_sha256(self, sha256: str) -> list[str]:
        """Every path the exhibit of these bytes (if any) was met at, in the order met."""
        return [r[0] for r in self.conn.execute(
            "SELECT p.path FROM exhibit_paths p JOIN exhibits e ON e.id=p.exhibit_id WHERE e.sha256=?"
            " ORDER BY p.rowid", (sha256,))]

    def exhibit(self, exhibit_id: int) -> Exhibit:
        row = self.conn.execute("SELECT * FROM exhibits WHERE id=?", (exhibit_id,)).fetchone()
        if row is None:
            raise StoreError(f"no exhibit {exhibit_id} in this case")
        paths = tuple(
            r[0] for r in self.conn.execute(
                "SELECT path FROM exhibit_paths WHERE exhibit_id=? ORDER BY rowid", (exhibit_id,))
        )
        return Exhibit(row["id"], _source_from_row(row), row["added_at"], paths)

    def path_times(self) -> dict[int, list[tuple[str, str]]]:
        """Each exhibit's (path, when it was found there), in the order found (as `Exhibit.paths`)."""
        found: dict[int, list[tuple[str, str]]] = {}
        for r in self.conn.execute("SELECT exhibit_id, path, added_at FROM exhibit_paths ORDER BY rowid"):
            found.setdefault(int(r[0]), []).append((r[1], r[2]))
        return found

    def exhibit_names(self) -> dict[int, str]:
        """The name column of every exhibit as stored (what search and chat hits show, and what
        `find_exhibit` matches): it should be the last part of the exhibit's path."""
        return {int(r[0]): r[1] for r in self.conn.execute("SELECT id, name FROM exhibits")}

    def exhibits(self) -> list[Exhibit]:
        """Every exhibit, in the order added (two queries, not two per exhibit: the window reads
        them every second, and a phone's 500 voice notes took 0.2 s a time)."""
        paths: dict[int, list[str]] = {}
        for exhibit_id, path in self.conn.execute("SELECT exhibit_id, path FROM exhibit_paths ORDER BY rowid"):
            paths.setdefault(exhibit_id, []).append(path)
        return [Exhibit(row["id"], _source_from_row(row), row["added_at"], tuple(paths.get(row["id"], ())))
                for row in self.conn.execute("SELECT * FROM exhibits ORDER BY id")]

    def find_exhibit(self, key: str) -> Exhibit:
        """By id, SHA-256 (or a unique prefix of 8+), name or path. Digits are an id; with a leading zero (iOS:
        `00000012-AUDIO-….opus`) or no exhibit's id, the file they begin, refused if the id is another's."""
        if not key.isdecimal():  # not isdigit: '²' is a digit that int() refuses
            return self._one(key, self._matching(key))
        by_id = self.conn.execute("SELECT id, name FROM exhibits WHERE id=?", (int(key),)).fetchone()
        if by_id and not key.startswith("0"):
            return self.exhibit(by_id[0])
        rows = self._matching(key) or [(i,) for i, name in self.exhibit_names().items()  # begun by these digits
                                        if name.startswith(key) and not name[len(key):][:1].isdecimal()]
        if not rows or [r[0] for r in rows] == [int(key)]:  # no row is that id when no exhibit has it
            return self.exhibit(int(key))
        if by_id:
            named = ", ".join(f"{r[0]} ({self.exhibit(r[0]).source.name})" for r in rows[:3])
            raise StoreError(f"{key!r} is ambiguous: exhibit {by_id[0]} ({by_id[1]}) by id, or {named} by name;"
                             " give the full name or SHA-256 of the one meant")
        return self._one(key, rows)

    def _one(self, key: str, rows: list) -> Exhibit:
        if len(rows) != 1:
            raise StoreError(f"{key!r}: {'no' if not rows else 'more than one'} exhibit matches (give its id, name, "
                             f"path or SHA-256, as `python -m app exhibits` lists them){self._named_so(key, rows)}")
        return self.exhibit(rows[0][0])

    def _matching(self, key: str) -> list:
        """The exhibits a key names by name, path or SHA-256 (a unique prefix of 8+)."""
        return self.conn.execute(
            "SELECT DISTINCT e.id FROM exhibits e LEFT JOIN exhibit_paths p ON p.exhibit_id=e.id"
            " WHERE e.name=? OR e.path=? OR p.path IN (?, ?) OR (length(?)>=8 AND e.sha256 LIKE ?)",
            (key, key, where_met(key) if key else key, str(Path(key).resolve()) if key else key,  # as named, or resolved
             key, key.lower() + "%"),
        ).fetchall()

    def _named_so(self, key: str, rows: list) -> str:
        """The exhibits a name without its extension (or any case) was meant for, or those it matched."""
        names = self.exhibit_names()
        meant = [i for i, name in names.items() if key.casefold() in (name.casefold(), Path(name).stem.casefold())]
        shown = sorted({int(r[0]) for r in rows}) or meant
        return ": did you mean " + " or ".join(f"{i} ({names[i]})" for i in shown[:5]) + "?" if shown else ""

    def mark_truncated(self, exhibit_id: int) -> None:
        with self.transaction():
            self.conn.execute("UPDATE exhibits SET truncated=1 WHERE id=?", (exhibit_id,))

    # ---------------------------------------------------------------- runs

    def start_run(self, exhibit_id: int, task: str, model: ModelInfo, settings: dict[str, Any],
                  software: SoftwareInfo, parent_run_id: int | None = None,
                  source_language: str | None = None, replaces: int | None = None) -> int:
        """A new run; `replaces`: the unfinished run set aside in its place (its resume state changed)."""
        now = db.utc_now()
        with self.transaction():
            cur = self.conn.execute(
                "INSERT INTO runs (exhibit_id, task, parent_run_id, model_name, model_sha256,"
                " model_family, model_path, settings_json, software_json, source_language, created_at)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (exhibit_id, task, parent_run_id, model.name, model.sha256, model.family, model.path,
                 json.dumps(settings, sort_keys=True), json.dumps(software_dict(software)),
                 source_language, now),
            )
            run_id = int(cur.lastrowid)
            self.audit.record("run.started", f"run/{run_id}",
                              {"exhibit": exhibit_id, "task": task, "model": model.name,
                               "model_sha256": model.sha256, "settings": settings,
                               "software": software_dict(software), "created_at": now, "model_path": model.path,
                               "model_family": model.family, "source_language": source_language,
                               "parent_run": parent_run_id, "chunks_logged": True,  # run.appended: since session 13
                               RESUME_LOGGED: True,  # each chunk's resume state: since session 27
                               **({"replaces_run": replaces} if replaces is not None else {})})
        return run_id

    def run(self, run_id: int) -> RunRecord:
        r = self.conn.execute("SELECT * FROM runs WHERE id=?", (run_id,)).fetchone()
        if r is None:
            raise StoreError(f"no run {run_id} in this case")
        return RunRecord(r["id"], r["exhibit_id"], r["task"], r["status"], json.loads(r["state_json"]),
                         r["language"], r["language_probability"], r["parent_run_id"], bool(r["truncated"]),
                         r["created_at"], r["finished_at"])

    def append_segments(self, run_id: int, segments: tuple[Segment, ...], state: dict[str, Any],
                        language: str | None, language_probability: float | None,
                        track: str = "mix") -> None:
        """Store one chunk's segments and the run's resume state in one transaction; the chunk's rows
        (their ids and digests) are logged with them, so a run's segments are held to the log before it
        finishes too, and a run resumed cannot take in rows changed while it was stopped unseen."""
        with self.transaction():
            ids = [self._insert_segment(run_id, segment, track) for segment in segments]
            self.conn.execute("UPDATE runs SET state_json=?, language=?, language_probability=? WHERE id=?",
                              (json.dumps(state, sort_keys=True), language, language_probability, run_id))
            kept = self.conn.execute(  # as SQLite keeps it (an int 1 as 1.0, NaN as NULL): what verify reads
                "SELECT state_json, language, language_probability FROM runs WHERE id=?", (run_id,)).fetchone()
            resume = {"resume_sha256": resume_sha256(json.loads(kept[0]), kept[1], kept[2])}
            if ids:
                self.audit.record("run.appended", f"run/{run_id}", {**self._rows_logged(run_id, ids[0], ids[-1]),
                                                                    **resume})
            else:  # a silence marker, a track's end: how far it was decoded moves on with no words
                self.audit.record("run.advanced", f"run/{run_id}", resume)

    def _rows_logged(self, run_id: int, first: int, last: int) -> dict[str, Any]:
        written = self.segments(run_id, (first, last))
        return {"segments": [first, last], "content_sha256": content_sha256(written),
                "scores_sha256": scores_sha256(written)}

    def plan_batch(self, run_ids: list[int], job_ids: list[int]) -> None:
        """Note in each run, before a batch of short files is decoded, which jobs it is decoded with
        and in what order: a batch killed part-way is decoded again with the same files (the same text)."""
        with self.transaction():
            for run_id in run_ids:
                state = self.run(run_id).state
                self.conn.execute("UPDATE runs SET state_json=? WHERE id=? AND status='running'",
                                  (json.dumps({**state, "batch_jobs": job_ids}, sort_keys=True), run_id))

    def resumable_run(self, exhibit_id: int, task: str, settings: dict[str, Any], model_sha: str) -> int | None:
        """An interrupted run of this exhibit with exactly these settings and model, to resume."""
        row = self.conn.execute(
            "SELECT id FROM runs WHERE exhibit_id=? AND task=? AND status='running' AND settings_json=?"
            " AND model_sha256=? AND NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.subject='run/'||runs.id"
            " AND a.action=?) ORDER BY id DESC LIMIT 1",
            (exhibit_id, task, json.dumps(settings, sort_keys=True), model_sha, SET_ASIDE),
        ).fetchone()
        return int(row[0]) if row else None

    def set_run_aside(self, run_id: int, reason: str) -> None:
        """Never resume this unfinished run (its source changed while it was decoded): logged with why."""
        with self.transaction():
            self.audit.record(SET_ASIDE, f"run/{run_id}", {"reason": reason})

    def completed_run(self, exhibit_id: int, task: str, settings: dict[str, Any],
                      model_sha: str | None = None) -> int | None:
        """The newest complete run of this exhibit and task with exactly these settings (and model)."""
        row = self.conn.execute(
            "SELECT id FROM runs WHERE exhibit_id=? AND task=? AND status='complete' AND settings_json=?"
            " AND (? IS NULL OR model_sha256=?) ORDER BY id DESC LIMIT 1",
            (exhibit_id, task, json.dumps(settings, sort_keys=True), model_sha, model_sha),
        ).fetchone()
        return int(row[0]) if row else None

    def is_complete_run(self, run_id: int, exhibit_id: int, task: str, model_sha: str) -> bool:
        """Whether run `run_id` is a complete run of this exhibit, task and model."""
        return self.conn.execute(
            "SELECT 1 FROM runs WHERE id=? AND exhibit_id=? AND task=? AND status='complete'"
            " AND model_sha256=?", (run_id, exhibit_id, task, model_sha),
        ).fetchone() is not None

    def segment_count(self, run_id: int) -> int:
        return int(self.conn.execute("SELECT count(*) FROM segments WHERE run_id=?", (run_id,)).fetchone()[0])

    def replace_segments(self, run_id: int, segments: tuple[Segment, ...], diarisation: dict[str, Any]) -> None:
        """A running run's segments, split and labelled by speaker, in place of the unlabelled ones."""
        with self.transaction():
            self.conn.execute("DELETE FROM segments WHERE run_id=?", (run_id,))
            ids = [self._insert_segment(run_id, segment, "mix") for segment in segments]
            rows = self._rows_logged(run_id, ids[0], ids[-1]) if ids else {}
            self.audit.record("run.diarised", f"run/{run_id}", {**diarisation, "segments": len(segments),
                                                                 "rows": rows})  # rows: since session 13

    def _insert_segment(self, run_id: int, s: Segment, track: str) -> int:
        cur = self.conn.execute(
            "INSERT INTO segments (run_id, track, start_ms, end_ms, speaker, channel, text,"
            " avg_logprob, no_speech_prob, flags, source_text) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (run_id, track, s.start_ms, s.end_ms, s.speaker, s.channel, s.text, s.avg_logprob,
             s.no_speech_prob, ",".join(s.flags), s.source_text),
        )
        segment_id = int(cur.lastrowid)
        self.conn.executemany(
            "INSERT INTO words (segment_id, idx, start_ms, end_ms, text, probability) VALUES (?,?,?,?,?,?)",
            [(segment_id, i, w.start_ms, w.end_ms, w.text, w.probability) for i, w in enumerate(s.words)],
        )
        return segment_id

    def finish_run(self, run_id: int, status: str = "complete", truncated: bool = False,
                   warnings: tuple[str, ...] = ()) -> None:
        now = db.utc_now()
        with self.transaction():
            self.conn.execute(
                "UPDATE runs SET status=?, truncated=?, warnings_json=?, finished_at=? WHERE id=?",
                (status, int(truncated), json.dumps(list(warnings)), now, run_id),
            )
            if truncated:  # the exhibit marked cut short with the run that found it, never apart (a power cut
                # between the two left the mark unvouched for, and every older run's export refused)
                self.conn.execute("UPDATE exhibits SET truncated=1 WHERE id=(SELECT exhibit_id FROM runs WHERE id=?)",
                                  (run_id,))
            segments = self.segments(run_id)
            language, probability, state = self.conn.execute(
                "SELECT language, language_probability, state_json FROM runs WHERE id=?", (run_id,)).fetchone()
            self.audit.record(f"run.{status}", f"run/{run_id}", {
                "segments": len(segments), "truncated": truncated, "content_sha256": content_sha256(segments),
                "language": language, "warnings": list(warnings), "language_probability": probability,
                "finished_at": now, "scores_sha256": scores_sha256(segments),  # these two since session 12
                "state_sha256": state_sha256(json.loads(state))})

    def run_ids(self, status: str | None = None) -> list[int]:
        """Every run in the store with this status (None: every run), oldest first."""
        if status is None:
            return [int(r[0]) for r in self.conn.execute("SELECT id FROM runs ORDER BY id")]
        return [int(r[0]) for r in self.conn.execute("SELECT id FROM runs WHERE status=? ORDER BY id", (status,))]

    def latest_run(self, exhibit_id: int, task: str | None = None, status: str = "complete") -> int | None:
        found = self.latest_runs(exhibit_id, task, status, limit=1)
        return found[0] if found else None

    def latest_runs(self, exhibit_id: int, task: str | None = None, status: str = "complete",
                    limit: int = -1) -> list[int]:
        """The exhibit's runs (of `task`) with this status, newest first."""
        sql = "SELECT id FROM runs WHERE exhibit_id=? AND status=?"
        args: list[Any] = [exhibit_id, status]
        if task:
            sql += " AND task=?"
            args.append(task)
        return [int(r[0]) for r in self.conn.execute(sql + " ORDER BY id DESC LIMIT ?", [*args, limit])]

    def segments(self, run_id: int, ids: tuple[int, int] | None = None) -> tuple[Segment, ...]:
        """The run's segments; `ids`: only those whose id is in that range (one chunk's, as logged)."""
        first, last = ids or (0, 2**62)
        rows = self.conn.execute(
            "SELECT * FROM segments WHERE run_id=? AND id BETWEEN ? AND ? ORDER BY start_ms, channel, id",
            (run_id, first, last)).fetchall()
        words: dict[int, list[Word]] = {}
        for w in self.conn.execute(
            "SELECT w.* FROM words w JOIN segments s ON s.id=w.segment_id WHERE s.run_id=? AND s.id BETWEEN ? AND ?"
            " ORDER BY w.segment_id, w.idx", (run_id, first, last)
        ):
            words.setdefault(w["segment_id"], []).append(
                Word(w["start_ms"], w["end_ms"], w["text"], w["probability"]))
        return tuple(
            Segment(
                start_ms=r["start_ms"], end_ms=r["end_ms"], text=r["text"], speaker=r["speaker"],
                channel=r["channel"], words=tuple(words.get(r["id"], ())), avg_logprob=r["avg_logprob"],
                no_speech_prob=r["no_speech_prob"], flags=tuple(f for f in r["flags"].split(",") if f),
                source_text=r["source_text"], id=r["id"],
            )
            for r in rows
        )

    def transcript(self, run_id: int) -> Transcript:
        """A snapshot of a stored run, as exporters take it."""
        r = self.conn.execute("SELECT * FROM runs WHERE id=?", (run_id,)).fetchone()
        if r is None:
            raise StoreError(f"no run {run_id} in this case")
        exhibit = self.exhibit(r["exhibit_id"])
        source = exhibit.source
        if r["truncated"] and not source.truncated:
            source = replace(source, truncated=True)
        software = json.loads(r["software_json"])
        state = json.loads(r["state_json"])
        return Transcript(
            source=source,
            language=r["language"],
            language_probability=r["language_probability"],
            model=ModelInfo(r["model_name"], r["model_path"], r["model_sha256"], r["model_family"]),
            settings=json.loads(r["settings_json"]),
            software=SoftwareInfo(software["name"], software["version"], software.get("components", {})),
            segments=self.segments(run_id),
            task=r["task"],
            source_language=r["source_language"],
            created_at=r["created_at"],
            warnings=tuple(json.loads(r["warnings_json"])),
            run_id=run_id,
            languages=tuple(tuple(part) for part in state.get("languages", ())),
            packed_with=tuple(state.get("packed_with") or ()),
        )


def exhibit_facts(source: SourceInfo) -> dict[str, Any]:
    """What intake found of a file, beyond its hash, size and path, as exports print it (logged at
    intake since session 11, so `verify` can check the store's record against it). Not `truncated`:
    a later run may find the file shorter than stated and mark it."""
    return {"source_path": source.path, "duration_ms": source.duration_ms, "kind": source.kind,
            "container": source.container, "audio_codec": source.audio_codec, "sample_rate": source.sample_rate,
            "channels": source.channels, "has_video": source.has_video}


def software_dict(software: SoftwareInfo) -> dict[str, Any]:
    return {"name": software.name, "version": software.version, "components": software.components}
