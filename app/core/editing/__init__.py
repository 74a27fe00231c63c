"""A person's edits of a transcript: operations on the working copy (each a revision, undoable),
pure segment edits, speaker merges and splits, and the review of uncertain words."""
