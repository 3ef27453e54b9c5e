"""Running `python3 -m newsmon` as a user would: a real process, this tree first on the path."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def cli_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a CLI run: a fresh SQLite file, fast loopback crawling, no
    NEWSMON_* setting leaking in from the developer's shell."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSMON_")}
    env.update(
        PYTHONPATH=os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
        NEWSMON_DATABASE_URL=f"sqlite:///{tmp_path / 'cli.db'}",
        NEWSMON_DOWNLOAD_DELAY="0",
        NEWSMON_AUTOTHROTTLE="false",
        NEWSMON_EXTRACT_WORKERS="1",
        NEWSMON_LOG_LEVEL="WARNING",
        NEWSMON_ALLOW_NETWORKS="127.0.0.0/8,::1/128",
    )
    env.update(extra)
    return env


def newsmon(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "newsmon", *args],
        env=env or cli_env(tmp_path),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def run_until_started(tmp_path: Path, env: dict[str, str]) -> str:
    """`newsmon run --no-web` until it says it is running, then SIGTERM: its whole stderr
    (drained to the end: a full pipe would block the process)."""
    with subprocess.Popen(
        [sys.executable, "-m", "newsmon", "run", "--no-web"],
        env=env,
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        assert proc.stderr is not None
        started = ""
        for line in proc.stderr:
            started += line
            if "newsmon is running" in line:
                break
        proc.terminate()
        return started + proc.communicate(timeout=60)[1]


def one_error_line(done: subprocess.CompletedProcess[str]) -> str:
    """The single stderr line of a failed command (exit 1, no traceback)."""
    assert done.returncode == 1, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]
