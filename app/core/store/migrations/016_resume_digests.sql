-- No change of schema. From this version each stored chunk of a run logs its resume state's digest
-- (run.appended's resume_sha256, run.advanced for a silence marker or a track's end), and verify and a
-- resumed run check the state against it. A Parley before it would store chunks without the digest, and
-- the state it left would read as changed outside Parley: the number tells it the case is a newer one's.
SELECT 1;
