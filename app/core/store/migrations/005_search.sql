-- Full-text search over the CURRENT text of every run (transcripts, translations, texts
-- and chats): a run's working copy when it has one, else its machine draft.
--
-- search_text holds one row per searchable segment; triggers on segments,
-- working_segments and working_transcripts keep it current whoever writes, and
-- triggers on search_text keep two FTS5 indexes over it:
--   search_words    unicode61, remove_diacritics 2: case- and accent-insensitive words,
--                   phrases and prefixes, over `folded`: the text with what unicode61 does
--                   not fold folded one character to one or none (ł ø đ -> l o d, Greek
--                   tonos, Arabic alef forms and harakat, Hebrew points: see
--                   app.core.search.folding), so "lukasz" finds "Łukasz" and "محمد" "مُحَمَّد"
--   search_trigram  trigram: substrings, for scripts written without spaces (zh, ja, th...)
-- Row ids are derived, so a trigger finds its row without a lookup:
--   id = segment id * 4 + source, source 0 = segments (machine draft),
--   1 = working_segments (the proofread copy), 2 = reserved for chat messages kept in a
--   table of their own: a later migration adds three triggers on that table like the
--   working_segments ones below (id = message id * 4 + 2, source 2, its exhibit, run_id
--   NULL when a message belongs to no run; hits from it are reported with task 'chat').
CREATE TABLE search_text (
    id          INTEGER PRIMARY KEY,
    source      INTEGER NOT NULL,
    ref_id      INTEGER NOT NULL,
    exhibit_id  INTEGER NOT NULL,
    run_id      INTEGER,
    start_ms    INTEGER NOT NULL,
    end_ms      INTEGER NOT NULL,
    speaker     TEXT,
    text        TEXT    NOT NULL,
    -- app.core.search.folding.sql_definitions(), word for word (tests/test_search.py checks)
    fold_1 TEXT GENERATED ALWAYS AS (
        CASE WHEN text GLOB '*[' || char(322, 321, 248, 216, 273, 272, 240, 208, 295, 294, 305, 320, 319, 359, 358, 940, 941, 942, 943, 972) || ']*' THEN replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(text, char(322), char(108)), char(321), char(76)), char(248), char(111)), char(216), char(79)), char(273), char(100)), char(272), char(68)), char(240), char(100)), char(208), char(68)), char(295), char(104)), char(294), char(72)), char(305), char(105)), char(320), char(108)), char(319), char(76)), char(359), char(116)), char(358), char(84)), char(940), char(945)), char(941), char(949)), char(942), char(951)), char(943), char(953)), char(972), char(959)) ELSE text END) VIRTUAL,
    fold_2 TEXT GENERATED ALWAYS AS (
        CASE WHEN fold_1 GLOB '*[' || char(973, 974, 912, 944, 970, 971, 902, 904, 905, 906, 908, 910, 911, 938, 939, 962, 1571, 1573, 1570, 1649) || ']*' THEN replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(fold_1, char(973), char(965)), char(974), char(969)), char(912), char(953)), char(944), char(965)), char(970), char(953)), char(971), char(965)), char(902), char(913)), char(904), char(917)), char(905), char(919)), char(906), char(921)), char(908), char(927)), char(910), char(933)), char(911), char(937)), char(938), char(921)), char(939), char(933)), char(962), char(963)), char(1571), char(1575)), char(1573), char(1575)), char(1570), char(1575)), char(1649), char(1575)) ELSE fold_1 END) VIRTUAL,
    fold_3 TEXT GENERATED ALWAYS AS (
        CASE WHEN fold_2 GLOB '*[' || char(1609, 1611, 1612, 1613, 1614, 1615, 1616, 1617, 1618, 1648, 1600, 1456, 1457, 1458, 1459, 1460, 1461, 1462, 1463, 1464) || ']*' THEN replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(fold_2, char(1609), char(1610)), char(1611), ''), char(1612), ''), char(1613), ''), char(1614), ''), char(1615), ''), char(1616), ''), char(1617), ''), char(1618), ''), char(1648), ''), char(1600), ''), char(1456), ''), char(1457), ''), char(1458), ''), char(1459), ''), char(1460), ''), char(1461), ''), char(1462), ''), char(1463), ''), char(1464), '') ELSE fold_2 END) VIRTUAL,
    folded TEXT GENERATED ALWAYS AS (
        CASE WHEN fold_3 GLOB '*[' || char(1465, 1466, 1467, 1468, 1473, 1474, 1479) || ']*' THEN replace(replace(replace(replace(replace(replace(replace(fold_3, char(1465), ''), char(1466), ''), char(1467), ''), char(1468), ''), char(1473), ''), char(1474), ''), char(1479), '') ELSE fold_3 END) STORED
);
CREATE INDEX search_text_run ON search_text (run_id, source);
CREATE INDEX search_text_exhibit ON search_text (exhibit_id);

CREATE VIRTUAL TABLE search_words USING fts5(
    folded, content='search_text', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2'
);
CREATE VIRTUAL TABLE search_trigram USING fts5(
    text, content='search_text', content_rowid='id', tokenize='trigram'
);

-- Existing cases: index what they already hold.
INSERT INTO search_text (id, source, ref_id, exhibit_id, run_id, start_ms, end_ms, speaker, text)
SELECT s.id * 4, 0, s.id, r.exhibit_id, s.run_id, s.start_ms, s.end_ms, s.speaker, s.text
FROM segments s JOIN runs r ON r.id = s.run_id
WHERE NOT EXISTS (SELECT 1 FROM working_transcripts w WHERE w.run_id = s.run_id);

