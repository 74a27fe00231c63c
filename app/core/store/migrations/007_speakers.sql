-- Voice profiles of named speakers, kept in the case (issue 13). A profile is one unit
-- voiceprint (float32, little-endian) made by one speaker model: it is only compared
-- with voiceprints of the same model (model_sha256). A match is offered to the user
-- with its score, never applied as a fact. Enrolment is recorded in the audit log.
CREATE TABLE speaker_profiles (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL,
    model_sha256  TEXT    NOT NULL,
    dim           INTEGER NOT NULL,
    embedding     BLOB    NOT NULL,
    source_json   TEXT    NOT NULL DEFAULT '{}',
    created_at    TEXT    NOT NULL,
    UNIQUE (name, model_sha256)
);
