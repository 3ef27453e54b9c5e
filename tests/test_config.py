"""Settings: file, environment and flags merge in order; the README's table stays true."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsmon.config import Config, ConfigError, settings_table

README = Path(__file__).resolve().parents[1] / "README.md"


def test_file_then_environment_then_flags(tmp_path):
    path = tmp_path / "newsmon.toml"
    path.write_text('feed_interval = "10m"\nfreeze_after_days = 20\nobey_robots = true\n')
    config = Config.load(
        path,
        env={"NEWSMON_FREEZE_AFTER_DAYS": "30", "NEWSMON_OBEY_ROBOTS": "false"},
        database_url="sqlite:///x.db",
    )
    assert (config.feed_interval, config.freeze_after_days, config.obey_robots) == (
        "10m",
        30,
        False,
    )
    assert config.database_url == "sqlite:///x.db"


def test_unknown_setting_is_a_clear_error(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("freeze_after = 3\n")
    with pytest.raises(ConfigError, match="unknown setting"):
        Config.load(path, env={})


def test_readme_lists_every_setting():
    assert settings_table() in README.read_text("utf-8")
