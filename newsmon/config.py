"""newsmon's one settings class (pydantic-settings): every setting, its default, help and bounds.

Values come from, lowest first: the defaults below, a TOML file (`--config`,
`NEWSMON_CONFIG`, or `./newsmon.toml` when present), `NEWSMON_<NAME>` environment
variables, then command-line flags. Each layer is read by a pydantic-settings source
and remembered with where it came from, so a bad value is reported as one line naming
the setting, its origin and what is allowed. The README's settings table is generated
from this class (`newsmon config --markdown`).
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import tomllib
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field, ValidationError, model_validator
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from newsmon.policy import FeedPolicy, RecheckPolicy, Step

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|w)\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# Flags that set a setting, for naming the flag in an error message.
FLAGS = {
    "database_url": "--db",
    "log_level": "--log-level",
    "web_host": "--host",
    "web_port": "--port",
}


class ConfigError(ValueError):
    """A setting with a value newsmon cannot use; the message is one line per bad value."""


def parse_duration(value: str | int | float) -> timedelta:
    """ "15m", "3h", "40d" -> timedelta; a bare number means seconds."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return timedelta(seconds=value)
    match = _DURATION.match(value) if isinstance(value, str) else None
    if not match:
        raise ConfigError(f"not a duration: {value!r} (try 15m, 3h, 40d)")
    return timedelta(**{_UNITS[match[2]]: float(match[1])})


def _duration(value: Any) -> str:
    """A positive duration, kept as written ("15m"); a bare number means seconds."""
    if parse_duration(value) <= timedelta(0):
        raise ValueError("a duration must be longer than zero")
    return value if isinstance(value, str) else f"{value}s"


