"""Read-only views over a case for the window: speech runs per exhibit, latest job per exhibit.

The GUI holds no SQL; it calls these.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from app.core.store.case import Case

SPEECH_TASKS = ("transcribe", "translate")


@dataclass(frozen=True)
class RunSummary:
    id: int
    task: str
    status: str
    language: str | None
    language_probability: float | None
    model_name: str
    created_at: str
    truncated: bool
    segment_count: int
    warnings: tuple[str, ...]
    parent_run_id: int | None = None
    worded_count: int = 0  # segments with text (the others are [inaudible] markers)
    inaudible_ms: int = 0  # speech detected without words (the markers' total length)
    languages: tuple[tuple, ...] = ()  # its speech by language, where decoded in several (language_parts)
    language_set: bool = False  # its language was given by the user (`--language`, the re-run picker), not detected

    @property
    def heard_speech(self) -> bool:
        """Speech was found: words, or [inaudible] markers (each >= 1 s of VAD speech)."""
        return self.worded_count > 0 or self.inaudible_ms > 0


@dataclass(frozen=True)
class JobSummary:
    state: str
    progress: float
    error: str | None


def _run_summary(row) -> RunSummary:  # type: ignore[no-untyped-def]
    try:
        warnings = tuple(str(w) for w in json.loads(row["warnings_json"] or "[]"))
    except ValueError:
        warnings = ()
    return RunSummary(row["id"], row["task"], row["status"], row["language"], row["language_probability"],
                      row["model_name"], row["created_at"], bool(row["truncated"]), int(row["n"]), warnings,
                      row["parent_run_id"], int(row["worded"]), int(row["inaudible_ms"]), _languages(row),
                      _language_set(row))


def _language_set(row) -> bool:  # type: ignore[no-untyped-def]
    try:
        return bool(json.loads(row["settings_json"] or "{}").get("language"))
    except (ValueError, AttributeError):
        return False


def _languages(row) -> tuple[tuple, ...]:  # type: ignore[no-untyped-def]
    try:
        parts = json.loads(row["state_json"] or "{}").get("languages") or ()
        return tuple(tuple(part) for part in parts if len(part) == 5)
    except (ValueError, AttributeError, TypeError):
        return ()


_COUNTS = ("(SELECT count(*) FROM segments s WHERE s.run_id=r.id) AS n,"
           " (SELECT count(*) FROM segments s WHERE s.run_id=r.id AND trim(s.text)<>'') AS worded,"
           " (SELECT coalesce(sum(s.end_ms-s.start_ms), 0) FROM segments s WHERE s.run_id=r.id"
           "  AND trim(s.text)='' AND ','||s.flags||',' LIKE '%,inaudible,%') AS inaudible_ms")
_RUN_SQL = ("SELECT r.*, " + _COUNTS + " FROM runs r"
            " WHERE r.exhibit_id=? AND r.task IN ('transcribe','translate')")


def speech_runs(case: Case, exhibit_id: int) -> list[RunSummary]:
    """The exhibit's transcription and speech-translation runs, newest first."""
    rows = case.conn.execute(_RUN_SQL + " ORDER BY r.id DESC", (exhibit_id,)).fetchall()
    return [_run_summary(r) for r in rows]


# the run an exhibit is shown by, last in this order: a complete one, its transcript before a speech translation
# (the Exhibits list showed a translation's status and the Editor opened on it: its place is the Translation
# tab), the newest
_PREFERRED = "(r.status='complete'), (r.task='transcribe'), r.id"
_PREFERRED_FIRST = "(r.status='complete') DESC, (r.task='transcribe') DESC, r.id DESC"


def latest_speech_run(case: Case, exhibit_id: int) -> RunSummary | None:
    """The newest complete transcript, else the newest complete speech translation, else the newest
    speech run of any status."""
    row = case.conn.execute(_RUN_SQL + " ORDER BY " + _PREFERRED_FIRST + " LIMIT 1", (exhibit_id,)).fetchone()
    return _run_summary(row) if row else None


def latest_speech_runs(case: Case) -> dict[int, RunSummary]:
    """latest_speech_run of every exhibit that has one, in one query (the window's exhibits panel;
    a query per exhibit, each counting its runs' segments, took 0.2 s with 500 voice notes)."""
    rows = case.conn.execute(
        "SELECT r.*, coalesce(c.n, 0) AS n, coalesce(c.worded, 0) AS worded,"
        " coalesce(c.inaudible_ms, 0) AS inaudible_ms FROM runs r LEFT JOIN ("
        "  SELECT run_id, count(*) AS n, sum(trim(text)<>'') AS worded,"
        "  total(CASE WHEN trim(text)='' AND ','||flags||',' LIKE '%,inaudible,%' THEN end_ms-start_ms END)"
        "  AS inaudible_ms FROM segments GROUP BY run_id) c ON c.run_id=r.id"
        " WHERE r.task IN ('transcribe','translate') ORDER BY r.exhibit_id, " + _PREFERRED).fetchall()
    return {r["exhibit_id"]: _run_summary(r) for r in rows}  # the last of each exhibit's is the one


