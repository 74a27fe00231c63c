-- Each diarised speaker's voiceprint (the unit centroid of its windows), kept with the run
-- that found it, under the label the machine gave it ("Speaker 2"), so later it can be
-- compared with the case's voice profiles (issue 13). A suggestion the user dismisses is
-- kept too, so it is not offered again; both are in the audit log.
CREATE TABLE run_voiceprints (
    run_id        INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    speaker       TEXT    NOT NULL,
    model_sha256  TEXT    NOT NULL,
    dim           INTEGER NOT NULL,
    embedding     BLOB    NOT NULL,
    speech_ms     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, speaker)
);

CREATE TABLE speaker_dismissals (
    run_id   INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    speaker  TEXT    NOT NULL,
    profile  TEXT    NOT NULL,
    at       TEXT    NOT NULL,
    actor    TEXT    NOT NULL,
    PRIMARY KEY (run_id, speaker, profile)
);
