"""Settings: file, environment and flags merge in order; the README's table stays true."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsmon.config.settings import Config, ConfigError, settings_table

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


def test_config_values_ignore_the_environment_and_local_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "newsmon.toml").write_text("web_port = 9999\n")
    monkeypatch.setenv("NEWSMON_FREEZE_AFTER_DAYS", "7")
    config = Config(download_delay=0.0)
    assert (config.web_port, config.freeze_after_days, config.download_delay) == (8000, 40, 0.0)
    loaded = Config.load(env={"NEWSMON_FREEZE_AFTER_DAYS": "7"})
    assert (loaded.web_port, loaded.freeze_after_days) == (9999, 7)


def test_allow_networks_from_the_environment_is_comma_separated():
    config = Config.load(env={"NEWSMON_ALLOW_NETWORKS": "127.0.0.0/8, ::1/128"})
    assert config.allow_networks == ["127.0.0.0/8", "::1/128"]
    with pytest.raises(ConfigError, match=r"allow_networks .* NEWSMON_ALLOW_NETWORKS"):
        Config.load(env={"NEWSMON_ALLOW_NETWORKS": "10.0.0.0/33"})


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"web_port": 0}, "web_port = 0 from flag --port: expected a port from 1 to 65535"),
        ({"freeze_tick": "0m"}, "longer than zero"),
        ({"log_format": "xml"}, "expected text or json"),
        ({"contact_url": "mailto:me@x.org"}, "expected an http(s) URL"),
        ({"public_url": "news.example.org"}, "expected an http(s) URL"),
        ({"database_url": "not a url"}, "expected a database URL"),
    ],
)
def test_bounds_are_checked_and_explained(changes, message):
    with pytest.raises(ConfigError) as caught:
        Config().with_(**changes)
    assert message in str(caught.value)
    assert len(str(caught.value).splitlines()) == 1


def test_a_database_password_never_appears_in_a_setting_error():
    with pytest.raises(ConfigError) as caught:
        Config.load(env={"NEWSMON_DATABASE_URL": "postgresql://u:hunter2@db:abc/x"})
    assert "hunter2" not in str(caught.value)