def translation_runs(case: Case, exhibit_id: int) -> list[RunSummary]:
    """The exhibit's translation runs (speech or text), newest first."""
    rows = case.conn.execute(
        "SELECT r.*, " + _COUNTS + " FROM runs r"
        " WHERE r.exhibit_id=? AND r.task IN ('translate','text-translate') ORDER BY r.id DESC",
        (exhibit_id,)).fetchall()
    return [_run_summary(r) for r in rows]


def latest_jobs(case: Case) -> dict[int, JobSummary]:
    """Each exhibit's newest job (state, progress, error)."""
    found: dict[int, JobSummary] = {}
    for r in case.conn.execute("SELECT exhibit_id, state, progress, error FROM jobs ORDER BY id"):
        found[r[0]] = JobSummary(r[1], float(r[2] or 0.0), r[3])
    return found


def latest_job(case: Case, exhibit_id: int) -> JobSummary | None:
    """The exhibit's newest job (the window's editor, for an exhibit with no transcript)."""
    r = case.conn.execute("SELECT state, progress, error FROM jobs WHERE exhibit_id=? ORDER BY id DESC LIMIT 1",
                          (exhibit_id,)).fetchone()
    return JobSummary(r[0], float(r[1] or 0.0), r[2]) if r else None


def change_stamp(case: Case) -> tuple[object, ...]:
    """A cheap fingerprint of what the window's exhibits and queue panels show: it changes when an
    exhibit, a run, a segment, an edit or sign-off (each is audited) or a job changes. The window
    polls it every second and rebuilds its tables only when it changed: rebuilding them every
    second took 0.6-2 s of every second with 500 voice notes in the case."""
    row = case.conn.execute(
        "SELECT (SELECT coalesce(max(id), 0) FROM audit_log), (SELECT coalesce(max(id), 0) FROM exhibits),"
        " (SELECT coalesce(max(id), 0) FROM runs), (SELECT coalesce(max(id), 0) FROM segments),"
        " (SELECT group_concat(id || state || progress || priority || attempts || coalesce(error, ''), ',')"
        "  FROM jobs)").fetchone()
    return tuple(row)


def case_speakers(case: Case) -> list[str]:
    """Every speaker name used anywhere in the case (machine drafts and edited transcripts)."""
    names: set[str] = set()
    for table in ("segments", "working_segments"):
        try:
            names |= {r[0] for r in case.conn.execute(
                f"SELECT DISTINCT speaker FROM {table} WHERE speaker IS NOT NULL AND speaker != ''")}
        except Exception:  # noqa: BLE001, S112 - no such table in an older store
            continue
    return sorted(names)


def speakers_by_run(case: Case) -> dict[int, frozenset[str]]:
    """Each run's speaker names in its current transcript (an edited run's working copy, not its machine
    draft, so a name renamed away is not offered again), read in one pass over the case."""
    rows = case.conn.execute(
        "SELECT run_id, speaker FROM working_segments WHERE speaker IS NOT NULL AND speaker != ''"
        " UNION SELECT run_id, speaker FROM segments WHERE speaker IS NOT NULL AND speaker != ''"
        " AND run_id NOT IN (SELECT run_id FROM working_transcripts)")
    found: dict[int, set[str]] = {}
    for run_id, speaker in rows:
        found.setdefault(run_id, set()).add(speaker)
    return {run_id: frozenset(names) for run_id, names in found.items()}


def other_speakers(by_run: dict[int, frozenset[str]], run_id: int) -> list[str]:
    """Speaker names in the current transcripts of the case's other runs (`by_run`: speakers_by_run), sorted."""
    return sorted(set().union(*(names for other, names in by_run.items() if other != run_id)))


@dataclass(frozen=True)
class LowWord:
    segment_id: int
    segment_start_ms: int
    index: int  # the word's place in its segment
    start_ms: int
    end_ms: int
    text: str
    probability: float


def low_probability_words(case: Case, run_id: int, threshold: float, working: bool) -> list[LowWord]:
    """Words below `threshold` in a run's machine draft or working copy, in reading order (one query)."""
    segments, words = ("working_segments", "working_words") if working else ("segments", "words")
    rows = case.conn.execute(
        f"SELECT s.id, s.start_ms, w.idx, w.start_ms, w.end_ms, w.text, w.probability FROM {words} w"
        f" JOIN {segments} s ON s.id = w.segment_id WHERE s.run_id=? AND w.probability < ?"
        " ORDER BY s.start_ms, s.channel, s.id, w.idx", (run_id, threshold))
    return [LowWord(*r) for r in rows]


def flagged_segments(case: Case, run_id: int, flag: str, working: bool) -> list[tuple[int, int, int, str]]:
    """(id, start_ms, end_ms, text) of the segments carrying `flag`, in reading order."""
    segments = "working_segments" if working else "segments"
    rows = case.conn.execute(
        f"SELECT id, start_ms, end_ms, text FROM {segments} WHERE run_id=? AND ',' || flags || ',' LIKE ?"
        " ORDER BY start_ms, channel, id", (run_id, f"%,{flag},%"))
    return [(r[0], r[1], r[2], r[3]) for r in rows]


def segment_speakers(case: Case, run_id: int, working: bool) -> dict[int, str | None]:
    """{segment id: speaker} of a run's machine draft or working copy (one query), for colouring."""
    segments = "working_segments" if working else "segments"
    return {r[0]: r[1] for r in case.conn.execute(f"SELECT id, speaker FROM {segments} WHERE run_id=?", (run_id,))}
