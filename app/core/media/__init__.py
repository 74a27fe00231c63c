"""Media in: find it (intake), decode it (decode, streams, channels, damage), draw it (waveform)."""
