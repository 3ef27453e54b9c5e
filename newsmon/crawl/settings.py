"""Scrapy settings for newsmon: components wired here, values from newsmon's Config.

`scrapy list` and `scrapy crawl` read this module through scrapy.cfg; the service
builds the same settings with `crawl_settings(config)` and its own values on top.
Nothing here repeats a Config setting: `newsmon.crawl.scrapy_settings.config_values`
is the one place a Config becomes Scrapy settings (the add-on below applies it when
Scrapy is started by hand).
"""

from __future__ import annotations

BOT_NAME = "newsmon"
SPIDER_MODULES = ["newsmon.spiders"]
NEWSPIDER_MODULE = "newsmon.spiders"

TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"

ITEM_PIPELINES = {
    "newsmon.pipelines.discover.DiscoverPipeline": 100,
    "newsmon.pipelines.extract.ExtractPipeline": 300,
    "newsmon.pipelines.snapshot.SnapshotPipeline": 800,
}

# The SSRF guard (newsmon/guard/fetch.py): URLs and address literals checked before
# download, at 50 so robots.txt is never fetched for a refused host; resolved addresses
# checked at connection time by the download handler.
DOWNLOADER_MIDDLEWARES = {
    "newsmon.guard.fetch.GuardMiddleware": 50,
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "newsmon.crawl.robots.SharedRobotsTxtMiddleware": 100,
    # Off, like the spider middlewares below (see there why).
    "scrapy.downloadermiddlewares.httpauth.HttpAuthMiddleware": None,
    "scrapy.downloadermiddlewares.stats.DownloaderStats": None,
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    # The same redirects, found without decoding the whole page on the crawl's thread.
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "newsmon.crawl.metarefresh.HeadMetaRefreshMiddleware": 580,
}
# Requests with meta playwright=True (articles of `render = browser` sources) go to
# Chromium through scrapy-playwright, guarded too (newsmon/crawl/render.py); the rest to the above.
DOWNLOAD_HANDLERS = {
    "http": "newsmon.crawl.render.RenderingDownloadHandler",
    "https": "newsmon.crawl.render.RenderingDownloadHandler",
}

# Config's values (user agent, concurrency, delays, sizes, robots, retries, log level,
# database, the guard's allowed networks, the browser) for `scrapy crawl` by hand.
ADDONS = {"newsmon.crawl.scrapy_settings.ConfigAddon": 0}

COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
# Each response yields exactly one item: Scrapy's default (100) starts 100 worker tasks per
# response to process its output in parallel, which cost more CPU than the check itself.
CONCURRENT_ITEMS = 1
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
REDIRECT_MAX_TIMES = 10
DNS_TIMEOUT = 20
STATS_DUMP = False
# Scrapy's in-memory stats, counted without a Python hook on every attribute read.
STATS_CLASS = "newsmon.crawl.stats.CrawlStats"
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
FEED_EXPORT_ENCODING = "utf-8"

# Every request is one claimed task, never a followed link: depth and URL length
# bookkeeping have nothing to do (URLs are checked where they enter), there is
# no HTTP auth or allowed_domains, and newsmon's own metrics count what the downloader
# stats would. Each of these costs a call per request on the crawl's one thread.
# (The referer middleware stays: the redirect middlewares warn at start-up without it.)
# MetaCopyDetectionMiddleware only warns about requests a spider yields from a response
# with Scrapy's internal meta copied into them: the watch spider yields its requests
# from start() alone, never from a response, so it would only wrap each output.
SPIDER_MIDDLEWARES = {
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
    "scrapy.spidermiddlewares.urllength.UrlLengthMiddleware": None,
    "scrapy.spidermiddlewares.metacopy.MetaCopyDetectionMiddleware": None,
}
