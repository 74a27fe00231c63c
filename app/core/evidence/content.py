"""A transcript's content digest: SHA-256 over its segments and words in canonical JSON.

Recorded in the audit log when a run finishes (the machine draft) and with every
revision of a working copy, so `verify` can tell a changed row in the store from
the text that was really produced or really edited.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable

from app.core.types import Segment


def _canonical(segment: Segment) -> list:
    return [segment.start_ms, segment.end_ms, segment.speaker, segment.channel, segment.text,
            sorted(segment.flags), segment.source_text,
            [[w.start_ms, w.end_ms, w.text, round(w.probability, 4)] for w in segment.words]]


def content_sha256(segments: Iterable[Segment]) -> str:
    """Independent of store row ids and of the order segments were written in."""
    rows = sorted((_canonical(s) for s in segments), key=lambda row: json.dumps(row, ensure_ascii=False))
    data = json.dumps(rows, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def scores_sha256(segments: Iterable[Segment]) -> str:
    """The segments with the decoder's scores each carries (average log-probability, no-speech
    probability), which the JSON export prints and the content digest leaves out: logged beside it
    since session 12."""
    rows = sorted(([*_canonical(s), s.avg_logprob, s.no_speech_prob] for s in segments),
                  key=lambda row: json.dumps(row, ensure_ascii=False))
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False, separators=(",", ":")).encode("utf-8")).hexdigest()


def state_sha256(state: dict) -> str:
    """A run's resume state (what `reproduce` reads: the files it was decoded with), logged when it
    finishes since session 12."""
    return hashlib.sha256(json.dumps(state, sort_keys=True).encode("utf-8")).hexdigest()


RESUME_LOGGED = "resume_logged"  # in a run's run.started entry: each stored chunk logs the resume state (session 27)
_NOT_RESUMED_FROM = ("batch_jobs",)  # which jobs a batch is planned with (written before decoding, never logged)


def resume_sha256(state: dict, language: str | None, probability: float | None) -> str:
    """What a stopped run resumes from: how far each track was decoded and from where (`done_ms`, `anchor_ms`:
    a silence marker moves them on with no words stored), its languages and the files it was decoded with.
    Logged with every chunk stored since session 27: set forward, a resume skipped speech unseen and sealed
    the rest as the machine's transcript."""
    kept = {key: value for key, value in state.items() if key not in _NOT_RESUMED_FROM}
    return hashlib.sha256(json.dumps([kept, language, probability], sort_keys=True).encode("utf-8")).hexdigest()
