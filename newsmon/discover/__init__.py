"""Finding articles: feeds and sitemaps parsed from bytes (no I/O)."""
