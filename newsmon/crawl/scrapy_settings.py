"""Scrapy settings built from newsmon's Config, on top of newsmon.crawl.settings."""

from __future__ import annotations

from importlib.metadata import version
from typing import Any

from scrapy.settings import Settings

from newsmon.config.settings import Config
from newsmon.crawl.render import browser_settings


def crawl_settings(config: Config, **extra: Any) -> Settings:
    """The Scrapy settings one crawl of this service runs with."""
    settings = Settings()
    settings.setmodule("newsmon.crawl.settings", priority="project")
    settings.setdict(
        {
            "NEWSMON_DATABASE_URL": config.database_url,
            "NEWSMON_CONFIG": config,
            "USER_AGENT": f"newsmon/{version('newsmon')} (+{config.contact_url})",
            "ROBOTSTXT_OBEY": config.obey_robots,
            "CONCURRENT_REQUESTS": config.concurrent_requests,
            "CONCURRENT_REQUESTS_PER_DOMAIN": config.concurrent_per_domain,
            "AUTOTHROTTLE_ENABLED": config.autothrottle,
            "DOWNLOAD_DELAY": config.download_delay,
            # AutoThrottle starts every new host at the configured delay, its floor: it slows
            # down a host that answers slowly, but a start or a new source runs at full rate
            # at once instead of creeping down from a longer start delay.
            "AUTOTHROTTLE_START_DELAY": config.download_delay,
            "DOWNLOAD_TIMEOUT": config.download_timeout,
            "DOWNLOAD_MAXSIZE": int(config.max_page_mb * 1024 * 1024),
            "DOWNLOAD_WARNSIZE": int(config.max_page_mb * 1024 * 1024) // 2,
            "RETRY_TIMES": config.retry_times,
            "RETRY_ENABLED": config.retry_times > 0,
            "LOG_LEVEL": config.log_level,
            "NEWSMON_ALLOW_NETWORKS": list(config.allow_networks),
        },
        priority="cmdline",
    )
    settings.setdict(browser_settings(config), priority="cmdline")
    settings.setdict(extra, priority="cmdline")
    return settings
