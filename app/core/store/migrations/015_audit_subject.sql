-- The audit log read by subject (a run's, an exhibit's entries: every export, edit and verify asks so)
-- without a scan of the whole log. An index only: a store without it (made before this migration,
-- read-only media) holds the same records and reads as it stands.
CREATE INDEX audit_log_subject ON audit_log (subject, id);
