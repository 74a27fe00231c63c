-- Chat exports (WhatsApp, Telegram, Signal) as read from an exhibit, and the files their
-- messages carry. Messages are kept exactly as parsed: never updated, never deleted.
CREATE TABLE chats (
    id             INTEGER PRIMARY KEY,
    exhibit_id     INTEGER NOT NULL REFERENCES exhibits(id),  -- the export (chat file or zip)
    position       INTEGER NOT NULL,                          -- its order within the export
    container      TEXT    NOT NULL,                          -- whatsapp | whatsapp-zip | telegram-json | signal
    name           TEXT    NOT NULL,
    source         TEXT    NOT NULL,                          -- the file read (in a zip: the member)
    date_order     TEXT    NOT NULL DEFAULT '',               -- day-first | month-first | ambiguous | ...
    parser_version INTEGER NOT NULL,
    created_at     TEXT    NOT NULL,
    UNIQUE (exhibit_id, position, parser_version)
);

CREATE TABLE chat_messages (
    id           INTEGER PRIMARY KEY,
    chat_id      INTEGER NOT NULL REFERENCES chats(id),
    idx          INTEGER NOT NULL,
    sender       TEXT,
    time_written TEXT    NOT NULL,
    datetime     TEXT,                                       -- ISO 8601; NULL when ambiguous
    text         TEXT    NOT NULL,
    system       INTEGER NOT NULL DEFAULT 0,
    note         TEXT    NOT NULL DEFAULT '',
    UNIQUE (chat_id, idx)
);
CREATE TRIGGER chat_messages_no_update BEFORE UPDATE ON chat_messages
BEGIN SELECT RAISE(ABORT, 'chat messages are kept as read'); END;
CREATE TRIGGER chat_messages_no_delete BEFORE DELETE ON chat_messages
BEGIN SELECT RAISE(ABORT, 'chat messages are kept as read'); END;

CREATE TABLE chat_attachments (
    message_id  INTEGER PRIMARY KEY REFERENCES chat_messages(id),
    name        TEXT,
    kind        TEXT    NOT NULL,
    missing     INTEGER NOT NULL,
    placeholder TEXT    NOT NULL DEFAULT '',
    path        TEXT,                                        -- where the export holds it
    exhibit_id  INTEGER REFERENCES exhibits(id),             -- taken in as its own exhibit
    error       TEXT                                         -- why it could not be taken in
);
CREATE INDEX chat_attachments_exhibit ON chat_attachments (exhibit_id);
