"""A run's working copy in the case store, and its segments as plain dicts.

The machine draft is `segments` / `words`; the working copy a person edits is
`working_transcripts` (one row per run: status, who verified) with
`working_segments` / `working_words`. A segment is read and written as a dict
(the form revisions keep as JSON): its fields, `id`, `origin_segment_id`,
`flags` as a list and `words` as [start_ms, end_ms, text, probability] lists.

    exists(case, run_id) -> bool;  run_ids(case) -> set of the runs that have one
    create(case, run_id, status, actor) -> when;  made(case, run_id) -> (created_at, created_by)
    read_segment(case, segment_id, working, run_id=None) -> dict | None;  read_segments(case, run_id, working)
    same_as_draft(case, run_id) -> bool (the working copy holds the machine's segments again)
    word_scores(case, run_id, working) -> [(segment start_ms, word, probability)]
    write_segment(case, run_id, seg) -> id;  delete_segment(case, segment_id)
"""

from __future__ import annotations

from typing import Any

from app.core.store.case import Case
from app.core.store.db import utc_now

SegmentDict = dict[str, Any]

FIELDS = ("start_ms", "end_ms", "text", "speaker", "channel", "track", "avg_logprob",
          "no_speech_prob", "source_text", "origin_segment_id")
_ORDER = "ORDER BY start_ms, channel, id"


def _tables(working: bool) -> tuple[str, str]:
    return ("working_segments", "working_words") if working else ("segments", "words")


def exists(case: Case, run_id: int) -> bool:
    return case.conn.execute(
        "SELECT 1 FROM working_transcripts WHERE run_id=?", (run_id,)).fetchone() is not None


def run_ids(case: Case) -> set[int]:
    """Runs with a working copy, or with working segments left without one."""
    return {int(r[0]) for r in case.conn.execute(
        "SELECT run_id FROM working_transcripts UNION SELECT run_id FROM working_segments")}


def status(case: Case, run_id: int) -> tuple[str, str | None] | None:
    """(status, verified_by) of the run's working copy; None when it has none."""
    row = case.conn.execute(
        "SELECT status, verified_by FROM working_transcripts WHERE run_id=?", (run_id,)).fetchone()
    return (row["status"], row["verified_by"]) if row else None


def create(case: Case, run_id: int, state: str, actor: str) -> str:
    """Returns when it was made (the time the row holds, for the log)."""
    now = utc_now()
    case.conn.execute("INSERT INTO working_transcripts (run_id, status, created_at, created_by)"
                      " VALUES (?,?,?,?)", (run_id, state, now, actor))
    return now


def made(case: Case, run_id: int) -> tuple[str, str] | None:
    """(created_at, created_by) of the run's working copy; None when it has none."""
    row = case.conn.execute(
        "SELECT created_at, created_by FROM working_transcripts WHERE run_id=?", (run_id,)).fetchone()
    return (row["created_at"], row["created_by"]) if row else None


def verified_time(case: Case, run_id: int) -> str | None:
    """The working copy's verified_at as stored, whatever its status (None: none, or no working copy)."""
    row = case.conn.execute("SELECT verified_at FROM working_transcripts WHERE run_id=?", (run_id,)).fetchone()
    return row[0] if row else None


def set_status(case: Case, run_id: int, state: str, verified_by: str | None, verified_at: str | None) -> None:
    case.conn.execute("UPDATE working_transcripts SET status=?, verified_by=?, verified_at=? WHERE run_id=?",
                      (state, verified_by, verified_at, run_id))


def segment_ids(case: Case, run_id: int, working: bool) -> list[int]:
    """Ids of the run's segments (draft or working copy) in reading order."""
    table, _ = _tables(working)
    return [r[0] for r in case.conn.execute(f"SELECT id FROM {table} WHERE run_id=? {_ORDER}", (run_id,))]


def segment_spans(case: Case, run_id: int, working: bool) -> list[tuple[int, int, int]]:
    """(id, start_ms, end_ms) of the run's segments in reading order."""
    table, _ = _tables(working)
    return [(r[0], r[1], r[2]) for r in case.conn.execute(
        f"SELECT id, start_ms, end_ms FROM {table} WHERE run_id=? {_ORDER}", (run_id,))]


def word_scores(case: Case, run_id: int, working: bool) -> list[tuple[int, str, float]]:
    """(segment start_ms, word, probability) of every word of the run's draft or working copy."""
    table, word_table = _tables(working)
    return [(r[0], r[1], r[2]) for r in case.conn.execute(
        f"SELECT s.start_ms, w.text, w.probability FROM {word_table} w JOIN {table} s ON s.id = w.segment_id"
        f" WHERE s.run_id=? ORDER BY s.start_ms, s.channel, s.id, w.idx", (run_id,))]


def speakers(case: Case, run_id: int, working: bool) -> list[str]:
    table, _ = _tables(working)
    return [r[0] for r in case.conn.execute(
        f"SELECT DISTINCT speaker FROM {table} WHERE run_id=? AND speaker IS NOT NULL"
        " ORDER BY speaker", (run_id,))]


def speaker_spans(case: Case, run_id: int, working: bool) -> list[tuple[str, int, int]]:
    """(speaker, start_ms, end_ms) of the run's segments that have a speaker, in reading order."""
    table, _ = _tables(working)
    return [(r[0], r[1], r[2]) for r in case.conn.execute(
        f"SELECT speaker, start_ms, end_ms FROM {table} WHERE run_id=? AND speaker IS NOT NULL {_ORDER}",
        (run_id,))]


