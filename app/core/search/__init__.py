"""Search and entities across a case: what was said, written or translated, and where."""

from app.core.search.text_search import Hit, SearchError, count, search

__all__ = ["Hit", "SearchError", "count", "search"]
