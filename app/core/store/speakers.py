"""Voice profiles in the case store: enrol a named speaker, read the case's profiles.

    profile_id = add_profile(case, "DC Harris", voiceprint, model_sha256, {"exhibit": 3, ...})
    known = profiles(case, model_sha256)          # {"DC Harris": vector, ...}
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from app.core.errors import AlreadyDone, StoreError
from app.core.store.case import Case
from app.core.store.db import utc_now

if TYPE_CHECKING:  # numpy is imported where a voiceprint is read or written: `verify` reads none
    import numpy as np


class AlreadyEnrolled(AlreadyDone, StoreError):
    """The name is enrolled from the very same speech already (an enrolment repeated)."""

    def __init__(self, name: str, profile_id: int) -> None:
        super().__init__(f"'{name}' is already enrolled (profile {profile_id}) from these segments; nothing to do")
        self.profile_id = profile_id


def _same_speech(stored: dict[str, Any], source: dict[str, Any]) -> bool:
    """Made from the same recording's same spans (the labels those segments carry aside)."""
    def kept(s: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in s.items() if k != "speakers"}
    return bool(source) and kept(stored) == kept(json.loads(json.dumps(source)))


def _blob(vector: np.ndarray) -> bytes:
    import numpy as np

    return np.ascontiguousarray(vector, dtype="<f4").tobytes()


def check_name_free(case: Case, name: str, model_sha256: str, source: dict[str, Any] | None) -> None:
    """AlreadyEnrolled if `name` is enrolled from this very speech, StoreError if from other speech."""
    name = name.strip()
    taken = case.conn.execute(
        "SELECT id, source_json FROM speaker_profiles WHERE name=? AND model_sha256=?", (name, model_sha256)
    ).fetchone()
    if taken and _same_speech(json.loads(taken["source_json"]), source or {}):
        raise AlreadyEnrolled(name, int(taken["id"]))
    if taken:
        raise StoreError(f"a voice profile named '{name}' already exists in this case")


def add_profile(case: Case, name: str, voiceprint: np.ndarray, model_sha256: str,
                source: dict[str, Any] | None = None, actor: str | None = None) -> int:
    """Store a named profile (one per name and model) and audit it. Returns its id."""
    import numpy as np

    name = name.strip()
    if not name:
        raise StoreError("a voice profile needs a name")
    vector = np.asarray(voiceprint, dtype=np.float32).reshape(-1)
    if vector.size == 0 or not np.all(np.isfinite(vector)):
        raise StoreError(f"voice profile '{name}': the voiceprint is empty or not finite")
    blob, now = _blob(vector), utc_now()
    details = {"name": name, "model_sha256": model_sha256, "dim": int(vector.size),
               "embedding_sha256": hashlib.sha256(blob).hexdigest(), "source": source or {},
               "created_at": now}  # logged since session 12
    with case.transaction():
        check_name_free(case, name, model_sha256, source)
        cursor = case.conn.execute(
            "INSERT INTO speaker_profiles (name, model_sha256, dim, embedding, source_json, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (name, model_sha256, int(vector.size), blob, json.dumps(source or {}, sort_keys=True), now),
        )
        profile_id = int(cursor.lastrowid)
        case.audit.record("speaker.enrol", f"speaker:{profile_id}", details, actor=actor)
    return profile_id


def profiles(case: Case, model_sha256: str) -> dict[str, np.ndarray]:
    """The case's profiles made by this speaker model, by name."""
    import numpy as np

    rows = case.conn.execute(
        "SELECT name, dim, embedding FROM speaker_profiles WHERE model_sha256=? ORDER BY name",
        (model_sha256,),
    ).fetchall()
    return {row["name"]: np.frombuffer(row["embedding"], dtype="<f4", count=row["dim"]).copy()
            for row in rows}


def has_profiles(case: Case) -> bool:
    """Whether the case holds any voice profile (of any model)."""
    return case.conn.execute("SELECT 1 FROM speaker_profiles LIMIT 1").fetchone() is not None


def profile_list(case: Case) -> list[dict[str, Any]]:
    """Every profile of the case (any model): id, name, model, when, and what it was made from."""
    rows = case.conn.execute(
        "SELECT id, name, model_sha256, dim, source_json, created_at FROM speaker_profiles ORDER BY name, id"
    ).fetchall()
    return [{"id": r["id"], "name": r["name"], "model_sha256": r["model_sha256"], "dim": r["dim"],
             "source": json.loads(r["source_json"]), "created_at": r["created_at"]} for r in rows]


