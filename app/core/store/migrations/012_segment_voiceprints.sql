-- A speaker's voiceprint computed later from the transcript's own segments (issue 13): for
-- runs diarised before voiceprints were kept (011), and for speakers the proofreader merged
-- or split since. Keyed by what it was made from (basis_sha256: the SHA-256 of the speaker's
-- time spans) and the speaker model, not by the label, so a renamed speaker keeps it and an
-- undone edit finds it again. The diarisation's own voiceprints (run_voiceprints) are never
-- replaced. Each computation is in the audit log with the model's SHA-256.
CREATE TABLE segment_voiceprints (
    run_id        INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    basis_sha256  TEXT    NOT NULL,
    model_sha256  TEXT    NOT NULL,
    speaker       TEXT    NOT NULL,
    dim           INTEGER NOT NULL,
    embedding     BLOB    NOT NULL,
    speech_ms     INTEGER NOT NULL,
    windows       INTEGER NOT NULL,
    computed_at   TEXT    NOT NULL,
    PRIMARY KEY (run_id, basis_sha256, model_sha256)
);
