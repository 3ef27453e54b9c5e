"""newsmon's one settings class: every setting, its default and its help, in one place.

Values come from, lowest first: the defaults below, a TOML file (`--config`,
`NEWSMON_CONFIG`, or `./newsmon.toml` when present), `NEWSMON_<NAME>` environment
variables, then command-line flags. The README's settings table is generated
from this class (`newsmon config --markdown`).
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from newsmon.policy import FeedPolicy, RecheckPolicy, Step

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|w)\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


class ConfigError(ValueError):
    """A setting with a value newsmon cannot use."""


def parse_duration(value: str | int | float) -> timedelta:
    """ "15m", "3h", "40d" -> timedelta; a bare number means seconds."""
    if isinstance(value, int | float):
        return timedelta(seconds=value)
    match = _DURATION.match(value)
    if not match:
        raise ConfigError(f"not a duration: {value!r} (try 15m, 3h, 40d)")
    return timedelta(**{_UNITS[match[2]]: float(match[1])})


def _setting(default: Any, help: str) -> Any:
    if isinstance(default, list):
        return field(default_factory=lambda: list(default), metadata={"help": help})
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class Config:
    """All of newsmon's settings."""

    database_url: str = _setting("sqlite:///newsmon.db", "SQLAlchemy database URL.")
    contact_url: str = _setting(
        "https://github.com/newsmon/newsmon",
        "Contact URL sent in the User-Agent so site owners can reach the operator.",
    )
    feed_interval: str = _setting("5m", "How often each feed is polled.")
    feed_backoff_cap: str = _setting("6h", "Longest wait between polls of a failing feed.")
    recheck_schedule: list[list[str]] = _setting(
        [["3h", "15m"], ["1d", "1h"], ["7d", "3h"], ["40d", "1d"]],
        "Pairs [quiet for less than, check every]; the clock restarts at every change.",
    )
    freeze_after_days: int = _setting(40, "Days without a change after which an article is frozen.")
    error_backoff: str = _setting("15m", "First wait after a failed article check; doubles.")
    error_backoff_cap: str = _setting("1d", "Longest wait between checks of a failing article.")
    gone_after: int = _setting(3, "Consecutive 404/410 answers after which an article is gone.")
    concurrent_requests: int = _setting(100, "Requests in flight per crawler process.")
    lease: str = _setting("10m", "How long a crawler's claim on a feed or article lasts.")
    obey_robots: bool = _setting(True, "Obey robots.txt.")
    concurrent_per_domain: int = _setting(2, "Parallel requests per site.")
    autothrottle: bool = _setting(True, "Adapt the request rate to each site's latency.")
    download_delay: float = _setting(
        0.5, "Seconds between requests to one site (AutoThrottle's floor)."
    )
    download_timeout: int = _setting(30, "Seconds before a request is abandoned.")
    max_page_mb: float = _setting(8.0, "Pages or feeds larger than this are refused.")
    retry_times: int = _setting(1, "Immediate retries of a failed request before backing off.")
    extract_workers: int = _setting(0, "Extraction processes; 0 means one per CPU core.")
    check_retention_days: int = _setting(90, "Days of check history kept.")
    recheck_tick: str = _setting("1m", "How often the scheduler asks which articles are due.")
    freeze_tick: str = _setting("1h", "How often the freeze sweep runs.")
    web_host: str = _setting("127.0.0.1", "Address the web app listens on.")
    web_port: int = _setting(8000, "Port the web app listens on.")
    log_level: str = _setting("INFO", "Logging level.")

    @classmethod
    def load(
        cls,
        path: str | os.PathLike[str] | None = None,
        env: Mapping[str, str] | None = None,
        **overrides: Any,
    ) -> Config:
        """Merge file, environment and explicit overrides (None values are ignored)."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        path = path or env.get("NEWSMON_CONFIG")
        if path is None and Path("newsmon.toml").is_file():
            path = "newsmon.toml"
        if path:
            try:
                values.update(tomllib.loads(Path(path).read_text("utf-8")))
            except (OSError, tomllib.TOMLDecodeError) as exc:
                raise ConfigError(f"cannot read config file {path}: {exc}") from exc
        known = {f.name: f for f in fields(cls)}
        unknown = set(values) - set(known)
        if unknown:
            raise ConfigError(f"unknown setting(s) in {path}: {', '.join(sorted(unknown))}")
        for name, f in known.items():
            raw = env.get(f"NEWSMON_{name.upper()}")
            if raw is not None:
                values[name] = _from_env(raw, f.type)
        values.update({k: v for k, v in overrides.items() if v is not None})
        config = cls(**values)
        config.validate()
        return config

    def with_(self, **changes: Any) -> Config:
        return replace(self, **changes)

    def validate(self) -> None:
        self.recheck_policy()
        self.feed_policy()
        for name in ("recheck_tick", "freeze_tick"):
            parse_duration(getattr(self, name))

    def recheck_policy(self) -> RecheckPolicy:
        try:
            steps = tuple(
                Step(parse_duration(a), parse_duration(e)) for a, e in self.recheck_schedule
            )
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"bad recheck_schedule: {exc}") from exc
        if [s.age for s in steps] != sorted(s.age for s in steps):
            raise ConfigError("recheck_schedule ages must increase")
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


def _from_env(raw: str, kind: Any) -> Any:
    kind = str(kind)
    if kind.startswith("bool"):
        return raw.strip().lower() in ("1", "true", "yes", "on")
    if kind.startswith("int"):
        return int(raw)
    if kind.startswith("float"):
        return float(raw)
    if kind.startswith("list"):
        return tomllib.loads(f"v = {raw}")["v"]
    return raw


def settings_table() -> str:
    """The README's settings table, in Markdown."""
    lines = ["| setting | env variable | default | meaning |", "| --- | --- | --- | --- |"]
    for f in fields(Config):
        default = f.default if f.default is not MISSING else f.default_factory()  # type: ignore[misc]
        lines.append(
            f"| `{f.name}` | `NEWSMON_{f.name.upper()}` | `{default}` | {f.metadata['help']} |"
        )
    return "\n".join(lines)
