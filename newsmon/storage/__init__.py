"""The database: engines, the typed ORM models, the batched writer, backups."""
