"""`newsmon sources add|list|remove`."""

from __future__ import annotations

from typing import Any

import click
from sqlalchemy import func, select

from newsmon.cli.common import Context, fail, pass_ctx
from newsmon.config.settings import Config
from newsmon.core.clock import SystemClock
from newsmon.core.terminal import safe, safe_json
from newsmon.record.health import HealthFigures, check_figures
from newsmon.record.thinning import over_quota
from newsmon.sources.access import SourceAccess
from newsmon.sources.registry import (
    SourceChanges,
    SourceSpec,
    access_line,
    add_source,
    add_starters,
    apply_changes,
    remove_feed,
    remove_source,
    remove_starters,
    set_feed_paused,
    set_source_paused,
    source_by_slug,
    starter_slugs,
)
from newsmon.storage.db import transaction
from newsmon.storage.models import Article, Feed, Source, SourceEvent


@click.group()
def sources() -> None:
    """News sources and their feeds."""


@sources.command("add")
@click.argument("slug", required=False)
@click.argument("feed_urls", nargs=-1)
@click.option("--name", help="Display name (default: the slug).")
@click.option("--homepage", help="The site's home page.")
@click.option("--starter", is_flag=True, help="Add the shipped list of major news feeds.")
@click.option(
    "--discover",
    metavar="SITE_URL",
    help="Also add the feeds the page links (<link rel=alternate>) and the sitemaps "
    "the site's robots.txt lists in its Sitemap: lines.",
)
@pass_ctx
def add(
    ctx: Context,
    slug: str | None,
    feed_urls: tuple[str, ...],
    name: str | None,
    homepage: str | None,
    starter: bool,
    discover: str | None,
) -> None:
    """Add source SLUG with its FEED_URLS (or more feeds to an existing source).

    A FEED_URL may be an RSS/Atom feed or an XML sitemap (index, urlset, Google News,
    gzipped or not): what it serves when polled decides how it is read.
    """
    if starter:
        _add_starters(ctx)
        return
    linked, sitemaps = discovered(ctx.config, discover) if discover else ((), ())
    feed_urls = feed_urls + linked
    if slug and (feed_urls or sitemaps):
        specs = [
            SourceSpec(
                slug=slug,
                name=name or slug,
                feeds=feed_urls,
                homepage=homepage,
                sitemaps=sitemaps,
            )
        ]
    else:
        fail("give a SLUG and at least one FEED_URL or --discover SITE_URL, or --starter")
    now = SystemClock().now()
    with transaction(ctx.engine()) as session:
        for spec in specs:
            source, added = add_source(session, spec=spec, now=now)
            given = len(set(spec.feeds) | set(spec.sitemaps))
            click.echo(f"{source.slug}: {added_line(added, given)}")
        starters = [] if source.starter else starter_slugs(session)
    if starters:  # the starters keep failing beside the user's own sources (issue 21)
        click.echo(
            f"the {len(starters)} starter sources are still watched; "
            "`newsmon sources remove --starter` removes them"
        )


def _add_starters(ctx: Context) -> None:
    """`sources add --starter`: only while no source of the user's own exists."""
    with transaction(ctx.engine()) as session:
        for source, added in add_starters(session, now=SystemClock().now()):
            click.echo(f"{source.slug}: {added_line(added, len(source.feeds))} (starter source)")
    click.echo("starter sources: `newsmon sources remove --starter` removes them all")


