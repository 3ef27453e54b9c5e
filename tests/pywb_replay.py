"""Replaying a WARC with pywb, as an archivist would: `wb-manager` indexes it into a
collection and pywb's replay app serves it on a loopback port, in a process of its own.

pywb runs in its own interpreter (`NEWSMON_PYWB_PYTHON`, else `.venv-pywb/bin/python` at
the repository root, else this one if it has pywb): it pins `werkzeug==3.1.7` and
`pyOpenSSL<26.2`, which would downgrade the project's own, and importing its app
monkey-patches the whole process with gevent. Run as a script (by that interpreter), this
module serves the app on a free port and prints the port.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

READY = "pywb listening on port"
ROOT = Path(__file__).resolve().parents[1]
INSTALL = (
    "pywb is not installed: `python3 -m venv .venv-pywb && .venv-pywb/bin/pip install pywb` "
    "at the repository root (or set NEWSMON_PYWB_PYTHON to a Python that has pywb)"
)


def pywb_python() -> Path | None:
    """The interpreter that has pywb, or None (the caller skips, naming the package)."""
    named = os.environ.get("NEWSMON_PYWB_PYTHON")
    if named:
        return Path(named)
    venv = ROOT / ".venv-pywb" / "bin" / "python"
    if venv.exists():
        return venv
    if importlib.util.find_spec("pywb") is not None:
        return Path(sys.executable)
    return None


@contextlib.contextmanager
def replay(python: Path, warc: Path, workdir: Path, collection: str = "news") -> Iterator[str]:
    """Index `warc` into a pywb collection under `workdir` and serve it; yields the base URL
    of the collection (`http://127.0.0.1:PORT/news/`)."""
    manager = [str(python), "-m", "pywb.manager.manager"]  # `wb-manager`
    for step in (["init", collection], ["add", collection, str(warc)]):
        done = subprocess.run(
            [*manager, *step], cwd=workdir, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stdout + done.stderr  # wb-manager errs on stdout
    server = subprocess.Popen(
        [str(python), str(Path(__file__).resolve())],
        cwd=workdir,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        # pywb notes on stdout that it runs without a config.yaml; then comes our line
        ready = next((line for line in server.stdout if line.startswith(READY)), "")
        assert ready, f"pywb did not start (exit {server.poll()})"
        yield f"http://127.0.0.1:{ready.removeprefix(READY).strip()}/{collection}/"
    finally:
        server.terminate()
        server.wait(timeout=30)


def serve() -> None:
    """pywb's replay app (the one `wayback` runs) on a free loopback port; prints the port."""
    from gevent.pywsgi import WSGIServer
    from pywb.apps.frontendapp import FrontEndApp

    server = WSGIServer(("127.0.0.1", 0), FrontEndApp(), log=None)
    server.start()
    print(READY, server.server_port, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    serve()
