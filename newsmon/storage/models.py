"""The database schema: sources, their feeds, articles, their versions and checks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    event,
    false,
    select,
    text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from newsmon.core import searchterms
from newsmon.core.hosts import host_of
from newsmon.core.outcomes import ArticleStatus, EventKind, stored_check_outcomes, values

# The values each CHECK constraint allows, generated from the record's enums
# (newsmon.core.outcomes): exactly the sets the migrations created.
ARTICLE_STATUSES = values(ArticleStatus)
EVENT_KINDS = values(EventKind)
DELIVERY_STATUSES = ("pending", "delivered", "failed")
FEED_KINDS = ("feed", "sitemap")
SOURCE_RENDERS = ("http", "browser")
DATE_ORIGINS = ("feed", "sitemap", "page")
SOURCE_EVENT_KINDS = (
    "over_quota",
    "under_quota",
    "template_changed",  # newsmon.record.templatechange: one block on many articles at once
    "degraded",  # newsmon.record.health: the source's extraction broke
    "recovered",
    "released",  # an operator released a degraded source's held changes
)
CHECK_OUTCOMES = stored_check_outcomes()


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on SQLite and PostgreSQL alike."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime()}


class Source(Base):
    """A news site, known by a short slug ("bbc")."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    homepage: Mapped[str | None] = mapped_column(String(2048))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    # Operator's rules for pages generic extraction reads badly (newsmon.extract.rules):
    # {"title_selector": CSS, "body_selector": CSS, "exclude": [CSS, ...]}; None = generic.
    extract_rules: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # How articles are fetched: one of SOURCE_RENDERS (`browser` = headless Chromium).
    render: Mapped[str] = mapped_column(String(16), default="http", server_default="http")
    # BCP 47 tag from the feed or the pages, or set by the operator (then pinned).
    language: Mapped[str | None] = mapped_column(String(35))
    language_pinned: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # One of the shipped starter sources (`newsmon sources remove --starter` removes them).
    starter: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The blocks its pages repeat, left out of the text (newsmon.sources.template), and when
    # they were learned; None until enough of its pages are stored.
    template: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    template_learned_at: Mapped[datetime | None]
    # Set while its extraction is broken (newsmon.record.health): its new versions are held
    # back from notifications until it recovers or an operator releases them.
    degraded_since: Mapped[datetime | None]
    degraded_reason: Mapped[str | None] = mapped_column(Text)
    # How requests reach the source (newsmon.sources.access): {"headers": [[NAME, VALUE]],
    # "cookie", "user_agent", "proxy"}; None = the crawl's defaults. Holds secrets.
    access: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The operator's floor, in seconds, under every recheck and feed poll of the source.
    min_interval: Mapped[int | None] = mapped_column(Integer)

    feeds: Mapped[list[Feed]] = relationship(back_populates="source", cascade="all, delete-orphan")


class Feed(Base):
    """An RSS/Atom feed of a source, with its conditional-GET validators and health."""

    __tablename__ = "feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(2048), unique=True)
    # One of FEED_KINDS: an RSS/Atom feed or an XML sitemap (index, urlset, news sitemap).
    kind: Mapped[str] = mapped_column(String(16), default="feed", server_default="feed")
    etag: Mapped[str | None] = mapped_column(String(512))
    last_modified: Mapped[str | None] = mapped_column(String(128))
    last_polled_at: Mapped[datetime | None]
    next_poll_at: Mapped[datetime] = mapped_column(index=True)
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    consecutive_errors: Mapped[int] = mapped_column(Integer, default=0)
    entries_seen: Mapped[int] = mapped_column(Integer, default=0)
    # Paused by the operator: never claimed by the crawl (a paused source: `enabled` false).
    paused: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Set while a crawler holds the feed, so no second crawler polls it at the same time.
    lease_until: Mapped[datetime | None]
    lease_owner: Mapped[int | None] = mapped_column(Integer)  # crawler_heartbeats.id

    source: Mapped[Source] = relationship(back_populates="feeds")


def _url_host(context: Any) -> str:
    """The host of an inserted article's URL (a column default)."""
    return host_of(context.get_current_parameters().get("url"))


