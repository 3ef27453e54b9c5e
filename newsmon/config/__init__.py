"""Settings: one Config, read from defaults, the config file, the environment and flags."""