def same_as_draft(case: Case, run_id: int) -> bool:
    """Whether the working copy's segments equal the machine draft's: times, speaker, channel,
    text, flags, source text and every word (times, text, probability); row ids aside.
    Compared as multisets in SQL (a 3,000-segment transcript in milliseconds).

    Not compared: `track` (which pass of the decoder wrote a segment, "mix" or "ch0"..., copied
    with it into the working copy and never edited) and `origin_segment_id` (the machine segment
    a working one was copied from). No export, view or check reads either; verify leaves them
    unchecked for that reason (README, Evidential guarantees), so neither may decide what a
    transcript is said to be."""
    seg_cols = "s.start_ms, s.end_ms, s.channel, s.speaker, s.text, s.flags, s.source_text"
    word_cols = "s.start_ms, s.end_ms, s.channel, w.idx, w.start_ms, w.end_ms, w.text, w.probability"
    return all(_same_rows(case, run_id, cols, words) for cols, words in ((seg_cols, False), (word_cols, True)))


def _same_rows(case: Case, run_id: int, cols: str, words: bool) -> bool:
    def rows(working: bool) -> str:
        table, word_table = _tables(working)
        join = f" JOIN {word_table} w ON w.segment_id = s.id" if words else ""
        return f"SELECT {cols}, COUNT(*) FROM {table} s{join} WHERE s.run_id=?1 GROUP BY {cols}"
    query = (f"SELECT 1 FROM ({rows(True)} EXCEPT {rows(False)})"
             f" UNION ALL SELECT 1 FROM ({rows(False)} EXCEPT {rows(True)}) LIMIT 1")
    return case.conn.execute(query, (run_id,)).fetchone() is None


def read_segment(case: Case, segment_id: int, working: bool, run_id: int | None = None) -> SegmentDict | None:
    """One segment with its words; None when there is none (or it belongs to another run)."""
    table, words = _tables(working)
    row = case.conn.execute(f"SELECT * FROM {table} WHERE id=?", (segment_id,)).fetchone()
    if row is None or (run_id is not None and row["run_id"] != run_id):
        return None
    seg = {k: row[k] for k in row.keys() if k in FIELDS}  # noqa: SIM118 (a sqlite3.Row)
    seg["id"] = row["id"]
    seg.setdefault("origin_segment_id", None)
    seg["flags"] = [f for f in row["flags"].split(",") if f]
    seg["words"] = [[w["start_ms"], w["end_ms"], w["text"], w["probability"]] for w in case.conn.execute(
        f"SELECT * FROM {words} WHERE segment_id=? ORDER BY idx", (segment_id,))]
    return seg


def read_segments(case: Case, run_id: int, working: bool) -> list[SegmentDict]:
    """Every segment of the run with its words, in reading order, as read_segment gives each, in two
    queries (one per segment made every edit of an hour's interview read two thousand)."""
    table, words = _tables(working)
    out: list[SegmentDict] = []
    by_id: dict[int, SegmentDict] = {}
    for row in case.conn.execute(f"SELECT * FROM {table} WHERE run_id=? {_ORDER}", (run_id,)):
        seg = {k: row[k] for k in row.keys() if k in FIELDS}  # noqa: SIM118 (a sqlite3.Row)
        seg["id"] = row["id"]
        seg.setdefault("origin_segment_id", None)
        seg["flags"] = [f for f in row["flags"].split(",") if f]
        seg["words"] = []
        out.append(seg)
        by_id[row["id"]] = seg
    for w in case.conn.execute(f"SELECT w.segment_id, w.start_ms, w.end_ms, w.text, w.probability FROM {words} w"
                               f" JOIN {table} s ON s.id = w.segment_id WHERE s.run_id=?"
                               " ORDER BY w.segment_id, w.idx", (run_id,)):
        by_id[w[0]]["words"].append([w[1], w[2], w[3], w[4]])
    return out


def write_segment(case: Case, run_id: int, seg: SegmentDict) -> int:
    """Insert (no id, or an id not present) or update a working segment; replace its words."""
    conn = case.conn
    values = (seg["start_ms"], seg["end_ms"], seg["speaker"], seg["channel"], seg.get("track") or "mix",
              seg["text"], seg["avg_logprob"], seg["no_speech_prob"], ",".join(seg["flags"]),
              seg["source_text"], seg.get("origin_segment_id"))
    segment_id = seg.get("id")
    present = segment_id is not None and conn.execute(
        "SELECT 1 FROM working_segments WHERE id=?", (segment_id,)).fetchone() is not None
    if present:
        conn.execute("UPDATE working_segments SET start_ms=?, end_ms=?, speaker=?, channel=?, track=?,"
                     " text=?, avg_logprob=?, no_speech_prob=?, flags=?, source_text=?,"
                     " origin_segment_id=? WHERE id=?", (*values, segment_id))
        conn.execute("DELETE FROM working_words WHERE segment_id=?", (segment_id,))
    else:
        cur = conn.execute(
            "INSERT INTO working_segments (start_ms, end_ms, speaker, channel, track, text, avg_logprob,"
            " no_speech_prob, flags, source_text, origin_segment_id, run_id, id)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", (*values, run_id, segment_id))
        segment_id = int(cur.lastrowid)
    conn.executemany(
        "INSERT INTO working_words (segment_id, idx, start_ms, end_ms, text, probability) VALUES (?,?,?,?,?,?)",
        [(segment_id, i, int(w[0]), int(w[1]), str(w[2]), float(w[3])) for i, w in enumerate(seg["words"])])
    return int(segment_id)


def delete_segment(case: Case, segment_id: int) -> None:
    case.conn.execute("DELETE FROM working_words WHERE segment_id=?", (segment_id,))
    case.conn.execute("DELETE FROM working_segments WHERE id=?", (segment_id,))