def discovered(config: Config, site_url: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The feeds SITE_URL's page links and the sitemaps its robots.txt lists (the web's
    "add source" form finds them the same way), each printed; fails with one line when
    neither is found."""
    from newsmon.crawl.discovery import DiscoveryError, discover_site

    try:
        found = discover_site(config, site_url)
    except DiscoveryError as exc:
        fail(str(exc))
    for note in found.notes:
        click.echo(safe(note), err=True)
    kept = found.urls()
    for url in kept:
        click.echo(f"found {'feed' if url in found.feeds else 'sitemap'} {safe(url)}")
    feeds = tuple(u for u in kept if u in found.feeds)
    return feeds, tuple(u for u in kept if u not in feeds)


def added_line(added: int, given: int) -> str:
    """'2 feeds added', '1 feed added, 1 already watched', 'already watched, nothing added'."""
    watched = max(given - added, 0)
    if not added:
        return (
            "already watched, nothing added"
            if given == 1
            else (f"all {given} feeds already watched, nothing added")
        )
    text = f"{added} feed{'s' if added != 1 else ''} added"
    return f"{text}, {watched} already watched" if watched else text


def _checks_json(figures: HealthFigures | None) -> dict[str, Any] | None:
    """The source's recent checks' health figures, or None before any check read a page."""
    if figures is None or not figures.checks:
        return None
    return {
        "checks": figures.checks,
        "failed": figures.failed,
        "fell_back": figures.fell_back,
        "failed_share": round(figures.failed_share, 3),
        "fallback_share": round(figures.fallback_share, 3),
    }


def checks_line(checks: dict[str, Any]) -> str:
    """'of its last 20 checks, 0% failed, 15% fell back (recall pass or structured data)'."""
    return (
        f"of its last {checks['checks']} checks, {checks['failed_share']:.0%} failed,"
        f" {checks['fallback_share']:.0%} fell back (recall pass or structured data)"
    )


@sources.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_ctx
def list_(ctx: Context, as_json: bool) -> None:
    """List sources, their feeds and how each feed fared last time."""
    with transaction(ctx.engine()) as session:
        counts = dict(
            session.execute(
                select(Article.source_id, func.count()).group_by(Article.source_id)
            ).all()
        )
        quota = over_quota(session)
        health = check_figures(session)
        rows: list[dict[str, Any]] = []  # the JSON output, also printed as lines
        sources_access: dict[str, dict[str, Any] | None] = {}
        for source in session.scalars(select(Source).order_by(Source.slug)):
            sources_access[source.slug] = source.access
            rows.append(
                {
                    "slug": source.slug,
                    "name": source.name,
                    "enabled": source.enabled,
                    "starter": source.starter,
                    "articles": counts.get(source.id, 0),
                    "language": source.language,
                    "language_pinned": source.language_pinned,
                    "feeds": [_feed_json(f) for f in source.feeds],
                    "extract_rules": source.extract_rules,
                    "render": source.render,
                    "access": SourceAccess.from_json(source.access).masked(),
                    "interval_seconds": source.min_interval,
                    "over_quota": _quota_json(quota.get(source.id)),
                    "degraded": (
                        {
                            "since": source.degraded_since.isoformat(),
                            "reason": source.degraded_reason,
                        }
                        if source.degraded_since
                        else None
                    ),
                    "template_blocks": len((source.template or {}).get("blocks") or ()),
                    "recent_checks": _checks_json(health.get(source.slug)),
                }
            )
    if as_json:
        click.echo(safe_json(rows, indent=2))
        return
    if not rows:
        click.echo("no sources yet: `newsmon sources add SLUG FEED_URL` or `--starter`")
    for row in rows:
        language = f", {safe(row['language'])}" if row["language"] else ""
        language += " (pinned)" if row["language_pinned"] else ""
        marks = "" if row["enabled"] else "  [paused]"
        marks += "  [starter]" if row["starter"] else ""
        click.echo(
            f"{row['slug']}  {safe(row['name'])}  ({row['articles']} articles{language}){marks}"
        )
        if row["over_quota"]:
            click.echo(f"    over its storage quota: {safe(row['over_quota']['detail'])}")
        if row["degraded"]:
            click.echo(
                f"    extraction degraded since {row['degraded']['since']}: "
                f"{safe(row['degraded']['reason'] or '')}; its changes are held back "
                f"(`newsmon sources release {safe(row['slug'])}` sends them)"
            )
        if row["recent_checks"]:
            click.echo(f"    extraction: {checks_line(row['recent_checks'])}")
        if row["template_blocks"]:
            click.echo(f"    template: {row['template_blocks']} repeated block(s) left out")
        if row["extract_rules"] or row["render"] != "http":
            click.echo(f"    {safe(mode_line(row['extract_rules'], row['render']))}")
        if row["access"]:
            shown = access_line(SourceAccess.from_json(sources_access[row["slug"]]))
            click.echo(f"    access: {safe(shown)}")
        if row["interval_seconds"]:
            click.echo(f"    interval: at least {row['interval_seconds']} s between checks")
        for feed in row["feeds"]:
            state = (
                safe(feed["last_error"])
                if feed["last_error"]
                else (f"HTTP {feed['last_status']}" if feed["last_status"] else "not polled yet")
            )
            kind = f"{feed['kind']}  " if feed["last_polled_at"] or feed["kind"] != "feed" else ""
            paused = "  [paused]" if feed["paused"] else ""
            click.echo(f"    {safe(feed['url'])}  {kind}[{state}]{paused}")


def _quota_json(event: SourceEvent | None) -> dict[str, object] | None:
    """The source's standing over-quota event, for `sources list` (None: within quota)."""
    if event is None:
        return None
    return {
        "since": event.at.isoformat(),
        "stored_bytes": event.stored_bytes,
        "quota_bytes": event.quota_bytes,
        "detail": event.detail,
    }


