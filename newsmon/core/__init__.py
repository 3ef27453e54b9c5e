"""Pure helpers every stage uses: the clock, text and URL cleaning, identity, hashing, terminal safety, logs."""