class Article(Base):
    """One story, under its canonical URL, with its recheck schedule."""

    __tablename__ = "articles"
    __table_args__ = (
        CheckConstraint(f"status IN {ARTICLE_STATUSES}", name="ck_articles_status"),
        Index("ix_articles_status_next_check_at", "status", "next_check_at"),
        Index("ix_articles_status_last_changed_at", "status", "last_changed_at"),
        Index("ix_articles_status_quiet_since", "status", "quiet_since"),
        Index("ix_articles_host", "host"),
        # The articles never fetched yet, which a claim takes before overdue rechecks
        # (newsmon.crawl.claims): a partial index, a handful of rows however large the backlog.
        Index(
            "ix_articles_unchecked_next_check_at",
            "next_check_at",
            sqlite_where=text("last_checked_at IS NULL"),
            postgresql_where=text("last_checked_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(2048), unique=True)
    # The host its URL is fetched from (newsmon.core.hosts): the work queue's politeness key.
    host: Mapped[str] = mapped_column(String(255), default=_url_host, server_default="")
    first_seen_at: Mapped[datetime]
    published_at: Mapped[datetime | None]
    # Where each date came from: one of DATE_ORIGINS, shown beside the date.
    published_from: Mapped[str | None] = mapped_column(String(16))
    updated_at: Mapped[datetime | None]
    updated_from: Mapped[str | None] = mapped_column(String(16))
    title: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=ArticleStatus.ACTIVE.value)
    last_checked_at: Mapped[datetime | None]
    last_changed_at: Mapped[datetime | None]
    # What the recheck clock counts from: the last change, else the first sighting.
    quiet_since: Mapped[datetime]
    next_check_at: Mapped[datetime | None]
    version_count: Mapped[int] = mapped_column(Integer, default=0)
    etag: Mapped[str | None] = mapped_column(String(512))
    last_modified: Mapped[str | None] = mapped_column(String(128))
    last_raw_hash: Mapped[str | None] = mapped_column(String(64))
    # Where the story was on the last full extraction, and its fingerprint (JSON,
    # newsmon.record.reading.StoryAnchor): a recheck that finds it unchanged skips extraction.
    story_anchor: Mapped[str | None] = mapped_column(Text)
    last_status: Mapped[int | None] = mapped_column(Integer)
    consecutive_errors: Mapped[int] = mapped_column(Integer, default=0)
    consecutive_missing: Mapped[int] = mapped_column(Integer, default=0)
    gone_at: Mapped[datetime | None]
    frozen_at: Mapped[datetime | None]
    # Set while a crawl holds the article, so no second crawl fetches it at the same time.
    lease_until: Mapped[datetime | None]
    lease_owner: Mapped[int | None] = mapped_column(Integer)  # crawler_heartbeats.id

    source: Mapped[Source] = relationship()
    versions: Mapped[list[Version]] = relationship(
        back_populates="article", order_by="Version.number", cascade="all, delete-orphan"
    )


@event.listens_for(Article.url, "set")
def _host_follows_url(target: Article, value: str, oldvalue: Any, initiator: Any) -> None:
    """An article moved to another URL (a canonical link) is fetched from that URL's host."""
    target.host = host_of(value)


class ArticleUrl(Base):
    """Every URL an article was seen under (feed links, redirects, canonical), for lookups."""

    __tablename__ = "article_urls"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2048), unique=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )


def _version_terms(context: Any) -> str:
    """The search terms of an inserted version's headline and body (a column default)."""
    row = context.get_current_parameters()
    return searchterms.indexed_version(row.get("title"), row.get("text"))


def _runs_terms(column: str) -> Callable[[Any], str | None]:
    """A column default: the search terms of an inserted version's removed or added runs."""

    def default(context: Any) -> str | None:
        return searchterms.indexed_runs(context.get_current_parameters().get(column))

    return default


