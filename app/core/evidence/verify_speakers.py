"""`verify`, speakers: the case's voice profiles and the voiceprints kept with its runs, against the log.

- every voice profile (name, speaker model, voiceprint, what it was made from, when) against its
  `speaker.enrol` entry; a profile the log never saw enrolled, or one gone, is a finding (a profile
  decides which names are offered for a voice);
- every diarised run's kept voiceprints (label, voiceprint, model, speech) against its last
  `run.diarised` entry, and those computed later against `speaker.voiceprints_computed`;
- every suggestion dismissed (never offered again) against `speaker.suggestion_dismissed`.

Times logged only since session 12 (when a profile was enrolled, a voiceprint computed, an offer
dismissed) are a note, "not recorded", in an older case: never a finding.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from app.core.evidence.finding import Finding, entry_number
from app.core.store import Case
from app.core.store import speakers as store

_NOT_RECORDED = "is not recorded in the audit log (made before session 12): not checked"


def voice_profiles(case: Case, notes: list[Finding]) -> Iterator[Finding]:
    logged: dict[int, dict[str, Any]] = {}
    for entry in case.audit.entries("speaker:"):
        if entry.action == "speaker.enrol" and entry.subject.split(":")[1].isdigit():
            logged[int(entry.subject.split(":")[1])] = entry.details
    stored = store.stored_profiles(case)
    for profile_id in sorted(logged.keys() - stored.keys()):
        yield Finding(f"voice profile {profile_id}", f"{logged[profile_id].get('name')!r} is in the audit log, "
                                                     "but gone from the store")
    for profile_id, row in sorted(stored.items()):
        details = logged.get(profile_id)
        subject = f"voice profile {profile_id}"
        if details is None:
            yield Finding(subject, f"{row['name']!r} is in the store, but the audit log never saw it enrolled")
            continue
        if "created_at" not in details:
            notes.append(Finding(subject, f"when it was enrolled {_NOT_RECORDED}"))
        changed = _changed(row, details, ("name", "model_sha256", "dim", "embedding_sha256", "source", "created_at"))
        if changed:
            yield Finding(subject, f"its record in the store differs from the audit log ({', '.join(changed)})")


def run_voiceprints(case: Case, notes: list[Finding]) -> Iterator[Finding]:
    """The voiceprints a diarised run kept (compared once the run is complete: a run stopped while
    diarising is diarised again when resumed, and keeps the new ones)."""
    logged: dict[int, dict[str, Any]] = {}
    for entry in case.audit.entries("run/"):
        if entry.action == "run.diarised":
            logged[entry_number(entry.subject)] = entry.details
    complete = set(case.run_ids("complete"))
    for run_id, kept in sorted(store.stored_run_voiceprints(case).items()):
        details = logged.get(run_id, {})
        if "voiceprints" not in details:
            yield Finding(f"run {run_id}", "speakers' voiceprints in the store, but the audit log never saw "
                                           "them made")
        elif run_id in complete:
            if "voiceprint_speech_ms" not in details:
                notes.append(Finding(f"run {run_id}", f"how much speech each kept voiceprint was made from "
                                                      f"{_NOT_RECORDED}"))
            problem = _run_voiceprints_changed(kept, details)
            if problem:
                yield Finding(f"run {run_id}", f"its speakers' voiceprints in the store differ from the audit log "
                                               f"({problem})")
    for run_id in sorted(complete - set(store.stored_run_voiceprints(case))):
        if logged.get(run_id, {}).get("voiceprints"):
            yield Finding(f"run {run_id}", "its speakers' voiceprints are in the audit log, but gone from the store")


def _run_voiceprints_changed(kept: dict[str, dict[str, Any]], details: dict[str, Any]) -> str:
    digests: dict[str, str] = details.get("voiceprints") or {}
    speech: dict[str, int] | None = details.get("voiceprint_speech_ms")  # logged since session 12
    problems = [f"{label}: gone" for label in sorted(digests.keys() - kept.keys())]
    problems += [f"{label}: never logged" for label in sorted(kept.keys() - digests.keys())]
    for label in sorted(kept.keys() & digests.keys()):
        row, what = kept[label], []
        if row["embedding_sha256"] != digests[label]:
            what.append("voiceprint")
        if row["model_sha256"] != details.get("model_sha256"):
            what.append("model_sha256")
        if speech is not None and speech.get(label) != row["speech_ms"]:
            what.append("speech_ms")
        problems += [f"{label}: {', '.join(what)}"] if what else []
    return "; ".join(problems)


def segment_voiceprints(case: Case, notes: list[Finding]) -> Iterator[Finding]:
    """Voiceprints computed later from a run's segments, each row against the last entry that made it."""
    logged: dict[tuple[int, str, str], dict[str, Any]] = {}
    for entry in case.audit.entries("run/"):
        if entry.action == "speaker.voiceprints_computed":
            run_id, model = entry_number(entry.subject), entry.details.get("model_sha256", "")
            for speaker, made in (entry.details.get("speakers") or {}).items():
                at = {"computed_at": entry.details["computed_at"]} if "computed_at" in entry.details else {}
                logged[(run_id, made.get("basis_sha256", ""), model)] = {"speaker": speaker, **made, **at}
    stored = store.stored_segment_voiceprints(case)
    for run_id, _basis, _model in sorted(logged.keys() - stored.keys()):
        yield Finding(f"run {run_id}", "a voiceprint computed from its segments is in the audit log, but gone "
                                       "from the store")
    for key, row in sorted(stored.items()):
        details = logged.get(key)
        if details is None:
            yield Finding(f"run {key[0]}", "a voiceprint computed from its segments is in the store, but the audit "
                                           "log never saw it computed")
            continue
        if "computed_at" not in details:
            notes.append(Finding(f"run {key[0]}", f"when {row['speaker']}'s voiceprint was computed {_NOT_RECORDED}"))
        changed = _changed(row, details, ("speaker", "embedding_sha256", "speech_ms", "windows", "computed_at"))
        if changed:
            yield Finding(f"run {key[0]}", f"a voiceprint computed from its segments differs from the audit log "
                                           f"({', '.join(changed)})")


