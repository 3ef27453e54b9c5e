"""Reading a page: headline, byline, dates, language and the story's text (no I/O)."""
