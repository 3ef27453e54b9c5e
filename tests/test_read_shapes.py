"""One read model: the CLI's --json, the API and the JSON Lines export show an article and
a version in one shape, read from a real crawl of the loopback news site."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
from sqlalchemy import func, select, update

from newsmon.read.due import due_count
from newsmon.read.shapes import ARTICLE_FIELDS, VERSION_FIELDS
from newsmon.storage.db import ensure_schema, transaction
from newsmon.storage.models import Article, Source
from newsmon.web.api import ArticleOut, VersionOut, VersionText
from tests.cli_helpers import cli_env, newsmon
from tests.newssite import story
from tests.web_fixtures import serve

LEDGER_FIELDS = ["record_hash", "chained", "checkpoint"]  # the export's own, on each version


def crawl_an_edit(site, crawler, add_feed, clock) -> None:
    site.publish(story("bridge-closure"))
    add_feed("gazette", site.url("/feeds/rss.xml"))
    crawler.once()
    clock.advance(hours=1)
    site.edit("bridge-closure", paragraph=(1, "The bridge reopens on Monday."))
    assert crawler.once(everything=True).articles_changed == 1


def test_cli_api_and_export_show_one_article_shape(
    site, crawler, add_feed, clock, config, db, tmp_path
):
    crawl_an_edit(site, crawler, add_feed, clock)
    env = cli_env(tmp_path, NEWSMON_DATABASE_URL=config.database_url)
    listed = newsmon(tmp_path, "articles", "--json", env=env)
    assert listed.returncode == 0, listed.stderr
    (cli_article,) = json.loads(listed.stdout)
    url = cli_article["url"]
    versions = newsmon(tmp_path, "versions", url, "--json", env=env)
    assert versions.returncode == 0, versions.stderr
    cli_versions = json.loads(versions.stdout)
    exported = newsmon(tmp_path, "export", env=env)
    assert exported.returncode == 0, exported.stderr
    (export_article,) = [json.loads(line) for line in exported.stdout.splitlines()]
    served = serve(config, clock)
    try:
        with httpx.Client(base_url=served.base, timeout=10) as client:
            (api_article,) = client.get("/api/articles").json()["items"]
            path = f"/api/articles/{api_article['id']}/versions"
            api_versions = client.get(path).json()
            api_text = client.get(f"{path}/1").json()
    finally:
        served.stop()

    export_versions = export_article.pop("versions")
    assert list(cli_article) == list(export_article) == list(api_article) == list(ARTICLE_FIELDS)
    # The same article, field for field (the API writes times its own way: parsed, equal).
    assert cli_article == export_article
    assert {k: v for k, v in api_article.items() if not k.endswith("_at")} == {
        k: v for k, v in cli_article.items() if not k.endswith("_at")
    }
    assert cli_article["language"] == "en" and cli_article["published_from"] is not None

    text_fields = [*VERSION_FIELDS, "text"]
    assert [list(v) for v in cli_versions] == [text_fields, text_fields]
    assert [list(v) for v in export_versions] == [[*text_fields, *LEDGER_FIELDS]] * 2
    assert [list(v) for v in api_versions] == [list(VERSION_FIELDS)] * 2
    assert list(api_text) == text_fields
    assert cli_versions[1]["fetched_url"] == url == export_versions[1]["fetched_url"]
    assert api_versions[1]["fetched_url"] == url


def test_the_api_models_are_the_read_shapes() -> None:
    """The OpenAPI document promises exactly the fields the shared shapes give."""
    assert list(ArticleOut.model_fields) == list(ARTICLE_FIELDS)
    assert list(VersionOut.model_fields) == list(VERSION_FIELDS)
    assert list(VersionText.model_fields) == [*VERSION_FIELDS, "text"]


def test_due_count_follows_the_claims_and_the_clock(site, crawler, add_feed, clock, config):
    """What `newsmon crawl`'s progress bar counts as still due: what a crawler could claim
    at the crawl's own time, so a disabled source's feeds are not counted."""
    site.publish(story("bridge-closure"))
    add_feed("gazette", site.url("/feeds/rss.xml"))
    add_feed("herald", site.url("/feeds/atom.xml"))
    engine = ensure_schema(config.database_url)
    with transaction(engine) as session:
        session.execute(update(Source).where(Source.slug == "herald").values(enabled=False))
    with transaction(engine) as session:
        assert due_count(session, now=clock.now()) == 1  # gazette's feed, not herald's
    crawler.once()
    with transaction(engine) as session:
        assert session.scalar(select(func.count()).select_from(Article)) == 1
        assert due_count(session, now=clock.now()) == 0
        later = due_count(session, now=clock.now() + timedelta(days=1))
    assert later == 2  # the feed and the article, a day on by the crawl's clock