def _http_url(value: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("not an http(s) URL")
    return value


def _database_url(value: str) -> str:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        make_url(value)
    except (ArgumentError, ValueError) as exc:
        raise ValueError("not a database URL") from exc
    return value


def _networks(value: Any) -> Any:
    """Comma-separated text (as in an environment variable) becomes a list."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


def _network(value: str) -> str:
    return str(ipaddress.ip_network(value.strip(), strict=False))


def _json_text(value: Any) -> Any:
    """A list written in an environment variable arrives as JSON (or TOML) text."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return tomllib.loads(f"v = {value}")["v"]
    return value


Duration = Annotated[str | int | float, AfterValidator(_duration)]
Port = Annotated[int, Field(ge=1, le=65535)]
HttpURL = Annotated[str, AfterValidator(_http_url)]
Network = Annotated[str, AfterValidator(_network)]
LogLevel = Annotated[
    Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"],
    BeforeValidator(lambda v: v.strip().upper() if isinstance(v, str) else v),
]


def _setting(default: Any, help: str, allowed: str, **bounds: Any) -> Any:
    """A field with its help text (README, `config`) and, for errors, what it accepts."""
    kind = "default_factory" if isinstance(default, list) else "default"
    value = (lambda: json.loads(json.dumps(default))) if kind == "default_factory" else default
    return Field(
        **{kind: value}, description=help, json_schema_extra={"allowed": allowed}, **bounds
    )


class Config(BaseSettings):
    """All of newsmon's settings."""

    model_config = SettingsConfigDict(
        frozen=True, extra="forbid", env_prefix="NEWSMON_", enable_decoding=False
    )

    database_url: Annotated[str, AfterValidator(_database_url)] = _setting(
        "sqlite:///newsmon.db", "SQLAlchemy database URL.", "a database URL such as sqlite:///x.db"
    )
    contact_url: HttpURL = _setting(
        "https://github.com/newsmon/newsmon",
        "Contact URL sent in the User-Agent so site owners can reach the operator.",
        "an http(s) URL",
    )
    public_url: HttpURL | None = _setting(
        None,
        "Base of absolute links and GUIDs in feeds (e.g. https://news.example.org/).",
        "an http(s) URL",
    )
    feed_interval: Duration = _setting("5m", "How often each feed is polled.", "a duration")
    feed_backoff_cap: Duration = _setting(
        "6h", "Longest wait between polls of a failing feed.", "a duration"
    )
    recheck_schedule: Annotated[list[tuple[Duration, Duration]], BeforeValidator(_json_text)] = (
        _setting(
            [["3h", "15m"], ["1d", "1h"], ["7d", "3h"], ["40d", "1d"]],
            "Pairs [quiet for less than, check every]; the clock restarts at every change.",
            'pairs of durations with increasing ages, e.g. [["3h", "15m"], ["1d", "1h"]]',
            min_length=1,
        )
    )
    freeze_after_days: int = _setting(
        40, "Days without a change after which an article is frozen.", "a whole number >= 1", ge=1
    )
    error_backoff: Duration = _setting(
        "15m", "First wait after a failed article check; doubles.", "a duration"
    )
    error_backoff_cap: Duration = _setting(
        "1d", "Longest wait between checks of a failing article.", "a duration"
    )
    gone_after: int = _setting(
        3,
        "Consecutive 404/410 answers after which an article is gone.",
        "a whole number >= 1",
        ge=1,
    )
    article_batch: int = _setting(
        500, "Most articles checked in one crawl pass.", "a whole number >= 1", ge=1
    )
    max_entries_per_poll: int = _setting(
        1000, "Most feed entries stored per poll (newest first).", "a whole number >= 1", ge=1
    )
    lease: Duration = _setting(
        "10m", "How long a crawler's claim on a feed or article lasts.", "a duration"
    )
    concurrent_requests: int = _setting(
        32, "Requests in flight per crawler process.", "a whole number >= 1", ge=1
    )
    obey_robots: bool = _setting(True, "Obey robots.txt.", "true or false")
    concurrent_per_domain: int = _setting(
        2, "Parallel requests per site.", "a whole number >= 1", ge=1
    )
    autothrottle: bool = _setting(
        True, "Adapt the request rate to each site's latency.", "true or false"
    )
    download_delay: float = _setting(
        0.5, "Seconds between requests to one site (AutoThrottle's floor).", "seconds >= 0", ge=0
    )
    download_timeout: float = _setting(
        30, "Seconds before a request is abandoned.", "seconds > 0", gt=0
    )
    max_page_mb: float = _setting(
        8.0, "Pages or feeds larger than this are refused.", "megabytes > 0", gt=0
    )
    retry_times: int = _setting(
        1, "Immediate retries of a failed request before backing off.", "a whole number >= 0", ge=0
    )
    extract_workers: int = _setting(
        0, "Extraction processes; 0 means one per CPU core.", "a whole number >= 0", ge=0
    )
    check_retention_days: int = _setting(
        90, "Days of check history kept.", "a whole number >= 1", ge=1
    )
    recheck_tick: Duration = _setting(
        "1m", "How often the scheduler asks which articles are due.", "a duration"
    )
    freeze_tick: Duration = _setting("1h", "How often the freeze sweep runs.", "a duration")
    allow_networks: Annotated[list[Network], BeforeValidator(_networks)] = _setting(
        [],
        "Networks the SSRF guard lets the crawler reach (CIDRs; comma-separated in the "
        "environment, e.g. 127.0.0.0/8,::1/128).",
        "a list of CIDR networks such as 10.0.0.0/8",
    )
    web_host: str = _setting(
        "127.0.0.1", "Address the web app listens on.", "a host name or address", min_length=1
    )
    web_port: Port = _setting(8000, "Port the web app listens on.", "a port from 1 to 65535")
    log_level: LogLevel = _setting("INFO", "Logging level.", ", ".join(LOG_LEVELS))
    log_format: Literal["text", "json"] = _setting(
        "text", "Log lines as text, or as one JSON object a line.", "text or json"
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        **_others: PydanticBaseSettingsSource,
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
            raise ConfigError("\n".join(_explain(cls, exc, values, origins))) from None

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

    def feed_policy(self) -> FeedPolicy:
        return FeedPolicy(
            interval=parse_duration(self.feed_interval),
            error_backoff_cap=parse_duration(self.feed_backoff_cap),
        )

    def workers(self) -> int:
        return self.extract_workers or max(os.cpu_count() or 1, 1)


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


def _explain(
    cls: type[Config], exc: ValidationError, values: Mapping[str, Any], origins: Mapping[str, str]
) -> list[str]:
    """One line per bad value: the setting, its value, where it came from, what is allowed."""
    lines: dict[str, str] = {}
    for error in exc.errors():
        name = str(error["loc"][0]) if error["loc"] else "recheck_schedule"
        if name in lines:
            continue
        flag = FLAGS.get(name, "--" + name.replace("_", "-"))
        origin = origins.get(name, "default").replace("{NAME}", name.upper())
        origin = origin.replace("{FLAG}", flag)
        shown = repr(values.get(name))
        if name == "database_url" and isinstance(values.get(name), str):
            from newsmon.db import masked_url

            shown = repr(masked_url(values[name]))
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        if error["type"] == "extra_forbidden":
            lines[name] = f"unknown setting {name} in {origin}"
            continue
        field = cls.model_fields[name]
        allowed = (field.json_schema_extra or {}).get("allowed", "")  # type: ignore[union-attr]
        reason = ""
        if error["type"] == "value_error":
            reason = str(error["ctx"].get("error", "")) if error.get("ctx") else ""
            reason = f" ({reason})" if reason else ""
        lines[name] = f"bad setting {name} = {shown} from {origin}{reason}: expected {allowed}"
    return list(lines.values())


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
        allowed = (field.json_schema_extra or {}).get("allowed", "")  # type: ignore[union-attr]
        lines.append(
            f"| `{name}` | `NEWSMON_{name.upper()}` | `{shown}` | {allowed} | {field.description} |"
        )
    return "\n".join(lines)
