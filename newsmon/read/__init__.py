"""Read models and exports: queries shared by the CLI and web, JSON Lines, CSV and WARC."""
