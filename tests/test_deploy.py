"""The deployment files (Dockerfile, deploy/compose.yaml, deploy/newsmon.service and its
environment file) name real commands and real settings, and keep the data where it is
writable and shared.

A container image cannot be pulled here, so what a mistake in these files would cost a
self-hoster is checked without one: every command they run is parsed by this newsmon's own
CLI (`--help` after the arguments rejects an unknown option), every NEWSMON_* variable must
be a setting (an unknown one would be ignored without a word) with a valid value, the unit
goes through `systemd-analyze verify`, and compose.yaml through `docker-compose config` where
those are installed. deploy/build-image builds and runs the image itself.
"""

from __future__ import annotations

import configparser
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import yaml

from newsmon.config.settings import Config
from tests.cli_helpers import ROOT, cli_env

DOCKERFILE = ROOT / "Dockerfile"
COMPOSE = ROOT / "deploy" / "compose.yaml"
UNIT = ROOT / "deploy" / "newsmon.service"
ENV_FILE = ROOT / "deploy" / "newsmon.env"
INTERPOLATED = re.compile(r"\$\{[^}]*\}")  # compose's ${VAR:?message}
NEWSMON_VAR = re.compile(r"\b(NEWSMON_[A-Z0-9_]+)[=:]\s*(\S+)")


def parses(tmp_path: Path, args: list[str]) -> subprocess.CompletedProcess[str]:
    """`newsmon ARGS --help`: exit 0 only if newsmon knows the command and each option."""
    return subprocess.run(
        [sys.executable, "-m", "newsmon", *args, "--help"],
        env=cli_env(tmp_path),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )


def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())


def newsmon_services() -> dict[str, dict[str, Any]]:
    """compose.yaml's services that run the newsmon image (anchors already merged)."""
    return {
        name: svc
        for name, svc in compose()["services"].items()
        if svc.get("image", "").startswith("newsmon")
    }


