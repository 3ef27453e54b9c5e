"""CLI start-up benchmark: wall time of `python -m newsmon ...` calls, per command.

Run on demand: `python bench/cli_startup.py [RUNS] [--baseline DIR]`. Each command runs
RUNS times (default 7) against one migrated SQLite database with no articles (so
`diff 1 0 1` ends in its one-line "not found": the time is the start-up, the imports and
the query, not the diff). The figure is the fastest run, printed with its ratio to a bare
`python -c pass` in the same process. With `--baseline DIR` (a checkout of an older
commit, e.g. `git archive <rev> | tar -x -C DIR`), the same calls run from DIR too, the
two trees alternating call by call, and the ratio old/new is printed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = (
    ("--help",),
    ("config",),
    ("sources", "list"),
    ("articles",),
    ("versions", "1"),
    ("diff", "1", "0", "1"),
    ("search", "council"),
)


def timed(argv: list[str], env: dict[str, str], cwd: Path) -> float:
    """Seconds of one process from start to exit."""
    start = time.perf_counter()
    subprocess.run(argv, env=env, cwd=cwd, capture_output=True, check=False)
    return time.perf_counter() - start


def env_for(tree: Path, database: Path) -> dict[str, str]:
    """The environment of a call from `tree`: that tree first on the path, one database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSMON_")}
    env["PYTHONPATH"] = str(tree)
    env["NEWSMON_DATABASE_URL"] = f"sqlite:///{database}"
    return env


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("runs", nargs="?", type=int, default=7)
    parser.add_argument("--baseline", type=Path, help="an older tree to compare with")
    args = parser.parse_args()
    trees = {"new": ROOT} | ({"old": args.baseline.resolve()} if args.baseline else {})
    with tempfile.TemporaryDirectory() as tmp:
        cwd = Path(tmp)
        database = cwd / "bench.db"
        newsmon = [sys.executable, "-m", "newsmon"]
        subprocess.run([*newsmon, "db", "upgrade"], env=env_for(ROOT, database), check=True)
        bare = min(timed([sys.executable, "-c", "pass"], os.environ.copy(), cwd) for _ in range(5))
        print(f"bare interpreter (python -c pass): {bare * 1000:.0f} ms")
        header = f"{'newsmon ...':22} {'new ms':>8} {'x bare':>7}"
        print(header + (f" {'old ms':>8} {'old/new':>8}" if args.baseline else ""))
        for command in COMMANDS:
            best = {name: float("inf") for name in trees}
            for _ in range(args.runs):
                for name, tree in trees.items():
                    seconds = timed([*newsmon, *command], env_for(tree, database), cwd)
                    best[name] = min(best[name], seconds)
            line = f"{' '.join(command):22} {best['new'] * 1000:8.0f} {best['new'] / bare:7.1f}"
            if args.baseline:
                line += f" {best['old'] * 1000:8.0f} {best['old'] / best['new']:8.2f}"
            print(line)


if __name__ == "__main__":
    main()