def mode_line(rules: dict[str, object] | None, render: str) -> str:
    """'rules: body div.story, exclude aside; render: browser' (what differs from generic)."""
    from newsmon.extract.rules import ExtractRules

    parsed = ExtractRules.from_json(rules)
    parts = [f"render: {render}"] if render != "http" else []
    if parsed is not None:
        named = [("title", parsed.title_selector), ("body", parsed.body_selector)]
        said = [f"{k} {v}" for k, v in named if v]
        said += [f"exclude {', '.join(parsed.exclude)}"] if parsed.exclude else []
        parts.insert(0, "rules: " + ", ".join(said))
    return "; ".join(parts)


def _feed_json(feed: Feed) -> dict[str, object]:
    return {
        "url": feed.url,
        "kind": feed.kind,
        "last_polled_at": feed.last_polled_at.isoformat() if feed.last_polled_at else None,
        "last_status": feed.last_status,
        "last_error": feed.last_error,
        "consecutive_errors": feed.consecutive_errors,
        "entries": feed.entries_seen,
        "paused": feed.paused,
    }


@sources.command("set")
@click.argument("slug")
@click.option("--title-selector", metavar="CSS", help="CSS selector of the headline.")
@click.option("--body-selector", metavar="CSS", help="CSS selector of the story's text block.")
@click.option("--exclude", metavar="CSS", multiple=True, help="CSS of parts to drop (repeatable).")
@click.option("--clear-rules", is_flag=True, help="Back to generic extraction.")
@click.option("--render", type=click.Choice(["http", "browser"]), help="How to fetch articles.")
@click.option("--language", metavar="TAG", help="Language tag (e.g. de, pt-BR), or 'auto'.")
@click.option(
    "--interval",
    metavar="DURATION",
    help="Check articles and poll feeds at most this often (e.g. 1h); 0 for the policy alone.",
)
@click.option(
    "--header",
    "headers",
    metavar="NAME:VALUE",
    multiple=True,
    help="A header sent with every request (repeatable; replaces those set; '' clears).",
)
@click.option("--cookie", metavar="COOKIES", help="Cookie header, e.g. 'session=abc'; '' clears.")
@click.option("--user-agent", metavar="TEXT", help="The source's own User-Agent; '' clears.")
@click.option(
    "--proxy",
    metavar="URL",
    help="HTTP(S) proxy for the source, http://[USER:PASS@]HOST:PORT (no SOCKS); '' clears.",
)
@pass_ctx
def set_(
    ctx: Context,
    slug: str,
    title_selector: str | None,
    body_selector: str | None,
    exclude: tuple[str, ...],
    clear_rules: bool,
    render: str | None,
    language: str | None,
    interval: str | None,
    headers: tuple[str, ...],
    cookie: str | None,
    user_agent: str | None,
    proxy: str | None,
) -> None:
    """Change how source SLUG is fetched and read.

    Cookie values and proxy passwords are stored for the crawl and shown masked.
    """
    if proxy and proxy.strip():
        _check_proxy_address(ctx.config, proxy)
    changes = SourceChanges(
        title_selector=title_selector,
        body_selector=body_selector,
        exclude=exclude or None,
        clear_rules=clear_rules,
        render=render,
        language=language,
        headers=headers or None,
        cookie=cookie,
        user_agent=user_agent,
        proxy=proxy,
        min_interval=_seconds(interval) if interval is not None else None,
    )
    with transaction(ctx.engine()) as session:
        said = apply_changes(source_by_slug(session, slug), changes)
    for line in said or ["nothing changed"]:
        click.echo(f"{safe(slug)}: {safe(line)}")
    from newsmon.crawl.render import chromium_missing  # scrapy only when it is needed

    missing = chromium_missing(ctx.config.chromium_path) if render == "browser" else None
    if missing:  # said at once, not first as failed checks at the next crawl
        click.echo(f"newsmon: warning: {safe(missing)}", err=True)


