-- The header of a record of interview, one row per exhibit: who was interviewed, by whom,
-- who else was present, where and when. Each change is also in the audit log.
CREATE TABLE interview_details (
    exhibit_id    INTEGER PRIMARY KEY REFERENCES exhibits(id),
    case_ref      TEXT NOT NULL DEFAULT '',
    exhibit_ref   TEXT NOT NULL DEFAULT '',
    interviewee   TEXT NOT NULL DEFAULT '',
    officers_json TEXT NOT NULL DEFAULT '[]',
    present_json  TEXT NOT NULL DEFAULT '[]',
    place         TEXT NOT NULL DEFAULT '',
    date          TEXT NOT NULL DEFAULT '',
    start_time    TEXT NOT NULL DEFAULT '',
    end_time      TEXT NOT NULL DEFAULT '',
    updated_at    TEXT NOT NULL,
    updated_by    TEXT NOT NULL
);
