-- Every file intake met, usable or not: a folder is accounted for file by file.
-- status: 'media' (an exhibit), 'skipped' (not media, a symbolic link not followed,
-- a device file or FIFO) or 'failed' (unreadable, or media that will not decode).
CREATE TABLE intake_log (
    id         INTEGER PRIMARY KEY,
    path       TEXT    NOT NULL,
    status     TEXT    NOT NULL CHECK (status IN ('media', 'skipped', 'failed')),
    reason     TEXT    NOT NULL DEFAULT '',
    sha256     TEXT,
    bytes      INTEGER,
    exhibit_id INTEGER REFERENCES exhibits(id),
    logged_at  TEXT    NOT NULL
);

CREATE INDEX intake_log_path ON intake_log(path);
