-- Human editing of a run. The machine draft (runs/segments/words) is never changed:
-- the first edit copies the run's segments into a working transcript, and every
-- operation on it is kept as a revision (who, when, what, before and after).
CREATE TABLE working_transcripts (
    run_id      INTEGER PRIMARY KEY REFERENCES runs(id),
    status      TEXT    NOT NULL DEFAULT 'edited',  -- 'edited' | 'verified'
    verified_by TEXT,
    verified_at TEXT,
    created_at  TEXT    NOT NULL,
    created_by  TEXT    NOT NULL
);

-- AUTOINCREMENT: an id is never reused, so revisions that name segment ids stay unambiguous.
CREATE TABLE working_segments (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id            INTEGER NOT NULL REFERENCES working_transcripts(run_id),
    origin_segment_id INTEGER REFERENCES segments(id),
    track             TEXT    NOT NULL DEFAULT 'mix',
    start_ms          INTEGER NOT NULL,
    end_ms            INTEGER NOT NULL,
    speaker           TEXT,
    channel           INTEGER,
    text              TEXT    NOT NULL,
    avg_logprob       REAL,
    no_speech_prob    REAL,
    flags             TEXT    NOT NULL DEFAULT '',
    source_text       TEXT
);
CREATE INDEX working_segments_run ON working_segments (run_id, start_ms);

CREATE TABLE working_words (
    segment_id  INTEGER NOT NULL REFERENCES working_segments(id) ON DELETE CASCADE,
    idx         INTEGER NOT NULL,
    start_ms    INTEGER NOT NULL,
    end_ms      INTEGER NOT NULL,
    text        TEXT    NOT NULL,
    probability REAL    NOT NULL,
    PRIMARY KEY (segment_id, idx)
);

-- Append-only like the audit log: an undo is a new revision, never a deletion.
CREATE TABLE revisions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id      INTEGER NOT NULL REFERENCES working_transcripts(run_id),
    at          TEXT    NOT NULL,
    actor       TEXT    NOT NULL,
    op          TEXT    NOT NULL,  -- edit_text | split | merge | rename_speaker | replace_all |
                                   -- set_verified | undo | redo
    params_json TEXT    NOT NULL DEFAULT '{}',
    before_json TEXT    NOT NULL,
    after_json  TEXT    NOT NULL,
    reverts     INTEGER REFERENCES revisions(id)  -- for undo / redo: the revision acted on
);
CREATE INDEX revisions_run ON revisions (run_id, id);
CREATE TRIGGER revisions_no_update BEFORE UPDATE ON revisions
BEGIN SELECT RAISE(ABORT, 'revisions are append-only'); END;
CREATE TRIGGER revisions_no_delete BEFORE DELETE ON revisions
BEGIN SELECT RAISE(ABORT, 'revisions are append-only'); END;
