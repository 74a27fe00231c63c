"""Voice profiles in the case store: enrol a named speaker, read the case's profiles.

    profile_id = add_profile(case, "DC Harris", voiceprint, model_sha256, {"exhibit": 3, ...})
    known = profiles(case, model_sha256)          # {"DC Harris": vector, ...}
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import numpy as np

from app.core.errors import StoreError
from app.core.store.case import Case
from app.core.store.db import utc_now


def _blob(vector: np.ndarray) -> bytes:
    return np.ascontiguousarray(vector, dtype="<f4").tobytes()


def add_profile(case: Case, name: str, voiceprint: np.ndarray, model_sha256: str,
                source: dict[str, Any] | None = None) -> int:
    """Store a named profile (one per name and model) and audit it. Returns its id."""
    name = name.strip()
    if not name:
        raise StoreError("a voice profile needs a name")
    vector = np.asarray(voiceprint, dtype=np.float32).reshape(-1)
    if vector.size == 0 or not np.all(np.isfinite(vector)):
        raise StoreError(f"voice profile '{name}': the voiceprint is empty or not finite")
    blob = _blob(vector)
    details = {"name": name, "model_sha256": model_sha256, "dim": int(vector.size),
               "embedding_sha256": hashlib.sha256(blob).hexdigest(), "source": source or {}}
    with case.transaction():
        taken = case.conn.execute(
            "SELECT id FROM speaker_profiles WHERE name=? AND model_sha256=?", (name, model_sha256)
        ).fetchone()
        if taken:
            raise StoreError(f"a voice profile named '{name}' already exists in this case")
        cursor = case.conn.execute(
            "INSERT INTO speaker_profiles (name, model_sha256, dim, embedding, source_json, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (name, model_sha256, int(vector.size), blob, json.dumps(source or {}, sort_keys=True),
             utc_now()),
        )
        profile_id = int(cursor.lastrowid)
        case.audit.record("speaker.enrol", f"speaker:{profile_id}", details)
    return profile_id


def profiles(case: Case, model_sha256: str) -> dict[str, np.ndarray]:
    """The case's profiles made by this speaker model, by name."""
    rows = case.conn.execute(
        "SELECT name, dim, embedding FROM speaker_profiles WHERE model_sha256=? ORDER BY name",
        (model_sha256,),
    ).fetchall()
    return {row["name"]: np.frombuffer(row["embedding"], dtype="<f4", count=row["dim"]).copy()
            for row in rows}
