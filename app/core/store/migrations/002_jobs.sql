-- The work queue: an explicit state machine (see app/core/jobs.py), and small settings.
-- A job is never deleted: a crash mid-job leaves it 'running' with an old heartbeat,
-- and recovery puts it back to 'queued'; its stored segments are kept and resumed.
CREATE TABLE jobs (
    id            INTEGER PRIMARY KEY,
    exhibit_id    INTEGER NOT NULL REFERENCES exhibits(id),
    task          TEXT    NOT NULL CHECK (task IN ('transcribe', 'translate', 'export')),
    options_json  TEXT    NOT NULL,
    state         TEXT    NOT NULL DEFAULT 'queued'
                  CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled', 'paused')),
    priority      INTEGER NOT NULL DEFAULT 0,
    attempts      INTEGER NOT NULL DEFAULT 0,
    max_attempts  INTEGER NOT NULL DEFAULT 3,
    error         TEXT,
    run_id        INTEGER REFERENCES runs(id),
    progress      REAL    NOT NULL DEFAULT 0,
    eta_s         REAL,
    worker        TEXT,
    created_at    TEXT    NOT NULL,
    started_at    TEXT,
    finished_at   TEXT,
    heartbeat_at  TEXT,
    heartbeat_s   REAL,    -- the same instant as epoch seconds, for staleness checks
    parent_job_id INTEGER REFERENCES jobs(id)
);
CREATE INDEX jobs_claim ON jobs (state, priority DESC, id);
CREATE INDEX jobs_dedupe ON jobs (exhibit_id, task);

-- Small key/value settings for the case, e.g. queue_paused = '1'.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
