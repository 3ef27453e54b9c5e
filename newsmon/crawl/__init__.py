"""The crawl: one long-lived Scrapy crawl fed by a work queue, its reactor, workers and metrics."""
