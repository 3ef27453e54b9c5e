"""Pure helpers every stage uses: clock, text and URL cleaning, identity, hashing, logs."""
