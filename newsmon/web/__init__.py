"""The read-only web app: pages, feeds of changes and a JSON API over one database."""
