"""Search over every version: the query language and its SQL on both engines."""
