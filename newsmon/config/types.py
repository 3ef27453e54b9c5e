"""The value types of newsmon's settings: durations, URLs, networks, ports, log levels.

Each type validates once when settings load (pydantic), so the rest of the code can
trust a `Config`; a `ValueError` here becomes one line naming the setting.
"""

from __future__ import annotations

import ipaddress
import json
import re
import tomllib
from collections.abc import Mapping
from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field, ValidationError
from pydantic.fields import FieldInfo

from newsmon.core.zones import zone_named

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


def interval_seconds(value: str) -> int:
    """A source's check interval as given ("1h", "90", "0") in whole seconds; 0 means the
    recheck policy alone. Raises ConfigError on what is not a duration or is negative."""
    value = value.strip()
    if value.isdigit():  # "0" and "90": seconds, as the help says
        return int(value)
    try:
        seconds = parse_duration(value).total_seconds()
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    if seconds < 0:
        raise ConfigError("a duration must not be negative")
    return round(seconds)


def duration(value: Any) -> str:
    """A positive duration, kept as written ("15m"); a bare number means seconds."""
    if parse_duration(value) <= timedelta(0):
        raise ValueError("a duration must be longer than zero")
    return value if isinstance(value, str) else f"{value}s"


def http_url(value: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("not an http(s) URL")
    return value


def check_database_url(value: str) -> str:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        make_url(value)
    except (ArgumentError, ValueError) as exc:
        raise ValueError("not a database URL") from exc
    return value


def networks(value: Any) -> Any:
    """Comma-separated text (as in an environment variable) becomes a list."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


def network(value: str) -> str:
    return str(ipaddress.ip_network(value.strip(), strict=False))


def time_zone(value: str) -> str:
    zone_named(value)
    return value.strip()


def json_text(value: Any) -> Any:
    """A list written in an environment variable arrives as JSON (or TOML) text."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return tomllib.loads(f"v = {value}")["v"]
    return value


Duration = Annotated[str | int | float, AfterValidator(duration)]
Port = Annotated[int, Field(ge=1, le=65535)]
HttpURL = Annotated[str, AfterValidator(http_url)]
Network = Annotated[str, AfterValidator(network)]
TimeZoneName = Annotated[str, AfterValidator(time_zone)]
LogLevel = Annotated[
    Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"],
    BeforeValidator(lambda v: v.strip().upper() if isinstance(v, str) else v),
]


def setting(default: Any, help: str, allowed: str, **bounds: Any) -> Any:
    """A field with its help text (README, `config`) and, for errors, what it accepts."""
    extra: dict[str, Any] = {"description": help, "json_schema_extra": {"allowed": allowed}}
    if isinstance(default, list):  # a fresh copy for each Config, never the shared default
        return Field(default_factory=lambda: json.loads(json.dumps(default)), **extra, **bounds)
    return Field(default=default, **extra, **bounds)


def explain(
    fields: Mapping[str, FieldInfo],
    exc: ValidationError,
    values: Mapping[str, Any],
    origins: Mapping[str, str],
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
            from newsmon.storage.db import masked_url

            shown = repr(masked_url(values[name]))
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        if error["type"] == "extra_forbidden":
            lines[name] = (
                f"unknown setting {name} in {origin}: expected one that `newsmon config` lists"
            )
            continue
        field = fields[name]
        extra = field.json_schema_extra
        allowed = extra.get("allowed", "") if isinstance(extra, dict) else ""
        reason = ""
        if error["type"] == "value_error":
            reason = str(error["ctx"].get("error", "")) if error.get("ctx") else ""
            reason = f" ({reason})" if reason else ""
        lines[name] = f"bad setting {name} = {shown} from {origin}{reason}: expected {allowed}"
    return list(lines.values())
