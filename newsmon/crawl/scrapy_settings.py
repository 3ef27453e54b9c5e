"""Scrapy settings built from newsmon's Config: the one path from Config to Scrapy.

`newsmon.crawl.settings` (the module scrapy.cfg names) wires components only; every value
that is a Config setting comes from `config_values`. The service passes its Config through
`crawl_settings`; `scrapy crawl` by hand gets it from `ConfigAddon`, which loads the Config
the way the CLI does (file, environment) when none was passed.
"""

from __future__ import annotations

from importlib.metadata import version
from typing import Any

from scrapy.settings import BaseSettings, Settings

from newsmon.config.settings import Config
from newsmon.crawl.render import browser_settings

CONFIG_SETTING = "NEWSMON_CONFIG"


def config_values(config: Config) -> dict[str, Any]:
    """The Scrapy settings that follow from a Config (and nothing else)."""
    page_bytes = int(config.max_page_mb * 1024 * 1024)
    return {
        "NEWSMON_DATABASE_URL": config.database_url,
        "USER_AGENT": f"newsmon/{version('newsmon')} (+{config.contact_url})",
        "ROBOTSTXT_OBEY": config.obey_robots,
        "CONCURRENT_REQUESTS": config.concurrent_requests,
        "CONCURRENT_REQUESTS_PER_DOMAIN": config.concurrent_per_domain,
        "AUTOTHROTTLE_ENABLED": config.autothrottle,
        # AutoThrottle starts every new host at the configured delay, its floor: it slows
        # down a host that answers slowly, but a start or a new source runs at full rate at
        # once instead of creeping down from a longer start delay.
        "AUTOTHROTTLE_START_DELAY": config.download_delay,
        "DOWNLOAD_DELAY": config.download_delay,
        "DOWNLOAD_TIMEOUT": config.download_timeout,
        "DOWNLOAD_MAXSIZE": page_bytes,
        "DOWNLOAD_WARNSIZE": page_bytes // 2,
        "RETRY_TIMES": config.retry_times,
        "RETRY_ENABLED": config.retry_times > 0,
        "LOG_LEVEL": config.log_level,
        "NEWSMON_ALLOW_NETWORKS": list(config.allow_networks),
        **browser_settings(config),
    }


def config_from_settings(settings: BaseSettings) -> Config:
    """The Config a Scrapy component runs with: the one passed in, else the loaded one.

    Every component (spiders, pipelines, the add-on) asks here, so `scrapy crawl` by hand
    reads the config file and NEWSMON_* environment exactly as `newsmon` does.
    """
    config = settings.get(CONFIG_SETTING)
    if isinstance(config, Config):
        return config
    return Config.load(database_url=settings.get("NEWSMON_DATABASE_URL"))


def crawl_settings(config: Config, **extra: Any) -> Settings:
    """The Scrapy settings one crawl of this service runs with."""
    settings = Settings()
    settings.setmodule("newsmon.crawl.settings", priority="project")
    settings.set(CONFIG_SETTING, config, priority="cmdline")
    settings.setdict(config_values(config), priority="cmdline")
    settings.setdict(extra, priority="cmdline")
    return settings


class ConfigAddon:
    """Scrapy add-on that fills in the Config's values when Scrapy is started by hand.

    Runs at the add-on priority: what the service set on the command line wins, and so
    does a `-s NAME=value` given to `scrapy crawl`.
    """

    @classmethod
    def update_pre_crawler_settings(cls, settings: BaseSettings) -> None:
        _apply(settings)

    def update_settings(self, settings: BaseSettings) -> None:
        _apply(settings)


def _apply(settings: BaseSettings) -> None:
    config = config_from_settings(settings)
    settings.set(CONFIG_SETTING, config, priority="addon")
    settings.setdict(config_values(config), priority="addon")
