"""One config path: Scrapy started by hand (scrapy.cfg) runs with the same Config as `newsmon`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from newsmon.config.settings import Config
from newsmon.crawl.scrapy_settings import config_values, crawl_settings
from tests.cli_helpers import ROOT, cli_env

# What `scrapy crawl` does before a spider runs: the project's settings through
# scrapy.cfg, a runner, a crawler; then what the components read from it.
BY_HAND = """
import json
from scrapy.crawler import Crawler, CrawlerRunner
from scrapy.utils.project import get_project_settings
from newsmon.spiders import feeds
from newsmon.spiders.watch import WatchSpider
runner = CrawlerRunner(get_project_settings())
crawler = Crawler(WatchSpider, runner.settings)
print(json.dumps({
    "user_agent": crawler.settings["USER_AGENT"],
    "concurrent": crawler.settings.getint("CONCURRENT_REQUESTS"),
    "allow": crawler.settings.getlist("NEWSMON_ALLOW_NETWORKS"),
    "sitemap_max_age": str(feeds._config(crawler).sitemap_max_age),
}))
"""


def test_scrapy_by_hand_reads_the_environment_like_newsmon(tmp_path: Path) -> None:
    env = cli_env(
        tmp_path,
        NEWSMON_CONTACT_URL="https://desk.example.org/about-our-crawler",
        NEWSMON_CONCURRENT_REQUESTS="7",
        NEWSMON_SITEMAP_MAX_AGE="3d",
    )
    run = subprocess.run(
        [sys.executable, "-c", BY_HAND],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    seen = json.loads(run.stdout.strip().splitlines()[-1])
    assert seen["user_agent"].endswith("(+https://desk.example.org/about-our-crawler)")
    assert seen["concurrent"] == 7
    assert seen["allow"] == ["127.0.0.0/8", "::1/128"]
    assert seen["sitemap_max_age"] == "3d"


def test_the_settings_module_repeats_no_config_value() -> None:
    """Every value a Config decides is set from the Config, never from a second default."""
    import newsmon.crawl.settings as module

    repeated = sorted(name for name in config_values(Config()) if hasattr(module, name))
    assert repeated == []


def test_the_service_settings_follow_its_config() -> None:
    config = Config(contact_url="https://desk.example.org/", concurrent_requests=3)
    settings = crawl_settings(config)
    assert settings["USER_AGENT"].endswith("(+https://desk.example.org/)")
    assert settings.getint("CONCURRENT_REQUESTS") == 3
    assert settings["NEWSMON_CONFIG"] is config


def test_the_crawls_own_stats_class_still_counts_as_scrapys_does() -> None:
    """The crawl's stats (newsmon.crawl.stats, without Scrapy's hook on every attribute
    read) are what the log's page counts and the close reason are read from."""
    from scrapy.statscollectors import MemoryStatsCollector
    from scrapy.utils.misc import load_object
    from scrapy.utils.test import get_crawler

    settings = crawl_settings(Config())
    stats = load_object(settings["STATS_CLASS"])(get_crawler())
    assert isinstance(stats, MemoryStatsCollector)
    stats.inc_value("newsmon/articles_checked")
    stats.inc_value("newsmon/articles_checked", 2)
    stats.max_value("most", 3)
    assert stats.get_stats() == {"newsmon/articles_checked": 3, "most": 3}