def voiceprint_digest(vector: np.ndarray) -> str:
    import numpy as np

    return hashlib.sha256(_blob(np.asarray(vector, dtype=np.float32).reshape(-1))).hexdigest()


def save_run_voiceprints(case: Case, run_id: int, model_sha256: str,
                         voiceprints: dict[str, tuple[np.ndarray, int]]) -> None:
    """Keep each diarised speaker's voiceprint with its run: {label: (vector, speech_ms)}.
    Saved again (a resumed run diarises again) it replaces the earlier ones."""
    import numpy as np

    with case.transaction():
        case.conn.execute("DELETE FROM run_voiceprints WHERE run_id=?", (run_id,))
        case.conn.executemany(
            "INSERT INTO run_voiceprints (run_id, speaker, model_sha256, dim, embedding, speech_ms)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [(run_id, label, model_sha256, int(np.asarray(v).size), _blob(np.asarray(v).reshape(-1)),
              int(ms)) for label, (v, ms) in sorted(voiceprints.items())],
        )


def run_voiceprints(case: Case, run_id: int) -> tuple[str, dict[str, np.ndarray]]:
    """(speaker model SHA-256, {machine label: voiceprint}) kept with a run; ("", {}) if none."""
    import numpy as np

    rows = case.conn.execute(
        "SELECT speaker, model_sha256, dim, embedding FROM run_voiceprints WHERE run_id=? ORDER BY speaker",
        (run_id,),
    ).fetchall()
    if not rows:
        return "", {}
    return rows[0]["model_sha256"], {
        r["speaker"]: np.frombuffer(r["embedding"], dtype="<f4", count=r["dim"]).copy() for r in rows}


def dismiss_suggestion(case: Case, run_id: int, speaker: str, profile: str, score: float,
                       actor: str) -> None:
    """The user said this speaker is not this profile's person: never offered again, audited."""
    now = utc_now()
    with case.transaction():
        kept = case.conn.execute(
            "INSERT OR IGNORE INTO speaker_dismissals (run_id, speaker, profile, at, actor) VALUES (?,?,?,?,?)",
            (run_id, speaker, profile, now, actor)).rowcount
        details = {"speaker": speaker, "profile": profile, "score": round(score, 4)}
        if kept:  # since session 12: the time the row holds (a dismissal said again keeps the first)
            details["at"] = now
        case.audit.record("speaker.suggestion_dismissed", f"run/{run_id}", details, actor=actor)


def dismissed(case: Case, run_id: int) -> set[tuple[str, str]]:
    return {(r[0], r[1]) for r in case.conn.execute(
        "SELECT speaker, profile FROM speaker_dismissals WHERE run_id=?", (run_id,))}


def record_confirmation(case: Case, run_id: int, speaker: str, profile: str, score: float,
                        actor: str) -> None:
    """The user confirmed a suggested match (the rename itself is a revision of the transcript)."""
    with case.transaction():
        case.audit.record("speaker.suggestion_confirmed", f"run/{run_id}",
                          {"speaker": speaker, "profile": profile, "score": round(score, 4)}, actor=actor)


def confirmation_of(case: Case, run_id: int, speaker: str) -> tuple[str, float] | None:
    """(profile, score) of the last confirmation logged of this run's speaker, if any."""
    found = None
    for entry in case.audit.entries(f"run/{run_id}"):
        if (entry.subject == f"run/{run_id}" and entry.action == "speaker.suggestion_confirmed"
                and entry.details.get("speaker") == speaker):
            found = (str(entry.details.get("profile")), float(entry.details.get("score", 0.0)))
    return found