def unit() -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser(strict=False, delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(UNIT.read_text())
    return parser


def env_file() -> dict[str, str]:
    lines = (line.strip() for line in ENV_FILE.read_text().splitlines())
    pairs = (line.split("=", 1) for line in lines if line and not line.startswith("#"))
    return {key: value for key, value in pairs}


def dockerfile_env() -> dict[str, str]:
    """The ENV settings of the Dockerfile's final stage (continuation lines joined)."""
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    final = text.rsplit("\nFROM ", 1)[1]
    return dict(NEWSMON_VAR.findall(final))


def test_every_newsmon_variable_is_a_setting_with_a_valid_value() -> None:
    """A misspelt NEWSMON_ variable would be ignored, and the default used in its place."""
    settings = {f"NEWSMON_{name.upper()}" for name in Config.model_fields}
    sources = {
        "Dockerfile": dockerfile_env(),
        "newsmon.env": env_file(),
        **{
            f"compose {name}": {
                k: v for k, v in svc.get("environment", {}).items() if k.startswith("NEWSMON_")
            }
            for name, svc in newsmon_services().items()
        },
    }
    for where, variables in sources.items():
        assert variables, f"{where} sets no NEWSMON_ variable"
        unknown = set(variables) - settings
        assert not unknown, f"{where}: {sorted(unknown)} are not settings"
        Config.load(env={k: INTERPOLATED.sub("x", v) for k, v in variables.items()})


def test_the_image_runs_a_real_command_and_keeps_its_data_on_the_volume(tmp_path: Path) -> None:
    text = DOCKERFILE.read_text()
    entry = yaml.safe_load(re.search(r"^ENTRYPOINT (.+)$", text, re.M)[1])  # type: ignore[index]
    cmd = yaml.safe_load(re.search(r"^CMD (.+)$", text, re.M)[1])  # type: ignore[index]
    assert entry == ["newsmon"]
    done = parses(tmp_path, cmd)
    assert done.returncode == 0, done.stderr
    volume = PurePosixPath(yaml.safe_load(re.search(r"^VOLUME (.+)$", text, re.M)[1])[0])  # type: ignore[index]
    env = dockerfile_env()
    sqlite_file = PurePosixPath(env["NEWSMON_DATABASE_URL"].removeprefix("sqlite:///"))
    for path in (sqlite_file, PurePosixPath(env["NEWSMON_LEDGER_KEY"])):
        assert path.is_relative_to(volume), f"{path} is outside the volume {volume}"
    assert re.search(r"^USER newsmon$", text, re.M), "the image must not run as root"


def test_compose_runs_real_commands_with_crawlers_and_web_apart(tmp_path: Path) -> None:
    services = newsmon_services()
    commands = {name: svc["command"] for name, svc in services.items()}
    assert commands["crawler"][:2] == ["run", "--no-web"]
    assert commands["web"][0] == "serve"
    assert commands["migrate"] == ["db", "upgrade"]
    for name, args in commands.items():
        done = parses(tmp_path, args)
        assert done.returncode == 0, f"{name}: newsmon {shlex.join(args)}: {done.stderr}"
    assert services["crawler"]["deploy"]["replicas"] > 1


def test_compose_crawlers_share_one_ledger_key_the_web_app_reads() -> None:
    """Crawlers that signed with keys of their own would publish checkpoints nobody can
    check against one published key."""
    data = compose()
    services = newsmon_services()
    key = PurePosixPath(services["crawler"]["environment"]["NEWSMON_LEDGER_KEY"])

    def key_volume(svc: dict[str, Any]) -> str:
        for mount in svc.get("volumes", []):
            source, target, *mode = mount.split(":")
            if key.is_relative_to(target):
                assert source in data["volumes"], f"{source} is not a named volume"
                return f"{source}:{mode[0] if mode else 'rw'}"
        raise AssertionError(f"{key} is on no volume")

    assert key_volume(services["crawler"]) == "ledger:rw"
    assert key_volume(services["web"]) == "ledger:ro"
    for svc in services.values():
        assert svc["environment"]["NEWSMON_LEDGER_KEY"] == str(key)


def test_compose_passes_docker_compose_config() -> None:
    if shutil.which("docker-compose") is None:
        pytest.skip("docker-compose is not installed (apt-get install docker-compose)")
    done = subprocess.run(
        ["docker-compose", "-f", str(COMPOSE), "config", "--quiet"],
        env={**os.environ, "NEWSMON_DB_PASSWORD": "test"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr


def test_unit_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    """Verified with its commands pointed at this machine's newsmon (the unit names
    /opt/newsmon's); a directive systemd does not understand is a warning, so any is a failure."""
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed (apt-get install systemd)")
    here = shutil.which("newsmon")
    if here is None:
        pytest.skip("no newsmon on the PATH")
    copy = tmp_path / "newsmon.service"
    copy.write_text(UNIT.read_text().replace("/opt/newsmon/bin/newsmon", here))
    done = subprocess.run(
        ["systemd-analyze", "verify", str(copy)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == "", done.stderr


def test_unit_runs_real_commands_stops_cleanly_and_can_write_its_data(tmp_path: Path) -> None:
    service = unit()["Service"]
    for key in ("ExecStartPre", "ExecStart"):
        program, *args = shlex.split(service[key])
        assert program == "/opt/newsmon/bin/newsmon"
        done = parses(tmp_path, args)
        assert done.returncode == 0, f"{key}: {done.stderr}"
    assert service["User"] == "newsmon"
    assert service["Restart"] == "on-failure"
    assert service["KillSignal"] == "SIGTERM"
    # newsmon's clean stop waits up to 60 s for the crawl, 30 s for timed jobs, 10 s each
    # for the web app and the reactor, then signs a checkpoint: systemd must wait longer.
    assert int(service["TimeoutStopSec"].removesuffix("s")) > 110
    for directive, value in (
        ("ProtectSystem", "strict"),
        ("NoNewPrivileges", "yes"),
        ("PrivateTmp", "yes"),
    ):
        assert service[directive] == value, directive
    assert service["EnvironmentFile"].lstrip("-") == "/etc/newsmon/newsmon.env"
    # With ProtectSystem=strict everything else is read-only: the database file and the
    # ledger key the environment file names must be under ReadWritePaths.
    writable = [PurePosixPath(p) for p in service["ReadWritePaths"].split()]
    settings = env_file()
    sqlite_file = PurePosixPath(settings["NEWSMON_DATABASE_URL"].removeprefix("sqlite:///"))
    for path in (sqlite_file, PurePosixPath(settings["NEWSMON_LEDGER_KEY"])):
        assert any(path.is_relative_to(w) for w in writable), f"{path} is not writable"
