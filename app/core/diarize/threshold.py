"""The score at which a voice profile is offered as a speaker's (kept apart from profiles.py, which
loads numpy and onnxruntime: the command line's help shows it)."""

# bench/bench_profiles.py (profiles enrolled from 3 marked turns, against diarised speakers of
# other conversations, WAV/AMR/Opus; batch-free voiceprints, session 9): same person
# 0.763-0.992 (48 pairs), different people 0.386-0.701 (216 pairs); 0.75 misses none and offers none.
MATCH_THRESHOLD = 0.75
