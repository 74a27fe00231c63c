"""SQLite case store."""

from app.core.store.case import Case, Exhibit, RunRecord, default_case_dir

__all__ = ["Case", "Exhibit", "RunRecord", "default_case_dir"]
