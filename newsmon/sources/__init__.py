"""The sources watched: their feeds, extraction rules, render modes and language."""