class Version(Base):
    """One distinct text of an article, numbered from 0 as captured."""

    __tablename__ = "versions"
    __table_args__ = (UniqueConstraint("article_id", "number", name="uq_versions_article_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    captured_at: Mapped[datetime] = mapped_column(index=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(Text)
    byline: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    # Versions stored before 0011 keep their page here; later ones name a `raw_pages` row.
    # Read either through newsmon.storage.rawpages, never directly.
    raw_html: Mapped[bytes | None] = mapped_column(LargeBinary)
    raw_page: Mapped[str | None] = mapped_column(String(64), index=True)
    # Set when the retention rules deleted this version's raw page (newsmon.record.retention):
    # when, and by which rule; `newsmon verify` then notes the page as thinned, not missing.
    raw_thinned_at: Mapped[datetime | None]
    raw_thinned_by: Mapped[str | None] = mapped_column(String(200))
    raw_hash: Mapped[str | None] = mapped_column(String(64))
    # The character encoding the page was decoded with when fetched: re-extraction uses it.
    encoding: Mapped[str | None] = mapped_column(String(64))
    # The URL that served `raw_html` (after redirects): not always the article's URL.
    fetched_url: Mapped[str | None] = mapped_column(String(2048))
    extractor: Mapped[str] = mapped_column(String(100))
    words_added: Mapped[int] = mapped_column(Integer, default=0)
    words_removed: Mapped[int] = mapped_column(Integer, default=0)
    title_changed: Mapped[bool] = mapped_column(Boolean, default=False)
    summary: Mapped[list[Any] | None] = mapped_column(JSON)
    # `minor` | `headline` | `edit` (newsmon.record.changeclass), None for version 0 and old rows.
    change_class: Mapped[str | None] = mapped_column(String(16))
    # The runs of words that left and entered the text at this version, one run a line:
    # indexed for `removed:` and `added:` searches (FTS5 triggers / tsvector columns, 0005).
    removed_text: Mapped[str | None] = mapped_column(Text)
    added_text: Mapped[str | None] = mapped_column(Text)
    # Digests of the short lines this version added ("+...") or removed ("-..."), digits
    # masked (newsmon.record.templatechange); None when it changed no such line.
    changed_blocks: Mapped[list[str] | None] = mapped_column(JSON)
    # The ledger (newsmon.ledger): the record hash chains this version to the previous one
    # of its article; `record_url` is the article URL the record committed to (an article's
    # URL may change later); `chained` says when: "capture", or "upgrade" for versions
    # stored before the ledger existed, chained when it first ran.
    record_hash: Mapped[str | None] = mapped_column(String(64))
    record_url: Mapped[str | None] = mapped_column(String(2048))
    raw_sha256: Mapped[str | None] = mapped_column(String(64))
    chained: Mapped[str | None] = mapped_column(String(8))
    # What the search index holds (migrations 0010, 0015): the terms of
    # `newsmon.core.searchterms`, stemmed by the Snowball algorithm of the source's language
    # when the row is inserted (`search_stemmer`, None: unstemmed), computed in Python so
    # both engines index the same words. A query is stemmed by each version's own
    # algorithm, so a source whose language is learnt or changed later stays findable.
    # Versions are never rewritten; an UPDATE of the texts above must set these as well.
    search_stemmer: Mapped[str | None] = mapped_column(String(32), index=True)
    search_terms: Mapped[str | None] = mapped_column(Text, default=_version_terms)
    removed_terms: Mapped[str | None] = mapped_column(Text, default=_runs_terms("removed_text"))
    added_terms: Mapped[str | None] = mapped_column(Text, default=_runs_terms("added_text"))

    article: Mapped[Article] = relationship(back_populates="versions")


@event.listens_for(Version, "before_insert")
def _index_version(_mapper: Any, connection: Any, target: Version) -> None:
    """Index a new version's words by its source's language, as it stands at capture.

    The column defaults above index Core inserts unstemmed; ORM inserts (every capture)
    pass here, where the flush's own connection reads the source's language.
    """
    language = connection.scalar(
        select(Source.language)
        .join(Article, Article.source_id == Source.id)
        .where(Article.id == target.article_id)
    )
    stemmer = searchterms.stemmer_for(language)
    target.search_stemmer = stemmer
    target.search_terms = searchterms.indexed_version(target.title, target.text, stemmer)
    target.removed_terms = searchterms.indexed_runs(target.removed_text, stemmer)
    target.added_terms = searchterms.indexed_runs(target.added_text, stemmer)


class RawPage(Base):
    """One raw page's bytes, zlib-compressed, stored once however many versions share them."""

    __tablename__ = "raw_pages"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    size: Mapped[int] = mapped_column(Integer)  # the page's length before compression
    named_at: Mapped[datetime]  # when a version last named it (orphan sweeps spare recent ones)


class LedgerLeaf(Base):
    """One record hash in the append-only Merkle log, at its position (from 0).

    No foreign key to `versions`: the log is evidence about the versions table, so a
    deleted version must leave its leaf behind for `newsmon verify` to point at.
    """

    __tablename__ = "ledger_leaves"

    leaf_index: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version_id: Mapped[int] = mapped_column(Integer, unique=True)
    record_hash: Mapped[str] = mapped_column(String(64))
    appended_at: Mapped[datetime]


class LedgerCheckpoint(Base):
    """A signed statement of the log's size and root at a moment, with its timestamps."""

    __tablename__ = "ledger_checkpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    tree_size: Mapped[int] = mapped_column(Integer, index=True)
    root: Mapped[str] = mapped_column(String(64))
    # The signed time, exactly as signed (RFC 3339 UTC with microseconds).
    signed_time: Mapped[str] = mapped_column(String(40))
    signature: Mapped[str] = mapped_column(String(200))
    key_id: Mapped[str] = mapped_column(String(64))
    # [{"authority": URL, "token": base64 DER}] from RFC 3161 time-stamping authorities.
    timestamps: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime]


class Check(Base):
    """One fetch of an article and what came of it; pruned after a retention period."""

    __tablename__ = "checks"
    __table_args__ = (
        CheckConstraint(f"outcome IN {CHECK_OUTCOMES}", name="ck_checks_outcome"),
        Index("ix_checks_article_at", "article_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(index=True)
    http_status: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(16))
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str | None] = mapped_column(Text)
    content_hash: Mapped[str | None] = mapped_column(String(64))
    # The URL the answer came from (after redirects) and the encoding its body was read with.
    fetched_url: Mapped[str | None] = mapped_column(String(2048))
    encoding: Mapped[str | None] = mapped_column(String(64))
    # The extraction fell back from the precision pass: "recall" or "structured" (0020).
    fallback: Mapped[str | None] = mapped_column(String(16))


class RobotsTxt(Base):
    """A site's robots.txt as last fetched, so a restart need not fetch it again."""

    __tablename__ = "robots_txt"

    site: Mapped[str] = mapped_column(String(512), primary_key=True)  # scheme://netloc
    fetched_at: Mapped[datetime]
    status: Mapped[int] = mapped_column(Integer)
    body: Mapped[bytes] = mapped_column(LargeBinary)


class CrawlerHeartbeat(Base):
    """A crawler process that is (or was) running: the fleet's roll call and /healthz's source."""

    __tablename__ = "crawler_heartbeats"

    id: Mapped[int] = mapped_column(primary_key=True)
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime]
    seen_at: Mapped[datetime] = mapped_column(index=True)
    # Set while the crawler runs an `--all` pass: concurrent `--all` passes form one pass.
    all_pass_since: Mapped[datetime | None]


