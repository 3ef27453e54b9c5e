"""Errors a person can act on: bad settings, busy ports, version ranges, database URLs.

Each case runs the real `newsmon` command and expects one line on stderr, exit 1, no
traceback, naming what was wrong, where it came from and what would be right.
"""

from __future__ import annotations

import socket
import sys

import pytest

from tests.cli_helpers import cli_env, newsmon, one_error_line, run_until_started
from tests.newssite import story


@pytest.mark.parametrize(
    ("toml", "env", "args", "expected"),
    [
        (
            'freeze_after_days = "forty"\n',
            {},
            (),
            "freeze_after_days = 'forty' from config file newsmon.toml",
        ),
        ('download_delay = "x"\n', {}, (), "download_delay = 'x' from config file newsmon.toml"),
        ("gone_after = -5\n", {}, (), "gone_after = -5 from config file newsmon.toml"),
        ("article_batch = -5\n", {}, (), "unknown setting article_batch in config file"),
        ("", {"NEWSMON_WEB_PORT": "abc"}, (), "environment variable NEWSMON_WEB_PORT"),
        ("", {"NEWSMON_FREEZE_AFTER_DAYS": "forty"}, (), "NEWSMON_FREEZE_AFTER_DAYS"),
        ("", {}, ("--log-level", "LOUD", "articles"), "log_level = 'LOUD' from flag --log-level"),
        ("", {}, ("--log-level", "LOUD", "serve"), "expected DEBUG, INFO, WARNING"),
        ("", {}, ("serve", "--port", "70000"), "web_port = '70000' from flag --port"),
    ],
)
def test_a_bad_setting_is_one_line_naming_it_and_its_origin(tmp_path, toml, env, args, expected):
    environment = cli_env(tmp_path, **env)
    if toml:
        (tmp_path / "newsmon.toml").write_text(toml)
        environment.pop(f"NEWSMON_{toml.split()[0].upper()}", None)  # the file must count
    done = newsmon(tmp_path, *(args or ("articles",)), env=environment)
    line = one_error_line(done)
    assert expected in line
    assert "expected" in line  # says what is allowed


def test_two_bad_settings_are_two_lines(tmp_path):
    (tmp_path / "newsmon.toml").write_text('freeze_after_days = "forty"\ngone_after = -5\n')
    done = newsmon(tmp_path, "articles")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 2


@pytest.fixture
def busy_port():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        yield taken.getsockname()[1]


@pytest.mark.parametrize("command", [("serve",), ("run",)])
def test_a_busy_port_is_one_line_before_anything_starts(tmp_path, busy_port, command):
    done = newsmon(tmp_path, *command, "--port", str(busy_port), timeout=60)
    line = one_error_line(done)
    assert f"port {busy_port} is already in use" in line
    # `run` stopped before touching the database: nothing was created or seeded
    assert not (tmp_path / "cli.db").exists()


def test_run_without_web_ignores_a_busy_port(site, tmp_path, busy_port):
    added = newsmon(tmp_path, "sources", "add", "gazette", site.url("/feeds/rss.xml"))
    assert added.returncode == 0, added.stderr  # a local source: no starter list to fetch
    env = cli_env(
        tmp_path,
        NEWSMON_WEB_PORT=str(busy_port),
        NEWSMON_LOG_LEVEL="INFO",
        NEWSMON_DOWNLOAD_TIMEOUT="2",
    )
    started = run_until_started(tmp_path, env)
    assert "newsmon is running" in started
    assert "already in use" not in started


def newsmon_argv() -> list[str]:
    return [sys.executable, "-m", "newsmon"]


def test_diff_out_of_range_names_the_url_and_the_range(site, tmp_path):
    site.publish(story("bridge-repairs"))
    assert (
        newsmon(tmp_path, "sources", "add", "gazette", site.url("/feeds/rss.xml")).returncode == 0
    )
    assert newsmon(tmp_path, "crawl").returncode == 0
    site.edit("bridge-repairs", paragraph=(1, "The bridge reopens in spring, not autumn."))
    assert newsmon(tmp_path, "crawl", "--all").returncode == 0

    url = site.url("/news/bridge-repairs")
    line = one_error_line(newsmon(tmp_path, "diff", url, "1", "2"))
    assert f"{url} has versions 0 to 1" in line
    assert "no version 2" in line
    listed = newsmon(tmp_path, "versions", url).stdout.splitlines()
    assert [line.split()[1] for line in listed] == ["0", "1"]
    assert all(" UTC " in line and "." not in line.split(" UTC ")[0] for line in listed)


def test_a_postgresql_error_masks_the_password(tmp_path):
    url = "postgresql+psycopg://reader:s3cret-pw@127.0.0.1:1/news"
    line = one_error_line(newsmon(tmp_path, "--db", url, "articles"))
    assert "s3cret-pw" not in line
    assert "reader:***@127.0.0.1:1/news" in line


def test_a_missing_driver_says_how_to_install_it(tmp_path):
    # An import path where psycopg cannot be imported, as on an install without the extra.
    blocker = tmp_path / "blocked" / "psycopg"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text(
        "raise ModuleNotFoundError(\"No module named 'psycopg'\", name='psycopg')\n"
    )
    env = cli_env(tmp_path)
    env["PYTHONPATH"] = f"{tmp_path / 'blocked'}:{env['PYTHONPATH']}"
    url = "postgresql+psycopg://reader:s3cret-pw@127.0.0.1:1/news"
    line = one_error_line(newsmon(tmp_path, "--db", url, "articles", env=env))
    assert "pip install -e '.[postgres]'" in line
    assert "s3cret-pw" not in line


def test_re_adding_a_watched_feed_says_so(site, tmp_path):
    feed = site.url("/feeds/rss.xml")
    first = newsmon(tmp_path, "sources", "add", "gazette", feed)
    assert first.stdout.strip() == "gazette: 1 feed added"
    again = newsmon(tmp_path, "sources", "add", "gazette", feed)
    assert again.returncode == 0
    assert again.stdout.strip() == "gazette: already watched, nothing added"


def test_a_bad_slug_shows_what_was_typed(tmp_path):
    line = one_error_line(newsmon(tmp_path, "sources", "add", "Daily Bugle", "https://x.org/f"))
    assert "'Daily Bugle'" in line


def test_a_crawl_with_nothing_due_says_so_and_mentions_all(tmp_path):
    done = newsmon(tmp_path, "crawl")
    assert done.returncode == 0, done.stderr
    assert "nothing was due" in done.stdout and "--all" in done.stdout