INSERT INTO search_text (id, source, ref_id, exhibit_id, run_id, start_ms, end_ms, speaker, text)
SELECT s.id * 4 + 1, 1, s.id, r.exhibit_id, s.run_id, s.start_ms, s.end_ms, s.speaker, s.text
FROM working_segments s JOIN runs r ON r.id = s.run_id;

INSERT INTO search_words (search_words) VALUES ('rebuild');
INSERT INTO search_trigram (search_trigram) VALUES ('rebuild');

-- search_text -> the two indexes.
CREATE TRIGGER search_text_ai AFTER INSERT ON search_text BEGIN
    INSERT INTO search_words (rowid, folded) VALUES (NEW.id, NEW.folded);
    INSERT INTO search_trigram (rowid, text) VALUES (NEW.id, NEW.text);
END;
CREATE TRIGGER search_text_ad AFTER DELETE ON search_text BEGIN
    INSERT INTO search_words (search_words, rowid, folded) VALUES ('delete', OLD.id, OLD.folded);
    INSERT INTO search_trigram (search_trigram, rowid, text) VALUES ('delete', OLD.id, OLD.text);
END;
CREATE TRIGGER search_text_au AFTER UPDATE OF text ON search_text BEGIN
    INSERT INTO search_words (search_words, rowid, folded) VALUES ('delete', OLD.id, OLD.folded);
    INSERT INTO search_trigram (search_trigram, rowid, text) VALUES ('delete', OLD.id, OLD.text);
    INSERT INTO search_words (rowid, folded) VALUES (NEW.id, NEW.folded);
    INSERT INTO search_trigram (rowid, text) VALUES (NEW.id, NEW.text);
END;

-- Machine draft: indexed while its run has no working copy.
CREATE TRIGGER search_segments_ai AFTER INSERT ON segments
WHEN NOT EXISTS (SELECT 1 FROM working_transcripts w WHERE w.run_id = NEW.run_id)
BEGIN
    INSERT INTO search_text (id, source, ref_id, exhibit_id, run_id, start_ms, end_ms, speaker, text)
    VALUES (NEW.id * 4, 0, NEW.id, (SELECT exhibit_id FROM runs WHERE id = NEW.run_id), NEW.run_id,
            NEW.start_ms, NEW.end_ms, NEW.speaker, NEW.text);
END;
CREATE TRIGGER search_segments_au AFTER UPDATE OF start_ms, end_ms, speaker, text ON segments
BEGIN
    UPDATE search_text SET start_ms = NEW.start_ms, end_ms = NEW.end_ms, speaker = NEW.speaker,
        text = NEW.text
    WHERE id = NEW.id * 4;
END;
CREATE TRIGGER search_segments_ad AFTER DELETE ON segments BEGIN
    DELETE FROM search_text WHERE id = OLD.id * 4;
END;

-- The proofread copy replaces the machine draft in the index from its creation on.
CREATE TRIGGER search_working_created AFTER INSERT ON working_transcripts BEGIN
    DELETE FROM search_text WHERE run_id = NEW.run_id AND source = 0;
END;
CREATE TRIGGER search_working_dropped AFTER DELETE ON working_transcripts BEGIN
    DELETE FROM search_text WHERE run_id = OLD.run_id AND source = 1;
    INSERT INTO search_text (id, source, ref_id, exhibit_id, run_id, start_ms, end_ms, speaker, text)
    SELECT s.id * 4, 0, s.id, r.exhibit_id, s.run_id, s.start_ms, s.end_ms, s.speaker, s.text
    FROM segments s JOIN runs r ON r.id = s.run_id WHERE s.run_id = OLD.run_id;
END;
CREATE TRIGGER search_working_segments_ai AFTER INSERT ON working_segments BEGIN
    INSERT INTO search_text (id, source, ref_id, exhibit_id, run_id, start_ms, end_ms, speaker, text)
    VALUES (NEW.id * 4 + 1, 1, NEW.id, (SELECT exhibit_id FROM runs WHERE id = NEW.run_id),
            NEW.run_id, NEW.start_ms, NEW.end_ms, NEW.speaker, NEW.text);
END;
CREATE TRIGGER search_working_segments_au
AFTER UPDATE OF start_ms, end_ms, speaker, text ON working_segments
BEGIN
    UPDATE search_text SET start_ms = NEW.start_ms, end_ms = NEW.end_ms, speaker = NEW.speaker,
        text = NEW.text
    WHERE id = NEW.id * 4 + 1;
END;
CREATE TRIGGER search_working_segments_ad AFTER DELETE ON working_segments BEGIN
    DELETE FROM search_text WHERE id = OLD.id * 4 + 1;
END;

-- Entities found in each indexed text: a cache that app.core.search.entities fills for the
-- rows not yet scanned (and empties when the region or its finders change; the settings key
-- 'entities.scanned_with' says which). A changed or deleted text drops its rows here.
CREATE TABLE entity_scanned (
    text_id INTEGER PRIMARY KEY
);
CREATE TABLE entity_mentions (
    text_id     INTEGER NOT NULL,
    kind        TEXT    NOT NULL,
    value       TEXT    NOT NULL,
    as_written  TEXT    NOT NULL,
    char_start  INTEGER NOT NULL,
    char_end    INTEGER NOT NULL
);
CREATE INDEX entity_mentions_text ON entity_mentions (text_id);
CREATE INDEX entity_mentions_value ON entity_mentions (kind, value);

CREATE TRIGGER search_text_entities_ad AFTER DELETE ON search_text BEGIN
    DELETE FROM entity_scanned WHERE text_id = OLD.id;
    DELETE FROM entity_mentions WHERE text_id = OLD.id;
END;
CREATE TRIGGER search_text_entities_au AFTER UPDATE OF text ON search_text BEGIN
    DELETE FROM entity_scanned WHERE text_id = OLD.id;
    DELETE FROM entity_mentions WHERE text_id = OLD.id;
END;