class ArticleEvent(Base):
    """A change of an article's state worth a feed entry: frozen, gone (with its code), back,
    moved (to the source whose feed on the story's own site lists it; `detail` says from whom)."""

    __tablename__ = "article_events"
    __table_args__ = (
        CheckConstraint(f"kind IN {EVENT_KINDS}", name="ck_article_events_kind"),
        Index("ix_article_events_article_at", "article_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(index=True)
    http_status: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str | None] = mapped_column(Text)


class SourceEvent(Base):
    """A change of a source's state an operator must hear of: over (or back under) its
    storage quota, with the bytes stored and the quota in `detail`; its template changed
    on many articles at once; its extraction degraded, recovered or was released."""

    __tablename__ = "source_events"
    __table_args__ = (
        CheckConstraint(f"kind IN {SOURCE_EVENT_KINDS}", name="ck_source_events_kind"),
        Index("ix_source_events_source_at", "source_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime]
    stored_bytes: Mapped[int | None] = mapped_column(BigInteger)  # quota events only
    quota_bytes: Mapped[int | None] = mapped_column(BigInteger)
    detail: Mapped[str | None] = mapped_column(Text)


class Subscription(Base):
    """A destination told about every new version that matches its filters."""

    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    secret: Mapped[str | None] = mapped_column(String(128))
    source: Mapped[str | None] = mapped_column(String(64))
    change_class: Mapped[str | None] = mapped_column(String(16))
    query: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    # Versions up to this id have been considered: a new subscription starts at the newest.
    last_version_id: Mapped[int] = mapped_column(Integer, default=0)
    # Told of its sources' events too (degraded, recovered, template changed), from the
    # event after last_event_id on (0020).
    events: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    last_event_id: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Delivery(Base):
    """One notification of one version to one subscription, and how sending it went."""

    __tablename__ = "deliveries"
    __table_args__ = (
        CheckConstraint(f"status IN {DELIVERY_STATUSES}", name="ck_deliveries_status"),
        UniqueConstraint("subscription_id", "version_id", name="uq_deliveries_sub_version"),
        Index("ix_deliveries_status_next", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id", ondelete="CASCADE"))
    version_id: Mapped[int | None] = mapped_column(ForeignKey("versions.id", ondelete="CASCADE"))
    # or, instead of a version, a source's event (newsmon.notify.sourceevents; 0020)
    source_event_id: Mapped[int | None] = mapped_column(
        ForeignKey("source_events.id", name="fk_deliveries_source_event_id", ondelete="CASCADE")
    )
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime | None]
    first_attempt_at: Mapped[datetime | None]  # retries expire a day after it (0009)
    last_attempt_at: Mapped[datetime | None]
    response_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)


class AdminUser(Base):
    """A web admin account: an argon2 password hash and a feed token for private mode."""

    __tablename__ = "admin_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    feed_token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]


class WebKey(Base):
    """A secret of the web app (the key that signs session cookies), made on first use."""

    __tablename__ = "web_keys"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(String(128))


SEARCH_INDEX_TABLES = ("version_fts",)  # SQLite FTS5 and its shadow tables (migration 0005)
SEARCH_INDEX_COLUMNS = ("search_doc", "removed_doc", "added_doc")  # PostgreSQL tsvectors


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """For Alembic's comparison: the search index lives in the migration, not in the models."""
    if type_ == "table" and name and name.startswith(SEARCH_INDEX_TABLES):
        return False
    if type_ == "column" and name in SEARCH_INDEX_COLUMNS:
        return False
    return not (
        type_ == "index" and name and name.startswith("ix_versions_") and name.endswith("_doc")
    )