@sources.command("release")
@click.argument("slug")
@pass_ctx
def release(ctx: Context, slug: str) -> None:
    """Clear SLUG's degraded-extraction alarm and send the changes it held back."""
    from newsmon.core.clock import SystemClock
    from newsmon.notify.held import release_source

    with transaction(ctx.engine()) as session:
        sent = release_source(session, slug=slug, now=SystemClock().now())
    if sent is None:
        raise click.ClickException(f"{slug} is not degraded: nothing is held back")
    click.echo(f"{safe(slug)}: released; {sent} held notification(s) queued")


def _seconds(interval: str) -> int:
    """'1h' -> 3600; '0' -> 0 (the policy alone)."""
    from newsmon.config.types import ConfigError, interval_seconds

    try:
        return interval_seconds(interval)
    except ConfigError as exc:
        fail(f"bad --interval: {exc}")


def _check_proxy_address(config: Config, proxy: str) -> None:
    """The SSRF guard holds a proxy to the rule of any host: refused before it is stored."""
    from newsmon.guard.netguard import parse_networks
    from newsmon.sources.access import proxy_problem

    problem = proxy_problem(proxy, parse_networks(config.allow_networks))
    if problem:
        fail(problem)


@sources.command("remove")
@click.argument("slug", required=False)
@click.option("--starter", is_flag=True, help="Remove every starter source instead.")
@click.option("--yes", is_flag=True, help="Also when the source has stored articles.")
@pass_ctx
def remove(ctx: Context, slug: str | None, starter: bool, yes: bool) -> None:
    """Remove source SLUG (or, with --starter, the starter sources) with feeds and articles."""
    if starter == bool(slug):
        fail("give a SLUG or --starter")
    with transaction(ctx.engine()) as session:
        removed = (
            remove_starters(session)
            if starter
            else [(slug or "", remove_source(session, slug=slug or ""))]
        )
        stored = sum(n for _, n in removed)
        if stored and not yes:
            session.rollback()
            held = f"{slug} has" if slug else "the starter sources hold"
            fail(f"{held} {stored} stored article(s); add --yes to delete them too")
    if starter and not removed:
        click.echo("no starter sources to remove")
    for name, articles in removed:
        click.echo(f"{safe(name)}: removed ({articles} articles)")


@sources.command("pause")
@click.argument("slug_or_feed")
@pass_ctx
def pause(ctx: Context, slug_or_feed: str) -> None:
    """Stop crawling a source (SLUG: its feeds and articles) or one feed (its URL)."""
    click.echo(safe(_pause(ctx, slug_or_feed, paused=True)))


@sources.command("resume")
@click.argument("slug_or_feed")
@pass_ctx
def resume(ctx: Context, slug_or_feed: str) -> None:
    """Crawl a paused source (SLUG) or feed (its URL) again."""
    click.echo(safe(_pause(ctx, slug_or_feed, paused=False)))


def _pause(ctx: Context, slug_or_feed: str, *, paused: bool) -> str:
    """Pause or resume; a URL names one feed, anything else a source. Returns what to say."""
    word = "paused" if paused else "resumed"
    with transaction(ctx.engine()) as session:
        if "://" in slug_or_feed:
            feed = set_feed_paused(session, url=slug_or_feed, paused=paused)
            return f"{feed.source.slug}: feed {feed.url} {word}"
        changed = set_source_paused(session, slug=slug_or_feed, paused=paused)
    return f"{slug_or_feed}: {word if changed else 'already ' + word}"


@sources.command("remove-feed")
@click.argument("url")
@pass_ctx
def remove_feed_cmd(ctx: Context, url: str) -> None:
    """Remove one feed URL from its source; the source and its stored articles stay."""
    with transaction(ctx.engine()) as session:
        source = remove_feed(session, url=url)
        left = len(source.feeds)
        slug = source.slug
    click.echo(f"{safe(slug)}: feed removed, {left} feed{'s' if left != 1 else ''} left")
