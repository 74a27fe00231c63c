"""`verify`, each word's score as the decoder writes it (since session 17).

The content digests logged for a machine draft and for each revision hold a word's probability rounded
to 4 places (`content._canonical`), and the decoder stores it so rounded (`asr.engine`, `asr.batched`; a
word a person typed gets 1.0). A probability changed by less than that rounding (0.5 made 0.49996) left
every digest as logged, yet the JSON export prints it and `export --mark-uncertain 0.5` and the window's
review then mark the word uncertain. So a stored probability that is not its own rounding to 4 places,
or not a finite number, is a finding: no Parley run writes one. A transcript JSON taken into the case
(settings `imported_from`) keeps the scores its file held, so its words are not judged so.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from app.core.evidence.finding import Finding, entry_number
from app.core.store import Case, working_copy


def word_score_findings(case: Case) -> Iterator[Finding]:
    imported = {entry_number(e.subject) for e in case.audit.entries("run/")
                if e.action == "run.started" and isinstance(e.details.get("settings"), dict)
                and "imported_from" in e.details["settings"]}
    for run_id in case.run_ids():
        if run_id in imported:
            continue
        for working, what in ((False, "machine draft"), (True, "working copy")):
            odd = [w for w in working_copy.word_scores(case, run_id, working) if not _as_written(w[2])]
            if odd:
                start, word, score = odd[0]
                yield Finding(f"run {run_id}", f"its {what} holds {len(odd)} word score(s) no decoder writes (the "
                                               f"first: {word.strip()!r} at {_clock(start)}, probability {score!r}, "
                                               "not rounded to 4 places as stored): changed in the store below what "
                                               "the logged digests hold, yet exports print it and mark by it")


def _as_written(probability: object) -> bool:
    return isinstance(probability, float) and math.isfinite(probability) and round(probability, 4) == probability


def _clock(ms: int) -> str:
    seconds = int(ms) // 1000
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