def dismissals(case: Case, notes: list[Finding]) -> Iterator[Finding]:
    """A suggestion dismissed is never offered again: each one must be one the log saw a person dismiss."""
    logged: dict[tuple[int, str, str], dict[str, Any]] = {}
    for entry in case.audit.entries("run/"):
        if entry.action == "speaker.suggestion_dismissed":
            key = (entry_number(entry.subject), entry.details.get("speaker"), entry.details.get("profile"))
            logged.setdefault(key, {"actor": entry.signed_by, **({"at": entry.details["at"]}
                                                             if "at" in entry.details else {})})
    stored = store.stored_dismissals(case)
    for run_id, speaker, profile in sorted(logged.keys() - stored.keys(), key=str):
        yield Finding(f"run {run_id}", f"the offer of {profile!r} for {speaker} was dismissed in the audit log, "
                                       "but the dismissal is gone from the store")
    for (run_id, speaker, profile), row in sorted(stored.items(), key=str):
        details = logged.get((run_id, speaker, profile))
        if details is None:
            yield Finding(f"run {run_id}", f"the offer of {profile!r} for {speaker} is dismissed in the store, but "
                                           "the audit log never saw anyone dismiss it")
            continue
        if "at" not in details:
            notes.append(Finding(f"run {run_id}", f"when the offer of {profile!r} for {speaker} was dismissed "
                                                  f"{_NOT_RECORDED}"))
        changed = _changed(row, details, ("actor", "at"))
        if changed:
            yield Finding(f"run {run_id}", f"the dismissal of {profile!r} for {speaker} in the store differs from "
                                           f"the audit log ({', '.join(changed)})")


def _changed(row: dict[str, Any], logged: dict[str, Any], keys: tuple[str, ...]) -> list[str]:
    """The keys whose stored value differs from the logged one (a key the log does not hold: not compared)."""
    return [key for key in keys if key in logged and logged[key] != row.get(key)]