def save_segment_voiceprints(case: Case, run_id: int, model_sha256: str,
                             rows: Sequence[tuple[str, str, np.ndarray, int, int]],
                             details: dict[str, Any], actor: str) -> None:
    """Keep voiceprints computed later from a run's segments, each row (speaker, basis_sha256,
    vector, speech_ms, windows), and audit the computation with the model's SHA-256."""
    import numpy as np

    if not rows:
        return
    now = utc_now()
    made = {speaker: {"basis_sha256": basis, "embedding_sha256": voiceprint_digest(v),
                      "speech_ms": int(ms), "windows": int(n)} for speaker, basis, v, ms, n in rows}
    with case.transaction():
        case.conn.executemany(
            "INSERT OR REPLACE INTO segment_voiceprints (run_id, basis_sha256, model_sha256, speaker, dim,"
            " embedding, speech_ms, windows, computed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(run_id, basis, model_sha256, speaker, int(np.asarray(v).size), _blob(np.asarray(v).reshape(-1)),
              int(ms), int(n), now) for speaker, basis, v, ms, n in rows],
        )
        case.audit.record("speaker.voiceprints_computed", f"run/{run_id}",
                          {**details, "model_sha256": model_sha256, "speakers": made, "computed_at": now},
                          actor=actor)


def segment_voiceprints(case: Case, run_id: int, model_sha256: str) -> dict[str, np.ndarray]:
    """{basis_sha256: voiceprint} computed from a run's segments with this speaker model."""
    import numpy as np

    rows = case.conn.execute(
        "SELECT basis_sha256, dim, embedding FROM segment_voiceprints WHERE run_id=? AND model_sha256=?",
        (run_id, model_sha256),
    ).fetchall()
    return {r["basis_sha256"]: np.frombuffer(r["embedding"], dtype="<f4", count=r["dim"]).copy() for r in rows}


# ------------------------------------------------------------------ as stored, for `verify`

def stored_profiles(case: Case) -> dict[int, dict[str, Any]]:
    """Every profile row as the log's speaker.enrol wrote it: {id: {name, model_sha256, dim,
    embedding_sha256, source, created_at}} (the embedding's digest taken from its stored bytes)."""
    return {int(r["id"]): {"name": r["name"], "model_sha256": r["model_sha256"], "dim": r["dim"],
                           "embedding_sha256": _stored_digest(r["embedding"], r["dim"]),
                           "source": _json(r["source_json"]), "created_at": r["created_at"]}
            for r in case.conn.execute("SELECT * FROM speaker_profiles ORDER BY id")}


def stored_run_voiceprints(case: Case) -> dict[int, dict[str, dict[str, Any]]]:
    """{run: {speaker: {model_sha256, embedding_sha256, speech_ms}}} of every run's kept voiceprints."""
    out: dict[int, dict[str, dict[str, Any]]] = {}
    for r in case.conn.execute("SELECT * FROM run_voiceprints ORDER BY run_id, speaker"):
        out.setdefault(int(r["run_id"]), {})[r["speaker"]] = {
            "model_sha256": r["model_sha256"], "embedding_sha256": _stored_digest(r["embedding"], r["dim"]),
            "speech_ms": r["speech_ms"]}
    return out


def stored_segment_voiceprints(case: Case) -> dict[tuple[int, str, str], dict[str, Any]]:
    """{(run, basis_sha256, model_sha256): {speaker, embedding_sha256, speech_ms, windows, computed_at}}."""
    return {(int(r["run_id"]), r["basis_sha256"], r["model_sha256"]): {
        "speaker": r["speaker"], "embedding_sha256": _stored_digest(r["embedding"], r["dim"]),
        "speech_ms": r["speech_ms"], "windows": r["windows"], "computed_at": r["computed_at"]}
        for r in case.conn.execute("SELECT * FROM segment_voiceprints")}


def stored_dismissals(case: Case) -> dict[tuple[int, str, str], dict[str, Any]]:
    """{(run, speaker, profile): {actor, at}} of every suggestion dismissed."""
    return {(int(r["run_id"]), r["speaker"], r["profile"]): {"actor": r["actor"], "at": r["at"]}
            for r in case.conn.execute("SELECT * FROM speaker_dismissals")}


def _stored_digest(blob: object, dim: object) -> str:
    """The SHA-256 the log holds for a voiceprint of `dim` floats; '' when the bytes are not that (a
    blob of another length, or not bytes at all: never equal to a logged digest)."""
    if not isinstance(blob, bytes) or not isinstance(dim, int) or len(blob) != 4 * dim:
        return ""
    return hashlib.sha256(blob).hexdigest()


def _json(text: object) -> Any:
    try:
        return json.loads(text) if isinstance(text, str) else None
    except ValueError:
        return None
