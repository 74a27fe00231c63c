"""Parley: offline transcription and translation for investigators."""

__version__ = "0.1.0"
SOFTWARE_NAME = "Parley"
