"""newsmon's one settings class (pydantic-settings): every setting, its default, help and bounds.

Values come from, lowest first: the defaults below, a TOML file (`--config`,
`NEWSMON_CONFIG`, or `./newsmon.toml` when present), `NEWSMON_<NAME>` environment
variables, then command-line flags. Each layer is read by a pydantic-settings source
and remembered with where it came from, so a bad value is reported as one line naming
the setting, its origin and what is allowed. The README's settings table is generated
from this class (`newsmon config --markdown`).
"""

from __future__ import annotations

import functools
import json
import os
import tomllib
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, ValidationError, model_validator
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from newsmon.config.types import (
    LOG_LEVELS,
    ConfigError,
    Duration,
    HttpURL,
    LogLevel,
    Network,
    Port,
    TimeZoneName,
    check_database_url,
    explain,
    json_text,
    networks,
    parse_duration,
    setting,
)
from newsmon.record.policy import FeedPolicy, RecheckPolicy, Step
from newsmon.record.retention import RetentionRule
from newsmon.sources.fromconfig import SourceTable

__all__ = ["Config", "ConfigError", "parse_duration", "settings_table"]


class Config(BaseSettings):
    """All of newsmon's settings."""

    model_config = SettingsConfigDict(
        frozen=True, extra="forbid", env_prefix="NEWSMON_", enable_decoding=False
    )

    database_url: Annotated[str, AfterValidator(check_database_url)] = setting(
        "sqlite:///newsmon.db", "SQLAlchemy database URL.", "a database URL such as sqlite:///x.db"
    )
    contact_url: HttpURL = setting(
        "https://github.com/newsmon/newsmon",
        "Contact URL sent in the User-Agent so site owners can reach the operator.",
        "an http(s) URL",
    )
    public_url: HttpURL | None = setting(
        None,
        "Base of absolute links and GUIDs in feeds (e.g. https://news.example.org/).",
        "an http(s) URL",
    )
    feed_interval: Duration = setting("5m", "How often each feed is polled.", "a duration")
    feed_backoff_cap: Duration = setting(
        "6h", "Longest wait between polls of a failing feed.", "a duration"
    )
    recheck_schedule: Annotated[list[tuple[Duration, Duration]], BeforeValidator(json_text)] = (
        setting(
            [["3h", "15m"], ["1d", "1h"], ["7d", "3h"], ["40d", "1d"]],
            "Pairs [quiet for less than, check every]; the clock restarts at every change.",
            'pairs of durations with increasing ages, e.g. [["3h", "15m"], ["1d", "1h"]]',
            min_length=1,
        )
    )
    freeze_after_days: int = setting(
        40, "Days without a change after which an article is frozen.", "a whole number >= 1", ge=1
    )
    error_backoff: Duration = setting(
        "15m", "First wait after a failed article check; doubles.", "a duration"
    )
    error_backoff_cap: Duration = setting(
        "1d", "Longest wait between checks of a failing article.", "a duration"
    )
    gone_after: int = setting(
        3,
        "Consecutive 404/410 answers after which an article is gone.",
        "a whole number >= 1",
        ge=1,
    )
    max_entries_per_poll: int = setting(
        1000, "Most feed entries stored per poll (newest first).", "a whole number >= 1", ge=1
    )
    sitemap_max_age: Duration = setting(
        "2d", "Sitemap entries dated earlier than this are left out.", "a duration"
    )
    sitemap_max_children: int = setting(
        20,
        "Most child sitemaps of a sitemap index fetched per poll (newest first).",
        "a whole number >= 1",
        ge=1,
    )
    lease: Duration = setting(
        "10m", "How long a crawler's claim on a feed or article lasts.", "a duration"
    )
    concurrent_requests: int = setting(
        100, "Requests in flight per crawler process.", "a whole number >= 1", ge=1
    )
    obey_robots: bool = setting(True, "Obey robots.txt.", "true or false")
    concurrent_per_domain: int = setting(
        2, "Parallel requests per site.", "a whole number >= 1", ge=1
    )
    autothrottle: bool = setting(
        True, "Adapt the request rate to each site's latency.", "true or false"
    )
    download_delay: float = setting(
        0.5, "Seconds between requests to one site (AutoThrottle's floor).", "seconds >= 0", ge=0
    )
    download_timeout: float = setting(
        30, "Seconds before a request is abandoned.", "seconds > 0", gt=0
    )
    max_page_mb: float = setting(
        8.0, "Pages or feeds larger than this are refused.", "megabytes > 0", gt=0
    )
    retry_times: int = setting(
        1, "Immediate retries of a failed request before backing off.", "a whole number >= 0", ge=0
    )
    extract_workers: int = setting(
        0, "Extraction processes; 0 means one per CPU core.", "a whole number >= 0", ge=0
    )
    extract_timeout: float = setting(
        20,
        "Seconds one page's extraction may take (a news page takes about 0.02 s); past it "
        "the check fails naming the limit and the extraction process is replaced.",
        "seconds > 0",
        gt=0,
    )
    extract_memory_mb: int = setting(
        1024,
        "Address space of each extraction process (RLIMIT_AS); a page that needs more "
        "fails its check and the process is replaced.",
        "megabytes >= 256",
        ge=256,
    )
    check_retention_days: int = setting(
        90, "Days of check history kept.", "a whole number >= 1", ge=1
    )
    freeze_tick: Duration = setting(
        "1h",
        "How often the sweep runs: freezing, check pruning, raw-page thinning, quotas.",
        "a duration",
    )
    live_page_versions: int = setting(
        12,
        "An article with more than this many versions in the last day is a live page: "
        "its raw pages are thinned (see Storage); its text never is.",
        "a whole number >= 1",
        ge=1,
    )
    raw_keep_change_words: int = setting(
        200,
        "A version whose change adds plus removes at least this many words keeps its "
        "raw page through thinning.",
        "a whole number >= 1",
        ge=1,
    )
    source_quota_mb: float = setting(
        0.0,
        "Megabytes a source may store (text and raw pages); over it, an event is raised "
        "and its raw pages are thinned, never its text. 0: no quota.",
        "a number >= 0",
        ge=0,
    )
    allow_networks: Annotated[list[Network], BeforeValidator(networks)] = setting(
        [],
        "Networks the SSRF guard lets the crawler and notifications reach (CIDRs; "
        "comma-separated in the environment, e.g. 127.0.0.0/8,::1/128).",
        "a list of CIDR networks such as 10.0.0.0/8",
    )
    ledger_key: str = setting(
        "newsmon-ledger.key",
        "The ledger's Ed25519 signing key (PEM, mode 0600), created on first start; give "
        "every crawler of a fleet the same file. `newsmon key show` prints its public key.",
        "a file path",
    )
    checkpoint_interval: Duration = setting(
        "10m",
        "How often `newsmon run` signs a checkpoint of the ledger (also at shutdown).",
        "a duration",
    )
    timestamp_authorities: Annotated[list[HttpURL], BeforeValidator(networks)] = setting(
        [],
        "RFC 3161 time-stamping authorities that stamp each checkpoint (URLs; "
        "comma-separated in the environment). Fetched through the SSRF guard.",
        "a list of http(s) URLs",
    )
    notify_interval: Duration = setting(
        "1m",
        "How often `newsmon run` delivers notifications (rounds run back to back while "
        "a backlog lasts).",
        "a duration",
    )
    chromium_path: str = setting(
        "/usr/bin/chromium",
        "The Chromium that renders articles of sources set to `render = browser`.",
        "a path to a chromium executable",
        min_length=1,
    )
    browser_pages: int = setting(
        4, "Most pages the browser renders at once (per crawler).", "a whole number >= 1", ge=1
    )
    sources: Annotated[dict[str, SourceTable], BeforeValidator(json_text)] = setting(
        {},
        "Per-source settings applied when a crawl starts: [sources.SLUG] tables with "
        "title_selector, body_selector, exclude, render, language.",
        'tables such as [sources.gazette] body_selector = "div.story"',
    )
    web_host: str = setting(
        "127.0.0.1", "Address the web app listens on.", "a host name or address", min_length=1
    )
    web_port: Port = setting(8000, "Port the web app listens on.", "a port from 1 to 65535")
    display_timezone: TimeZoneName = setting(
        "UTC",
        "Time zone the web pages show times in (a page's `?tz=` overrides it); "
        "feeds and the API stay in UTC.",
        "an IANA zone name such as Europe/Paris",
    )
    private: bool = setting(
        False,
        "Put every page and feed behind the admin login (`newsmon admin add NAME`); feed "
        "readers use the feed URL with ?token= (the admin page shows it).",
        "true or false",
    )
    log_level: LogLevel = setting("INFO", "Logging level.", ", ".join(LOG_LEVELS))
    log_format: Literal["text", "json"] = setting(
        "text", "Log lines as text, or as one JSON object a line.", "text or json"
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """`Config(**values)` is defaults plus `values` only; `load` layers the rest."""
        return (init_settings,)

    @model_validator(mode="after")
    def _schedule_ages_increase(self) -> Config:
        ages = [parse_duration(age) for age, _ in self.recheck_schedule]
        if ages != sorted(ages):
            raise ValueError("recheck_schedule ages must increase")
        return self

    @classmethod
    def load(
        cls,
        path: str | os.PathLike[str] | None = None,
        env: Mapping[str, str] | None = None,
        **overrides: Any,
    ) -> Config:
        """Merge defaults, file, environment and flags (None flags are ignored).

        Raises ConfigError with one line per bad value, naming where it came from.
        """
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        origins: dict[str, str] = {}
        for layer, origin in (
            _file_layer(cls, path, env),
            (_EnvLayer(cls, env)(), "environment variable NEWSMON_{NAME}"),
            ({k: v for k, v in overrides.items() if v is not None}, "flag {FLAG}"),
        ):
            values.update(layer)
            origins.update(dict.fromkeys(layer, origin))
        return cls._checked(values, origins)

    @classmethod
    def _checked(cls, values: dict[str, Any], origins: Mapping[str, str]) -> Config:
        try:
            return cls(**values)
        except ValidationError as exc:
            raise ConfigError("\n".join(explain(cls.model_fields, exc, values, origins))) from None

    def with_(self, **changes: Any) -> Config:
        """A copy with `changes` (validated; errors name them as flags)."""
        values = {**self.model_dump(), **changes}
        return self._checked(values, dict.fromkeys(changes, "flag {FLAG}"))

    def recheck_policy(self) -> RecheckPolicy:
        steps = tuple(Step(parse_duration(a), parse_duration(e)) for a, e in self.recheck_schedule)
        return RecheckPolicy(
            steps=steps,
            freeze_after=timedelta(days=self.freeze_after_days),
            error_backoff_base=parse_duration(self.error_backoff),
            error_backoff_cap=parse_duration(self.error_backoff_cap),
            gone_after_errors=self.gone_after,
        )

    def retention_rule(self) -> RetentionRule:
        return RetentionRule(
            live_versions=self.live_page_versions,
            large_change_words=self.raw_keep_change_words,
        )

    def feed_policy(self) -> FeedPolicy:
        return FeedPolicy(
            interval=parse_duration(self.feed_interval),
            error_backoff_cap=parse_duration(self.feed_backoff_cap),
        )

    def workers(self) -> int:
        return self.extract_workers or _cpus()


@functools.cache
def _cpus() -> int:
    """The machine's CPUs, counted once: os.cpu_count reads /sys on every call, and the
    pipelines ask for each page's extraction budget."""
    return max(os.cpu_count() or 1, 1)


class _EnvLayer(EnvSettingsSource):
    """pydantic-settings' environment source over a given mapping (tests pass their own)."""

    def __init__(self, settings_cls: type[BaseSettings], env: Mapping[str, str]) -> None:
        self._env = env
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return {k.lower(): v for k, v in self._env.items() if k.upper().startswith("NEWSMON_")}


def _file_layer(
    cls: type[Config], path: str | os.PathLike[str] | None, env: Mapping[str, str]
) -> tuple[dict[str, Any], str]:
    """The TOML file's values, read by pydantic-settings' TOML source, and its origin."""
    path = path or env.get("NEWSMON_CONFIG")
    if not path:
        if not Path("newsmon.toml").is_file():
            return {}, ""
        path = "newsmon.toml"
    if not Path(path).is_file():
        raise ConfigError(f"cannot read config file {path}: no such file")
    try:
        values = TomlConfigSettingsSource(cls, toml_file=Path(path))()
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from None
    return values, f"config file {path}"


def settings_table() -> str:
    """The README's settings table, in Markdown."""
    lines = [
        "| setting | env variable | default | allowed | meaning |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, field in Config.model_fields.items():
        default = field.get_default(call_default_factory=True)
        shown = "none" if default is None else default
        shown = shown if isinstance(shown, str) else json.dumps(shown)
        extra = field.json_schema_extra
        allowed = extra.get("allowed", "") if isinstance(extra, dict) else ""
        lines.append(
            f"| `{name}` | `NEWSMON_{name.upper()}` | `{shown}` | {allowed} | {field.description} |"
        )
    return "\n".join(lines)
