-- Exhibits (originals, by SHA-256), runs (one transcription or translation each),
-- their segments and words (times in integer milliseconds), and the audit log.
CREATE TABLE exhibits (
    id           INTEGER PRIMARY KEY,
    sha256       TEXT    NOT NULL UNIQUE,
    path         TEXT    NOT NULL,
    name         TEXT    NOT NULL,
    bytes        INTEGER NOT NULL,
    duration_ms  INTEGER NOT NULL DEFAULT 0,
    kind         TEXT    NOT NULL DEFAULT 'media',
    container    TEXT    NOT NULL DEFAULT '',
    audio_codec  TEXT    NOT NULL DEFAULT '',
    sample_rate  INTEGER NOT NULL DEFAULT 0,
    channels     INTEGER NOT NULL DEFAULT 0,
    has_video    INTEGER NOT NULL DEFAULT 0,
    truncated    INTEGER NOT NULL DEFAULT 0,
    added_at     TEXT    NOT NULL
);

-- Every path an exhibit was found at: a duplicate file is linked here, not re-transcribed.
CREATE TABLE exhibit_paths (
    exhibit_id INTEGER NOT NULL REFERENCES exhibits(id),
    path       TEXT    NOT NULL,
    added_at   TEXT    NOT NULL,
    UNIQUE (exhibit_id, path)
);

CREATE TABLE runs (
    id                   INTEGER PRIMARY KEY,
    exhibit_id           INTEGER NOT NULL REFERENCES exhibits(id),
    task                 TEXT    NOT NULL,
    parent_run_id        INTEGER REFERENCES runs(id),
    model_name           TEXT    NOT NULL,
    model_sha256         TEXT    NOT NULL,
    model_family         TEXT    NOT NULL,
    model_path           TEXT    NOT NULL DEFAULT '',
    settings_json        TEXT    NOT NULL,
    software_json        TEXT    NOT NULL,
    language             TEXT,
    language_probability REAL,
    source_language      TEXT,
    state_json           TEXT    NOT NULL DEFAULT '{}',
    status               TEXT    NOT NULL DEFAULT 'running',
    truncated            INTEGER NOT NULL DEFAULT 0,
    warnings_json        TEXT    NOT NULL DEFAULT '[]',
    created_at           TEXT    NOT NULL,
    finished_at          TEXT
);
CREATE INDEX runs_exhibit ON runs (exhibit_id, task, status);

CREATE TABLE segments (
    id             INTEGER PRIMARY KEY,
    run_id         INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    track          TEXT    NOT NULL DEFAULT 'mix',
    start_ms       INTEGER NOT NULL,
    end_ms         INTEGER NOT NULL,
    speaker        TEXT,
    channel        INTEGER,
    text           TEXT    NOT NULL,
    avg_logprob    REAL,
    no_speech_prob REAL,
    flags          TEXT    NOT NULL DEFAULT '',
    source_text    TEXT
);
CREATE INDEX segments_run ON segments (run_id, start_ms);

CREATE TABLE words (
    segment_id  INTEGER NOT NULL REFERENCES segments(id) ON DELETE CASCADE,
    idx         INTEGER NOT NULL,
    start_ms    INTEGER NOT NULL,
    end_ms      INTEGER NOT NULL,
    text        TEXT    NOT NULL,
    probability REAL    NOT NULL,
    PRIMARY KEY (segment_id, idx)
);

-- Append-only and hash-chained: each row's hash covers the previous row's hash.
CREATE TABLE audit_log (
    id           INTEGER PRIMARY KEY,
    at           TEXT NOT NULL,
    actor        TEXT NOT NULL,
    action       TEXT NOT NULL,
    subject      TEXT NOT NULL,
    details_json TEXT NOT NULL,
    prev_hash    TEXT NOT NULL,
    hash         TEXT NOT NULL
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
