-- A finished machine draft is sealed: its segments and words cannot be changed or
-- removed through the store (verify also checks them against the digest recorded
-- when the run finished, for anyone who edits the file by other means).
CREATE TRIGGER segments_sealed_update BEFORE UPDATE ON segments
WHEN (SELECT status FROM runs WHERE id = OLD.run_id) = 'complete'
BEGIN SELECT RAISE(ABORT, 'a finished run is sealed'); END;
CREATE TRIGGER segments_sealed_delete BEFORE DELETE ON segments
WHEN (SELECT status FROM runs WHERE id = OLD.run_id) = 'complete'
BEGIN SELECT RAISE(ABORT, 'a finished run is sealed'); END;
CREATE TRIGGER words_sealed_update BEFORE UPDATE ON words
WHEN (SELECT r.status FROM runs r JOIN segments s ON s.run_id = r.id WHERE s.id = OLD.segment_id) = 'complete'
BEGIN SELECT RAISE(ABORT, 'a finished run is sealed'); END;
CREATE TRIGGER words_sealed_delete BEFORE DELETE ON words
WHEN (SELECT r.status FROM runs r JOIN segments s ON s.run_id = r.id WHERE s.id = OLD.segment_id) = 'complete'
BEGIN SELECT RAISE(ABORT, 'a finished run is sealed'); END;
